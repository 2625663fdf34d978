//! Typed extractors for the handlers: [`ApiJson`] reads a JSON body (its mistakes answer as
//! an [`ApiError`] with line and column), and [`ResponseOptions`] reads how a query's answer
//! is wanted (format, cache) from the URL and headers.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query as UrlQuery, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use boltic_semantic::Query;
use boltic_types::{DashboardBody, NewShare, NewTile, TileQueryRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use super::encode::Format;
use super::error::{ApiCode, ApiError};

/// A request body the API reads as JSON: how its mistakes are reported, and whether an empty
/// body stands for the default.
pub trait RequestBody: DeserializeOwned {
    /// The code of a body that is not JSON of the expected shape.
    const CODE: ApiCode = ApiCode::InvalidRequest;
    /// How the error message names the body.
    const WHAT: &'static str = "the request body";
    /// The hint of a body that is not JSON of the expected shape.
    const HINT: &'static str = "/api/v1/openapi.json describes the body of each endpoint";

    /// What an empty (or blank) body means; `None`: it is a mistake like any other.
    fn when_empty() -> Option<Self> {
        None
    }
}

impl RequestBody for Query {
    const CODE: ApiCode = ApiCode::InvalidQuery;
    const WHAT: &'static str = "the query";
    const HINT: &'static str =
        r#"send {"explore": "...", "fields": ["view.field", ...]}; see /api/v1/openapi.json"#;
}

impl RequestBody for DashboardBody {}

impl RequestBody for boltic_types::DrillRequest {
    const CODE: ApiCode = ApiCode::InvalidQuery;
    const WHAT: &'static str = "the drill";
    const HINT: &'static str =
        r#"send {"query": {...}, "field": "view.field", "row": {...}}; see /api/v1/openapi.json"#;
}

impl RequestBody for boltic_types::NewKey {}

impl RequestBody for boltic_types::NewUser {}

impl RequestBody for boltic_types::UserChange {}

impl RequestBody for NewTile {}

impl RequestBody for TileQueryRequest {
    fn when_empty() -> Option<Self> {
        Some(Self::default())
    }
}

impl RequestBody for NewShare {
    fn when_empty() -> Option<Self> {
        Some(Self::default())
    }
}

/// A JSON body of type `T`; a body that cannot be read or parsed is answered with an
/// [`ApiError`] (`T::CODE`, with the line and column of the mistake).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: RequestBody, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ApiCode::PayloadTooLarge,
                    "the request body is larger than the server accepts",
                )
            } else {
                ApiError::new(
                    ApiCode::InvalidRequest,
                    "the request body could not be read",
                )
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace)
            && let Some(empty) = T::when_empty()
        {
            return Ok(ApiJson(empty));
        }
        serde_json::from_slice(&body).map(ApiJson).map_err(|e| {
            ApiError::new(
                T::CODE,
                format!("{} is not valid JSON of the expected shape: {e}", T::WHAT),
            )
            .hint(T::HINT)
            .at(serde_json::json!({"line": e.line(), "column": e.column()}))
        })
    }
}

/// Options of a query request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueryParams {
    /// `json` (default), `csv` or `arrow`; overrides `Accept`.
    format: Option<String>,
    /// `false` to bypass the result cache (as does `Cache-Control: no-cache`).
    cache: Option<bool>,
    /// Run on this published warehouse version instead of the current one (time travel; see
    /// `GET /api/v1/warehouse/versions`).
    as_of: Option<String>,
}

/// How a query's answer is wanted: the format (`format=`, else `Accept`) and whether the
/// result cache may be used (`cache=false` or `Cache-Control: no-cache` say no).
#[derive(Debug, Clone)]
pub struct ResponseOptions {
    /// The format of the response.
    pub format: Format,
    /// Whether to look in (and fill) the result cache.
    pub use_cache: bool,
    /// When the request's options were read: the start of the response's `total_ms`.
    pub started: Instant,
    /// The warehouse version to answer from (`as_of=`); the current one when `None`.
    pub as_of: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ResponseOptions {
    /// An unsupported format is an [`ApiError`]; a query string that does not parse gets
    /// axum's own answer, as it always has.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let started = Instant::now();
        let UrlQuery(params) = UrlQuery::<QueryParams>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(ResponseOptions {
            format: format_of(&parts.headers, &params).map_err(IntoResponse::into_response)?,
            use_cache: wants_cache(&parts.headers, params.cache),
            started,
            as_of: params.as_of.filter(|v| !v.is_empty()),
        })
    }
}

/// Whether a request may be answered from (and fill) the result cache: not when its `cache`
/// parameter says `false` or its `Cache-Control` says `no-cache` or `no-store`.
pub fn wants_cache(headers: &HeaderMap, cache: Option<bool>) -> bool {
    if cache == Some(false) {
        return false;
    }
    let no_cache = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-cache") || v.contains("no-store"));
    !no_cache
}

fn format_of(headers: &HeaderMap, params: &QueryParams) -> Result<Format, ApiError> {
    match &params.format {
        Some(name) => Format::from_name(name).ok_or_else(|| {
            ApiError::new(
                ApiCode::UnsupportedFormat,
                format!("there is no format '{name}'"),
            )
            .at(serde_json::json!({"parameter": "format"}))
        }),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(Format::from_accept)
            .unwrap_or(Format::Json)),
    }
}
