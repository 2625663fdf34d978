//! Accounts over the API: `GET /api/v1/me` and one's own API keys (any user), and for admins
//! the users (add, change role, attributes, password, disable), everyone's keys and the audit
//! log. What each route needs is in [`super::permissions`]; a key's secret is in the answer
//! that makes it and nowhere else.

use axum::extract::{Path, Query as UrlQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use boltic_types::{
    AuditEntry, KeyCreated, KeyInfo, Me, NewKey, NewUser, Permissions, UserChange, UserInfo,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::audit;
use super::caller::Caller;
use super::error::{ApiCode, ApiError};
use super::extract::ApiJson;
use super::state::AppState;
use crate::store::{ApiKey, User};

fn user_info(u: User) -> UserInfo {
    UserInfo {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        attributes: u.attributes,
        disabled: u.disabled,
        has_password: u.has_password,
    }
}

fn key_info(k: ApiKey, user: &str) -> KeyInfo {
    let active = k.active(Utc::now());
    KeyInfo {
        id: k.id,
        user: user.to_string(),
        name: k.name,
        created_at: k.created_at,
        expires_at: k.expires_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
        active,
    }
}

/// The user behind `caller` (share visitors and tokens have none).
fn user_of(caller: &Caller) -> Result<(&str, &str), ApiError> {
    match caller {
        Caller::User { id, email, .. } => Ok((id, email)),
        _ => Err(ApiError::new(
            ApiCode::Forbidden,
            "only a user has an account",
        )),
    }
}

/// Who the caller is: their user, role, attributes and what the role allows.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = super::error::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let Caller::User { id, via, .. } = &caller else {
        return Err(ApiError::new(
            ApiCode::Forbidden,
            "only a user has an account",
        ));
    };
    let user = state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::new(ApiCode::Unauthenticated, "this user no longer exists"))?;
    Ok(Json(Me {
        permissions: Permissions::of(user.role),
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        attributes: user.attributes,
        via: via.as_str().to_string(),
    })
    .into_response())
}

/// The caller's API keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/me/keys", tag = "accounts", responses((status = 200, body = Vec<KeyInfo>)))]
pub async fn my_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let (_, email) = user_of(&caller)?;
    keys_of(&state, email).await
}

async fn keys_of(state: &AppState, email: &str) -> Result<Response, ApiError> {
    let keys = state.store.keys(email).await?;
    Ok(Json(
        keys.into_iter()
            .map(|k| key_info(k, email))
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// Make an API key for the caller; its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/me/keys", tag = "accounts", request_body = NewKey,
    responses((status = 201, body = KeyCreated), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_my_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<Response, ApiError> {
    let (_, email) = user_of(&caller)?;
    let email = email.to_string();
    make_key(&state, &caller, &email, new).await
}

async fn make_key(
    state: &AppState,
    caller: &Caller,
    email: &str,
    new: NewKey,
) -> Result<Response, ApiError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::new(
            ApiCode::InvalidRequest,
            "a key needs a 'name' of 1 to 100 characters",
        )
        .hint("name it after the program that uses it, e.g. 'nightly export'"));
    }
    if new.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::new(
            ApiCode::InvalidExpiry,
            "the key's 'expires_at' is in the past",
        ));
    }
    let (key, secret) = state.store.create_key(email, name, new.expires_at).await?;
    audit::record(
        state,
        caller,
        "key_created",
        json!({"key": key.id, "user": email, "name": key.name}),
    );
    Ok((
        StatusCode::CREATED,
        Json(KeyCreated {
            key: key_info(key, email),
            secret,
        }),
    )
        .into_response())
}

/// Revoke one of the caller's keys.
#[utoipa::path(delete, path = "/api/v1/me/keys/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn revoke_my_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (user_id, _) = user_of(&caller)?;
    match state.store.key(&id).await? {
        Some(k) if k.user_id == user_id => revoke(&state, &caller, &id).await,
        // someone else's key is no different from none
        _ => Err(ApiError::new(
            ApiCode::UnknownKey,
            format!("you have no API key '{id}'"),
        )),
    }
}

async fn revoke(state: &AppState, caller: &Caller, id: &str) -> Result<Response, ApiError> {
    state.store.revoke_key(id).await?;
    audit::record(state, caller, "key_revoked", json!({"key": id}));
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "accounts", responses((status = 200, body = Vec<UserInfo>)))]
pub async fn list_users(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.store.users().await?;
    Ok(Json(users.into_iter().map(user_info).collect::<Vec<_>>()).into_response())
}

/// A plausible email: something, `@`, something with a dot; no spaces.
fn check_email(email: &str) -> Result<(), ApiError> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ApiCode::InvalidUser,
            format!("'{email}' is not an email address"),
        )
        .hint("write it as name@example.com"))
    }
}

/// Attribute names are identifiers, values are non-empty.
fn check_attributes(attributes: &boltic_types::Attributes) -> Result<(), ApiError> {
    for (name, values) in attributes {
        let ident = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return Err(ApiError::new(
                ApiCode::InvalidUser,
                format!("'{name}' is not an attribute name"),
            )
            .hint("use letters, digits and '_', as the model's user_attribute names do"));
        }
        if values.iter().any(|v| v.trim().is_empty()) {
            return Err(ApiError::new(
                ApiCode::InvalidUser,
                format!("attribute '{name}' has an empty value"),
            )
            .hint("leave the attribute out to give the user no values"));
        }
    }
    Ok(())
}

/// Add a user (admin). Without a password the user has API keys only until one is set.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = UserInfo), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let email = new.email.trim().to_string();
    check_email(&email)?;
    check_attributes(&new.attributes)?;
    // hash first: a weak password adds no user
    let hash = match new.password {
        Some(p) => Some(crate::password::hash(p).await?),
        None => None,
    };
    let name = new
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    state.store.add_user(&email, &name, new.role).await?;
    let attributes = new.attributes;
    let mut user = state
        .store
        .update_user(&email, move |u| u.attributes = attributes)
        .await?;
    if hash.is_some() {
        user = state.store.set_password_hash(&email, hash).await?;
    }
    audit::record(
        &state,
        &caller,
        "user_added",
        json!({"user": user.email, "role": user.role.as_str(), "attributes": user.attributes}),
    );
    Ok((StatusCode::CREATED, Json(user_info(user))).into_response())
}

async fn user_email(state: &AppState, id: &str) -> Result<String, ApiError> {
    Ok(state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::new(ApiCode::UnknownUser, format!("there is no user '{id}'")))?
        .email)
}

/// Change a user (admin): name, role, attributes, disabled, password. Disabling a user or
/// setting their password ends their sessions.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "accounts", params(("id" = String, Path)), request_body = UserChange,
    responses((status = 200, body = UserInfo), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn change_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<UserChange>,
) -> Result<Response, ApiError> {
    let email = user_email(&state, &id).await?;
    if let Some(a) = &change.attributes {
        check_attributes(a)?;
    }
    if let Caller::User { id: me, .. } = &caller
        && *me == id
        && (change.disabled == Some(true)
            || change.role.is_some_and(|r| r != boltic_types::Role::Admin))
    {
        return Err(ApiError::new(
            ApiCode::InvalidUser,
            "you cannot disable yourself or take away your own admin role",
        )
        .hint("ask another admin, so that the server always keeps one"));
    }
    let hash = match change.password.clone() {
        Some(p) => Some(crate::password::hash(p).await?),
        None => None,
    };
    let detail = json!({
        "user": email,
        "name": change.name,
        "role": change.role.map(|r| r.as_str()),
        "attributes": change.attributes,
        "disabled": change.disabled,
        "password_changed": hash.is_some(),
    });
    let UserChange {
        name,
        role,
        attributes,
        disabled,
        ..
    } = change;
    let mut user = state
        .store
        .update_user(&email, move |u| {
            if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
                u.name = n.trim().to_string();
            }
            if let Some(r) = role {
                u.role = r;
            }
            if let Some(a) = attributes {
                u.attributes = a;
            }
            if let Some(d) = disabled {
                u.disabled = d;
            }
        })
        .await?;
    if hash.is_some() {
        user = state.store.set_password_hash(&email, hash).await?;
    }
    audit::record(&state, &caller, "user_changed", detail);
    Ok(Json(user_info(user)).into_response())
}

/// A user's API keys (admin).
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/keys", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = Vec<KeyInfo>), (status = 404, body = super::error::ErrorBody)))]
pub async fn user_keys(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let email = user_email(&state, &id).await?;
    keys_of(&state, &email).await
}

/// Make an API key for a user (admin); its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/keys", tag = "accounts", params(("id" = String, Path)), request_body = NewKey,
    responses((status = 201, body = KeyCreated), (status = 404, body = super::error::ErrorBody)))]
pub async fn create_user_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<Response, ApiError> {
    let email = user_email(&state, &id).await?;
    make_key(&state, &caller, &email, new).await
}

/// Revoke any key (admin).
#[utoipa::path(delete, path = "/api/v1/admin/keys/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    revoke(&state, &caller, &id).await
}

/// Which audit entries to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// How many, newest first (1–1000) [default: 100].
    limit: Option<usize>,
    /// Only this action (e.g. `query`, `login_failed`).
    action: Option<String>,
}

/// The audit log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "accounts", params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>)))]
pub async fn audit_log(
    State(state): State<AppState>,
    UrlQuery(params): UrlQuery<AuditParams>,
) -> Result<Response, ApiError> {
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    state.audit.flush().await;
    let entries = state.store.audit_log(limit, params.action).await?;
    Ok(Json(entries).into_response())
}
