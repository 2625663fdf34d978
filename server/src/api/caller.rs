//! Who asks: [`Caller`], decided once per request by the [`identify`] layer from the
//! request's bearer token, and what a share link's holder may call.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use lru::LruCache;
use sha2::Digest;

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use boltic_semantic::{Access, UserAttributes};
use boltic_types::{Permissions, Role};
use tower_sessions::Session;

use super::error::{ApiCode, ApiError};
use super::state::AppState;
use crate::store::{KEY_PREFIX, ShareStatus, StoreVersion, USER_KEY, User};

/// How a user proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// A login session (the `boltic_session` cookie).
    Session,
    /// An API key (`Authorization: Bearer bk_…`).
    Key,
}

impl Via {
    /// `session` or `key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Session => "session",
            Via::Key => "key",
        }
    }
}

/// Who asks, decided once per request by [`identify`]. What they may see is compiled into
/// their queries from [`Caller::access`]; what they may call is in `permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No credentials: the public routes only (health, readiness, the API document).
    Anonymous,
    /// A user, by a login session or one of their API keys.
    User {
        /// The user's id.
        id: String,
        /// Their email (for the audit log and `/api/v1/me`).
        email: String,
        /// What they may do.
        role: Role,
        /// Attribute → values, for the model's access filters and grants.
        attributes: UserAttributes,
        /// How they came.
        via: Via,
    },
    /// A visitor holding a dashboard's share link: may see that dashboard and run its tiles'
    /// queries, nothing else, with the rights of the link's maker.
    Share {
        /// The link's public id.
        link: String,
        /// The dashboard it opens.
        dashboard: String,
        /// What the link's maker may see.
        access: Access,
        /// Dashboard filter values the link fixes.
        locked_filters: BTreeMap<String, String>,
    },
    /// The configured metrics token: `/metrics` only.
    Metrics,
}

impl Caller {
    /// What the model's access filters and grants see of this caller: the one place that
    /// turns who asks into what they may see. Admins see every row (as in Metabase, where
    /// sandboxes do not apply to administrators); other users bring their attributes, a
    /// share-link visitor what the link's maker sees; anyone else has no attributes: an
    /// explore behind an access grant does not exist for them, and an access-filtered
    /// explore returns no rows (fail closed).
    pub fn access(&self) -> Access {
        match self {
            Caller::User {
                role, attributes, ..
            } => access_for(*role, attributes),
            Caller::Share { access, .. } => access.clone(),
            Caller::Anonymous | Caller::Metrics => Access::User(UserAttributes::new()),
        }
    }

    /// What this caller may do beyond reading; share visitors and tokens may do nothing more.
    pub fn permissions(&self) -> Permissions {
        match self {
            Caller::User { role, .. } => Permissions::of(*role),
            _ => Permissions::default(),
        }
    }

    /// Whether compiled SQL may be sent to this caller.
    pub fn sees_sql(&self) -> bool {
        self.permissions().see_sql
    }

    /// Who, for the audit log: a user's email or a share link's id.
    pub fn actor(&self) -> Option<String> {
        match self {
            Caller::User { email, .. } => Some(email.clone()),
            Caller::Share { link, .. } => Some(link.clone()),
            Caller::Anonymous | Caller::Metrics => None,
        }
    }

    /// How they came, for the audit log.
    pub fn via(&self) -> &'static str {
        match self {
            Caller::User { via, .. } => via.as_str(),
            Caller::Share { .. } => "share",
            Caller::Metrics => "metrics_token",
            Caller::Anonymous => "anonymous",
        }
    }

    fn from_user(user: User, via: Via) -> Caller {
        Caller::User {
            id: user.id,
            email: user.email,
            role: user.role,
            attributes: user.attributes,
            via,
        }
    }
}

/// What a user with `role` and `attributes` sees: admins every row, others what their
/// attributes allow.
fn access_for(role: Role, attributes: &UserAttributes) -> Access {
    if role == Role::Admin {
        Access::Unrestricted
    } else {
        Access::User(attributes.clone())
    }
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

/// Who asks, decided once per request:
/// - `Authorization: Bearer bk_…` is a user by an API key (a key that does not work is 401);
/// - `Bearer <metrics token>` is the metrics scraper;
/// - `Bearer <share token>` is a share-link visitor, limited to that dashboard's routes, with
///   the rights of the link's maker (a link whose maker is disabled or may no longer share
///   stops working);
/// - any other `Authorization` header is 401;
/// - otherwise the login session, if any: its user, while not disabled and within the
///   session's lifetime;
/// - otherwise anonymous.
///
/// Handlers read the answer as `Extension<Caller>`.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let authorization = req
        .headers()
        .contains_key(header::AUTHORIZATION)
        .then(|| bearer(req.headers()).map(str::to_string));
    let session = req.extensions().get::<Session>().cloned();
    let caller = match who(&state, authorization, session).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Caller::Share { dashboard, .. } = &caller
        && !share_allows(req.method(), req.uri().path(), dashboard)
    {
        return ApiError::new(
            ApiCode::Forbidden,
            "a share link opens its dashboard and nothing else",
        )
        .into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// `authorization`: the bearer token when the header is there (`Some(None)`: it is there but
/// not a bearer token).
async fn who(
    state: &AppState,
    authorization: Option<Option<String>>,
    session: Option<Session>,
) -> Result<Caller, ApiError> {
    if let Some(token) = authorization {
        let Some(token) = token else {
            return Err(ApiError::new(
                ApiCode::InvalidToken,
                "the Authorization header is not 'Bearer <token>'",
            )
            .hint("send 'Authorization: Bearer <API key or share token>', or log in"));
        };
        return by_token(state, &token).await;
    }
    let Some(session) = session else {
        return Ok(Caller::Anonymous);
    };
    Ok(by_session(state, &session)
        .await
        .unwrap_or(Caller::Anonymous))
}

/// How long a bearer token's caller is taken from [`RecentCallers`] before the app database is
/// asked again (which also notes an API key's last use, to the minute).
const RECENT_FOR: Duration = Duration::from_secs(60);
/// Bearer tokens [`RecentCallers`] remembers at most (the least recently used go first).
const RECENT_TOKENS: usize = 4096;

/// Who the API keys and share tokens seen lately belong to, so a client sending many requests
/// does not make each of them read the app database (and note the key's use). An answer holds
/// only while the app database has not changed since it was read ([`Store::version`]: a key
/// revoked, a user disabled or given another role or attributes, a link revoked, by this
/// server or by the CLI in another process, take effect on the next request), until the key or
/// link expires, and for at most [`RECENT_FOR`]. Only tokens that worked are kept, by their
/// SHA-256, never the token itself.
///
/// [`Store::version`]: crate::store::Store::version
#[derive(Debug)]
pub struct RecentCallers(Mutex<LruCache<[u8; 32], Recent>>);

#[derive(Debug)]
struct Recent {
    caller: Caller,
    /// The app database when the caller was read.
    version: StoreVersion,
    /// Ask again after this.
    until: Instant,
    /// When the key or link stops working, if ever.
    expires: Option<DateTime<Utc>>,
}

impl Default for RecentCallers {
    fn default() -> Self {
        RecentCallers(Mutex::new(LruCache::new(
            NonZeroUsize::new(RECENT_TOKENS).expect("not zero"),
        )))
    }
}

impl RecentCallers {
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<[u8; 32], Recent>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The caller of `token` (its digest) if it was read lately and nothing has changed since.
    fn get(&self, token: &[u8; 32], version: StoreVersion) -> Option<Caller> {
        let mut recent = self.lock();
        let r = recent.get(token)?;
        if r.version == version
            && r.until > Instant::now()
            && r.expires.is_none_or(|e| e > Utc::now())
        {
            return Some(r.caller.clone());
        }
        recent.pop(token);
        None
    }

    fn put(&self, token: [u8; 32], recent: Recent) {
        self.lock().put(token, recent);
    }
}

async fn by_token(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let digest: [u8; 32] = sha2::Sha256::digest(token).into();
    // read before the lookup, so that a change made while it runs is not hidden behind it
    let version = state.store.version();
    if let Some(v) = version
        && let Some(caller) = state.recent_callers.get(&digest, v)
    {
        return Ok(caller);
    }
    let (caller, expires) = look_up_token(state, token).await?;
    if let Some(version) = version
        && !matches!(caller, Caller::Metrics)
    {
        state.recent_callers.put(
            digest,
            Recent {
                caller: caller.clone(),
                version,
                until: Instant::now() + RECENT_FOR,
                expires,
            },
        );
    }
    Ok(caller)
}

/// The caller of a bearer token, from the app database, and when the token stops working.
async fn look_up_token(
    state: &AppState,
    token: &str,
) -> Result<(Caller, Option<DateTime<Utc>>), ApiError> {
    let store = &state.store;
    if token.starts_with(KEY_PREFIX) {
        return match store.user_by_key(token).await? {
            Some((user, expires)) => Ok((Caller::from_user(user, Via::Key), expires)),
            None => Err(ApiError::new(ApiCode::InvalidToken, "the API key is not valid")
                .hint("it may be revoked or expired, or its user disabled; make a new one on the 'API keys' page or with 'boltic keys create'")),
        };
    }
    if let Some(expected) = &state.config.metrics_token
        && same_secret(token, &expected.0)
    {
        return Ok((Caller::Metrics, None));
    }
    let link = store.share_by_token(token).await?;
    match link.as_ref().map(|l| (l, l.status(Utc::now()))) {
        Some((l, ShareStatus::Active)) => {
            // the link shows what its maker sees, and stops when its maker may no longer share
            let access = match &l.created_by {
                None => Access::User(UserAttributes::new()),
                Some(maker) => match store.user_by_id(maker).await? {
                    Some(u) if !u.disabled && Permissions::of(u.role).edit => {
                        access_for(u.role, &u.attributes)
                    }
                    _ => {
                        return Err(ApiError::new(
                            ApiCode::InvalidToken,
                            "whoever made this share link can no longer share it",
                        )
                        .hint("ask for a new link"));
                    }
                },
            };
            Ok((
                Caller::Share {
                    link: l.id.clone(),
                    dashboard: l.dashboard.clone(),
                    access,
                    locked_filters: l.locked_filters.clone(),
                },
                l.expires_at,
            ))
        }
        Some((_, ShareStatus::Expired)) => Err(ApiError::new(
            ApiCode::ShareExpired,
            "this share link has expired",
        )),
        _ => Err(ApiError::new(
            ApiCode::InvalidToken,
            "the bearer token is not a valid API key or share link",
        )
        .hint("the link may have been revoked; ask whoever shared it for a new one")),
    }
}

/// Equal secrets, compared in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (sha2::Sha256::digest(a), sha2::Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// When the session's user logged in (Unix seconds).
pub const LOGIN_AT_KEY: &str = "login_at";
/// When the session was last seen in use (Unix seconds), written at most once a minute.
const SEEN_AT_KEY: &str = "seen_at";

/// The user of a login session; the session ends (is flushed) when its user is gone or
/// disabled, or it is older than the longest session allowed.
async fn by_session(state: &AppState, session: &Session) -> Option<Caller> {
    let user_id = match session.get::<String>(USER_KEY).await {
        Ok(Some(id)) => id,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a login session");
            return None;
        }
    };
    let now = Utc::now().timestamp();
    let login_at = session
        .get::<i64>(LOGIN_AT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    let max = i64::try_from(state.config.session_max.as_secs()).unwrap_or(i64::MAX);
    let user = match state.store.user_by_id(&user_id).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "app database");
            return None;
        }
    };
    let Some(user) = user.filter(|u| !u.disabled && now.saturating_sub(login_at) < max) else {
        let _ = session.flush().await;
        return None;
    };
    // keep an idle session alive: writing it moves its expiry (at most once a minute)
    let seen = session
        .get::<i64>(SEEN_AT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    if now - seen >= 60 {
        let _ = session.insert(SEEN_AT_KEY, now).await;
    }
    Some(Caller::from_user(user, Via::Session))
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
