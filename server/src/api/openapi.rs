//! The OpenAPI document of the API (`GET /api/v1/openapi.json`), generated from the
//! handlers' `#[utoipa::path]` attributes and doc comments.

use axum::Json;
use axum::response::{IntoResponse, Response};
use boltic_types::{ErrorBody, FieldMeta, QueryResponse, SqlResponse, Timing};
use utoipa::OpenApi;

// `paths(...)` names these handlers without their module, so they carry no tag (the
// dashboard and share handlers are named by module path, or say their tag themselves).
use super::explores::{__path_describe_explore, __path_field_values, __path_list_explores};
use super::ops::{
    __path_health, __path_metrics, __path_ready, __path_reload, __path_warehouse_versions,
};
use super::queries::{__path_compile_sql, __path_drill, __path_run_query};

/// The generated OpenAPI document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Boltic API", description = "Ask the semantic model questions; get typed rows back."),
    paths(
        list_explores,
        describe_explore,
        run_query,
        compile_sql,
        drill,
        field_values,
        health,
        ready,
        reload,
        warehouse_versions,
        metrics,
        openapi,
        super::dashboards::list,
        super::dashboards::get,
        super::shares::shared,
        super::dashboards::create,
        super::dashboards::update,
        super::dashboards::delete,
        super::dashboards::add_tile,
        super::dashboards::tile_query,
        super::shares::list_shares,
        super::shares::create_share,
        super::shares::revoke_share,
        super::users::me,
        super::users::my_keys,
        super::users::create_my_key,
        super::users::revoke_my_key,
        super::users::list_users,
        super::users::add_user,
        super::users::change_user,
        super::users::user_keys,
        super::users::create_user_key,
        super::users::revoke_key,
        super::users::audit_log
    ),
    components(schemas(ErrorBody, QueryResponse<'static>, FieldMeta, Timing, SqlResponse))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, content_type = "application/json")))]
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
