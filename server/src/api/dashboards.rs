//! Dashboards and share links: the project's YAML dashboards (read-only) and the app's own
//! (SQLite, see [`crate::store`]), their tiles' queries with dashboard filters applied, and
//! share links whose token opens one dashboard and nothing else.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query as UrlQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use boltic_semantic::{Dashboard, DashboardExt, DashboardProblem, Tile};
use boltic_types::{
    DashboardBody, DashboardResponse, DashboardSource, DashboardSummary, NewShare, NewTile,
    ShareCreated, ShareInfo, TileQueryRequest,
};
use chrono::Utc;

use super::error::ApiError;
use super::query::{self, Caller};
use super::routes::{
    QueryParams, format_of, parse_body_or_default, parse_request_body, respond, wants_cache,
};
use super::state::AppState;
use crate::store::{ShareLink, ShareStatus, StoreError, StoredDashboard};

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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                name,
                current,
                sent,
            } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("dashboard '{name}' was changed by someone else since you opened it"),
            )
            .hint(format!(
                "reload the dashboard (version {current}; yours was {sent}) and make the change again"
            )),
            StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", "not found"),
            StoreError::Exists(name) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("dashboard '{name}' already exists"),
            )
            .hint("try again; names get a random suffix"),
            other => {
                tracing::error!(error = %other, "app database");
                ApiError::internal("the app database")
            }
        }
    }
}

/// A dashboard found by name: from the project or from the app database.
enum Found {
    Project(Dashboard),
    App(StoredDashboard),
}

impl Found {
    fn dashboard(&self) -> &Dashboard {
        match self {
            Found::Project(d) => d,
            Found::App(s) => &s.dashboard,
        }
    }
    fn response(self, caller: &Caller) -> DashboardResponse {
        let visitor = matches!(caller, Caller::Share { .. });
        match self {
            Found::Project(dashboard) => DashboardResponse {
                dashboard,
                source: DashboardSource::Project,
                editable: false,
                version: None,
                updated_at: None,
            },
            Found::App(s) => DashboardResponse {
                dashboard: s.dashboard,
                source: DashboardSource::App,
                editable: !visitor,
                version: (!visitor).then_some(s.version),
                updated_at: Some(s.updated_at),
            },
        }
    }
}

fn no_dashboard(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_dashboard",
        format!("there is no dashboard '{name}'"),
    )
    .hint("GET /api/v1/dashboards lists them")
}

async fn find(state: &AppState, name: &str) -> Result<Found, ApiError> {
    if let Some(d) = state
        .model()
        .and_then(|m| m.model.dashboards.get(name).cloned())
    {
        return Ok(Found::Project(d));
    }
    match state.store.dashboard(name).await? {
        Some(s) => Ok(Found::App(s)),
        None => Err(no_dashboard(name)),
    }
}

fn read_only(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "read_only",
        format!("dashboard '{name}' is defined in the project's YAML and cannot be changed here"),
    )
    .hint("edit it in the project's semantic/*.yml (and commit it), or save its tiles to a new dashboard")
}

/// Check a dashboard against the loaded model; the first problem becomes a 422.
fn checked(state: &AppState, mut d: Dashboard) -> Result<Dashboard, ApiError> {
    let loaded = state.model().ok_or_else(|| {
        ApiError::not_ready(
            "semantic model",
            "fix the model ('boltic validate'); dashboards are checked against it",
        )
    })?;
    d.place_tiles();
    let problems = d.check(&loaded.model);
    if let Some(p) = problems.first() {
        return Err(invalid_dashboard(p, problems.len()));
    }
    Ok(d)
}

fn invalid_dashboard(p: &DashboardProblem, count: usize) -> ApiError {
    let more = if count > 1 {
        format!(" ({} more problems)", count - 1)
    } else {
        String::new()
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_dashboard",
        format!("{}{more}", p.message),
    )
    .hint(
        p.hint
            .clone()
            .unwrap_or_else(|| "fix the dashboard definition".into()),
    )
    .at(serde_json::json!({"path": p.location(), "code": p.code}))
}

/// The dashboards: the project's, then the app's.
#[utoipa::path(get, path = "/api/v1/dashboards", responses((status = 200, body = Vec<DashboardSummary>)))]
pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut out: Vec<DashboardSummary> = state
        .model()
        .map(|m| {
            m.model
                .dashboards
                .values()
                .map(|d| DashboardSummary {
                    name: d.name.clone(),
                    title: d.title.clone(),
                    description: d.description.clone(),
                    source: DashboardSource::Project,
                    editable: false,
                    tiles: d.tiles.len(),
                    updated_at: None,
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.title.cmp(&b.title));
    for s in state.store.dashboards().await? {
        out.push(DashboardSummary {
            name: s.dashboard.name,
            title: s.dashboard.title,
            description: s.dashboard.description,
            source: DashboardSource::App,
            editable: true,
            tiles: s.dashboard.tiles.len(),
            updated_at: Some(s.updated_at),
        });
    }
    Ok(Json(out).into_response())
}

/// One dashboard.
#[utoipa::path(get, path = "/api/v1/dashboards/{dashboard}", params(("dashboard" = String, Path)),
    responses((status = 200, body = DashboardResponse), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    Ok(Json(find(&state, &name).await?.response(&caller)).into_response())
}

/// The dashboard a share link opens (the visitor's page calls this with the link's token).
#[utoipa::path(get, path = "/api/v1/share", responses((status = 200, body = DashboardResponse),
    (status = 401, body = super::error::ErrorBody), (status = 410, body = super::error::ErrorBody)))]
pub async fn shared(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let Caller::Share { dashboard, .. } = &caller else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "this endpoint needs a share link's token",
        )
        .hint("send 'Authorization: Bearer <token>' with the token of a /s/<token> link"));
    };
    Ok(Json(find(&state, dashboard).await?.response(&caller)).into_response())
}

/// Make a dashboard in the app.
#[utoipa::path(post, path = "/api/v1/dashboards", request_body = DashboardBody,
    responses((status = 201, body = DashboardResponse), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let new: DashboardBody = parse_request_body(body)?;
    // names get a random suffix; draw again in the unlikely case a project dashboard has it
    let taken = |n: &str| {
        state
            .model()
            .is_some_and(|m| m.model.dashboards.contains_key(n))
    };
    let mut name = crate::store::name_from_title(&new.title)?;
    while taken(&name) {
        name = crate::store::name_from_title(&new.title)?;
    }
    let d = checked(&state, new.into_dashboard(name))?;
    let stored = state.store.create(d).await?;
    Ok((
        StatusCode::CREATED,
        Json(Found::App(stored).response(&caller)),
    )
        .into_response())
}

/// Replace a dashboard made in the app (title, filters, tiles and their layout).
#[utoipa::path(put, path = "/api/v1/dashboards/{dashboard}", params(("dashboard" = String, Path)),
    request_body = DashboardBody,
    responses((status = 200, body = DashboardResponse), (status = 409, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let change: DashboardBody = parse_request_body(body)?;
    if let Found::Project(_) = find(&state, &name).await? {
        return Err(read_only(&name));
    }
    let version = change.version.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_dashboard",
            format!("the change to dashboard '{name}' does not say which version it was based on"),
        )
        .hint("send the 'version' you read with the dashboard")
        .at(serde_json::json!({"path": "version"}))
    })?;
    let d = checked(&state, change.into_dashboard(name.clone()))?;
    let stored = state.store.update(d, version).await.map_err(|e| match e {
        StoreError::NotFound => no_dashboard(&name),
        e => e.into(),
    })?;
    Ok(Json(Found::App(stored).response(&caller)).into_response())
}

/// Delete a dashboard made in the app; its share links stop working.
#[utoipa::path(delete, path = "/api/v1/dashboards/{dashboard}", params(("dashboard" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if let Found::Project(_) = find(&state, &name).await? {
        return Err(read_only(&name));
    }
    if !state.store.delete(&name).await? {
        return Err(no_dashboard(&name));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Add a tile (save an explore's query to a dashboard) in the first free place.
#[utoipa::path(post, path = "/api/v1/dashboards/{dashboard}/tiles", params(("dashboard" = String, Path)),
    request_body = NewTile,
    responses((status = 201, body = DashboardResponse), (status = 409, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody)))]
pub async fn add_tile(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let tile: NewTile = parse_request_body(body)?;
    let stored = match find(&state, &name).await? {
        Found::Project(_) => return Err(read_only(&name)),
        Found::App(s) => s,
    };
    let mut d = stored.dashboard;
    let taken = |n: &str| d.tiles.iter().any(|t| t.name == n);
    let tile_name = (1..)
        .map(|i| format!("tile-{i}"))
        .find(|n| !taken(n))
        .unwrap_or_default();
    d.tiles.push(Tile {
        name: tile_name,
        title: tile.title,
        chart: tile.chart,
        query: tile.query,
        layout: None,
    });
    let d = checked(&state, d)?;
    let stored = state.store.update(d, stored.version).await?;
    Ok((
        StatusCode::CREATED,
        Json(Found::App(stored).response(&caller)),
    )
        .into_response())
}

/// Run a tile's query with the dashboard filters applied (JSON, or CSV / Arrow by `format`).
#[utoipa::path(post, path = "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
    params(("dashboard" = String, Path), ("tile" = String, Path), QueryParams),
    request_body = TileQueryRequest,
    responses((status = 200, body = boltic_types::QueryResponse<'static>),
        (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn tile_query(
    State(state): State<AppState>,
    Path((name, tile)): Path<(String, String)>,
    UrlQuery(params): UrlQuery<QueryParams>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let started = std::time::Instant::now();
    let format = format_of(&headers, &params)?;
    let request: TileQueryRequest = parse_body_or_default(body)?;
    let found = find(&state, &name).await?;
    let d = found.dashboard();
    if let Some(field) = request
        .filters
        .keys()
        .find(|f| !d.filters.iter().any(|x| &x.field == *f))
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_filter",
            format!("'{field}' is not a filter of dashboard '{name}'"),
        )
        .hint(format!(
            "its filters are: {}",
            d.filters
                .iter()
                .map(|f| format!("'{}'", f.field))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .at(serde_json::json!({"field": field})));
    }
    let t = d.tile(&tile).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_tile",
            format!("dashboard '{name}' has no tile '{tile}'"),
        )
        .hint("GET the dashboard to see its tiles")
    })?;
    let loaded = state.model().ok_or_else(|| {
        ApiError::not_ready("semantic model", "fix the model ('boltic validate')")
    })?;
    let q = d.tile_query(&loaded.model, t, &request.filters);
    let answer = query::answer(&state, &q, &caller, wants_cache(&headers, &params)).await?;
    respond(&state, &answer, format, started)
}

/// The share links of a dashboard (their tokens are not kept, so not shown).
#[utoipa::path(get, path = "/api/v1/dashboards/{dashboard}/shares", params(("dashboard" = String, Path)),
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
#[utoipa::path(post, path = "/api/v1/dashboards/{dashboard}/shares", params(("dashboard" = String, Path)),
    request_body = NewShare,
    responses((status = 201, body = ShareCreated), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_share(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let new: NewShare = parse_body_or_default(body)?;
    find(&state, &name).await?;
    if let Some(at) = new.expires_at
        && at <= Utc::now()
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_expiry",
            format!("the expiry '{}' is in the past", at.to_rfc3339()),
        )
        .hint("give a future time, or none for a link that lasts until revoked"));
    }
    let (link, token) = state.store.share(&name, new.expires_at).await?;
    let created = ShareCreated {
        link: share_info(link),
        path: format!("/s/{token}"),
        token,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Revoke a share link: it answers "not found" from then on.
#[utoipa::path(delete, path = "/api/v1/dashboards/{dashboard}/shares/{id}",
    params(("dashboard" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn revoke_share(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if !state.store.revoke(&name, &id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_share",
            format!("dashboard '{name}' has no share link '{id}'"),
        )
        .hint("GET /api/v1/dashboards/{dashboard}/shares lists them"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// What a share link lets its holder call: its dashboard, and its tiles' queries.
fn share_allows(method: &Method, path: &str, dashboard: &str) -> bool {
    if method == Method::GET && path == "/api/v1/share" {
        return true;
    }
    let Some(rest) = path
        .strip_prefix("/api/v1/dashboards/")
        .and_then(|r| r.strip_prefix(dashboard))
    else {
        return false;
    };
    match *method {
        Method::GET => rest.is_empty(),
        Method::POST => rest
            .strip_prefix("/tiles/")
            .and_then(|r| r.strip_suffix("/query"))
            .is_some_and(|tile| !tile.is_empty() && !tile.contains('/')),
        _ => false,
    }
}

/// Who asks: a request with `Authorization: Bearer <share token>` is a share-link visitor,
/// limited to that dashboard's routes; anything else is anonymous (until users exist).
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(req.headers()).map(str::to_string) else {
        req.extensions_mut().insert(Caller::Anonymous);
        return next.run(req).await;
    };
    let link = match state.store.share_by_token(&token).await {
        Ok(l) => l,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match link.as_ref().map(|l| (l, l.status(Utc::now()))) {
        Some((l, ShareStatus::Active)) => {
            if !share_allows(req.method(), req.uri().path(), &l.dashboard) {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "a share link opens its dashboard and nothing else",
                )
                .hint("open the dashboard's own page; other endpoints need an account")
                .into_response();
            }
            req.extensions_mut().insert(Caller::Share {
                link: l.id.clone(),
                dashboard: l.dashboard.clone(),
            });
            next.run(req).await
        }
        Some((_, ShareStatus::Expired)) => ApiError::new(
            StatusCode::GONE,
            "share_expired",
            "this share link has expired",
        )
        .hint("ask whoever shared it for a new link")
        .into_response(),
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the bearer token is not a valid share link",
        )
        .hint("the link may have been revoked; ask whoever shared it for a new one")
        .into_response(),
    }
}

/// The page of a share link that does not open anything (askama).
#[derive(askama::Template)]
#[template(path = "share_unavailable.html")]
struct Unavailable {
    heading: &'static str,
    explanation: &'static str,
}

/// `GET /s/{token}`: the shared dashboard page (rendered by `render`) when the link works, a
/// friendly 404 (unknown or revoked) or 410 (expired) page otherwise.
pub async fn share_page<F>(state: AppState, token: String, req: Request, render: F) -> Response
where
    F: FnOnce(Request) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>,
{
    use askama::Template;
    let link = state.store.share_by_token(&token).await;
    let (status, page) = match link
        .as_ref()
        .map(|l| l.as_ref().map(|l| l.status(Utc::now())))
    {
        Ok(Some(ShareStatus::Active)) => {
            let mut response = render(req).await;
            response.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            return response;
        }
        Ok(Some(ShareStatus::Expired)) => (
            StatusCode::GONE,
            Unavailable {
                heading: "This link has expired",
                explanation: "The dashboard was shared for a limited time, and that time is over. Ask the person who sent it for a new link.",
            },
        ),
        Ok(_) => (
            StatusCode::NOT_FOUND,
            Unavailable {
                heading: "This link does not open anything",
                explanation: "The link is unknown or was revoked by the person who shared it. Ask them for a new link.",
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "app database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Unavailable {
                    heading: "This page cannot be shown right now",
                    explanation: "The server could not read its database. Try again in a moment.",
                },
            )
        }
    };
    let html = page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "share page template");
        String::from(
            "<!DOCTYPE html><title>Not available</title><p>This link does not open anything.</p>",
        )
    });
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_link_reaches_its_dashboard_and_tiles_only() {
        let d = "sales-k3m9";
        assert!(share_allows(
            &Method::GET,
            "/api/v1/dashboards/sales-k3m9",
            d
        ));
        assert!(share_allows(
            &Method::POST,
            "/api/v1/dashboards/sales-k3m9/tiles/tile-1/query",
            d
        ));
        for (m, p) in [
            (Method::GET, "/api/v1/dashboards"),
            (Method::GET, "/api/v1/dashboards/sales-k3m9x"),
            (Method::GET, "/api/v1/dashboards/sales-k3m9/shares"),
            (Method::PUT, "/api/v1/dashboards/sales-k3m9"),
            (Method::DELETE, "/api/v1/dashboards/sales-k3m9"),
            (Method::POST, "/api/v1/dashboards/sales-k3m9/tiles"),
            (Method::POST, "/api/v1/dashboards/sales-k3m9/tiles//query"),
            (
                Method::POST,
                "/api/v1/dashboards/sales-k3m9/tiles/a/b/query",
            ),
            (Method::POST, "/api/v1/dashboards/other/tiles/tile-1/query"),
            (Method::POST, "/api/v1/query"),
            (Method::GET, "/api/v1/explores"),
        ] {
            assert!(!share_allows(&m, p, d), "{m} {p}");
        }
    }
}
