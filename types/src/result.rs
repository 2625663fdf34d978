//! Query results on the wire: result columns, the JSON answer of `POST /api/v1/query`, compiled
//! SQL, field values.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::explore::FieldKind;

/// A result row: `view.field` → value.
pub type Row = serde_json::Map<String, serde_json::Value>;

/// JSON that is either already encoded or decoded. The server sends result rows it encoded
/// once (and cached) as they are; a client reads them decoded. Both write the same JSON.
#[derive(Debug, Clone)]
pub enum Encoded<'a, T> {
    /// JSON text, written as it is.
    Raw(&'a RawValue),
    /// A value, written (and read) with serde.
    Value(T),
}

impl<T> Encoded<'_, T> {
    /// The decoded value (what a client reads); `None` for raw JSON.
    pub fn value(&self) -> Option<&T> {
        match self {
            Encoded::Raw(_) => None,
            Encoded::Value(v) => Some(v),
        }
    }
}

impl<T: Serialize> Serialize for Encoded<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Encoded::Raw(raw) => raw.serialize(s),
            Encoded::Value(v) => v.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Encoded<'_, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Encoded::Value)
    }
}

impl<T: Serialize + PartialEq> PartialEq for Encoded<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Encoded::Value(a), Encoded::Value(b)) => a == b,
            (Encoded::Raw(a), Encoded::Raw(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

/// Where a query's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheStatus {
    /// Served from the cache.
    Hit,
    /// Run, then kept.
    Miss,
    /// Run because the request asked not to use the cache.
    Bypass,
}

impl CacheStatus {
    /// `hit`, `miss` or `bypass`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Bypass => "bypass",
        }
    }
}

/// Column metadata of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMeta {
    /// `view.field`; the key in each row.
    pub name: String,
    /// `dimension` or `measure`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: FieldKind,
    /// Field type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Label (the model's, else made from the name).
    pub label: Option<String>,
    /// Display format hint.
    pub value_format: Option<String>,
    /// A pivot dimension.
    pub pivot: bool,
}

impl FieldMeta {
    /// A dimension (else a measure).
    pub fn is_dimension(&self) -> bool {
        self.kind == FieldKind::Dimension
    }

    /// A measure.
    pub fn is_measure(&self) -> bool {
        self.kind == FieldKind::Measure
    }
}

/// Where the time went, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timing {
    /// Compiling the query to SQL.
    pub compile_ms: f64,
    /// Running it (from the original run when served from the cache).
    pub execute_ms: f64,
    /// The whole request.
    pub total_ms: f64,
}

/// A query's result as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryResponse<'a> {
    /// Columns, in order.
    pub fields: Vec<FieldMeta>,
    /// Rows as objects keyed by `view.field`: numbers are numbers, times ISO-8601, nulls null.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub rows: Encoded<'a, Vec<Row>>,
    /// Totals row (when `totals` was asked).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub totals: Option<Encoded<'a, Row>>,
    /// With pivots and `totals`: each pivot column's totals, one row per pivot value (the
    /// pivot dimensions and the measures).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pivot_totals: Option<Encoded<'a, Vec<Row>>>,
    /// Rows returned.
    pub row_count: usize,
    /// More rows existed than the server's `max_rows`.
    pub truncated: bool,
    /// The SQL run; left out for callers who may not see SQL (viewers, share links).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub sql: Cow<'a, str>,
    /// Timing.
    pub timing: Timing,
    /// `hit`, `miss` or `bypass`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cache: CacheStatus,
    /// Warehouse version read.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub warehouse_version: Cow<'a, str>,
}

impl QueryResponse<'_> {
    /// The rows, as a client reads them (empty for rows the server has not decoded).
    pub fn rows(&self) -> &[Row] {
        self.rows.value().map_or(&[], Vec::as_slice)
    }

    /// The totals row, as a client reads it.
    pub fn totals(&self) -> Option<&Row> {
        self.totals.as_ref().and_then(Encoded::value)
    }

    /// Each pivot column's totals, as a client reads them.
    pub fn pivot_totals(&self) -> &[Row] {
        self.pivot_totals
            .as_ref()
            .and_then(Encoded::value)
            .map_or(&[], Vec::as_slice)
    }
}

/// Compiled SQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SqlResponse {
    /// The query.
    pub sql: String,
    /// The totals query, when asked.
    pub totals_sql: Option<String>,
    /// Result columns.
    pub fields: Vec<FieldMeta>,
    /// Views whose measures are aggregated over a keys subquery (to avoid fan-out).
    pub fanout_views: Vec<String>,
}

/// Distinct values of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValuesResponse {
    /// `view.field`.
    pub field: String,
    /// Values, sorted.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub values: Vec<serde_json::Value>,
    /// More values exist.
    pub truncated: bool,
}
