//! The web app as the server renders it (the browser side is tested by scripts/browser-test.sh).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_server::api::{self, AppState, ServeConfig};
use tower::ServiceExt;

async fn fetch(
    state: &AppState,
    uri: &str,
    gzip: bool,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(uri);
    if gzip {
        request = request.header(header::ACCEPT_ENCODING, "gzip");
    }
    let response = api::router(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

#[tokio::test]
async fn pages_render_on_the_server_and_assets_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let css = "body { color: black; }\n".repeat(200);
    std::fs::write(site.join("pkg/boltic.css"), &css).unwrap();
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic");
    let mut config = ServeConfig::new(project, dir.path().join("no-warehouse").to_str().unwrap());
    config.site_dir = site;
    config.poll_interval = std::time::Duration::ZERO;
    config.database = ":memory:".into();
    let state = AppState::new(config).await.unwrap();

    let (status, headers, body) = fetch(&state, "/", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<title>Boltic</title>"), "{html}");
    assert!(
        html.contains("/pkg/boltic.js") && html.contains("boltic_bg.wasm"),
        "no hydration script: {html}"
    );
    assert!(html.contains("/pkg/echarts.min.js"), "{html}");
    assert!(
        !html.contains("cdn"),
        "assets must be served by boltic itself"
    );

    let (status, _, body) = fetch(&state, "/explore/orders", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("Loading the explore")
    );

    let (status, headers, body) = fetch(&state, "/pkg/boltic.css", true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < css.len() / 4, "{} bytes gzip", body.len());
    let (status, _, _) = fetch(&state, "/pkg/nothing.js", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // the API keeps its JSON errors
    let (status, _, body) = fetch(&state, "/api/v1/nothing", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("\"code\":\"not_found\"")
    );
}
