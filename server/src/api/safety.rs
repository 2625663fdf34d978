//! Browser and request safety, for every route before anything else runs:
//! - the `Host` must be one this server answers to (loopback names, or the host of
//!   `--public-url`): a DNS-rebinding page that points its own name at a loopback server
//!   gets `421 unknown_host`;
//! - an unsafe request (`POST`, `PUT`, `PATCH`, `DELETE`) from a browser must come from this
//!   server's own origin (`Origin` and `Sec-Fetch-Site`): `403 cross_site_request`;
//! - an unsafe request that carries a body (or declares a type) must declare
//!   `Content-Type: application/json`, which no cross-site form or "simple" request can send
//!   without the browser asking first: `415 unsupported_media_type`;
//! - every response says `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`,
//!   and no page may be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiCode, ApiError};

/// The host names a server answers to.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    names: Vec<String>,
    /// The origin of `public_url` (`https://boltic.example.com`), which pages behind a proxy
    /// send.
    public_origin: Option<String>,
}

impl AllowedHosts {
    /// Loopback names, plus the host of `public_url` (`https://boltic.example.com`) if given.
    pub fn new(public_url: Option<&url::Url>) -> Self {
        let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .into_iter()
            .map(String::from)
            .collect();
        if let Some(host) = public_url.and_then(|u| u.host_str()) {
            names.push(host.to_ascii_lowercase());
        }
        AllowedHosts {
            names,
            public_origin: public_url.map(|u| u.origin().ascii_serialization()),
        }
    }

    /// Whether `authority` (`host` or `host:port`) names this server.
    fn allows(&self, authority: &str) -> bool {
        let host = strip_port(authority).to_ascii_lowercase();
        self.names.contains(&host)
    }
}

/// `example.com:3000` → `example.com`; `[::1]:3000` → `[::1]`.
fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// The layer: checks the request, then adds the security headers to whatever answers.
pub async fn guard(State(hosts): State<AllowedHosts>, req: Request, next: Next) -> Response {
    if let Err(e) = check(&hosts, req.method(), req.uri().path(), req.headers()) {
        return with_security_headers(e.into_response());
    }
    with_security_headers(next.run(req).await)
}

fn check(
    hosts: &AllowedHosts,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    // HTTP/1.1 clients always send Host (in-process callers may not); a browser always does
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or_default();
        if !hosts.allows(host) {
            return Err(ApiError::new(
                ApiCode::UnknownHost,
                format!("this server does not answer to the host '{host}'"),
            ));
        }
    }
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        return Ok(());
    }
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("null"));
    // the same origin: scheme aside, the host and port the request was sent to (another port
    // of the same host is another origin), or the public address
    let request_host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let cross_origin = origin.is_some_and(|o| {
        if hosts.public_origin.as_deref() == Some(o) {
            return false;
        }
        let Some(url) = url::Url::parse(o).ok() else {
            return true;
        };
        // `host_str` writes IPv6 hosts in brackets, as `Host` does
        let Some(host) = url.host_str() else {
            return true;
        };
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        match request_host {
            Some(h) => !h.eq_ignore_ascii_case(&authority),
            None => !hosts.allows(host),
        }
    });
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    if cross_origin || cross_site {
        return Err(ApiError::new(
            ApiCode::CrossSiteRequest,
            format!(
                "a request that changes things came from another site ('{}')",
                origin.unwrap_or("cross-site")
            ),
        ));
    }
    let content_type = headers.get(header::CONTENT_TYPE);
    let carries_body = content_type.is_some()
        || headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    let media = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    let json = media.is_some_and(|v| v.eq_ignore_ascii_case("application/json"));
    // the login and logout forms post without JavaScript (same origin, checked above)
    let form = matches!(path, "/login" | "/logout")
        && media.is_some_and(|v| v.eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if carries_body && !json && !form {
        return Err(ApiError::new(
            ApiCode::UnsupportedMediaType,
            format!(
                "the request body is declared as '{}', not JSON",
                content_type
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("nothing")
            ),
        ));
    }
    Ok(())
}

fn with_security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            // pages that render the app set their own policy with a nonce (api/web.rs); the
            // rest (the login page, API answers) load nothing
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn code(r: Result<(), ApiError>) -> Option<&'static str> {
        r.err().map(|e| e.code().as_str())
    }

    #[test]
    fn hosts_origins_and_types() {
        let public = url::Url::parse("https://boltic.example.com").expect("url");
        let hosts = AllowedHosts::new(Some(&public));
        let post = Method::POST;
        let json = ("content-type", "application/json");
        for host in [
            "localhost:3000",
            "127.0.0.1",
            "[::1]:80",
            "BOLTIC.example.com",
        ] {
            assert_eq!(
                code(check(
                    &hosts,
                    &Method::GET,
                    "/api/v1/query",
                    &headers(&[("host", host)])
                )),
                None,
                "{host}"
            );
        }
        assert_eq!(
            code(check(
                &hosts,
                &Method::GET,
                "/api/v1/query",
                &headers(&[("host", "evil.example:3000")])
            )),
            Some("unknown_host")
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[json, ("content-length", "2")])
            )),
            None
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[("content-type", "text/plain"), ("content-length", "2")])
            )),
            Some("unsupported_media_type")
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[("content-length", "2")])
            )),
            Some("unsupported_media_type")
        );
        // no body, no type: fine (e.g. a reload)
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[("content-length", "0")])
            )),
            None
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[json, ("origin", "https://evil.example")])
            )),
            Some("cross_site_request")
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[json, ("origin", "null")])
            )),
            Some("cross_site_request")
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[json, ("origin", "http://localhost:3000")])
            )),
            None
        );
        assert_eq!(
            code(check(
                &hosts,
                &post,
                "/api/v1/query",
                &headers(&[json, ("sec-fetch-site", "cross-site")])
            )),
            Some("cross_site_request")
        );
        // another port of the same host is another origin; the public address is this one
        let sent_to = ("host", "localhost:3000");
        for (origin, refused) in [
            ("http://localhost:3000", false),
            ("http://LOCALHOST:3000", false),
            ("http://localhost:8080", true),
            ("http://localhost", true),
            ("https://boltic.example.com", false),
            ("https://boltic.example.com:8443", true),
        ] {
            assert_eq!(
                code(check(
                    &hosts,
                    &post,
                    "/login",
                    &headers(&[json, sent_to, ("origin", origin)])
                )),
                refused.then_some("cross_site_request"),
                "{origin}"
            );
        }
        // reading is never refused for its origin
        assert_eq!(
            code(check(
                &hosts,
                &Method::GET,
                "/api/v1/query",
                &headers(&[("origin", "https://evil.example")])
            )),
            None
        );
    }
}
