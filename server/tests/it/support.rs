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

/// GET `uri`.
pub async fn get(state: &AppState, uri: &str) -> Reply {
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// POST JSON to `uri`.
pub async fn post(state: &AppState, uri: &str, body: impl Into<Body>) -> Reply {
    send(
        state,
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
    .await
}
