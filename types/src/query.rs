//! The query the JSON API accepts (`POST /api/v1/query`, `/api/v1/sql`, a tile's question).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A query against an explore.
///
/// ```json
/// {"explore": "orders", "fields": ["customers.name", "orders.revenue"],
///  "filters": {"orders.status": "Finished,Booked"},
///  "sorts": [{"field": "orders.revenue", "desc": true}], "limit": 10}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Explore name.
    pub explore: String,
    /// Fields to return, `view.field` (dimensions and measures).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Filters: a map of Looker-style expressions or a list of filters.
    #[serde(default)]
    pub filters: Filters,
    /// Sort order; fields must be among `fields`/`pivots`.
    #[serde(default)]
    pub sorts: Vec<Sort>,
    /// Row limit.
    pub limit: Option<u64>,
    /// Rows to skip.
    pub offset: Option<u64>,
    /// Dimensions to pivot on (grouped like `fields`; the client pivots the rows).
    #[serde(default)]
    pub pivots: Vec<String>,
    /// Also compute a totals row (see [`crate::CompiledQuery::totals_sql`]).
    #[serde(default)]
    pub totals: bool,
    /// Query time zone (default: the model's).
    pub timezone: Option<String>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sort {
    /// `view.field`.
    pub field: String,
    /// Descending.
    #[serde(default)]
    pub desc: bool,
}

/// Filters of a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Filters {
    /// `{"view.field": "expression", …}` (all must hold).
    Map(BTreeMap<String, String>),
    /// A list of filters (all must hold).
    List(Vec<Filter>),
}

impl Default for Filters {
    fn default() -> Self {
        Filters::List(Vec::new())
    }
}

impl Filters {
    /// As a list of filters.
    pub fn to_list(&self) -> Vec<Filter> {
        match self {
            Filters::Map(m) => m
                .iter()
                .map(|(k, v)| Filter::Expressions(BTreeMap::from([(k.clone(), v.clone())])))
                .collect(),
            Filters::List(l) => l.clone(),
        }
    }
}

/// A filter: structured condition, `and`/`or` group, or expressions per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", schema(no_recursion))]
pub enum Filter {
    /// All must hold.
    And {
        /// Members.
        and: Vec<Filter>,
    },
    /// Any must hold.
    Or {
        /// Members.
        or: Vec<Filter>,
    },
    /// `{"field": "orders.price", "op": "gt", "values": [100]}`.
    Condition(Condition),
    /// `{"orders.status": "Finished,Booked"}` (all must hold).
    Expressions(BTreeMap<String, String>),
}

/// A structured condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// `view.field` (dimension or measure).
    pub field: String,
    /// Operator.
    pub op: Op,
    /// Operands (JSON strings, numbers or booleans).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub values: Vec<serde_json::Value>,
}

/// Operators of structured conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal to any of `values`.
    Equals,
    /// Different from all of `values` (NULL counts as different).
    NotEquals,
    /// `>`.
    Gt,
    /// `>=`.
    Gte,
    /// `<`.
    Lt,
    /// `<=`.
    Lte,
    /// `values[0] <= x <= values[1]`.
    Between,
    /// Contains `values[0]`.
    Contains,
    /// Starts with `values[0]`.
    StartsWith,
    /// Ends with `values[0]`.
    EndsWith,
    /// `IS NULL`.
    IsNull,
    /// `IS NOT NULL`.
    IsNotNull,
    /// `values[0]` is a Looker-style filter expression.
    Matches,
}
