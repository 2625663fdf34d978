//! Dashboards: the project's YAML dashboards (read-only) and the app's own (SQLite, see
//! [`crate::store`]): listing, reading, making, changing and deleting them, adding a tile, and
//! running a tile's query with the dashboard filters and time zone applied.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use boltic_semantic::{Dashboard, DashboardExt, DashboardProblem, Tile};
use boltic_types::{
    DashboardBody, DashboardResponse, DashboardSource, DashboardSummary, NewTile, Permissions,
    Role, TileQueryRequest,
};

use super::answer;
use super::caller::Caller;
use super::error::{ApiCode, ApiError};
use super::extract::{ApiJson, QueryParams, ResponseOptions};
use super::queries::respond;
use super::state::AppState;
use crate::store::{StoreError, StoredDashboard};

/// A dashboard found by name: from the project or from the app database.
pub(super) enum Found {
    Project(Dashboard),
    App(StoredDashboard),
}

impl Found {
    pub(super) fn dashboard(&self) -> &Dashboard {
        match self {
            Found::Project(d) => d,
            Found::App(s) => &s.dashboard,
        }
    }
    /// The dashboard as sent to `caller`: whether they may change it, who made it, and for
    /// a share-link visitor the filter values the link fixes.
    pub(super) async fn response(
        self,
        state: &AppState,
        caller: &Caller,
    ) -> Result<DashboardResponse, ApiError> {
        let locked_filters = match caller {
            Caller::Share { locked_filters, .. } => locked_filters.clone(),
            _ => Default::default(),
        };
        let visitor = matches!(caller, Caller::Share { .. });
        let default_timezone = state.model().map(|m| m.model.timezone.clone());
        let text_html = text_html(self.dashboard());
        Ok(match self {
            Found::Project(dashboard) => DashboardResponse {
                dashboard,
                source: DashboardSource::Project,
                editable: false,
                version: None,
                updated_at: None,
                owner: None,
                shareable: caller.permissions().edit,
                locked_filters,
                default_timezone,
                text_html,
            },
            Found::App(s) => {
                // a share link's visitor is not told who made the dashboard
                let owner = match &s.created_by {
                    Some(id) if !visitor => state.store.user_by_id(id).await?.map(|u| u.email),
                    _ => None,
                };
                DashboardResponse {
                    editable: may_change(caller, &s),
                    shareable: may_share(caller, &s),
                    version: (!visitor).then_some(s.version),
                    updated_at: Some(s.updated_at),
                    dashboard: s.dashboard,
                    source: DashboardSource::App,
                    owner,
                    locked_filters,
                    default_timezone,
                    text_html,
                }
            }
        })
    }
}

/// The text tiles' markdown as safe HTML, by tile name.
fn text_html(dashboard: &Dashboard) -> std::collections::BTreeMap<String, String> {
    dashboard
        .tiles
        .iter()
        .filter_map(|t| Some((t.name.clone(), crate::markdown::to_html(t.text.as_deref()?))))
        .collect()
}

/// Whether `caller` may change (or delete, or share) an app dashboard: admins any, editors
/// their own.
pub(super) fn may_change(caller: &Caller, stored: &StoredDashboard) -> bool {
    match caller {
        Caller::User { role, id, .. } => {
            *role == Role::Admin
                || (Permissions::of(*role).edit && stored.created_by.as_deref() == Some(id))
        }
        _ => false,
    }
}

/// Whether `caller` may make share links to an app dashboard: its owner (an ownerless one:
/// admins). A link runs as its maker, so it may only show a dashboard no one else can change.
pub(super) fn may_share(caller: &Caller, stored: &StoredDashboard) -> bool {
    match caller {
        Caller::User { role, id, .. } if Permissions::of(*role).edit => {
            match stored.created_by.as_deref() {
                Some(owner) => owner == id,
                None => *role == Role::Admin,
            }
        }
        _ => false,
    }
}

/// The app dashboard `name` if `caller` may change it: 409 for a project dashboard, 403 for
/// someone else's.
pub(super) async fn changeable(
    state: &AppState,
    name: &str,
    caller: &Caller,
) -> Result<StoredDashboard, ApiError> {
    match find(state, name).await? {
        Found::Project(_) => Err(read_only(name)),
        Found::App(s) if may_change(caller, &s) => Ok(s),
        Found::App(_) => Err(ApiError::new(
            ApiCode::Forbidden,
            format!("dashboard '{name}' belongs to someone else"),
        )
        .hint(
            "only its owner or an admin may change it; save its tiles to a dashboard of your own",
        )),
    }
}

fn no_dashboard(name: &str) -> ApiError {
    ApiError::new(
        ApiCode::UnknownDashboard,
        format!("there is no dashboard '{name}'"),
    )
}

/// The dashboard called `name`, from the project or the app database.
pub(super) async fn find(state: &AppState, name: &str) -> Result<Found, ApiError> {
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
        ApiCode::ReadOnly,
        format!("dashboard '{name}' is defined in the project's YAML and cannot be changed here"),
    )
}

/// Check a dashboard against the loaded model as `caller` sees it; the first problem becomes a
/// 422 (whose hints name only what the caller may see).
fn checked(state: &AppState, caller: &Caller, mut d: Dashboard) -> Result<Dashboard, ApiError> {
    let loaded = state.model().ok_or_else(|| {
        ApiError::not_ready(
            "semantic model",
            "fix the model ('boltic validate'); dashboards are checked against it",
        )
    })?;
    // checked before tiles are placed: placing scans the grid's rows, which a layout far down
    // (or too tall) would make long
    let problems = d.check_as(&loaded.model, &caller.access());
    if let Some(p) = problems.first() {
        return Err(invalid_dashboard(p, problems.len()));
    }
    d.place_tiles();
    Ok(d)
}

fn invalid_dashboard(p: &DashboardProblem, count: usize) -> ApiError {
    let more = if count > 1 {
        format!(" ({} more problems)", count - 1)
    } else {
        String::new()
    };
    ApiError::new(ApiCode::InvalidDashboard, format!("{}{more}", p.message))
        .hint(
            p.hint
                .clone()
                .unwrap_or_else(|| "fix the dashboard definition".into()),
        )
        .at(serde_json::json!({"path": p.location(), "code": p.code}))
}

/// The dashboards: the project's, then the app's.
#[utoipa::path(get, path = "/api/v1/dashboards", responses((status = 200, body = Vec<DashboardSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
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
            editable: may_change(&caller, &s),
            name: s.dashboard.name,
            title: s.dashboard.title,
            description: s.dashboard.description,
            source: DashboardSource::App,
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
    Ok(Json(find(&state, &name).await?.response(&state, &caller).await?).into_response())
}

/// Make a dashboard in the app.
#[utoipa::path(post, path = "/api/v1/dashboards", request_body = DashboardBody,
    responses((status = 201, body = DashboardResponse), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<DashboardBody>,
) -> Result<Response, ApiError> {
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
    let d = checked(&state, &caller, new.into_dashboard(name))?;
    let owner = match &caller {
        Caller::User { id, .. } => Some(id.clone()),
        _ => None,
    };
    let stored = state.store.create(d, owner).await?;
    Ok((
        StatusCode::CREATED,
        Json(Found::App(stored).response(&state, &caller).await?),
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
    ApiJson(change): ApiJson<DashboardBody>,
) -> Result<Response, ApiError> {
    changeable(&state, &name, &caller).await?;
    let version = change.version.ok_or_else(|| {
        ApiError::new(
            ApiCode::InvalidDashboard,
            format!("the change to dashboard '{name}' does not say which version it was based on"),
        )
        .hint("send the 'version' you read with the dashboard")
        .at(serde_json::json!({"path": "version"}))
    })?;
    let d = checked(&state, &caller, change.into_dashboard(name.clone()))?;
    let stored = state.store.update(d, version).await.map_err(|e| match e {
        StoreError::NotFound => no_dashboard(&name),
        e => e.into(),
    })?;
    Ok(Json(Found::App(stored).response(&state, &caller).await?).into_response())
}

/// Delete a dashboard made in the app; its share links stop working.
#[utoipa::path(delete, path = "/api/v1/dashboards/{dashboard}", params(("dashboard" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    changeable(&state, &name, &caller).await?;
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
    ApiJson(tile): ApiJson<NewTile>,
) -> Result<Response, ApiError> {
    let stored = changeable(&state, &name, &caller).await?;
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
        query: Some(tile.query),
        text: None,
        layout: None,
    });
    let d = checked(&state, &caller, d)?;
    let stored = state.store.update(d, stored.version).await?;
    Ok((
        StatusCode::CREATED,
        Json(Found::App(stored).response(&state, &caller).await?),
    )
        .into_response())
}

/// Run a tile's query with the dashboard filters applied, in the time zone asked for (JSON, or
/// CSV / Arrow by `format`).
#[utoipa::path(post, path = "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
    params(("dashboard" = String, Path), ("tile" = String, Path), QueryParams),
    request_body = TileQueryRequest,
    responses((status = 200, body = boltic_types::QueryResponse<'static>),
        (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn tile_query(
    State(state): State<AppState>,
    Path((name, tile)): Path<(String, String)>,
    options: ResponseOptions,
    Extension(caller): Extension<Caller>,
    ApiJson(mut request): ApiJson<TileQueryRequest>,
) -> Result<Response, ApiError> {
    // a share link's locked filters hold whatever its visitor sends
    if let Caller::Share { locked_filters, .. } = &caller {
        request.filters.extend(locked_filters.clone());
    }
    let found = find(&state, &name).await?;
    let d = found.dashboard();
    if let Some(field) = request
        .filters
        .keys()
        .find(|f| !d.filters.iter().any(|x| &x.field == *f))
    {
        return Err(ApiError::new(
            ApiCode::InvalidFilter,
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
            ApiCode::UnknownTile,
            format!("dashboard '{name}' has no tile '{tile}'"),
        )
    })?;
    let loaded = state.model().ok_or_else(|| {
        ApiError::not_ready("semantic model", "fix the model ('boltic validate')")
    })?;
    let q = d
        .tile_query(
            &loaded.model,
            t,
            &request.filters,
            request.timezone.as_deref(),
        )
        .ok_or_else(|| {
            ApiError::new(
                ApiCode::UnknownTile,
                format!("tile '{tile}' of dashboard '{name}' is a text tile and runs no query"),
            )
            .hint("only tiles with a 'query' run; GET the dashboard to see its tiles")
        })?;
    let answer = answer::answer(
        &state,
        &q,
        &caller,
        options.use_cache,
        options.as_of.as_deref(),
    )
    .await?;
    respond(&state, &caller, &answer, &options)
}
