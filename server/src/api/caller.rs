//! Who asks: [`Caller`], decided once per request by the [`identify`] layer from the
//! request's bearer token, and what a share link's holder may call.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use boltic_semantic::{Access, UserAttributes};
use boltic_types::Role;

use super::error::{ApiCode, ApiError};
use crate::store::{KEY_PREFIX, ShareStatus, Store};

/// Who asks. Every query carries one, so row-level security can be added where the
/// query is compiled (and to the cache key) without changing any caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No credentials (everyone, until login is required).
    Anonymous,
    /// A user, by one of their API keys: their role and attributes.
    User {
        /// The user's id.
        id: String,
        /// What they may do.
        role: Role,
        /// Attribute → values, for the model's access filters and grants.
        attributes: UserAttributes,
    },
    /// A visitor holding a dashboard's share link: may see that dashboard and run its tiles'
    /// queries, nothing else (enforced by the API's share-scope layer).
    Share {
        /// The link's public id.
        link: String,
        /// The dashboard it opens.
        dashboard: String,
        /// The attributes of the user who made it (none when made without an account).
        attributes: UserAttributes,
    },
}

impl Caller {
    /// What the model's access filters and grants see of this caller: the one place that
    /// turns who asks into what they may see. A user brings their attributes, a share-link
    /// visitor those of the link's maker; anonymous callers have none: an explore behind an
    /// access grant does not exist for them, and an access-filtered explore returns no rows
    /// (fail closed).
    pub fn access(&self) -> Access {
        match self {
            Caller::User { attributes, .. } | Caller::Share { attributes, .. } => {
                Access::User(attributes.clone())
            }
            Caller::Anonymous => Access::User(UserAttributes::new()),
        }
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

/// Who asks: `Authorization: Bearer bk_…` is a user by an API key (a key that does not work is
/// 401); `Bearer <share token>` is a share-link visitor, limited to that dashboard's routes;
/// no credentials is anonymous (until login is required).
/// Handlers read the answer as `Extension<Caller>`.
pub async fn identify(State(store): State<Store>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(req.headers()).map(str::to_string) else {
        req.extensions_mut().insert(Caller::Anonymous);
        return next.run(req).await;
    };
    if token.starts_with(KEY_PREFIX) {
        return match store.user_by_key(&token).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(Caller::User {
                    id: user.id,
                    role: user.role,
                    attributes: user.attributes,
                });
                next.run(req).await
            }
            Ok(None) => ApiError::new(ApiCode::InvalidToken, "the API key is not valid")
                .hint("it may be revoked or expired, or its user disabled; an admin makes a new one with 'boltic keys create'")
                .into_response(),
            Err(e) => ApiError::from(e).into_response(),
        };
    }
    let link = match store.share_by_token(&token).await {
        Ok(l) => l,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match link.as_ref().map(|l| (l, l.status(Utc::now()))) {
        Some((l, ShareStatus::Active)) => {
            if !share_allows(req.method(), req.uri().path(), &l.dashboard) {
                return ApiError::new(
                    ApiCode::Forbidden,
                    "a share link opens its dashboard and nothing else",
                )
                .into_response();
            }
            // the link shows what its maker sees, and stops when its maker is disabled
            let attributes = match &l.created_by {
                None => UserAttributes::new(),
                Some(maker) => match store.user_by_id(maker).await {
                    Ok(Some(u)) if !u.disabled => u.attributes,
                    Ok(_) => {
                        return ApiError::new(
                            ApiCode::InvalidToken,
                            "whoever made this share link can no longer share it",
                        )
                        .hint("ask for a new link")
                        .into_response();
                    }
                    Err(e) => return ApiError::from(e).into_response(),
                },
            };
            req.extensions_mut().insert(Caller::Share {
                link: l.id.clone(),
                dashboard: l.dashboard.clone(),
                attributes,
            });
            next.run(req).await
        }
        Some((_, ShareStatus::Expired)) => {
            ApiError::new(ApiCode::ShareExpired, "this share link has expired").into_response()
        }
        _ => ApiError::new(
            ApiCode::InvalidToken,
            "the bearer token is not a valid share link",
        )
        .hint("the link may have been revoked; ask whoever shared it for a new one")
        .into_response(),
    }
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
