//! Explores on the wire: the list, and one explore's fields (`GET /api/v1/explores[/{name}]`).

use serde::{Deserialize, Serialize};

/// Whether a field groups rows (a dimension) or aggregates them (a measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Groups rows: a column, a timeframe, a tier.
    Dimension,
    /// Aggregates rows: sum, count, average…
    Measure,
}

impl FieldKind {
    /// `dimension` or `measure`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Dimension => "dimension",
            FieldKind::Measure => "measure",
        }
    }
}

/// An explore in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExploreSummary {
    /// Name, used in queries.
    pub name: String,
    /// Label for UIs.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// The base view.
    pub view: String,
}

/// A field of an explore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldInfo {
    /// `view.field`, used in queries.
    pub name: String,
    /// The alias (view or join name) it belongs to.
    pub view: String,
    /// `dimension` or `measure`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: FieldKind,
    /// `string`, `number`, `boolean`, `time`, `date`, or the measure type (`sum`, `count`...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Label for UIs.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// Group for UIs (e.g. all timeframes of a time dimension).
    pub group: Option<String>,
    /// Hidden from field pickers (still queryable).
    pub hidden: bool,
    /// Display format hint.
    pub value_format: Option<String>,
    /// Where a value of the field drills to (`POST /api/v1/drill`): for a measure, the
    /// columns of the rows behind it; for a dimension, the fields one level down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drill_fields: Vec<String>,
}

impl FieldInfo {
    /// A dimension (else a measure).
    pub fn is_dimension(&self) -> bool {
        self.kind == FieldKind::Dimension
    }

    /// A measure.
    pub fn is_measure(&self) -> bool {
        self.kind == FieldKind::Measure
    }

    /// A time or date dimension.
    pub fn is_time(&self) -> bool {
        matches!(self.ty.as_str(), "time" | "date")
    }
}

/// An explore with its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExploreDescription {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// Every queryable field, dimensions first, by view.
    pub fields: Vec<FieldInfo>,
    /// Filters the explore always applies (`always_filter`): a query may give its own value
    /// for the field, but the filter is there whether or not it does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub always_filters: Vec<FixedFilter>,
    /// The explore also keeps only rows of a condition of its own (`sql_always_where`; its SQL
    /// is not shown here).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
    /// The time zone its queries use unless they name one (`timezone`): the model's, an IANA
    /// name such as `UTC` or `Europe/Tallinn`.
    pub timezone: String,
}

/// A filter an explore always applies, with its default value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FixedFilter {
    /// The field (`view.field`).
    pub field: String,
    /// Its value when the query gives none (a filter expression).
    pub value: String,
}
