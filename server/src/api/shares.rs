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

use boltic_types::Role;

use super::audit;
use super::caller::Caller;
use super::dashboards::{Found, find, may_share};
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
            ApiCode::InvalidRequest,
            "this endpoint answers a share link's token only",
        )
        .hint("send 'Authorization: Bearer <token>' with the token of a /s/<token> link"));
    };
    Ok(Json(
        find(&state, dashboard)
            .await?
            .response(&state, &caller)
            .await?,
    )
    .into_response())
}

/// A share link as listed (without its token), with its maker's email.
async fn share_info(state: &AppState, l: ShareLink) -> Result<ShareInfo, ApiError> {
    let status = l.status(Utc::now());
    let created_by = match &l.created_by {
        Some(id) => state.store.user_by_id(id).await?.map(|u| u.email),
        None => None,
    };
    Ok(ShareInfo {
        id: l.id,
        dashboard: l.dashboard,
        created_at: l.created_at,
        expires_at: l.expires_at,
        revoked_at: l.revoked_at,
        status,
        created_by,
        locked_filters: l.locked_filters,
    })
}

/// The dashboard `name` if `caller` may make links to it: a project dashboard (which no one
/// changes in the app), or an app dashboard of their own (one without an owner: admins). A link
/// runs as its maker, so it must show a dashboard that no one else can change: an admin's link
/// to an editor's dashboard would let the editor pick what the admin's rights show.
async fn shareable(state: &AppState, name: &str, caller: &Caller) -> Result<Found, ApiError> {
    let found = find(state, name).await?;
    match &found {
        Found::App(s) if !may_share(caller, s) => {
            Err(ApiError::new(
                ApiCode::Forbidden,
                format!("only the owner of dashboard '{name}' may share it"),
            )
            .hint("a link shows what its maker sees; save the tiles to a dashboard of your own and share that"))
        }
        _ => Ok(found),
    }
}

/// The share links of a dashboard (their tokens are not kept, so not shown).
#[utoipa::path(get, path = "/api/v1/dashboards/{dashboard}/shares", tag = "super::dashboards", params(("dashboard" = String, Path)),
    responses((status = 200, body = Vec<ShareInfo>)))]
pub async fn list_shares(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    // admins see every link; others the links they made, to dashboards they may share
    let (me, admin) = match &caller {
        Caller::User { id, role, .. } => (id.clone(), *role == Role::Admin),
        _ => (String::new(), false),
    };
    if admin {
        find(&state, &name).await?;
    } else {
        shareable(&state, &name, &caller).await?;
    }
    let mut out = Vec::new();
    for l in state.store.shares(&name).await? {
        if admin || l.created_by.as_deref() == Some(me.as_str()) {
            out.push(share_info(&state, l).await?);
        }
    }
    Ok(Json(out).into_response())
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
    let found = shareable(&state, &name, &caller).await?;
    let filters = &found.dashboard().filters;
    if let Some(field) = new
        .locked_filters
        .keys()
        .find(|f| !filters.iter().any(|x| &x.field == *f))
    {
        return Err(ApiError::new(
            ApiCode::InvalidFilter,
            format!("'{field}' is not a filter of dashboard '{name}'"),
        )
        .hint("lock only the dashboard's own filters")
        .at(serde_json::json!({"field": field})));
    }
    if let Some(at) = new.expires_at
        && at <= Utc::now()
    {
        return Err(ApiError::new(
            ApiCode::InvalidExpiry,
            format!("the expiry '{}' is in the past", at.to_rfc3339()),
        ));
    }
    // the link shows what its maker sees
    let created_by = match &caller {
        Caller::User { id, .. } => Some(id.clone()),
        _ => None,
    };
    let (link, token) = state
        .store
        .share(&name, new.expires_at, created_by, new.locked_filters)
        .await?;
    audit::record(
        &state,
        &caller,
        "share_created",
        serde_json::json!({"dashboard": name, "link": link.id, "locked_filters": link.locked_filters,
                           "expires_at": link.expires_at}),
    );
    let created = ShareCreated {
        link: share_info(&state, link).await?,
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
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    // admins revoke any link; editors those they made
    let link = state
        .store
        .shares(&name)
        .await?
        .into_iter()
        .find(|l| l.id == id);
    let mine = match (&caller, &link) {
        (
            Caller::User {
                role: Role::Admin, ..
            },
            _,
        ) => true,
        (Caller::User { id: me, .. }, Some(l)) => l.created_by.as_deref() == Some(me.as_str()),
        _ => false,
    };
    if link.is_some() && !mine {
        return Err(ApiError::new(
            ApiCode::Forbidden,
            format!("share link '{id}' was made by someone else"),
        )
        .hint("only its maker or an admin may revoke it"));
    }
    if !state.store.revoke(&name, &id).await? {
        return Err(ApiError::new(
            ApiCode::UnknownShare,
            format!("dashboard '{name}' has no share link '{id}'"),
        ));
    }
    audit::record(
        &state,
        &caller,
        "share_revoked",
        serde_json::json!({"dashboard": name, "link": id}),
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}
