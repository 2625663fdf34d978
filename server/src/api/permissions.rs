//! Which role each API route needs: one table, default deny. A route that the table does not
//! name is refused for every user (and a test over the OpenAPI document fails when a route is
//! added without a rule). The check runs after `identify`, on the route as axum matched it.
//!
//! Users get what their role allows. Share-link visitors are confined to their dashboard by
//! `identify`. Anonymous callers may still use every route that has a rule, until login is
//! required.

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use boltic_types::Role;

use super::caller::Caller;
use super::error::{ApiCode, ApiError};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone: liveness, readiness, the API document.
    Public,
    /// See explores and dashboards, run queries, field values and tiles (viewer).
    Read,
    /// Make, change and delete dashboards and their tiles; make and revoke share links
    /// (editor).
    Edit,
    /// Reload the model and warehouse; metrics (admin).
    Admin,
}

impl Need {
    /// Whether `role` may do it.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Need::Public | Need::Read => true,
            Need::Edit => role >= Role::Editor,
            Need::Admin => role == Role::Admin,
        }
    }
}

/// The rule of `method` on `route` (the route's template, e.g. `/api/v1/dashboards/{dashboard}`);
/// `None` when there is none, which refuses the request.
pub fn rule(method: &Method, route: &str) -> Option<Need> {
    use Need::{Admin, Edit, Public, Read};
    let need = match (method.as_str(), route) {
        ("GET", "/api/v1/health" | "/api/v1/ready" | "/api/v1/openapi.json") => Public,
        (
            "GET",
            "/api/v1/explores"
            | "/api/v1/explores/{explore}"
            | "/api/v1/explores/{explore}/fields/{field}/values"
            | "/api/v1/dashboards"
            | "/api/v1/dashboards/{dashboard}"
            | "/api/v1/share",
        ) => Read,
        (
            "POST",
            "/api/v1/query" | "/api/v1/sql" | "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
        ) => Read,
        ("POST", "/api/v1/dashboards" | "/api/v1/dashboards/{dashboard}/tiles")
        | ("PUT" | "DELETE", "/api/v1/dashboards/{dashboard}")
        | ("GET" | "POST", "/api/v1/dashboards/{dashboard}/shares")
        | ("DELETE", "/api/v1/dashboards/{dashboard}/shares/{id}") => Edit,
        ("POST", "/api/v1/admin/reload") | ("GET", "/metrics") => Admin,
        _ => return None,
    };
    Some(need)
}

/// The layer: refuses a user whose role lacks what the route needs, and every caller on a
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
    if let Some(Caller::User { role, .. }) = req.extensions().get::<Caller>()
        && !need.allows(*role)
    {
        return ApiError::new(
            ApiCode::Forbidden,
            format!("the role '{role}' may not do this"),
        )
        .hint(match need {
            Need::Edit => "editors and admins may change dashboards and share them",
            _ => "only admins may do this",
        })
        .into_response();
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
        assert!(!Need::Edit.allows(Role::Viewer) && Need::Edit.allows(Role::Editor));
        assert!(!Need::Admin.allows(Role::Editor) && Need::Admin.allows(Role::Admin));
    }
}
