//! Queries: running one (`POST /api/v1/query`), compiling one to SQL, and [`respond`], the
//! response writer every answered query goes through (JSON, CSV or Arrow, with its headers
//! and metrics).

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use boltic_semantic::{Column, Query};
use boltic_types::{
    DrillRequest, DrillResponse, Encoded, ErrorBody, FieldMeta, QueryResponse, SqlResponse, Timing,
};

use super::answer::{self, Answer};
use super::caller::Caller;
use super::encode::{self, Format};
use super::error::ApiError;
use super::explores::title;
use super::extract::{ApiJson, QueryParams, ResponseOptions};
use super::state::AppState;

/// Run a query. JSON by default; `format=csv|arrow` or `Accept: text/csv` /
/// `application/vnd.apache.arrow.stream` stream the rows instead. The `Boltic-Cache`
/// header tells `hit`, `miss` or `bypass`.
#[utoipa::path(post, path = "/api/v1/query", params(QueryParams), request_body = Query, responses(
    (status = 200, body = QueryResponse<'static>, description = "JSON; or CSV / Arrow IPC rows"),
    (status = 400, body = ErrorBody, description = "invalid_query, unsupported_format"),
    (status = 404, body = ErrorBody, description = "unknown_explore"),
    (status = 413, body = ErrorBody, description = "row_limit_exceeded, payload_too_large"),
    (status = 422, body = ErrorBody, description = "unknown_field, invalid_filter, ..."),
    (status = 429, body = ErrorBody, description = "overloaded"),
    (status = 503, body = ErrorBody, description = "not_ready, memory_limit_exceeded"),
    (status = 504, body = ErrorBody, description = "query_timeout")))]
pub async fn run_query(
    State(state): State<AppState>,
    options: ResponseOptions,
    Extension(caller): Extension<Caller>,
    ApiJson(query): ApiJson<Query>,
) -> Result<Response, ApiError> {
    let answer = answer::answer(
        &state,
        &query,
        &caller,
        options.use_cache,
        options.as_of.as_deref(),
    )
    .await?;
    respond(&state, &caller, &answer, &options)
}

/// The response for an answered query in the wanted format, with the cache, truncation and
/// warehouse version headers; counts it in the metrics.
pub(crate) fn respond(
    state: &AppState,
    caller: &Caller,
    answer: &Answer,
    options: &ResponseOptions,
) -> Result<Response, ApiError> {
    let ResponseOptions {
        format, started, ..
    } = options.clone();
    let result = &answer.result;
    let mut response = match format {
        Format::Json => {
            let body = QueryResponse {
                fields: field_meta(&answer.compiled.columns),
                rows: Encoded::Raw(&result.rows_json),
                totals: result.totals_json.as_deref().map(Encoded::Raw),
                pivot_totals: result.pivot_totals_json.as_deref().map(Encoded::Raw),
                row_count: result.row_count,
                truncated: result.truncated,
                // left out for callers without `see_sql`
                sql: if caller.sees_sql() {
                    answer.compiled.sql.as_str().into()
                } else {
                    "".into()
                },
                timing: Timing {
                    compile_ms: answer.compile_ms,
                    execute_ms: result.execute_ms,
                    total_ms: started.elapsed().as_secs_f64() * 1e3,
                },
                cache: answer.cache,
                warehouse_version: std::borrow::Cow::Borrowed(&result.version),
            };
            // room for all of it at once: the rows, totals and SQL are most of the answer
            let mut bytes = Vec::with_capacity(
                512 + result.size_json()
                    + body.sql.len()
                    + body
                        .fields
                        .iter()
                        .map(|f| 128 + f.name.len())
                        .sum::<usize>(),
            );
            serde_json::to_writer(&mut bytes, &body).map_err(|e| {
                tracing::error!(error = %e, "cannot serialize a response");
                ApiError::internal("encoding the result")
            })?;
            Response::new(Body::from(bytes))
        }
        Format::Csv | Format::Arrow => Response::new(encode::stream(result.clone(), format)),
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        "boltic-cache",
        HeaderValue::from_static(answer.cache.as_str()),
    );
    h.insert(
        "boltic-truncated",
        HeaderValue::from_static(if result.truncated { "true" } else { "false" }),
    );
    if let Ok(v) = HeaderValue::from_str(&result.version) {
        h.insert("boltic-warehouse-version", v);
    }
    state.metrics.query(
        format.name(),
        answer.cache.as_str(),
        started.elapsed().as_secs_f64(),
        result.row_count as u64,
    );
    Ok(response)
}

/// Result column metadata; fields without a label get one from their name, as in
/// `describe_explore`.
fn field_meta(columns: &[Column]) -> Vec<FieldMeta> {
    columns
        .iter()
        .map(|c| FieldMeta {
            name: c.name.clone(),
            kind: c.kind,
            ty: c.ty.to_string(),
            label: Some(c.label.clone().unwrap_or_else(|| {
                title(c.name.split_once('.').map_or(c.name.as_str(), |(_, f)| f))
            })),
            value_format: c.value_format.clone(),
            pivot: c.pivot,
        })
        .collect()
}

/// Compile a query to SQL without running it.
#[utoipa::path(post, path = "/api/v1/sql", request_body = Query, responses(
    (status = 200, body = SqlResponse),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compile_sql(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(query): ApiJson<Query>,
) -> Result<Response, ApiError> {
    let compiled = answer::compile(&state, &query, &caller)?;
    Ok(Json(SqlResponse {
        sql: compiled.sql,
        totals_sql: compiled.totals_sql,
        fields: field_meta(&compiled.columns),
        fanout_views: compiled.fanout_views,
    })
    .into_response())
}

/// Where a click on a value of a result leads: for a measure, the question listing the rows
/// behind the value (its `drill_fields`, filtered to the clicked row); for a dimension and
/// `to`, the question one level down. Run the answer with `POST /api/v1/query`, which applies
/// the caller's access rules as to any question.
#[utoipa::path(post, path = "/api/v1/drill", request_body = DrillRequest, responses(
    (status = 200, body = DrillResponse),
    (status = 400, body = ErrorBody, description = "invalid_query"),
    (status = 404, body = ErrorBody, description = "unknown_explore"),
    (status = 422, body = ErrorBody, description = "invalid_drill, unknown_field, ...")))]
pub async fn drill(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<DrillRequest>,
) -> Result<Response, ApiError> {
    let loaded = state
        .model()
        .ok_or_else(|| answer::model_not_ready(&state))?;
    let now = answer::now_in(boltic_semantic::query_timezone(
        &loaded.model,
        &request.query,
    ));
    let query = boltic_semantic::drill(&loaded.model, &request, &caller.access(), now)?;
    Ok(Json(DrillResponse { query }).into_response())
}
