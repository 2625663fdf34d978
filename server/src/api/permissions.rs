//! Which caller each route admits: one table, default deny. A route that the table does not
//! name is refused for every caller (and a test over the OpenAPI document fails when a route
//! is added without a rule). The check runs after `identify`, on the route as axum matched it.
//!
//! Anonymous callers reach the public routes only. Users get what their role allows.
//! Share-link visitors are confined to their dashboard by `identify` and may read only.
//! The metrics token reads `/metrics` and nothing else.

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use boltic_types::{Permissions, Role};

use super::caller::Caller;
use super::error::{ApiCode, ApiError};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone: liveness, readiness, the API document.
    Public,
    /// Any user (viewer and up), or a share link on its own dashboard: explores, queries,
    /// field values, dashboards and tiles, one's own account and keys.
    Read,
    /// Compiled SQL (`see_sql`: editors and admins).
    SeeSql,
    /// Make dashboards, change, delete and share one's own (editor).
    Edit,
    /// Users, everyone's keys and dashboards, the audit log, reloads (admin).
    Admin,
    /// `/metrics`: admins, or the configured metrics token.
    Metrics,
}

impl Need {
    /// Whether a user with `role` may do it.
    pub fn allows(self, role: Role) -> bool {
        let p = Permissions::of(role);
        match self {
            Need::Public | Need::Read => true,
            Need::SeeSql => p.see_sql,
            Need::Edit => p.edit,
            Need::Admin | Need::Metrics => p.admin,
        }
    }

    /// Whether `caller` may call a route needing this; the refusal otherwise.
    pub fn admits(self, caller: &Caller) -> Result<(), ApiError> {
        let refused = |what: &str| Err(ApiError::new(ApiCode::Forbidden, what.to_string()));
        match (self, caller) {
            (Need::Public, _) => Ok(()),
            (_, Caller::Anonymous) => Err(ApiError::new(
                ApiCode::Unauthenticated,
                "this needs you to log in",
            )),
            (Need::Metrics, Caller::Metrics) => Ok(()),
            (_, Caller::Metrics) => refused("the metrics token reads /metrics and nothing else"),
            (Need::Read, Caller::Share { .. }) => Ok(()),
            (_, Caller::Share { .. }) => refused("a share link only shows its dashboard"),
            (need, Caller::User { role, .. }) if need.allows(*role) => Ok(()),
            (need, Caller::User { role, .. }) => Err(ApiError::new(
                ApiCode::Forbidden,
                format!("the role '{role}' may not do this"),
            )
            .hint(match need {
                Need::SeeSql => "only editors and admins see SQL",
                Need::Edit => "editors and admins may make, change and share dashboards",
                _ => "only admins may do this",
            })),
        }
    }
}

/// The rule of `method` on `route` (the route's template, e.g. `/api/v1/dashboards/{dashboard}`);
/// `None` when there is none, which refuses the request.
pub fn rule(method: &Method, route: &str) -> Option<Need> {
    use Need::{Admin, Edit, Metrics, Public, Read, SeeSql};
    let need = match (method.as_str(), route) {
        ("GET", "/api/v1/health" | "/api/v1/ready" | "/api/v1/openapi.json") => Public,
        (
            "GET",
            "/api/v1/explores"
            | "/api/v1/explores/{explore}"
            | "/api/v1/explores/{explore}/fields/{field}/values"
            | "/api/v1/dashboards"
            | "/api/v1/dashboards/{dashboard}"
            | "/api/v1/share"
            | "/api/v1/me"
            | "/api/v1/me/keys"
            | "/api/v1/warehouse/versions",
        ) => Read,
        (
            "POST",
            "/api/v1/query"
            | "/api/v1/drill"
            | "/api/v1/dashboards/{dashboard}/tiles/{tile}/query"
            | "/api/v1/me/keys",
        )
        | ("DELETE", "/api/v1/me/keys/{id}") => Read,
        ("POST", "/api/v1/sql") => SeeSql,
        ("POST", "/api/v1/dashboards" | "/api/v1/dashboards/{dashboard}/tiles")
        | ("PUT" | "DELETE", "/api/v1/dashboards/{dashboard}")
        | ("GET" | "POST", "/api/v1/dashboards/{dashboard}/shares")
        | ("DELETE", "/api/v1/dashboards/{dashboard}/shares/{id}") => Edit,
        ("POST", "/api/v1/admin/reload")
        | ("GET" | "POST", "/api/v1/admin/users" | "/api/v1/admin/users/{id}/keys")
        | ("PATCH", "/api/v1/admin/users/{id}")
        | ("DELETE", "/api/v1/admin/keys/{id}")
        | ("GET", "/api/v1/admin/audit") => Admin,
        ("GET", "/metrics") => Metrics,
        _ => return None,
    };
    Some(need)
}

/// The layer: refuses a caller that the route's rule does not admit, and every caller on a
/// route without a rule.
pub async fn authorize(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let Some(need) = rule(req.method(), &route) else {
        return ApiError::new(ApiCode::Forbidden, "this endpoint has no access rule")
            .hint("a server bug: every endpoint must be given a rule in api/permissions.rs")
            .into_response();
    };
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or(Caller::Anonymous);
    if let Err(e) = need.admits(&caller) {
        return e.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path and method of the API document has a rule: a route added without one fails.
    #[test]
    fn every_documented_route_has_a_rule() {
        let doc =
            serde_json::to_value(<super::super::openapi::ApiDoc as utoipa::OpenApi>::openapi())
                .expect("document");
        let paths = doc["paths"].as_object().expect("paths");
        let mut checked = 0;
        for (path, operations) in paths {
            for method in operations.as_object().expect("operations").keys() {
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                assert!(
                    rule(&m, path).is_some(),
                    "{method} {path} has no access rule"
                );
                checked += 1;
            }
        }
        assert!(checked >= 21, "{checked}");
    }

    #[test]
    fn roles_grow() {
        assert!(Need::Read.allows(Role::Viewer));
        assert!(!Need::SeeSql.allows(Role::Viewer) && Need::SeeSql.allows(Role::Editor));
        assert!(!Need::Edit.allows(Role::Viewer) && Need::Edit.allows(Role::Editor));
        assert!(!Need::Admin.allows(Role::Editor) && Need::Admin.allows(Role::Admin));
    }
}
