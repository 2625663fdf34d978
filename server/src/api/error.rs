//! API errors: a stable code, an HTTP status, a lowercase message, a hint and where.
//!
//! Every code the server sends is an [`ApiCode`]; its HTTP status and default hint come from
//! one table ([`api_codes!`]), so a new code cannot be sent without a status, and
//! `docs/api.md` is checked against [`ApiCode::ALL`]. Internal details (DataFusion messages,
//! paths) are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use boltic_types::ErrorBody;

use boltic_semantic::Code;

use crate::store::StoreError;

/// Declares [`ApiCode`] with its table: each row is a variant, the code sent, its HTTP status
/// and the hint an error gets when it is made without one. [`ApiCode::ALL`] is made from the
/// same rows, so it lists every code.
macro_rules! api_codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $code:literal, $status:ident, $hint:expr;)*) => {
        /// A stable error code: the `code` of an error body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ApiCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ApiCode {
            /// Every code, in table order.
            pub const ALL: &[ApiCode] = &[$(ApiCode::$variant,)*];

            /// The code as sent, its HTTP status and its default hint.
            fn row(self) -> (&'static str, StatusCode, Option<&'static str>) {
                match self {
                    $(ApiCode::$variant => ($code, StatusCode::$status, $hint),)*
                }
            }
        }
    };
}

/// The hint of the errors that mean "the query does not fit the model" with no better advice.
const QUERY_FORMAT_HINT: &str = "see docs/api.md for the query format";
/// The hint of the errors about a field name.
const FIELD_HINT: &str =
    "fields are written 'view.field'; GET /api/v1/explores/{explore} lists them";

api_codes! {
    /// No model or no published warehouse yet (503).
    NotReady => "not_ready", SERVICE_UNAVAILABLE, None;
    /// Every query slot is busy (429).
    Overloaded => "overloaded", TOO_MANY_REQUESTS,
        Some("retry in a moment; operators can raise 'max_concurrent_queries'");
    /// The caller made more requests than `requests_per_minute` allows (429).
    RateLimited => "rate_limited", TOO_MANY_REQUESTS,
        Some("wait as 'Retry-After' says; operators can raise 'requests_per_minute'");
    /// A failure that is not the client's (500).
    Internal => "internal", INTERNAL_SERVER_ERROR,
        Some("the server log has the details; 'boltic validate --warehouse' finds model and warehouse mismatches");
    /// No such endpoint (or record).
    NotFound => "not_found", NOT_FOUND, None;
    /// Wrong method for the endpoint.
    MethodNotAllowed => "method_not_allowed", METHOD_NOT_ALLOWED,
        Some("the endpoints and their methods are listed in /api/v1/openapi.json");
    /// No such explore.
    UnknownExplore => "unknown_explore", NOT_FOUND, Some("GET /api/v1/explores lists the explores");
    /// The query body is not JSON of the query's shape (400); a query that does not fit the
    /// model in a way without its own code is sent with 422 (see [`ApiError::with_status`]).
    InvalidQuery => "invalid_query", BAD_REQUEST, Some(QUERY_FORMAT_HINT);
    /// Another endpoint's body cannot be read or is not JSON of its shape.
    InvalidRequest => "invalid_request", BAD_REQUEST, None;
    /// The body is over the limit.
    PayloadTooLarge => "payload_too_large", PAYLOAD_TOO_LARGE, Some("send a smaller body");
    /// The body did not arrive in time.
    RequestTimeout => "request_timeout", REQUEST_TIMEOUT, Some("send the whole body at once");
    /// `format` is not json, csv or arrow.
    UnsupportedFormat => "unsupported_format", BAD_REQUEST, Some("use format=json, csv or arrow");
    /// The dashboard changed since the version sent, or its name is taken.
    Conflict => "conflict", CONFLICT, None;
    /// A project (YAML) dashboard cannot be changed in the app.
    ReadOnly => "read_only", CONFLICT,
        Some("edit it in the project's semantic/*.yml (and commit it), or save its tiles to a new dashboard");
    /// A dashboard that does not fit the model.
    InvalidDashboard => "invalid_dashboard", UNPROCESSABLE_ENTITY, None;
    /// No such dashboard.
    UnknownDashboard => "unknown_dashboard", NOT_FOUND, Some("GET /api/v1/dashboards lists them");
    /// No such tile.
    UnknownTile => "unknown_tile", NOT_FOUND, Some("GET the dashboard to see its tiles");
    /// `as_of` names no published version that is still kept.
    UnknownVersion => "unknown_version", NOT_FOUND,
        Some("GET /api/v1/warehouse/versions lists the versions a query can be run as of");
    /// No such share link.
    UnknownShare => "unknown_share", NOT_FOUND,
        Some("GET /api/v1/dashboards/{dashboard}/shares lists them");
    /// A share link expiry in the past.
    InvalidExpiry => "invalid_expiry", UNPROCESSABLE_ENTITY,
        Some("give a future time, or none for a link that lasts until revoked");
    /// A bearer token that is not a working share link, or none where one is needed.
    InvalidToken => "invalid_token", UNAUTHORIZED, None;
    /// A share link's token used outside its dashboard.
    Forbidden => "forbidden", FORBIDDEN,
        Some("open the dashboard's own page; other endpoints need an account");
    /// The share link is past its expiry.
    ShareExpired => "share_expired", GONE, Some("ask whoever shared it for a new link");
    /// `limit` above the server's `max_rows`.
    RowLimitExceeded => "row_limit_exceeded", PAYLOAD_TOO_LARGE, None;
    /// The query ran past `query_timeout_ms`.
    QueryTimeout => "query_timeout", GATEWAY_TIMEOUT,
        Some("add filters or fewer dimensions; operators can raise 'query_timeout_ms'");
    /// The query needs more than the memory pool.
    MemoryLimitExceeded => "memory_limit_exceeded", SERVICE_UNAVAILABLE,
        Some("add filters or fewer high-cardinality dimensions; operators can raise 'memory_mib'");
    /// The Ballista cluster could not run the query (scheduler unreachable, executors lost).
    ClusterUnavailable => "cluster_unavailable", SERVICE_UNAVAILABLE,
        Some("try again in a moment; operators: GET /api/v1/ready shows the cluster's executors");
    /// Reload refused: the model files have errors.
    ModelInvalid => "model_invalid", UNPROCESSABLE_ENTITY, Some("run 'boltic validate' and fix the files");
    /// Values asked of a measure.
    NotADimension => "not_a_dimension", UNPROCESSABLE_ENTITY, None;
    /// The query names a field the explore does not have.
    UnknownField => "unknown_field", UNPROCESSABLE_ENTITY, Some(FIELD_HINT);
    /// The explore does not allow the field.
    FieldNotAllowed => "field_not_allowed", UNPROCESSABLE_ENTITY, Some(FIELD_HINT);
    /// The field's view is not joined in the explore.
    ViewNotJoined => "view_not_joined", UNPROCESSABLE_ENTITY, Some(FIELD_HINT);
    /// A sort on a field the query does not select.
    InvalidSort => "invalid_sort", UNPROCESSABLE_ENTITY, Some("sort by fields that are in 'fields' or 'pivots'");
    /// A pivot on something other than a selected dimension.
    InvalidPivot => "invalid_pivot", UNPROCESSABLE_ENTITY, Some("pivot on dimensions that are also in 'fields'");
    /// A query without fields.
    EmptyQuery => "empty_query", UNPROCESSABLE_ENTITY, Some("add at least one dimension or measure to 'fields'");
    /// A query over a size limit: fields, sorts, pivots, filters, their nesting or values.
    QueryTooLarge => "query_too_large", UNPROCESSABLE_ENTITY, Some("ask a smaller question; see the message for the limit");
    /// A drill on a field that drills nowhere, or to a field it does not drill to.
    InvalidDrill => "invalid_drill", UNPROCESSABLE_ENTITY, Some("see the field's 'drill_fields' in GET /api/v1/explores/{name}");
    /// Not an IANA time zone.
    InvalidTimezone => "invalid_timezone", UNPROCESSABLE_ENTITY,
        Some("use an IANA name such as 'UTC' or 'Europe/Amsterdam'");
    /// A filter mixing dimensions and measures where it cannot.
    MixedFilter => "mixed_filter", UNPROCESSABLE_ENTITY, Some(QUERY_FORMAT_HINT);
    /// A fanned-out measure whose view has no primary key.
    FanoutWithoutPrimaryKey => "fanout_without_primary_key", UNPROCESSABLE_ENTITY, Some(QUERY_FORMAT_HINT);
    /// The `Host` is not a name this server answers to (DNS rebinding, or `--public-url` unset).
    UnknownHost => "unknown_host", MISDIRECTED_REQUEST,
        Some("open the server by a loopback name, or set --public-url (BOLTIC_PUBLIC_URL) to the address users open");
    /// A request that changes things, sent by a page of another site.
    CrossSiteRequest => "cross_site_request", FORBIDDEN,
        Some("send it from the app's own pages, or from a program without an 'Origin' header");
    /// A request body that is not declared as JSON.
    UnsupportedMediaType => "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        Some("send 'Content-Type: application/json' with a JSON body");
    /// No credentials where they are needed: log in, or send an API key.
    Unauthenticated => "unauthenticated", UNAUTHORIZED,
        Some("log in at /login, or send 'Authorization: Bearer <API key>' (made on the 'API keys' page or with 'boltic keys create')");
    /// No such user.
    UnknownUser => "unknown_user", NOT_FOUND, Some("GET /api/v1/admin/users lists them");
    /// A user with that email exists.
    UserExists => "user_exists", CONFLICT, Some("pick another email, or change the existing user");
    /// A user that cannot be made or changed that way (empty email, a bad attribute).
    InvalidUser => "invalid_user", UNPROCESSABLE_ENTITY, None;
    /// A password that is too short.
    WeakPassword => "weak_password", UNPROCESSABLE_ENTITY, Some("use at least 10 characters; a passphrase of a few words is easy to type and hard to guess");
    /// No such API key (or not the caller's).
    UnknownKey => "unknown_key", NOT_FOUND, Some("GET /api/v1/me/keys lists your keys");
    /// A filter expression that does not parse, or a filter the dashboard does not have.
    InvalidFilter => "invalid_filter", UNPROCESSABLE_ENTITY,
        Some("filter expressions look like 'Finished', '-Cancelled', '>=100', '[5,90]', 'last 7 days', 'NULL'");
}

impl ApiCode {
    /// The code as sent, e.g. `unknown_field`.
    pub fn as_str(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status it is sent with.
    pub fn status(self) -> StatusCode {
        self.row().1
    }

    /// The hint an error with this code gets when it is made without one.
    pub fn default_hint(self) -> Option<&'static str> {
        self.row().2
    }
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The stable code (also in the body).
    code: ApiCode,
    /// Body.
    pub body: Box<ErrorBody>,
    /// Seconds after which to retry (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a code and message; the status and the default hint come from the code.
    pub fn new(code: ApiCode, message: impl Into<String>) -> Self {
        ApiError {
            status: code.status(),
            code,
            body: Box::new(ErrorBody {
                code: code.as_str().into(),
                message: message.into(),
                hint: code.default_hint().map(String::from),
                location: None,
            }),
            retry_after: None,
        }
    }

    /// With another status than its code's (only `invalid_query` needs it: 422 for a query
    /// that does not fit the model, where the code's 400 is for a body that does not parse).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
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
    pub fn code(&self) -> ApiCode {
        self.code
    }

    /// 503 while no model or warehouse is loaded.
    pub fn not_ready(what: &str, hint: impl Into<String>) -> Self {
        ApiError::new(
            ApiCode::NotReady,
            format!("the server has no {what} loaded yet"),
        )
        .hint(hint)
        .retry_after(5)
    }

    /// 429 when every query slot is busy.
    pub fn overloaded() -> Self {
        ApiError::new(
            ApiCode::Overloaded,
            "the server is running as many queries as it may",
        )
        .retry_after(1)
    }

    /// 500 for failures that are not the client's; the details must already be logged.
    pub fn internal(what: &str) -> Self {
        ApiError::new(
            ApiCode::Internal,
            format!("{what} failed inside the server"),
        )
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
                let code = query_code(code);
                let mut error = ApiError::new(code, message);
                if code == ApiCode::InvalidQuery {
                    // a query that does not fit the model, not a body that does not parse
                    error = error.with_status(StatusCode::UNPROCESSABLE_ENTITY);
                }
                match hint {
                    Some(hint) => error.hint(hint),
                    None => error,
                }
            }
            E::Filter { field, source } => ApiError::new(
                ApiCode::InvalidFilter,
                format!(
                    "filter on '{field}': {} in {:?} at character {}",
                    source.message, source.expression, source.offset
                ),
            )
            .at(serde_json::json!({"field": field, "offset": source.offset})),
            E::InvalidQuery(message) => ApiError::new(ApiCode::InvalidQuery, message),
            E::Internal(message) => {
                tracing::error!(%message, "semantic compiler bug");
                ApiError::internal("compiling the query")
            }
        }
    }
}

/// The API code for a semantic error code (`unknown-field` → `unknown_field`). Exhaustive: a
/// new semantic code does not compile until it is given its API code here. Codes that only
/// model files or `boltic validate` produce, and query mistakes without a code of their own,
/// are sent as `invalid_query`.
fn query_code(code: Code) -> ApiCode {
    match code {
        Code::UnknownExplore => ApiCode::UnknownExplore,
        Code::UnknownField => ApiCode::UnknownField,
        Code::FieldNotAllowed => ApiCode::FieldNotAllowed,
        Code::ViewNotJoined => ApiCode::ViewNotJoined,
        Code::InvalidSort => ApiCode::InvalidSort,
        Code::InvalidPivot => ApiCode::InvalidPivot,
        Code::EmptyQuery => ApiCode::EmptyQuery,
        Code::InvalidDrill => ApiCode::InvalidDrill,
        Code::QueryTooLarge => ApiCode::QueryTooLarge,
        Code::InvalidTimezone => ApiCode::InvalidTimezone,
        Code::MixedFilter => ApiCode::MixedFilter,
        Code::FanoutWithoutPrimaryKey => ApiCode::FanoutWithoutPrimaryKey,
        Code::InvalidFilter => ApiCode::InvalidFilter,
        Code::Syntax
        | Code::DuplicateName
        | Code::UnknownView
        | Code::InvalidType
        | Code::InvalidSource
        | Code::InvalidSql
        | Code::InvalidReference
        | Code::ReferenceCycle
        | Code::TypeMismatch
        | Code::MissingSql
        | Code::InvalidPercentile
        | Code::InvalidTiers
        | Code::InvalidTimeframe
        | Code::InvalidValueFormat
        | Code::MissingRelationship
        | Code::MissingSqlOn
        | Code::InvalidJoin
        | Code::AmbiguousJoin
        | Code::InvalidName
        | Code::InvalidTileQuery
        | Code::InvalidLayout
        | Code::TooManyTiles
        | Code::InvalidAccessGrant
        | Code::UnknownAccessGrant
        | Code::SqlModel
        | Code::UnknownTable
        | Code::WarehouseMismatch => ApiCode::InvalidQuery,
    }
}

/// Map an app database error to an API error; unexpected ones are logged and become 500.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                name,
                current,
                sent,
            } => ApiError::new(
                ApiCode::Conflict,
                format!("dashboard '{name}' was changed by someone else since you opened it"),
            )
            .hint(format!(
                "reload the dashboard (version {current}; yours was {sent}) and make the change again"
            )),
            StoreError::NotFound => ApiError::new(ApiCode::NotFound, "not found"),
            StoreError::Exists(name) => ApiError::new(
                ApiCode::Conflict,
                format!("dashboard '{name}' already exists"),
            )
            .hint("try again; names get a random suffix"),
            StoreError::UserExists(email) => ApiError::new(
                ApiCode::UserExists,
                format!("a user with the email '{email}' already exists"),
            ),
            StoreError::UnknownUser(who) => {
                ApiError::new(ApiCode::UnknownUser, format!("there is no user '{who}'"))
            }
            StoreError::UnknownKey(id) => {
                ApiError::new(ApiCode::UnknownKey, format!("there is no API key '{id}'"))
            }
            other => {
                tracing::error!(error = %other, "app database");
                ApiError::internal("the app database")
            }
        }
    }
}

impl From<crate::password::PasswordError> for ApiError {
    fn from(e: crate::password::PasswordError) -> Self {
        match e {
            crate::password::PasswordError::TooShort => {
                ApiError::new(ApiCode::WeakPassword, e.to_string())
            }
            other => {
                tracing::error!(error = %other, "password hashing");
                ApiError::internal("setting the password")
            }
        }
    }
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
pub struct ErrorCode(pub ApiCode);

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of the error table in `docs/api.md`.
    fn documented_codes() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md");
        let doc = std::fs::read_to_string(path).expect("docs/api.md");
        let errors = doc
            .split("\n## Errors\n")
            .nth(1)
            .expect("docs/api.md has a '## Errors' section");
        let section = errors.split("\n## ").next().unwrap_or_default();
        section
            .lines()
            .filter(|l| l.starts_with('|'))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_code_is_in_the_docs_with_its_status() {
        let table = documented_codes();
        for code in ApiCode::ALL {
            let cell = format!("`{}`", code.as_str());
            let row = table
                .lines()
                .find(|l| l.contains(&cell))
                .unwrap_or_else(|| panic!("docs/api.md's error table lacks {cell}"));
            assert!(
                row.starts_with(&format!("| {} |", code.status().as_u16())),
                "docs/api.md gives {cell} another status first: {row}"
            );
        }
    }

    #[test]
    fn codes_are_distinct() {
        let mut names: Vec<&str> = ApiCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ApiCode::ALL.len());
    }
}
