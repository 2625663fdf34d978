//! Logging in and out: the `/login` page (askama, so it works before the app's bundle loads),
//! `POST /login` and `POST /logout`, and the layer that sends a page request without a
//! session to `/login`. A session is kept server-side ([`crate::store::SessionRecords`]); its
//! cookie is `HttpOnly`, `SameSite=Lax`, `Secure` behind https, and its id changes at login.
//!
//! Attempts are limited per account and per client address (`governor` keyed limiters; an IPv6
//! address counts by its /64) before the password is checked, and at most four passwords are
//! checked at once, so guessing costs the guesser time, not the server: a refused attempt
//! answers 429 with `Retry-After`. The client address is the socket's peer, or with
//! `--trust-forwarded-for` (behind a proxy) the last address of `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequest, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::audit;
use super::caller::{Caller, LOGIN_AT_KEY};
use super::state::AppState;
use crate::store::{AuditRecord, USER_KEY};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "boltic_session";

/// How often one may try to log in.
#[derive(Debug)]
pub struct LoginLimits {
    accounts: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    /// Password checks running at once (each takes ~19 MiB and a blocking thread).
    checks: tokio::sync::Semaphore,
}

impl LoginLimits {
    /// `attempts` in a burst per account (four times as many per address), one more each
    /// `window` (a quarter of it per address).
    pub fn new(attempts: u32, window: Duration) -> LoginLimits {
        let quota = |burst: u32, period: Duration| {
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::with_period(period.max(Duration::from_millis(1)))
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(burst)
        };
        LoginLimits {
            accounts: DefaultKeyedRateLimiter::keyed(quota(attempts, window)),
            addresses: DefaultKeyedRateLimiter::keyed(quota(
                attempts.saturating_mul(4),
                window / 4,
            )),
            checks: tokio::sync::Semaphore::new(4),
        }
    }

    /// Take one attempt for `email` from `address`; the wait when none is left.
    fn take(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        // forget keys whose limits are back to full, so many names cannot grow memory
        if self.accounts.len() > 10_000 {
            self.accounts.retain_recent();
        }
        if self.addresses.len() > 10_000 {
            self.addresses.retain_recent();
        }
        let now = DefaultClock::default().now();
        if let Some(ip) = address {
            self.addresses
                .check_key(&network(ip))
                .map_err(|n| n.wait_time_from(now))?;
        }
        let account: String = email.to_lowercase().chars().take(254).collect();
        self.accounts
            .check_key(&account)
            .map_err(|n| n.wait_time_from(now))
    }
}

/// The key of an address: itself for IPv4, its /64 for IPv6 (one subscriber's block).
pub(super) fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// The client's address: the socket's peer, or (when told to trust a proxy) the last address
/// the proxy appended to `X-Forwarded-For`.
pub(super) fn client_address(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|a| a.trim().parse().ok())
    {
        return Some(last);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    error: Option<&'a str>,
    next: &'a str,
    email: &'a str,
    first_start: bool,
}

/// Only a path of this server (`/…`, not `//host`) is followed after login.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control())
        && !next.starts_with("/login");
    if ok { next } else { "/" }
}

async fn page(
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
    next: &str,
    email: &str,
) -> Response {
    let first_start = state.store.user_count().await.is_ok_and(|n| n == 0);
    let html = LoginPage {
        error,
        next: safe_next(next),
        email,
        first_start,
    }
    .render()
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "login page template");
        String::from("<!DOCTYPE html><title>Log in</title><p>The login page cannot be shown.</p>")
    });
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where a login sends the browser next.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /login`: the login page (a logged-in user goes on to `next`).
pub async fn login_page(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    Query(p): Query<NextParam>,
) -> Response {
    let next = p.next.unwrap_or_default();
    if let Some(axum::Extension(Caller::User { .. })) = caller {
        return Redirect::to(safe_next(&next)).into_response();
    }
    page(&state, StatusCode::OK, None, &next, "").await
}

/// What the login form sends.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .field("password", &"…")
            .finish()
    }
}

/// `POST /login`: check the attempt limits, then the password (on a blocking thread); on
/// success a new session id, and on to `next`.
pub async fn login(State(state): State<AppState>, req: Request) -> Response {
    let address = client_address(&req, state.config.trust_forwarded_for);
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        tracing::error!("no session layer on /login");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &()).await else {
        return page(
            &state,
            StatusCode::BAD_REQUEST,
            Some("fill in your email and password"),
            "/",
            "",
        )
        .await;
    };
    let email = form.email.trim();
    let shown_email: String = email.chars().take(254).collect();
    if let Err(wait) = state.logins.take(email, address) {
        let seconds = wait.as_secs().max(1);
        // not in the audit log: refused attempts cost a flood nothing and would bury the rest
        tracing::info!(address = ?address, "login attempt refused by the limit");
        let message = format!("too many attempts; try again in {seconds} s");
        let mut response = page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(&message),
            &form.next,
            &shown_email,
        )
        .await;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let record = match state.store.login_record(email).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "app database");
            return page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                Some("the server cannot check passwords right now; try again in a moment"),
                &form.next,
                &shown_email,
            )
            .await;
        }
    };
    let (user, hash) = match record {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    let right = {
        // a bounded number of checks at once; the rest wait their turn
        let _permit = state.logins.checks.acquire().await;
        crate::password::verify(form.password, hash).await
    };
    let known = user.as_ref().map(|u| u.email.clone());
    let user = user.filter(|u| right && !u.disabled);
    let Some(user) = user else {
        // the email only when it names a user: what was typed may be a password
        audit::write(
            &state,
            AuditRecord {
                actor: known.clone(),
                via: "session",
                action: "login_failed",
                detail: json!({"address": address.map(|a| a.to_string()), "known_user": known.is_some()}),
            },
        );
        return page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("wrong email or password"),
            &form.next,
            &shown_email,
        )
        .await;
    };
    // a new id at login: a session id planted before login is worth nothing after it
    let started = async {
        session.cycle_id().await?;
        session.insert(USER_KEY, &user.id).await?;
        session.insert(LOGIN_AT_KEY, Utc::now().timestamp()).await
    };
    if let Err(e) = started.await {
        tracing::error!(error = %e, "cannot start a login session");
        return page(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("the server cannot log you in right now; try again in a moment"),
            &form.next,
            &shown_email,
        )
        .await;
    }
    audit::write(
        &state,
        AuditRecord {
            actor: Some(user.email.clone()),
            via: "session",
            action: "login",
            detail: json!({"address": address.map(|a| a.to_string())}),
        },
    );
    Redirect::to(safe_next(&form.next)).into_response()
}

/// `POST /logout`: end the session (server-side, at once) and go to the login page.
pub async fn logout(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    session: Session,
) -> Response {
    if let Some(axum::Extension(caller @ Caller::User { .. })) = caller {
        audit::record(&state, &caller, "logout", json!({}));
    }
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "cannot end a login session");
    }
    Redirect::to("/login").into_response()
}

/// The layer on the app's pages: a request without a logged-in user goes to `/login`, and
/// comes back after it.
pub async fn require_login(req: Request, next: Next) -> Response {
    if matches!(req.extensions().get::<Caller>(), Some(Caller::User { .. })) {
        return next.run(req).await;
    }
    let back = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let to = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &back)
        .finish();
    Redirect::to(&format!("/login?{to}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        let v4: IpAddr = "192.0.2.7".parse().expect("ip");
        assert_eq!(network(v4), v4);
    }

    #[test]
    fn only_paths_of_this_server_are_followed() {
        for (next, to) in [
            ("/dashboards?x=1", "/dashboards?x=1"),
            ("//evil.example", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example", "/"),
            ("/login?next=/x", "/"),
            ("", "/"),
        ] {
            assert_eq!(safe_next(next), to, "{next}");
        }
    }
}
