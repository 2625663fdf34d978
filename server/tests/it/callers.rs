//! Every route and page, for every kind of caller: the answer each gets is the documented one
//! (docs/security.md). The API routes come from the server's own OpenAPI document, so a route
//! added without an access rule fails here (and in `permissions`' unit test); logging in is
//! limited per account.

use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use boltic_server::api::permissions::{Need, rule};
use boltic_server::api::{AppState, ServeConfig};
use boltic_types::Role;
use serde_json::json;

use crate::support::{
    Reply, cookie_of, get, key_of, login, project, seed_warehouse, send, session_of,
    user_with_password,
};

/// A server over the seed warehouse with its app database in `dir/app.db`.
async fn state_in(dir: &Path, tune: impl FnOnce(&mut ServeConfig)) -> AppState {
    let warehouse = dir.join("wh");
    if !warehouse.exists() {
        seed_warehouse(dir).await;
    }
    let mut config = ServeConfig::new(project(), warehouse.to_str().expect("utf-8"));
    config.poll_interval = Duration::ZERO;
    config.database = dir.join("app.db");
    tune(&mut config);
    AppState::new(config).await.expect("state")
}

/// Who calls, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Nobody,
    Session(Role),
    Key(Role),
    Share,
    MetricsToken,
    ExpiredSession,
    RevokedKey,
    DisabledUserKey,
    DisabledUserSession,
    Malformed,
}

/// What a caller must get.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// The route's own answer: anything but 401, 403 or a redirect to the login page.
    Through,
    /// Refused with this status and code.
    Refused(StatusCode, &'static str),
    /// Sent to the login page.
    ToLogin,
}

const SHARE_READS: [(&str, &str); 3] = [
    ("GET", "/api/v1/share"),
    ("GET", "/api/v1/dashboards/{dashboard}"),
    ("POST", "/api/v1/dashboards/{dashboard}/tiles/{tile}/query"),
];

/// The documented answer of an API route (`need` is its rule).
fn api_expect(kind: Kind, need: Need, method: &str, route: &str) -> Expect {
    use Expect::{Refused, Through};
    let unauthenticated = Refused(StatusCode::UNAUTHORIZED, "unauthenticated");
    let bad_credential = Refused(StatusCode::UNAUTHORIZED, "invalid_token");
    let forbidden = Refused(StatusCode::FORBIDDEN, "forbidden");
    match kind {
        // a credential that does not work is refused everywhere, even on public routes
        Kind::Malformed | Kind::RevokedKey | Kind::DisabledUserKey => bad_credential,
        // a share token opens its dashboard's reads and nothing else
        Kind::Share if SHARE_READS.contains(&(method, route)) => Through,
        Kind::Share => forbidden,
        _ if need == Need::Public => Through,
        Kind::Nobody | Kind::ExpiredSession | Kind::DisabledUserSession => unauthenticated,
        Kind::MetricsToken if need == Need::Metrics => Through,
        Kind::MetricsToken => forbidden,
        Kind::Session(role) | Kind::Key(role) if need.allows(role) => Through,
        Kind::Session(_) | Kind::Key(_) => forbidden,
    }
}

/// The documented answer of a page (`public`: the login and share pages).
fn page_expect(kind: Kind, public: bool) -> Expect {
    use Expect::{Refused, Through, ToLogin};
    match kind {
        Kind::Malformed | Kind::RevokedKey | Kind::DisabledUserKey => {
            Refused(StatusCode::UNAUTHORIZED, "invalid_token")
        }
        Kind::Share => Refused(StatusCode::FORBIDDEN, "forbidden"),
        _ if public => Through,
        Kind::Session(_) | Kind::Key(_) => Through,
        _ => ToLogin,
    }
}

fn check(kind: Kind, what: &str, reply: &Reply, expect: &Expect) {
    let text = String::from_utf8_lossy(&reply.body);
    let to_login =
        reply.status == StatusCode::SEE_OTHER && reply.header("location").starts_with("/login");
    match expect {
        Expect::Through => assert!(
            !matches!(reply.status.as_u16(), 401 | 403) && !to_login,
            "{kind:?} {what}: {} {text}",
            reply.status
        ),
        Expect::ToLogin => assert!(to_login, "{kind:?} {what}: {} {text}", reply.status),
        Expect::Refused(status, code) => {
            assert_eq!(reply.status, *status, "{kind:?} {what}: {text}");
            assert!(
                text.contains(&format!("\"code\":\"{code}\"")),
                "{kind:?} {what}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn every_route_and_page_answers_each_kind_of_caller_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metrics_token = "a metrics token of some length";
    let state = state_in(dir.path(), |c| {
        c.metrics_token = Some(boltic_server::api::config::Secret(metrics_token.into()));
    })
    .await;
    // an expired session: made by a server (on the same database) whose sessions end after a
    // second of idleness
    let expired = {
        let short = state_in(dir.path(), |c| c.session_idle = Duration::from_secs(1)).await;
        let cookie = session_of(&short, "brief@x.ee", Role::Admin).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        cookie
    };

    // an editor's dashboard and its share link
    let editor_key = key_of(&state, "editor-key@x.ee", Role::Editor).await;
    let auth = |key: &str| format!("Bearer {key}");
    let made = send(
        &state,
        Request::post("/api/v1/dashboards")
            .header(header::AUTHORIZATION, auth(&editor_key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"title": "Mine", "tiles": [{"name": "t1", "title": "T",
                        "query": {"explore": "orders", "fields": ["orders.order_count"]}}]})
                .to_string(),
            ))
            .expect("request"),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let dashboard = made.json()["name"].as_str().expect("name").to_string();
    let shared = send(
        &state,
        Request::post(format!("/api/v1/dashboards/{dashboard}/shares"))
            .header(header::AUTHORIZATION, auth(&editor_key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .expect("request"),
    )
    .await;
    let token = shared.json()["token"].as_str().expect("token").to_string();

    let revoked = key_of(&state, "revoked@x.ee", Role::Admin).await;
    let id = state.store.keys("revoked@x.ee").await.expect("keys")[0]
        .id
        .clone();
    state.store.revoke_key(&id).await.expect("revoke");
    let gone_key = key_of(&state, "gone@x.ee", Role::Admin).await;
    let gone_session = session_of(&state, "gone@x.ee", Role::Admin).await;
    state
        .store
        .update_user("gone@x.ee", |u| u.disabled = true)
        .await
        .expect("disable");

    let mut callers: Vec<(Kind, Option<(header::HeaderName, String)>)> = vec![
        (Kind::Nobody, None),
        (Kind::Share, Some((header::AUTHORIZATION, auth(&token)))),
        (
            Kind::MetricsToken,
            Some((header::AUTHORIZATION, auth(metrics_token))),
        ),
        (Kind::ExpiredSession, Some((header::COOKIE, expired))),
        (
            Kind::RevokedKey,
            Some((header::AUTHORIZATION, auth(&revoked))),
        ),
        (
            Kind::DisabledUserKey,
            Some((header::AUTHORIZATION, auth(&gone_key))),
        ),
        (
            Kind::DisabledUserSession,
            Some((header::COOKIE, gone_session)),
        ),
        (
            Kind::Malformed,
            Some((header::AUTHORIZATION, "Basic dXNlcjpwYXNz".into())),
        ),
    ];
    for role in Role::ALL {
        // the editor's session and key are the dashboard owner's
        let email = if role == Role::Editor {
            "editor-key@x.ee".to_string()
        } else {
            format!("{role}-session@x.ee")
        };
        let session = session_of(&state, &email, role).await;
        callers.push((Kind::Session(role), Some((header::COOKIE, session))));
        let key = if role == Role::Editor {
            editor_key.clone()
        } else {
            key_of(&state, &format!("{role}-key@x.ee"), role).await
        };
        callers.push((Kind::Key(role), Some((header::AUTHORIZATION, auth(&key)))));
    }

    let doc = get(&state, "/api/v1/openapi.json").await.json();
    let mut routes = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(routes.len() >= 32, "{routes:?}");
    let pages = [
        ("/".to_string(), false),
        ("/explore/orders".into(), false),
        ("/dashboards".into(), false),
        (format!("/dashboards/{dashboard}"), false),
        ("/admin".into(), false),
        ("/account".into(), false),
        ("/login".into(), true),
        (format!("/s/{token}"), true),
    ];
    for (kind, credential) in &callers {
        let request = |method: &Method, uri: &str, body: Body| {
            let mut r = Request::builder().method(method.clone()).uri(uri);
            if let Some((name, value)) = credential {
                r = r.header(name, value);
            }
            if !body_is_empty(method) {
                r = r.header(header::CONTENT_TYPE, "application/json");
            }
            r.body(body).expect("request")
        };
        for (method, route) in &routes {
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            // real names where a share link may go; deleting names nothing that exists
            let target = if m == Method::DELETE {
                "nothing-here"
            } else {
                &dashboard
            };
            let uri = route
                .replace("{explore}", "orders")
                .replace("{field}", "orders.status")
                .replace("{dashboard}", target)
                .replace("{tile}", "t1")
                .replace("{id}", "nothing-here");
            let body = if body_is_empty(&m) {
                Body::empty()
            } else if route.ends_with("/tiles/{tile}/query") {
                Body::from("{}")
            } else if route == "/api/v1/query" || route == "/api/v1/sql" {
                Body::from(r#"{"explore": "orders", "fields": ["orders.order_count"]}"#)
            } else {
                // a body no route takes: what runs is refused before it changes anything
                Body::from(r#"{"not a field": true}"#)
            };
            let reply = send(&state, request(&m, &uri, body)).await;
            let need = rule(&m, route).unwrap_or_else(|| panic!("{method} {route} has no rule"));
            check(
                *kind,
                &format!("{method} {uri}"),
                &reply,
                &api_expect(*kind, need, method, route),
            );
        }
        for (page, public) in &pages {
            let reply = send(&state, request(&Method::GET, page, Body::empty())).await;
            let mut expect = page_expect(*kind, *public);
            // a logged-in user opening the login page goes on to the app
            if page == "/login" && matches!(kind, Kind::Session(_) | Kind::Key(_)) {
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "{kind:?} /login");
                continue;
            }
            if page.starts_with("/s/") && expect == Expect::Through {
                assert_eq!(reply.status, StatusCode::OK, "{kind:?} {page}");
                expect = Expect::Through;
            }
            check(*kind, &format!("GET {page}"), &reply, &expect);
        }
    }
}

fn body_is_empty(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::DELETE)
}

/// Wrong passwords are refused, then slowed: past the limit even the right password waits
/// for the window; after it, the right password works. Another account is not held up by
/// the first one's limit.
#[tokio::test]
async fn repeated_wrong_passwords_are_refused_until_the_window_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), |c| {
        c.login_attempts = 3;
        c.login_window = Duration::from_secs(2);
    })
    .await;
    let right = "the right password, long enough";
    user_with_password(&state, "ann@x.ee", Role::Viewer, right).await;
    user_with_password(&state, "bob@x.ee", Role::Viewer, right).await;
    for _ in 0..3 {
        let wrong = login(&state, "ann@x.ee", "a wrong password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(String::from_utf8_lossy(&wrong.body).contains("wrong email or password"));
    }
    let held = login(&state, "ANN@x.ee", right).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        held.header("retry-after")
            .parse::<u64>()
            .is_ok_and(|s| s >= 1)
    );
    assert!(held.headers.get(header::SET_COOKIE).is_none());
    // bob is not held up by ann's limit
    assert_eq!(
        login(&state, "bob@x.ee", right).await.status,
        StatusCode::SEE_OTHER
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = login(&state, "ann@x.ee", right).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.header("location"), "/");
    let cookie = cookie_of(&after);
    let me = send(
        &state,
        Request::get("/api/v1/me")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(me.json()["email"], "ann@x.ee");
    assert_eq!(me.json()["via"], "session");
    // the audit log has the failures and the login, and no password
    let audit = get(&state, "/api/v1/admin/audit?limit=50").await;
    let text = String::from_utf8_lossy(&audit.body).to_string();
    assert!(
        text.contains("\"login_failed\"") && text.contains("\"login\""),
        "{text}"
    );
    assert!(
        !text.contains("wrong password") && !text.contains(right),
        "{text}"
    );
}

/// Logging in changes the session id; logging out ends the session at once, server-side.
#[tokio::test]
async fn a_login_gets_a_new_session_id_and_logout_ends_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), |_| {}).await;
    let right = "the right password, long enough";
    user_with_password(&state, "ann@x.ee", Role::Editor, right).await;
    // a session id from before logging in (a planted cookie) is not the one after it
    let before = send(
        &state,
        Request::get("/login").body(Body::empty()).expect("request"),
    )
    .await;
    assert!(
        before.headers.get(header::SET_COOKIE).is_none(),
        "no session before login"
    );
    let reply = login(&state, "ann@x.ee", right).await;
    let cookie = cookie_of(&reply);
    let set = reply.header("set-cookie").to_string();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain http on loopback: {set}");
    let planted = "boltic_session=AAAAAAAAAAAAAAAAAAAAAA";
    let with = |c: &str| {
        Request::get("/api/v1/me")
            .header(header::COOKIE, c)
            .body(Body::empty())
            .expect("request")
    };
    assert_eq!(
        send(&state, with(planted)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(send(&state, with(&cookie)).await.status, StatusCode::OK);
    let out = send(
        &state,
        Request::post("/logout")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/login");
    assert_eq!(
        send(&state, with(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // a new password ends every session of the user
    let again = cookie_of(&login(&state, "ann@x.ee", right).await);
    assert_eq!(send(&state, with(&again)).await.status, StatusCode::OK);
    user_with_password(&state, "ann@x.ee", Role::Editor, "another long password").await;
    assert_eq!(
        send(&state, with(&again)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Behind https (`--public-url https://…`) the session cookie is `Secure`.
#[tokio::test]
async fn behind_https_the_cookie_is_secure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), |c| {
        c.public_url = Some(url::Url::parse("https://boltic.example.com").expect("url"));
    })
    .await;
    let right = "the right password, long enough";
    user_with_password(&state, "ann@x.ee", Role::Viewer, right).await;
    let reply = login(&state, "ann@x.ee", right).await;
    assert!(
        reply.header("set-cookie").contains("Secure"),
        "{}",
        reply.header("set-cookie")
    );
}
