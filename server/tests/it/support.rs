//! Shared helpers: the demo project, warehouses built from it by the pipeline, and requests
//! through the router.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_pipeline::{Location, Progress, Project, RunOptions};
use boltic_server::api::{self, AppState};
use serde_json::Value;
use tower::ServiceExt;

/// The demo project folder.
pub fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic")
}

/// A local location.
pub fn local(path: &Path) -> Location {
    Location::parse(path.to_str().expect("utf-8 path")).expect("location")
}

/// Build and publish a warehouse from `raw` with the demo project (forced).
pub async fn build(raw: &Location, warehouse: &Location) {
    let project = Project::load(&project()).expect("demo project");
    let options = RunOptions {
        force: true,
        ..RunOptions::default()
    };
    boltic_pipeline::run::run(raw, warehouse, &project, &options, &Progress::hidden())
        .await
        .expect("pipeline run");
}

/// A warehouse from the seed files in `dir/wh`.
pub async fn seed_warehouse(dir: &Path) -> Location {
    let wh = local(&dir.join("wh"));
    build(&local(&project().join("raw")), &wh).await;
    wh
}

/// An HTTP reply, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// A header's value (empty when missing).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    /// Assert an error reply: status, code, and a message and hint.
    pub fn error(&self, status: StatusCode, code: &str) -> Value {
        let body = self.json();
        assert_eq!(
            (self.status, body["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(!body["message"].as_str().unwrap_or("").is_empty(), "{body}");
        body
    }

    /// [`Reply::error`] whose message says `needle`, with a hint.
    pub fn error_saying(&self, status: StatusCode, code: &str, needle: &str) -> Value {
        let body = self.error(status, code);
        let message = body["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{body}");
        assert!(body["hint"].is_string(), "{body}");
        body
    }
}

/// Send a request through the router (no socket).
pub async fn send(state: &AppState, request: Request<Body>) -> Reply {
    let response = api::router(state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Reply {
        status,
        headers,
        body,
    }
}

/// The email of the admin that [`get`] and [`post`] call as.
pub const TEST_ADMIN: &str = "test-admin@example.com";

/// A new API key of `email` (made with `role` if there is no such user yet).
pub async fn key_of(state: &AppState, email: &str, role: boltic_types::Role) -> String {
    let store = &state.store;
    if store.user(email).await.is_err() {
        // two requests of one test may both get here: the second finds the user made
        let _ = store.add_user(email, "Test", role).await;
    }
    store.create_key(email, "tests", None).await.expect("key").1
}

/// `Authorization: Bearer <a key of the test admin>`.
pub async fn admin_auth(state: &AppState) -> String {
    format!(
        "Bearer {}",
        key_of(state, TEST_ADMIN, boltic_types::Role::Admin).await
    )
}

/// GET `uri` as an admin (by API key).
pub async fn get(state: &AppState, uri: &str) -> Reply {
    let auth = admin_auth(state).await;
    send(
        state,
        Request::get(uri)
            .header(header::AUTHORIZATION, auth)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// POST JSON to `uri` as an admin (by API key).
pub async fn post(state: &AppState, uri: &str, body: impl Into<Body>) -> Reply {
    let auth = admin_auth(state).await;
    send(
        state,
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, auth)
            .body(body.into())
            .unwrap(),
    )
    .await
}

/// A user with `email`, `role` and `password` (made if missing).
pub async fn user_with_password(
    state: &AppState,
    email: &str,
    role: boltic_types::Role,
    password: &str,
) {
    if state.store.user(email).await.is_err() {
        state
            .store
            .add_user(email, "Test", role)
            .await
            .expect("user");
    }
    let hash = boltic_server::password::hash(password.to_string())
        .await
        .expect("hash");
    state
        .store
        .set_password_hash(email, Some(hash))
        .await
        .expect("password");
}

/// `POST /login` with a form; the reply.
pub async fn login(state: &AppState, email: &str, password: &str) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .append_pair("password", password)
        .append_pair("next", "/")
        .finish();
    send(
        state,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The `Cookie` header of a fresh login session of a new user with `role`.
pub async fn session_of(state: &AppState, email: &str, role: boltic_types::Role) -> String {
    let password = "a test password of some length";
    user_with_password(state, email, role, password).await;
    let reply = login(state, email, password).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{:?}", reply.body);
    cookie_of(&reply)
}

/// The session cookie a reply sets, as a `Cookie` header value.
pub fn cookie_of(reply: &Reply) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("boltic_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}
