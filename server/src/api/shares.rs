//! Share links: making, listing and revoking a dashboard's read-only links, and
//! `GET /api/v1/share`, the dashboard a link's holder opens. What a holder may call is
//! decided in [`super::caller`]; the `/s/{token}` page is in [`super::web`].
//!
//! These handlers carry the OpenAPI tag `super::dashboards` (they were written there first;
//! the published document keeps it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use boltic_types::{DashboardResponse, NewShare, ShareCreated, ShareInfo};
use chrono::Utc;

use super::caller::Caller;
use super::dashboards::find;
use super::error::{ApiCode, ApiError};
use super::extract::ApiJson;
use super::state::AppState;
use crate::store::ShareLink;

/// The dashboard a share link opens (the visitor's page calls this with the link's token).
#[utoipa::path(get, path = "/api/v1/share", tag = "super::dashboards", responses((status = 200, body = DashboardResponse),
    (status = 401, body = super::error::ErrorBody), (status = 410, body = super::error::ErrorBody)))]
pub async fn shared(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let Caller::Share { dashboard, .. } = &caller else {
        return Err(ApiError::new(
            ApiCode::InvalidToken,
            "this endpoint needs a share link's token",
        )
        .hint("send 'Authorization: Bearer <token>' with the token of a /s/<token> link"));
    };
    Ok(Json(find(&state, dashboard).await?.response(&caller)).into_response())
}

/// A share link as listed (without its token).
fn share_info(l: ShareLink) -> ShareInfo {
    let status = l.status(Utc::now());
    ShareInfo {
        id: l.id,
        dashboard: l.dashboard,
        created_at: l.created_at,
        expires_at: l.expires_at,
        revoked_at: l.revoked_at,
        status,
    }
}

/// The share links of a dashboard (their tokens are not kept, so not shown).
#[utoipa::path(get, path = "/api/v1/dashboards/{dashboard}/shares", tag = "super::dashboards", params(("dashboard" = String, Path)),
    responses((status = 200, body = Vec<ShareInfo>)))]
pub async fn list_shares(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    find(&state, &name).await?;
    let links = state.store.shares(&name).await?;
    Ok(Json(links.into_iter().map(share_info).collect::<Vec<_>>()).into_response())
}

/// Make a read-only share link, optionally expiring.
#[utoipa::path(post, path = "/api/v1/dashboards/{dashboard}/shares", tag = "super::dashboards", params(("dashboard" = String, Path)),
    request_body = NewShare,
    responses((status = 201, body = ShareCreated), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_share(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewShare>,
) -> Result<Response, ApiError> {
    find(&state, &name).await?;
    if let Some(at) = new.expires_at
        && at <= Utc::now()
    {
        return Err(ApiError::new(
            ApiCode::InvalidExpiry,
            format!("the expiry '{}' is in the past", at.to_rfc3339()),
        ));
    }
    // the link shows what its maker sees
    let created_by = match caller {
        Caller::User { id, .. } => Some(id),
        Caller::Anonymous | Caller::Share { .. } => None,
    };
    let (link, token) = state.store.share(&name, new.expires_at, created_by).await?;
    let created = ShareCreated {
        link: share_info(link),
        path: format!("/s/{token}"),
        token,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Revoke a share link: it answers "not found" from then on.
#[utoipa::path(delete, path = "/api/v1/dashboards/{dashboard}/shares/{id}", tag = "super::dashboards",
    params(("dashboard" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn revoke_share(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if !state.store.revoke(&name, &id).await? {
        return Err(ApiError::new(
            ApiCode::UnknownShare,
            format!("dashboard '{name}' has no share link '{id}'"),
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
