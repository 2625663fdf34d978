//! The HTTP endpoints under `/api/v1`, with their OpenAPI descriptions.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query as UrlQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use boltic_semantic::{Column, Condition, Filter, Filters, Op, Query, Sort};
use boltic_types::{
    Encoded, ErrorBody, ExploreDescription, ExploreSummary, FieldInfo, FieldKind, FieldMeta,
    QueryResponse, ReadyResponse, SqlResponse, Timing, ValuesResponse,
};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::encode::{self, Format};
use super::error::ApiError;
use super::query::{self, Caller};
use super::state::AppState;

/// The generated OpenAPI document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Boltic API", description = "Ask the semantic model questions; get typed rows back."),
    paths(
        list_explores,
        describe_explore,
        run_query,
        compile_sql,
        field_values,
        health,
        ready,
        reload,
        metrics,
        openapi,
        super::dashboards::list,
        super::dashboards::get,
        super::dashboards::shared,
        super::dashboards::create,
        super::dashboards::update,
        super::dashboards::delete,
        super::dashboards::add_tile,
        super::dashboards::tile_query,
        super::dashboards::list_shares,
        super::dashboards::create_share,
        super::dashboards::revoke_share
    ),
    components(schemas(ErrorBody, QueryResponse<'static>, FieldMeta, Timing, SqlResponse))
)]
pub struct ApiDoc;

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

/// Options of a query request.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QueryParams {
    /// `json` (default), `csv` or `arrow`; overrides `Accept`.
    format: Option<String>,
    /// `false` to bypass the result cache (as does `Cache-Control: no-cache`).
    cache: Option<bool>,
}

/// Options of a field-values request.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ValuesParams {
    /// Only values containing this text.
    q: Option<String>,
    /// Most values to return (default 100, at most 1000).
    limit: Option<u64>,
}

/// List the explores.
#[utoipa::path(get, path = "/api/v1/explores", responses(
    (status = 200, body = Vec<ExploreSummary>),
    (status = 503, body = ErrorBody, description = "no model loaded")))]
pub async fn list_explores(State(state): State<AppState>) -> Result<Response, ApiError> {
    let loaded = state
        .model()
        .ok_or_else(|| ApiError::not_ready("semantic model", "fix the model; see /api/v1/ready"))?;
    let list: Vec<ExploreSummary> = loaded
        .model
        .explores
        .values()
        .map(|e| ExploreSummary {
            name: e.name.clone(),
            label: e.label.clone().unwrap_or_else(|| title(&e.name)),
            description: e.description.clone(),
            view: e.view.clone(),
        })
        .collect();
    Ok(Json(list).into_response())
}

/// Describe one explore: its fields.
#[utoipa::path(get, path = "/api/v1/explores/{explore}", params(("explore" = String, Path)), responses(
    (status = 200, body = ExploreDescription),
    (status = 404, body = ErrorBody, description = "unknown_explore")))]
pub async fn describe_explore(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let loaded = state
        .model()
        .ok_or_else(|| ApiError::not_ready("semantic model", "fix the model; see /api/v1/ready"))?;
    let model = &loaded.model;
    let explore = model
        .explores
        .get(&name)
        .ok_or_else(|| unknown_explore(&name, model))?;
    let mut fields = Vec::new();
    for alias in explore.aliases() {
        let Some(view) = explore.view_of(alias).and_then(|v| model.views.get(v)) else {
            continue;
        };
        for f in view.fields.values() {
            if !explore.allows(alias, &f.name) {
                continue;
            }
            fields.push(FieldInfo {
                name: format!("{alias}.{}", f.name),
                view: alias.to_string(),
                kind: if f.is_dimension() {
                    FieldKind::Dimension
                } else {
                    FieldKind::Measure
                },
                ty: f.type_name().to_string(),
                label: f.label.clone().unwrap_or_else(|| title(&f.name)),
                description: f.description.clone(),
                group: f.group_label.clone(),
                hidden: f.hidden,
                value_format: f.value_format.clone(),
            });
        }
    }
    fields.sort_by_key(|f| !f.is_dimension());
    Ok(Json(ExploreDescription {
        name: explore.name.clone(),
        label: explore
            .label
            .clone()
            .unwrap_or_else(|| title(&explore.name)),
        description: explore.description.clone(),
        fields,
    })
    .into_response())
}

fn unknown_explore(name: &str, model: &boltic_semantic::Model) -> ApiError {
    let names: Vec<&str> = model.explores.keys().map(String::as_str).collect();
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_explore",
        format!("there is no explore '{name}'"),
    )
    .hint(format!("explores are: {}", names.join(", ")))
}

/// `customer_group` → `Customer Group`.
fn title(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse a query body into `T`, with the line and column of any mistake.
pub fn parse_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    parse_json(
        body,
        "invalid_query",
        "the query",
        r#"send {"explore": "...", "fields": ["view.field", ...]}; see /api/v1/openapi.json"#,
    )
}

/// Parse another endpoint's JSON body (code `invalid_request`).
pub fn parse_request_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    parse_json(
        body,
        "invalid_request",
        "the request body",
        "/api/v1/openapi.json describes the body of each endpoint",
    )
}

fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    code: &'static str,
    what: &str,
    hint: &str,
) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than the server accepts",
            )
            .hint("send a smaller body")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the request body could not be read",
            )
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("{what} is not valid JSON of the expected shape: {e}"),
        )
        .hint(hint)
        .at(serde_json::json!({"line": e.line(), "column": e.column()}))
    })
}

/// Like [`parse_request_body`], with `T::default()` for an empty body.
pub fn parse_body_or_default<T: serde::de::DeserializeOwned + Default>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    match &body {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(T::default()),
        _ => parse_request_body(body),
    }
}

pub(crate) fn wants_cache(headers: &HeaderMap, params: &QueryParams) -> bool {
    if params.cache == Some(false) {
        return false;
    }
    let no_cache = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-cache") || v.contains("no-store"));
    !no_cache
}

pub(crate) fn format_of(headers: &HeaderMap, params: &QueryParams) -> Result<Format, ApiError> {
    match &params.format {
        Some(name) => Format::from_name(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_format",
                format!("there is no format '{name}'"),
            )
            .hint("use format=json, csv or arrow")
            .at(serde_json::json!({"parameter": "format"}))
        }),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(Format::from_accept)
            .unwrap_or(Format::Json)),
    }
}

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
    UrlQuery(params): UrlQuery<QueryParams>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let started = std::time::Instant::now();
    let format = format_of(&headers, &params)?;
    let query: Query = parse_body(body)?;
    let answer = query::answer(&state, &query, &caller, wants_cache(&headers, &params)).await?;
    respond(&state, &answer, format, started)
}

/// The response for an answered query in `format`, with the cache, truncation and warehouse
/// version headers; counts it in the metrics.
pub(crate) fn respond(
    state: &AppState,
    answer: &query::Answer,
    format: Format,
    started: std::time::Instant,
) -> Result<Response, ApiError> {
    let result = &answer.result;
    let mut response = match format {
        Format::Json => {
            let body = QueryResponse {
                fields: field_meta(&answer.compiled.columns),
                rows: Encoded::Raw(&result.rows_json),
                totals: result.totals_json.as_deref().map(Encoded::Raw),
                row_count: result.row_count,
                truncated: result.truncated,
                sql: answer.compiled.sql.as_str().into(),
                timing: Timing {
                    compile_ms: answer.compile_ms,
                    execute_ms: result.execute_ms,
                    total_ms: started.elapsed().as_secs_f64() * 1e3,
                },
                cache: answer.cache,
                warehouse_version: std::borrow::Cow::Borrowed(&result.version),
            };
            let bytes = serde_json::to_vec(&body).map_err(|e| {
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

/// Compile a query to SQL without running it.
#[utoipa::path(post, path = "/api/v1/sql", request_body = Query, responses(
    (status = 200, body = SqlResponse),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compile_sql(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let query: Query = parse_body(body)?;
    let compiled = query::compile(&state, &query, &caller)?;
    Ok(Json(SqlResponse {
        sql: compiled.sql,
        totals_sql: compiled.totals_sql,
        fields: field_meta(&compiled.columns),
        fanout_views: compiled.fanout_views,
    })
    .into_response())
}

/// Distinct values of a dimension, for filter suggestions.
#[utoipa::path(get, path = "/api/v1/explores/{explore}/fields/{field}/values",
    params(("explore" = String, Path), ("field" = String, Path, description = "view.field"), ValuesParams),
    responses((status = 200, body = ValuesResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn field_values(
    State(state): State<AppState>,
    Path((explore, field)): Path<(String, String)>,
    UrlQuery(params): UrlQuery<ValuesParams>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    if let Some(loaded) = state.model() {
        let model = &loaded.model;
        let e = model
            .explores
            .get(&explore)
            .ok_or_else(|| unknown_explore(&explore, model))?;
        if let Some((_, _, f)) = model.resolve(e, &field)
            && !f.is_dimension()
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_a_dimension",
                format!("'{field}' is a measure; only dimensions have values to suggest"),
            )
            .at(serde_json::json!({"field": field})));
        }
    }
    let filters = match params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => Filters::List(vec![Filter::Condition(Condition {
            field: field.clone(),
            op: Op::Contains,
            values: vec![serde_json::Value::String(q.to_string())],
        })]),
        None => Filters::default(),
    };
    let query = Query {
        explore,
        fields: vec![field.clone()],
        filters,
        sorts: vec![Sort {
            field: field.clone(),
            desc: false,
        }],
        limit: Some(limit + 1),
        ..Query::default()
    };
    let answer = query::answer(&state, &query, &caller, true).await?;
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(answer.result.rows_json.get()).map_err(|e| {
            tracing::error!(error = %e, "cannot read back result rows");
            ApiError::internal("reading values")
        })?;
    let mut values: Vec<serde_json::Value> = rows
        .into_iter()
        .filter_map(|mut r| r.remove(&field))
        .collect();
    let truncated = values.len() as u64 > limit;
    values.truncate(limit as usize);
    Ok(Json(ValuesResponse {
        field,
        values,
        truncated,
    })
    .into_response())
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "alive")))]
pub async fn health() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

fn readiness(state: &AppState) -> ReadyResponse {
    let model = state.model();
    let engine = state.engine();
    ReadyResponse {
        ready: model.is_some() && engine.is_some(),
        model_generation: model.as_ref().map(|m| m.generation),
        warehouse_version: engine.map(|e| e.manifest().version.clone()),
        model_problem: state.model_problem(),
        warehouse_problem: state.warehouse_problem(),
        model_warnings: model
            .map(|m| m.warnings.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default(),
        uptime_seconds: state.uptime().as_secs(),
    }
}

/// Readiness: a model and a warehouse version are loaded (503 otherwise), with what is
/// served and any reload problem.
#[utoipa::path(get, path = "/api/v1/ready", responses(
    (status = 200, body = ReadyResponse), (status = 503, body = ReadyResponse)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let r = readiness(&state);
    let status = if r.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(r)).into_response()
}

/// Reload the model files and look for a new warehouse version now. A model with errors is
/// refused (422 `model_invalid`, the errors listed) and the loaded one keeps serving.
#[utoipa::path(post, path = "/api/v1/admin/reload", responses(
    (status = 200, body = ReadyResponse), (status = 422, body = ErrorBody, description = "model_invalid")))]
pub async fn reload(State(state): State<AppState>) -> Result<Response, ApiError> {
    let model = state.reload_model();
    if let Err(e) = state.reload_warehouse().await {
        tracing::warn!(error = %e, "warehouse not reloaded");
    }
    match model {
        Ok(_) => Ok(Json(readiness(&state)).into_response()),
        Err(problem) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "model_invalid",
            format!(
                "the model has {} error(s) and was not reloaded; the previous model keeps serving",
                problem.errors.len()
            ),
        )
        .hint("run 'boltic validate' and fix the files")
        .at(serde_json::json!({"errors": problem.errors}))),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (_, bytes) = state.cache.usage();
    state.metrics.cache_bytes.set(bytes as i64);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, content_type = "application/json")))]
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
