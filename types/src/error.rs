//! The body of every error answer.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code, e.g. `unknown_field` (see the table in docs/api.md).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Cow<'static, str>,
    /// What went wrong, lowercase, naming the thing in quotes.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Where in the request: e.g. `{"field": "orders.status", "offset": 3}` or
    /// `{"line": 1, "column": 12}` for the JSON body.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub location: Option<serde_json::Value>,
}
