//! The validated model: views, their fields, explores and joins.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::compile::sqltext::SqlCache;
use crate::error::FilterError;
use crate::filter::FilterKind;

/// One model file: its name (used in diagnostics) and its YAML text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// File name, e.g. `orders.yml`; only used in diagnostics.
    pub name: String,
    /// YAML contents.
    pub text: String,
}

impl SourceFile {
    /// A source file from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A loaded and validated semantic model.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// Default query time zone (`UTC` unless a file sets `timezone`).
    pub timezone: String,
    /// Views by name.
    pub views: BTreeMap<String, View>,
    /// Explores by name.
    pub explores: BTreeMap<String, Explore>,
    /// Dashboards defined in the model files (read-only in the app), by name.
    pub dashboards: BTreeMap<String, boltic_types::Dashboard>,
    /// Access grants by name (`required_access_grants` of explores name them).
    pub access_grants: BTreeMap<String, AccessGrant>,
    /// The model's SQL snippets parsed and printed once, for the compiler.
    #[serde(skip)]
    pub(crate) sql: SqlCache,
}

/// Where a view's rows come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewSource {
    /// A warehouse table (`sql_table_name`).
    Table(String),
    /// A SQL query (`derived_table.sql`).
    Derived(String),
}

/// A view: a table (or derived table) and the fields defined on it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// View name.
    pub name: String,
    /// Table or derived SQL.
    pub source: ViewSource,
    /// Name of the dimension that is the primary key.
    pub primary_key: Option<String>,
    /// Label for UIs.
    pub label: Option<String>,
    /// Description for UIs.
    pub description: Option<String>,
    /// Queryable fields (time dimensions expanded into one field per timeframe), by name.
    pub fields: BTreeMap<String, Field>,
    /// Dimensions as declared (time dimensions unexpanded), for `${name}` references.
    #[serde(skip)]
    pub(crate) dims: BTreeMap<String, DimDecl>,
    /// Physical columns referenced as `${TABLE}.column` by this view's fields.
    pub columns: BTreeSet<String>,
    /// Access grants a user must hold to use any field of the view.
    pub required_access_grants: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DimDecl {
    pub sql: String,
    pub ty: DimensionType,
    /// The grants its fields require (see [`Field::required_access_grants`]).
    pub grants: BTreeSet<String>,
}

/// A field of a view: a dimension or a measure.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Field name (for time dimensions: `<dimension>_<timeframe>`).
    pub name: String,
    /// Label for UIs.
    pub label: Option<String>,
    /// Description for UIs.
    pub description: Option<String>,
    /// Group label for UIs.
    pub group_label: Option<String>,
    /// Hidden in UIs (still queryable).
    pub hidden: bool,
    /// Excel-style display format, e.g. `€#,##0.00`: `value_format`, or the one
    /// `value_format_name` stands for; checked at load ([`boltic_types::value_format`]).
    pub value_format: Option<String>,
    /// Dimension or measure.
    pub kind: FieldKind,
    /// Access grants a user must hold to use the field: its own, its view's, and those of
    /// every field its SQL or measure filters refer to (so nothing reveals a guarded field).
    pub required_access_grants: BTreeSet<String>,
    /// `drill_fields` as written: `field` (of the same view) or `view.field`. A measure's are
    /// the columns of the rows behind a value; a dimension's, the fields a value drills to.
    pub drill_fields: Vec<String>,
}

/// What a field is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A dimension: grouped by.
    Dimension(Dimension),
    /// A measure: aggregated.
    Measure(Measure),
}

impl Field {
    /// True for dimensions.
    pub fn is_dimension(&self) -> bool {
        matches!(self.kind, FieldKind::Dimension(_))
    }
    /// The type name reported to clients: `string`, `number`, `boolean`, `time`, `date`, or the measure type.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            FieldKind::Dimension(d) => d.result_type().name(),
            FieldKind::Measure(m) => m.ty.name(),
        }
    }
}

/// Dimension types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionType {
    /// Text.
    String,
    /// Numbers.
    Number,
    /// `yesno` / boolean.
    Boolean,
    /// A timestamp (expanded into timeframes).
    Time,
    /// A date (expanded into timeframes).
    Date,
    /// Number bins (`tiers`).
    Tier,
}

impl DimensionType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "number" => Self::Number,
            "boolean" | "yesno" => Self::Boolean,
            "time" => Self::Time,
            "date" => Self::Date,
            "tier" => Self::Tier,
            _ => return None,
        })
    }
    pub(crate) const NAMES: &'static [&'static str] = &[
        "string", "number", "boolean", "yesno", "time", "date", "tier",
    ];
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Time => "time",
            Self::Date => "date",
            Self::Tier => "tier",
        }
    }
}

/// Timeframes of a time or date dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeframe {
    /// The timestamp itself (in the query time zone).
    Raw,
    /// Truncated to the minute.
    Minute,
    /// Truncated to the hour.
    Hour,
    /// Truncated to the day.
    Date,
    /// Truncated to the week (Monday).
    Week,
    /// Truncated to the month.
    Month,
    /// Truncated to the quarter.
    Quarter,
    /// Truncated to the year.
    Year,
    /// 0 = Sunday … 6 = Saturday.
    DayOfWeek,
    /// 1 … 31.
    DayOfMonth,
    /// 0 … 23.
    HourOfDay,
    /// 1 … 12.
    MonthNum,
    /// `January` … `December`.
    MonthName,
}

impl Timeframe {
    /// All timeframes, in declaration order.
    pub const ALL: [Timeframe; 13] = [
        Self::Raw,
        Self::Minute,
        Self::Hour,
        Self::Date,
        Self::Week,
        Self::Month,
        Self::Quarter,
        Self::Year,
        Self::DayOfWeek,
        Self::DayOfMonth,
        Self::HourOfDay,
        Self::MonthNum,
        Self::MonthName,
    ];
    /// The suffix of the field name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Date => "date",
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
            Self::DayOfWeek => "day_of_week",
            Self::DayOfMonth => "day_of_month",
            Self::HourOfDay => "hour_of_day",
            Self::MonthNum => "month_num",
            Self::MonthName => "month_name",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
    /// Timeframes that only make sense with a time of day.
    pub fn needs_time(self) -> bool {
        matches!(self, Self::Minute | Self::Hour | Self::HourOfDay)
    }
}

/// A dimension (after expanding time dimensions into timeframes).
#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    /// Declared type.
    pub ty: DimensionType,
    /// Model SQL, e.g. `${TABLE}.status`.
    pub sql: String,
    /// For time/date dimensions: the timeframe of this field.
    pub timeframe: Option<Timeframe>,
    /// For time/date dimensions: the declared dimension name (`created` for `created_month`).
    pub group: Option<String>,
    /// Tier boundaries for `tier` dimensions.
    pub tiers: Vec<f64>,
}

impl Dimension {
    /// The type of the values this field returns (a timeframe can make a number or string of a time).
    pub fn result_type(&self) -> DimensionType {
        match self.timeframe {
            Some(
                Timeframe::DayOfWeek
                | Timeframe::DayOfMonth
                | Timeframe::HourOfDay
                | Timeframe::MonthNum,
            ) => DimensionType::Number,
            Some(Timeframe::MonthName) => DimensionType::String,
            Some(_) => self.ty,
            None if self.ty == DimensionType::Tier => DimensionType::String,
            None => self.ty,
        }
    }
}

/// The filter grammar of a dimension's values (numbers, strings, booleans or times), used for
/// measure filters and `always_filter` at load, dashboard filter defaults, and query filters.
pub(crate) fn filter_kind(d: &Dimension) -> FilterKind {
    match d.result_type() {
        DimensionType::Number => FilterKind::Number,
        DimensionType::Boolean => FilterKind::Boolean,
        DimensionType::Time | DimensionType::Date => FilterKind::Time,
        DimensionType::String | DimensionType::Tier => FilterKind::String,
    }
}

/// The clock for checking a model: relative dates (`last 7 days`) in filter expressions count
/// from this fixed time, so a check does not depend on when it runs.
pub(crate) fn check_time() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// Check the filter expression `expr` on dimension `d` (a measure filter, an `always_filter`,
/// a dashboard filter default), with relative dates counted from [`check_time`].
pub(crate) fn check_filter_expr(d: &Dimension, expr: &str) -> Result<(), FilterError> {
    crate::filter::parse(filter_kind(d), expr, check_time()).map(|_| ())
}

/// Measure types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureType {
    /// Row count (or count of `sql` non-null values).
    Count,
    /// Distinct values of `sql`.
    CountDistinct,
    /// Sum of `sql`.
    Sum,
    /// Average of `sql`.
    Average,
    /// Minimum of `sql`.
    Min,
    /// Maximum of `sql`.
    Max,
    /// Median of `sql`.
    Median,
    /// Percentile of `sql` (`percentile: 90`).
    Percentile,
    /// Computed from other measures (`sql: ${revenue} / NULLIF(${order_count}, 0)`).
    Number,
}

impl MeasureType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "count" => Self::Count,
            "count_distinct" => Self::CountDistinct,
            "sum" => Self::Sum,
            "average" | "avg" => Self::Average,
            "min" => Self::Min,
            "max" => Self::Max,
            "median" => Self::Median,
            "percentile" => Self::Percentile,
            "number" => Self::Number,
            _ => return None,
        })
    }
    pub(crate) const NAMES: &'static [&'static str] = &[
        "count",
        "count_distinct",
        "sum",
        "average",
        "min",
        "max",
        "median",
        "percentile",
        "number",
    ];
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::CountDistinct => "count_distinct",
            Self::Sum => "sum",
            Self::Average => "average",
            Self::Min => "min",
            Self::Max => "max",
            Self::Median => "median",
            Self::Percentile => "percentile",
            Self::Number => "number",
        }
    }
    /// True when duplicated rows (a fanned-out join) change the result.
    pub fn is_fanout_sensitive(self) -> bool {
        matches!(
            self,
            Self::Count | Self::Sum | Self::Average | Self::Median | Self::Percentile
        )
    }
}

/// A measure.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    /// Aggregate type.
    pub ty: MeasureType,
    /// Model SQL (for `count` optional).
    pub sql: Option<String>,
    /// Percentile (0–100) for `percentile`.
    pub percentile: Option<f64>,
    /// Filtered measure: (dimension of the same view, filter expression).
    pub filters: Vec<(String, String)>,
}

/// Join relationships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Many rows on the left match one on the right.
    ManyToOne,
    /// One row on the left matches many on the right.
    OneToMany,
    /// At most one match each way.
    OneToOne,
    /// Both sides fan out.
    ManyToMany,
}

impl Relationship {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "many_to_one" => Self::ManyToOne,
            "one_to_many" => Self::OneToMany,
            "one_to_one" => Self::OneToOne,
            "many_to_many" => Self::ManyToMany,
            _ => return None,
        })
    }
}

/// Join types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinType {
    /// `LEFT JOIN` (default).
    Left,
    /// `INNER JOIN`.
    Inner,
    /// `FULL OUTER JOIN`.
    Full,
}

/// A join in an explore.
#[derive(Debug, Clone, Serialize)]
pub struct Join {
    /// Alias used in field names (`customers.name`); defaults to the view name.
    pub name: String,
    /// The joined view.
    pub view: String,
    /// Join condition with `${alias.field}` references.
    pub sql_on: String,
    /// Cardinality.
    pub relationship: Relationship,
    /// Join type.
    pub join_type: JoinType,
    /// Aliases `sql_on` refers to (other than itself): these must be joined first.
    pub depends_on: Vec<String>,
}

/// An explore: a base view and the views joined to it.
#[derive(Debug, Clone, Serialize)]
pub struct Explore {
    /// Explore name.
    pub name: String,
    /// Base view (its alias is the explore's `view`).
    pub view: String,
    /// Label for UIs.
    pub label: Option<String>,
    /// Description for UIs.
    pub description: Option<String>,
    /// Joins in declaration order.
    pub joins: Vec<Join>,
    /// Filters applied unless the query filters the same field: (`alias.field`, expression).
    pub always_filter: Vec<(String, String)>,
    /// Model SQL always added to `WHERE`.
    pub sql_always_where: Option<String>,
    /// Field restriction: `alias.field`, `alias.*`, or `-alias.field` entries (empty: all).
    pub fields: Vec<String>,
    /// Row-level security: every query of a user keeps only the rows whose field is one of
    /// the user's values of the attribute (none: no rows).
    pub access_filters: Vec<AccessFilter>,
    /// Access grants a user must hold to see the explore at all (names in
    /// [`Model::access_grants`]).
    pub required_access_grants: Vec<String>,
}

/// `access_filters:` entry of an explore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessFilter {
    /// The filtered dimension, `alias.field`.
    pub field: String,
    /// The user attribute whose values the field must have.
    pub user_attribute: String,
}

/// A named grant: held by users whose `user_attribute` has one of `allowed_values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessGrant {
    /// Name, as `required_access_grants` lists it.
    pub name: String,
    /// The user attribute it looks at.
    pub user_attribute: String,
    /// The values that hold the grant.
    pub allowed_values: Vec<String>,
}

/// User attributes: attribute name → the user's values (e.g. `group_type` → `[Company]`).
pub type UserAttributes = BTreeMap<String, Vec<String>>;

/// Whom a query is compiled for: what the model's access filters and grants apply to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Access {
    /// No restriction: the model's owner (the CLI, `boltic validate`, load-time checks).
    #[default]
    Unrestricted,
    /// A user with these attributes. A missing attribute holds no grant and lets no row
    /// through an access filter (fail closed).
    User(UserAttributes),
}

impl Access {
    /// The user's values of `attribute`; `None` when unrestricted.
    pub fn values(&self, attribute: &str) -> Option<&[String]> {
        match self {
            Access::Unrestricted => None,
            Access::User(attributes) => Some(attributes.get(attribute).map_or(&[], Vec::as_slice)),
        }
    }

    /// Whether the caller holds `grant`.
    pub fn holds(&self, grant: &AccessGrant) -> bool {
        self.values(&grant.user_attribute)
            .is_none_or(|vs| vs.iter().any(|v| grant.allowed_values.contains(v)))
    }
}

impl Explore {
    /// The view behind an alias of this explore.
    pub fn view_of(&self, alias: &str) -> Option<&str> {
        if alias == self.view {
            return Some(&self.view);
        }
        self.joins
            .iter()
            .find(|j| j.name == alias)
            .map(|j| j.view.as_str())
    }

    /// All aliases: the base view then the joins.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.view.as_str()).chain(self.joins.iter().map(|j| j.name.as_str()))
    }

    /// Whether `alias.field` may be queried through this explore (`fields` restriction).
    pub fn allows(&self, alias: &str, field: &str) -> bool {
        if self.fields.is_empty() {
            return true;
        }
        let full = format!("{alias}.{field}");
        let star = format!("{alias}.*");
        let mut included = false;
        let mut any_include = false;
        for f in &self.fields {
            if let Some(ex) = f.strip_prefix('-') {
                if ex == full || ex == star {
                    return false;
                }
            } else {
                any_include = true;
                if *f == full || *f == star || f == "ALL_FIELDS*" {
                    included = true;
                }
            }
        }
        included || !any_include
    }
}

impl Model {
    /// Whether `access` holds every one of `grants` (names in [`Model::access_grants`]).
    fn holds_all<'g>(&self, grants: impl IntoIterator<Item = &'g String>, access: &Access) -> bool {
        grants
            .into_iter()
            .all(|g| self.access_grants.get(g).is_some_and(|g| access.holds(g)))
    }

    /// Whether `access` may see `explore`: it holds every grant the explore requires.
    pub fn allows_explore(&self, explore: &Explore, access: &Access) -> bool {
        self.holds_all(&explore.required_access_grants, access)
    }

    /// Whether `access` may use `field` (it holds every grant the field requires).
    pub fn allows_field(&self, field: &Field, access: &Access) -> bool {
        self.holds_all(&field.required_access_grants, access)
    }

    /// The explore called `name`, if `access` may see it (else it does not exist for them).
    pub fn explore_for(&self, name: &str, access: &Access) -> Option<&Explore> {
        self.explores
            .get(name)
            .filter(|e| self.allows_explore(e, access))
    }

    /// The explores `access` may see, by name.
    pub fn explores_for<'m>(&'m self, access: &'m Access) -> impl Iterator<Item = &'m Explore> {
        self.explores
            .values()
            .filter(move |e| self.allows_explore(e, access))
    }

    /// Look up a field `alias.field` through an explore: (alias, view, field).
    pub fn resolve<'a>(
        &'a self,
        explore: &'a Explore,
        name: &str,
    ) -> Option<(&'a str, &'a View, &'a Field)> {
        let (alias, field) = name.split_once('.')?;
        let alias = explore.aliases().find(|a| *a == alias)?;
        let view = self.views.get(explore.view_of(alias)?)?;
        let f = view.fields.get(field)?;
        Some((alias, view, f))
    }

    /// For each view: the warehouse table and the `${TABLE}.column` columns its fields use
    /// (derived tables are left out). For checking the model against the warehouse schema.
    pub fn physical_columns(&self) -> BTreeMap<String, (String, BTreeSet<String>)> {
        self.views
            .values()
            .filter_map(|v| match &v.source {
                ViewSource::Table(t) => Some((v.name.clone(), (t.clone(), v.columns.clone()))),
                ViewSource::Derived(_) => None,
            })
            .collect()
    }
}
