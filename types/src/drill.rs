//! Drilling on the wire (`POST /api/v1/drill`): from a value of a result to the question that
//! shows what is behind it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::query::Query;

/// A click on one value of a result.
///
/// On a measure: the rows behind the value (the measure's `drill_fields`, filtered to the
/// clicked row). On a dimension: the same question one level down (`to`, one of the
/// dimension's `drill_fields`, e.g. from year to quarter), filtered to the clicked value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DrillRequest {
    /// The question whose result was clicked.
    pub query: Query,
    /// The clicked column, `view.field`.
    pub field: String,
    /// The clicked row: the values of the question's dimensions, by `view.field`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub row: BTreeMap<String, serde_json::Value>,
    /// For a dimension: the field to drill to (one of its `drill_fields`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// The question a drill leads to; run it with `POST /api/v1/query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrillResponse {
    /// The question.
    pub query: Query,
}

/// Rows a drill to detail asks for.
pub const DRILL_ROW_LIMIT: u64 = 500;
