//! The web app as the server renders it (the browser side is tested by scripts/browser-test.sh).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_server::api::{self, AppState, ServeConfig};
use tower::ServiceExt;

async fn fetch_as(
    state: &AppState,
    uri: &str,
    gzip: bool,
    cookie: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(uri);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
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
    let cookie =
        crate::support::session_of(&state, "viewer@x.ee", boltic_types::Role::Viewer).await;
    let fetch = |uri: &'static str, gzip: bool| fetch_as(&state, uri, gzip, Some(&cookie));

    let (status, headers, body) = fetch("/", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<title>Boltic</title>"), "{html}");
    // a strict policy whose nonce is the one on the page's inline scripts
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|n| n.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce: {csp}"));
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "{csp}\n{html}"
    );
    for part in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(
        !csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
    let (_, again, _) = fetch("/", false).await;
    assert_ne!(
        again[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY],
        "a nonce per response"
    );

    // without a session every page goes to the login page, and comes back after it
    for page in ["/", "/explore/orders", "/dashboards", "/admin", "/account"] {
        let (status, headers, _) = fetch_as(&state, page, false, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let to = headers[header::LOCATION].to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{page} → {to}");
    }
    let (status, headers, body) = fetch_as(&state, "/login?next=%2Fdashboards", false, None).await;
    assert_eq!(status, StatusCode::OK);
    let login = String::from_utf8(body).unwrap();
    assert!(
        login.contains("name=\"password\"") && login.contains("value=\"/dashboards\""),
        "{login}"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    // a `next` that leaves this server is not followed
    let (_, _, body) = fetch_as(&state, "/login?next=%2F%2Fevil.example", false, None).await;
    assert!(!String::from_utf8(body).unwrap().contains("evil.example"));
    assert!(
        html.contains("/pkg/boltic.js") && html.contains("boltic_bg.wasm"),
        "no hydration script: {html}"
    );
    // ECharts is loaded by the first chart a page draws, not by every page
    assert!(!html.contains("echarts"), "{html}");
    assert!(
        !html.contains("cdn"),
        "assets must be served by boltic itself"
    );

    let (status, _, body) = fetch("/explore/orders", false).await;
    assert_eq!(status, StatusCode::OK);
    let explore = String::from_utf8(body).unwrap();
    assert!(explore.contains("Loading the explore"), "{explore}");
    // the API answers the app asks for first are preloaded, fetched as the app fetches them
    let preload = |path: &str| {
        format!(r#"<link rel="preload" href="{path}" as="fetch" crossorigin="anonymous">"#)
    };
    for path in ["/api/v1/me", "/api/v1/explores/orders"] {
        assert!(explore.contains(&preload(path)), "{path}: {explore}");
    }
    assert!(html.contains(&preload("/api/v1/me")), "{html}");
    assert!(!html.contains("/api/v1/explores/"), "{html}");

    let (status, headers, body) = fetch("/pkg/boltic.css", true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < css.len() / 4, "{} bytes gzip", body.len());
    let (status, _, _) = fetch("/pkg/nothing.js", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // the API keeps its JSON errors
    let (status, _, body) = fetch("/api/v1/nothing", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("\"code\":\"not_found\"")
    );
}

#[tokio::test]
async fn assets_are_sent_precompressed_and_revalidated() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("site/pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    // as scripts/build-frontend.sh leaves them: each asset with its brotli and gzip copies
    // (stand-ins here, told apart by their bytes)
    std::fs::write(pkg.join("boltic_bg.wasm"), b"\0asm plain").unwrap();
    std::fs::write(pkg.join("boltic_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("boltic_bg.wasm.gz"), b"gzip bytes").unwrap();
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic");
    let mut config = ServeConfig::new(project, dir.path().join("no-warehouse").to_str().unwrap());
    config.site_dir = dir.path().join("site");
    config.poll_interval = std::time::Duration::ZERO;
    config.database = ":memory:".into();
    let state = AppState::new(config).await.unwrap();
    let get = |accept: Option<&'static str>| {
        let state = state.clone();
        async move {
            let mut request = Request::get("/pkg/boltic_bg.wasm");
            if let Some(a) = accept {
                request = request.header(header::ACCEPT_ENCODING, a);
            }
            let response = api::router(state)
                .oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let headers = response.headers().clone();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (headers, body.to_vec())
        }
    };

    let (headers, body) = get(Some("gzip, deflate, br, zstd")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(body, b"brotli bytes");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert!(
        headers
            .get_all(header::VARY)
            .iter()
            .any(|v| v.to_str().unwrap().contains("accept-encoding")),
        "{headers:?}"
    );
    let (headers, body) = get(Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"gzip bytes");
    let (headers, body) = get(None).await;
    assert!(
        headers.get(header::CONTENT_ENCODING).is_none(),
        "{headers:?}"
    );
    assert_eq!(body, b"\0asm plain");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    // asked again, an unchanged file is not sent again
    let again = api::router(state.clone())
        .oneshot(
            Request::get("/pkg/boltic_bg.wasm")
                .header(header::ACCEPT_ENCODING, "br")
                .header(header::IF_MODIFIED_SINCE, &headers[header::LAST_MODIFIED])
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
