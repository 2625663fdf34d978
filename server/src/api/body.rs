//! Query routes read their request body whole, within the size limit and the configured time
//! (`body_timeout_ms`), *before* they take a query slot: a client that sends its body slowly,
//! or never, holds its own connection, not one of the slots every other query waits for.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::MAX_BODY;
use super::error::{ApiCode, ApiError};
use super::state::AppState;

/// Read the body of `req` (at most [`MAX_BODY`] bytes, within `body_timeout`), then go on
/// with it in memory; 408 when it does not arrive in time, 413 when it is too large.
pub async fn read_whole(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limit = state.config.body_timeout;
    let bytes = match tokio::time::timeout(limit, to_bytes(body, MAX_BODY)).await {
        Err(_) => {
            let ms = limit.as_millis();
            return ApiError::new(
                ApiCode::RequestTimeout,
                format!("the request body did not arrive within {ms} ms"),
            )
            .into_response();
        }
        Ok(Err(e)) if is_too_large(&e) => {
            return ApiError::new(
                ApiCode::PayloadTooLarge,
                format!("the request body is larger than {} KiB", MAX_BODY >> 10),
            )
            .into_response();
        }
        Ok(Err(_)) => {
            return ApiError::new(
                ApiCode::InvalidRequest,
                "the request body could not be read",
            )
            .hint("send the whole body in one request")
            .into_response();
        }
        Ok(Ok(bytes)) => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether reading failed because the body is over the limit.
fn is_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}
