//! The YAML format of model files as serde shapes: what a file may contain, before any check.
//! Unknown keys are rejected here (`deny_unknown_fields`), so a typo is a `syntax` diagnostic
//! with a "did you mean" hint. The reference of every key is `docs/semantic.md`.

use serde::Deserialize;

/// One model file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSpec {
    pub timezone: Option<String>,
    #[serde(default)]
    pub views: Vec<ViewSpec>,
    #[serde(default)]
    pub explores: Vec<ExploreSpec>,
    #[serde(default)]
    pub dashboards: Vec<boltic_types::Dashboard>,
    #[serde(default)]
    pub access_grants: Vec<AccessGrantSpec>,
}

/// `access_grants:` entry: a grant is held by users whose `user_attribute` has one of
/// `allowed_values`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccessGrantSpec {
    pub name: String,
    pub user_attribute: String,
    pub allowed_values: Vec<String>,
}

/// `access_filters:` entry of an explore: rows where `field` is one of the user's values of
/// `user_attribute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccessFilterSpec {
    pub field: String,
    pub user_attribute: String,
}

/// A view: its source and fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ViewSpec {
    pub name: String,
    pub sql_table_name: Option<String>,
    pub derived_table: Option<DerivedSpec>,
    pub primary_key: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<DimensionSpec>,
    #[serde(default)]
    pub measures: Vec<MeasureSpec>,
    #[serde(default)]
    pub required_access_grants: Vec<String>,
}

/// `derived_table:` of a view.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DerivedSpec {
    pub sql: String,
}

/// A dimension of a view.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DimensionSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub sql: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub group_label: Option<String>,
    #[serde(default)]
    pub hidden: bool,
    pub value_format: Option<String>,
    pub value_format_name: Option<String>,
    pub tiers: Option<Vec<f64>>,
    pub timeframes: Option<Vec<String>>,
    #[serde(default)]
    pub required_access_grants: Vec<String>,
    #[serde(default)]
    pub drill_fields: Vec<String>,
}

/// A measure of a view.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MeasureSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub sql: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub group_label: Option<String>,
    #[serde(default)]
    pub hidden: bool,
    pub value_format: Option<String>,
    pub value_format_name: Option<String>,
    #[serde(default)]
    pub filters: Vec<FilterSpec>,
    pub percentile: Option<f64>,
    #[serde(default)]
    pub required_access_grants: Vec<String>,
    #[serde(default)]
    pub drill_fields: Vec<String>,
}

/// `{field, value}`: a filter of a measure or an explore's `always_filter`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilterSpec {
    pub field: String,
    pub value: String,
}

/// An explore: a base view and its joins.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExploreSpec {
    pub name: String,
    pub view: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub joins: Vec<JoinSpec>,
    #[serde(default)]
    pub always_filter: Vec<FilterSpec>,
    pub sql_always_where: Option<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub access_filters: Vec<AccessFilterSpec>,
    #[serde(default)]
    pub required_access_grants: Vec<String>,
}

/// A join of an explore.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JoinSpec {
    pub name: String,
    pub from: Option<String>,
    pub sql_on: Option<String>,
    pub relationship: Option<String>,
    #[serde(rename = "type")]
    pub ty: Option<String>,
}
