//! API errors: a stable code, an HTTP status, a lowercase message, a hint and where.
//!
//! Internal details (DataFusion messages, paths) are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use boltic_types::ErrorBody;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The stable code (also in the body).
    code: &'static str,
    /// Body.
    pub body: Box<ErrorBody>,
    /// Seconds after which to retry (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a code, status and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            body: Box::new(ErrorBody {
                code: code.into(),
                message: message.into(),
                hint: None,
                location: None,
            }),
            retry_after: None,
        }
    }

    /// With a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.body.hint = Some(hint.into());
        self
    }

    /// With a location.
    pub fn at(mut self, location: serde_json::Value) -> Self {
        self.body.location = Some(location);
        self
    }

    /// With a Retry-After.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// 503 while no model or warehouse is loaded.
    pub fn not_ready(what: &str, hint: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("the server has no {what} loaded yet"),
        )
        .hint(hint)
        .retry_after(5)
    }

    /// 429 when every query slot is busy.
    pub fn overloaded() -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "overloaded",
            "the server is running as many queries as it may",
        )
        .hint("retry in a moment; operators can raise 'max_concurrent_queries'")
        .retry_after(1)
    }

    /// 500 for failures that are not the client's; the details must already be logged.
    pub fn internal(what: &str) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{what} failed inside the server"),
        )
        .hint("the server log has the details; 'boltic validate --warehouse' finds model and warehouse mismatches")
    }
}

/// Map a semantic compile error to an API error.
impl From<boltic_semantic::Error> for ApiError {
    fn from(e: boltic_semantic::Error) -> Self {
        use boltic_semantic::Error as E;
        match e {
            E::Query {
                code,
                message,
                hint,
            } => {
                let (status, code) = query_code(code);
                let hint = hint.unwrap_or_else(|| default_hint(code).to_string());
                ApiError::new(status, code, message).hint(hint)
            }
            E::Filter { field, source } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_filter",
                format!(
                    "filter on '{field}': {} in {:?} at character {}",
                    source.message, source.expression, source.offset
                ),
            )
            .hint("filter expressions look like 'Finished', '-Cancelled', '>=100', '[5,90]', 'last 7 days', 'NULL'")
            .at(serde_json::json!({"field": field, "offset": source.offset})),
            E::InvalidQuery(message) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
                    .hint(default_hint("invalid_query"))
            }
            E::Internal(message) => {
                tracing::error!(%message, "semantic compiler bug");
                ApiError::internal("compiling the query")
            }
        }
    }
}

/// A hint for errors the compiler gave none for.
fn default_hint(code: &str) -> &'static str {
    match code {
        "unknown_explore" => "GET /api/v1/explores lists the explores",
        "unknown_field" | "field_not_allowed" | "view_not_joined" => {
            "fields are written 'view.field'; GET /api/v1/explores/{explore} lists them"
        }
        "invalid_sort" => "sort by fields that are in 'fields' or 'pivots'",
        "invalid_pivot" => "pivot on dimensions that are also in 'fields'",
        "empty_query" => "add at least one dimension or measure to 'fields'",
        "invalid_timezone" => "use an IANA name such as 'UTC' or 'Europe/Amsterdam'",
        _ => "see docs/api.md for the query format",
    }
}

/// The API code and status for a semantic error code (`unknown-field` → `unknown_field`, 422).
fn query_code(code: &'static str) -> (StatusCode, &'static str) {
    let api = match code {
        "unknown-explore" => return (StatusCode::NOT_FOUND, "unknown_explore"),
        "unknown-field" => "unknown_field",
        "field-not-allowed" => "field_not_allowed",
        "view-not-joined" => "view_not_joined",
        "invalid-sort" => "invalid_sort",
        "invalid-pivot" => "invalid_pivot",
        "empty-query" => "empty_query",
        "invalid-timezone" => "invalid_timezone",
        "mixed-filter" => "mixed_filter",
        "fanout-without-primary-key" => "fanout_without_primary_key",
        _ => "invalid_query",
    };
    (StatusCode::UNPROCESSABLE_ENTITY, api)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(&*self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

/// The error code of a response, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);
