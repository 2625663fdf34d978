//! A rate limit per caller (`governor`, keyed): each user, each share link, the metrics token
//! and each anonymous client address (an IPv6 address by its /64) may make
//! `requests_per_minute` requests a minute, in bursts of as many; more answer 429
//! `rate_limited` with `Retry-After`. It runs after `identify`, so it counts per account, not
//! per connection or address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::caller::Caller;
use super::error::{ApiCode, ApiError};
use super::login::{client_address, network};
use super::state::AppState;

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Share(String),
    Metrics,
    Address(IpAddr),
    Unknown,
}

/// The limiter of every caller.
#[derive(Debug)]
pub struct CallerLimits {
    limiter: DefaultKeyedRateLimiter<Key>,
}

impl CallerLimits {
    /// `per_minute` requests a minute for each caller, in bursts of as many.
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        CallerLimits {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// Take one request of `key`; the wait when none is left.
    fn take(&self, key: &Key) -> Result<(), Duration> {
        // forget callers whose allowance is back to full, so many of them cannot grow memory
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(key)
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    }
}

/// The layer: count the request against its caller; 429 when the caller is over its rate.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let key = match req.extensions().get::<Caller>() {
        Some(Caller::User { id, .. }) => Key::User(id.clone()),
        Some(Caller::Share { link, .. }) => Key::Share(link.clone()),
        Some(Caller::Metrics) => Key::Metrics,
        Some(Caller::Anonymous) | None => {
            match client_address(&req, state.config.trust_forwarded_for) {
                Some(ip) => Key::Address(network(ip)),
                None => Key::Unknown,
            }
        }
    };
    if let Err(wait) = state.callers.take(&key) {
        let secs = wait.as_secs() + 1;
        return ApiError::new(
            ApiCode::RateLimited,
            format!(
                "more than {} requests a minute from you; try again in {secs} s",
                state.config.requests_per_minute
            ),
        )
        .retry_after(secs)
        .into_response();
    }
    next.run(req).await
}
