//! Request safety through the whole router: a foreign `Host` (DNS rebinding), a cross-site or
//! non-JSON request that changes things — sent with a valid session cookie, as a browser
//! would — and the security headers on pages and answers.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::api::seed_state;
use crate::support::{send, session_of};

fn query() -> String {
    json!({"explore": "orders", "fields": ["orders.order_count"]}).to_string()
}

#[tokio::test]
async fn forged_and_misdirected_requests_are_refused_before_any_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let cookie = session_of(&state, "viewer@x.ee", boltic_types::Role::Viewer).await;
    let request = |host: &str, content_type: Option<&str>, origin: Option<&str>| {
        let mut r = Request::post("/api/v1/query")
            .header(header::HOST, host)
            .header(header::COOKIE, &cookie);
        if let Some(t) = content_type {
            r = r.header(header::CONTENT_TYPE, t);
        }
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        r.header(header::CONTENT_LENGTH, query().len())
            .body(Body::from(query()))
            .expect("request")
    };
    let json_type = Some("application/json");
    // the app's own page, and a program without an Origin: answered
    let ok = send(
        &state,
        request("127.0.0.1:3000", json_type, Some("http://127.0.0.1:3000")),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json());
    let ok = send(&state, request("localhost:3000", json_type, None)).await;
    assert_eq!(ok.status, StatusCode::OK);
    // DNS rebinding: the attacker's name pointed at this server
    send(&state, request("attacker.example:3000", json_type, None))
        .await
        .error(StatusCode::MISDIRECTED_REQUEST, "unknown_host");
    let page = send(
        &state,
        Request::get("/")
            .header(header::HOST, "attacker.example")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(page.status, StatusCode::MISDIRECTED_REQUEST);
    // a form or "simple" request from another page: refused
    send(&state, request("127.0.0.1:3000", Some("text/plain"), None))
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    send(&state, request("127.0.0.1:3000", None, None))
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    send(
        &state,
        request(
            "127.0.0.1:3000",
            json_type,
            Some("https://attacker.example"),
        ),
    )
    .await
    .error(StatusCode::FORBIDDEN, "cross_site_request");
    // nothing ran for the refused ones: reading is still fine from anywhere
    let read = send(
        &state,
        Request::get("/api/v1/explores")
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, "https://attacker.example")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    for name in [
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
    ] {
        assert!(!read.header(name).is_empty(), "{name}");
    }
    assert!(
        read.header("content-security-policy")
            .starts_with("default-src 'none';")
            && read
                .header("content-security-policy")
                .ends_with("frame-ancestors 'none'"),
        "{}",
        read.header("content-security-policy")
    );
    // the login form posts without JavaScript, but only from this server's own pages
    let form = |origin: &str| {
        Request::post("/login")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("email=viewer%40x.ee&password=x"))
            .expect("request")
    };
    assert_eq!(
        send(&state, form("http://127.0.0.1:3000")).await.status,
        StatusCode::UNAUTHORIZED
    );
    send(&state, form("https://attacker.example"))
        .await
        .error(StatusCode::FORBIDDEN, "cross_site_request");
    // a form body anywhere else is refused
    let elsewhere = Request::post("/api/v1/query")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("explore=orders"))
        .expect("request");
    send(&state, elsewhere)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}
