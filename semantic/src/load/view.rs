//! Building one [`View`] from its YAML: the source (table or derived SQL), dimensions (time
//! dimensions expanded into one field per timeframe, tiers checked), measures and the primary
//! key. References between fields are checked afterwards, with all views known
//! (`view_refs.rs`).

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use super::context::{At, Ctx};
use super::format::value_format;
use super::spec::{DimensionSpec, MeasureSpec, ViewSpec};
use super::unique::unique_in_view;
use crate::error::did_you_mean;
use crate::model::{
    DimDecl, Dimension, DimensionType, Field, FieldKind, Measure, MeasureType, Timeframe, View,
    ViewSource,
};
use crate::refs;
use crate::yaml_pos::{Seg, ypath};

/// Default timeframes of `time` dimensions.
const DEFAULT_TIMEFRAMES: [Timeframe; 10] = [
    Timeframe::Raw,
    Timeframe::Hour,
    Timeframe::Date,
    Timeframe::Week,
    Timeframe::Month,
    Timeframe::Quarter,
    Timeframe::Year,
    Timeframe::DayOfWeek,
    Timeframe::HourOfDay,
    Timeframe::MonthName,
];

/// Build view `v`, the `vi`th of file `fi`. `None` when its source is unusable; other problems
/// are reported and leave the view out of the model later (the model needs no errors).
pub(super) fn build_view(ctx: &mut Ctx<'_>, fi: usize, vi: usize, v: &ViewSpec) -> Option<View> {
    let source = view_source(ctx, fi, vi, v)?;
    let mut parts = ViewParts {
        fi,
        vi,
        view: &v.name,
        fields: BTreeMap::new(),
        dims: BTreeMap::new(),
        columns: BTreeSet::new(),
    };
    for (di, d) in v.dimensions.iter().enumerate() {
        parts.add_dimension(ctx, di, d);
    }
    for (mi, m) in v.measures.iter().enumerate() {
        parts.add_measure(ctx, mi, m);
    }
    if let Some(pk) = &v.primary_key {
        if !parts.dims.contains_key(pk) {
            ctx.report(
                fi,
                At::Value(&ypath!["views", vi, "primary_key"]),
                Code::UnknownField,
                format!("primary key '{pk}' is not a dimension of view '{}'", v.name),
                did_you_mean(pk, parts.dims.keys().map(String::as_str))
                    .or_else(|| Some(format!("add a dimension named '{pk}'"))),
            );
        }
    }
    Some(View {
        name: v.name.clone(),
        source,
        primary_key: v.primary_key.clone(),
        label: v.label.clone(),
        description: v.description.clone(),
        fields: parts.fields,
        dims: parts.dims,
        columns: parts.columns,
        required_access_grants: v.required_access_grants.clone(),
    })
}

/// Where the view's rows come from: exactly one of `sql_table_name` and `derived_table`.
fn view_source(ctx: &mut Ctx<'_>, fi: usize, vi: usize, v: &ViewSpec) -> Option<ViewSource> {
    match (&v.sql_table_name, &v.derived_table) {
        (Some(t), None) => Some(ViewSource::Table(t.clone())),
        (None, Some(d)) => {
            if let Err(e) = ctx.check_query(&d.sql) {
                let p = ypath!["views", vi, "derived_table", "sql"];
                ctx.report(
                    fi,
                    At::Value(&p),
                    Code::InvalidSql,
                    format!("invalid sql in derived table of view '{}': {e}", v.name),
                    None,
                );
            }
            Some(ViewSource::Derived(d.sql.clone()))
        }
        (Some(_), Some(_)) => {
            ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "derived_table"]),
                Code::InvalidSource,
                format!(
                    "view '{}' has both 'sql_table_name' and 'derived_table'",
                    v.name
                ),
                Some("keep only one of them".into()),
            );
            None
        }
        (None, None) => {
            ctx.report(
                fi,
                At::Value(&ypath!["views", vi, "name"]),
                Code::InvalidSource,
                format!(
                    "view '{}' has no 'sql_table_name' or 'derived_table'",
                    v.name
                ),
                Some("add 'sql_table_name: <warehouse table>'".into()),
            );
            None
        }
    }
}

/// A view being built: the `vi`th view of file `fi`.
struct ViewParts<'s> {
    fi: usize,
    vi: usize,
    /// The view's name.
    view: &'s str,
    /// Queryable fields (timeframes expanded).
    fields: BTreeMap<String, Field>,
    /// Dimensions as declared.
    dims: BTreeMap<String, DimDecl>,
    /// `${TABLE}.column`s used.
    columns: BTreeSet<String>,
}

impl ViewParts<'_> {
    /// Add a queryable field declared at `name_path`, unless its name is taken.
    fn add_field(&mut self, ctx: &mut Ctx<'_>, f: Field, name_path: &[Seg]) {
        let taken = self.fields.contains_key(&f.name);
        let at = (self.fi, At::Value(name_path));
        if unique_in_view(ctx, at, ("field", self.view), &f.name, taken) {
            self.fields.insert(f.name.clone(), f);
        }
    }

    /// Check the `di`th dimension and add it with its fields (one per timeframe for time and
    /// date dimensions).
    fn add_dimension(&mut self, ctx: &mut Ctx<'_>, di: usize, d: &DimensionSpec) {
        let (fi, vi) = (self.fi, self.vi);
        let name_p = ypath!["views", vi, "dimensions", di, "name"];
        let Some(ty) = self.dimension_type(ctx, di, d) else {
            return;
        };
        let sql = d
            .sql
            .clone()
            .unwrap_or_else(|| format!("${{TABLE}}.{}", d.name));
        self.columns.extend(refs::table_columns(&sql));
        if let Err(e) = ctx.check_expr(&sql) {
            let p = ypath!["views", vi, "dimensions", di, "sql"];
            ctx.report(
                fi,
                At::Value(&p),
                Code::InvalidSql,
                format!("invalid sql in dimension '{}': {e}", d.name),
                None,
            );
        }
        let taken = self.dims.contains_key(&d.name);
        if !unique_in_view(
            ctx,
            (fi, At::Value(&name_p)),
            ("dimension", self.view),
            &d.name,
            taken,
        ) {
            return;
        }
        let grants: BTreeSet<String> = d.required_access_grants.iter().cloned().collect();
        let decl = DimDecl {
            sql: sql.clone(),
            ty,
            grants: grants.clone(),
        };
        self.dims.insert(d.name.clone(), decl);
        check_dimension_options(ctx, fi, vi, di, d, ty);
        let base = Field {
            name: d.name.clone(),
            label: d.label.clone(),
            description: d.description.clone(),
            group_label: d.group_label.clone(),
            hidden: d.hidden,
            value_format: value_format(
                ctx,
                fi,
                &ypath!["views", vi, "dimensions", di],
                ("dimension", &d.name),
                d.value_format.as_deref(),
                d.value_format_name.as_deref(),
            ),
            kind: FieldKind::Dimension(Dimension {
                ty,
                sql,
                timeframe: None,
                group: None,
                tiers: Vec::new(),
            }),
            required_access_grants: grants,
            drill_fields: d.drill_fields.clone(),
        };
        match ty {
            DimensionType::Time | DimensionType::Date => {
                for tf in timeframes(ctx, fi, vi, di, d, ty) {
                    let mut f = base.clone();
                    f.name = format!("{}_{}", d.name, tf.name());
                    if let FieldKind::Dimension(dim) = &mut f.kind {
                        dim.timeframe = Some(tf);
                        dim.group = Some(d.name.clone());
                    }
                    self.add_field(ctx, f, &name_p);
                }
            }
            DimensionType::Tier => {
                let mut f = base;
                if let FieldKind::Dimension(dim) = &mut f.kind {
                    dim.tiers = tiers(ctx, fi, vi, di, d);
                }
                self.add_field(ctx, f, &name_p);
            }
            _ => self.add_field(ctx, base, &name_p),
        }
    }

    /// The dimension's type: given, or implied by `timeframes`/`tiers`, else string. `None`
    /// for an unknown type.
    fn dimension_type(
        &self,
        ctx: &mut Ctx<'_>,
        di: usize,
        d: &DimensionSpec,
    ) -> Option<DimensionType> {
        let (fi, vi) = (self.fi, self.vi);
        let ty = match &d.ty {
            None if d.timeframes.is_some() => DimensionType::Time,
            None if d.tiers.is_some() => DimensionType::Tier,
            None => DimensionType::String,
            Some(t) => match DimensionType::parse(t) {
                Some(t) => t,
                None => {
                    ctx.report(
                        fi,
                        At::Value(&ypath!["views", vi, "dimensions", di, "type"]),
                        Code::InvalidType,
                        format!("unknown dimension type '{t}' in dimension '{}'", d.name),
                        did_you_mean(t, DimensionType::NAMES.iter().copied()).or_else(|| {
                            Some(format!("use one of {}", DimensionType::NAMES.join(", ")))
                        }),
                    );
                    return None;
                }
            },
        };
        Some(ty)
    }

    /// Check the `mi`th measure and add it.
    fn add_measure(&mut self, ctx: &mut Ctx<'_>, mi: usize, m: &MeasureSpec) {
        let (fi, vi) = (self.fi, self.vi);
        let name_p = ypath!["views", vi, "measures", mi, "name"];
        let Some(ty) = MeasureType::parse(&m.ty) else {
            ctx.report(
                fi,
                At::Value(&ypath!["views", vi, "measures", mi, "type"]),
                Code::InvalidType,
                format!("unknown measure type '{}' in measure '{}'", m.ty, m.name),
                did_you_mean(&m.ty, MeasureType::NAMES.iter().copied())
                    .or_else(|| Some(format!("use one of {}", MeasureType::NAMES.join(", ")))),
            );
            return;
        };
        if m.sql.is_none() && ty != MeasureType::Count {
            ctx.report(
                fi,
                At::Value(&name_p),
                Code::MissingSql,
                format!("measure '{}' of type '{}' needs 'sql'", m.name, ty.name()),
                Some("add e.g. 'sql: ${TABLE}.amount'".into()),
            );
            return;
        }
        if let Some(sql) = &m.sql {
            self.columns.extend(refs::table_columns(sql));
            if let Err(e) = ctx.check_expr(sql) {
                let p = ypath!["views", vi, "measures", mi, "sql"];
                ctx.report(
                    fi,
                    At::Value(&p),
                    Code::InvalidSql,
                    format!("invalid sql in measure '{}': {e}", m.name),
                    None,
                );
            }
        }
        check_measure_options(ctx, fi, vi, mi, m, ty);
        let measure = Measure {
            ty,
            sql: m.sql.clone(),
            percentile: m.percentile,
            filters: m
                .filters
                .iter()
                .map(|f| (f.field.clone(), f.value.clone()))
                .collect(),
        };
        let field = Field {
            name: m.name.clone(),
            label: m.label.clone(),
            description: m.description.clone(),
            group_label: m.group_label.clone(),
            hidden: m.hidden,
            value_format: value_format(
                ctx,
                fi,
                &ypath!["views", vi, "measures", mi],
                ("measure", &m.name),
                m.value_format.as_deref(),
                m.value_format_name.as_deref(),
            ),
            kind: FieldKind::Measure(measure),
            required_access_grants: m.required_access_grants.iter().cloned().collect(),
            drill_fields: m.drill_fields.clone(),
        };
        self.add_field(ctx, field, &name_p);
    }
}

/// `tiers` only with `type: tier`, `timeframes` only with `type: time` or `type: date`.
fn check_dimension_options(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    di: usize,
    d: &DimensionSpec,
    ty: DimensionType,
) {
    if d.tiers.is_some() && ty != DimensionType::Tier {
        ctx.report(
            fi,
            At::Key(&ypath!["views", vi, "dimensions", di, "tiers"]),
            Code::InvalidType,
            format!("'tiers' needs 'type: tier' in dimension '{}'", d.name),
            Some("set 'type: tier' or remove 'tiers'".into()),
        );
    }
    if d.timeframes.is_some() && !matches!(ty, DimensionType::Time | DimensionType::Date) {
        ctx.report(
            fi,
            At::Key(&ypath!["views", vi, "dimensions", di, "timeframes"]),
            Code::InvalidType,
            format!(
                "'timeframes' needs 'type: time' or 'type: date' in dimension '{}'",
                d.name
            ),
            Some("set 'type: time' or remove 'timeframes'".into()),
        );
    }
}

/// The timeframes of a time or date dimension of type `ty`: the listed ones (each known, and
/// none that needs a time of day on a date), else the defaults.
fn timeframes(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    di: usize,
    d: &DimensionSpec,
    ty: DimensionType,
) -> Vec<Timeframe> {
    let tf_p = ypath!["views", vi, "dimensions", di, "timeframes"];
    let Some(list) = &d.timeframes else {
        return DEFAULT_TIMEFRAMES
            .into_iter()
            .filter(|t| ty == DimensionType::Time || !t.needs_time())
            .collect();
    };
    let mut out = Vec::new();
    for t in list {
        match Timeframe::parse(t) {
            Some(tf) if ty == DimensionType::Date && tf.needs_time() => ctx.report(
                fi,
                At::Find(&tf_p, t),
                Code::InvalidTimeframe,
                format!(
                    "timeframe '{t}' needs a time, but dimension '{}' is a date",
                    d.name
                ),
                Some("use 'type: time' or remove the timeframe".into()),
            ),
            Some(tf) => out.push(tf),
            None => ctx.report(
                fi,
                At::Find(&tf_p, t),
                Code::InvalidTimeframe,
                format!("unknown timeframe '{t}' in dimension '{}'", d.name),
                did_you_mean(t, Timeframe::ALL.iter().map(|t| t.name())),
            ),
        }
    }
    out
}

/// The boundaries of a tier dimension: given, finite and increasing.
fn tiers(ctx: &mut Ctx<'_>, fi: usize, vi: usize, di: usize, d: &DimensionSpec) -> Vec<f64> {
    let tiers = d.tiers.clone().unwrap_or_default();
    let sorted = tiers.windows(2).all(|w| w[0] < w[1]);
    if tiers.is_empty() || !sorted || tiers.iter().any(|t| !t.is_finite()) {
        let key = if d.tiers.is_some() { "tiers" } else { "type" };
        ctx.report(
            fi,
            At::Key(&ypath!["views", vi, "dimensions", di, key]),
            Code::InvalidTiers,
            format!("dimension '{}' needs 'tiers': increasing numbers", d.name),
            Some("e.g. 'tiers: [0, 100, 500]'".into()),
        );
    }
    tiers
}

/// `percentile` exactly with `type: percentile` (and between 0 and 100), no `filters` on a
/// `number` measure.
fn check_measure_options(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    mi: usize,
    m: &MeasureSpec,
    ty: MeasureType,
) {
    match (ty, m.percentile) {
        (MeasureType::Percentile, Some(p)) if (0.0..=100.0).contains(&p) => {}
        (MeasureType::Percentile, _) => ctx.report(
            fi,
            At::Value(&ypath!["views", vi, "measures", mi, "name"]),
            Code::InvalidPercentile,
            format!("measure '{}' needs 'percentile' between 0 and 100", m.name),
            Some("add e.g. 'percentile: 90'".into()),
        ),
        (_, Some(_)) => ctx.report(
            fi,
            At::Key(&ypath!["views", vi, "measures", mi, "percentile"]),
            Code::InvalidPercentile,
            format!(
                "'percentile' needs 'type: percentile' in measure '{}'",
                m.name
            ),
            Some("set 'type: percentile' or remove 'percentile'".into()),
        ),
        _ => {}
    }
    if ty == MeasureType::Number && !m.filters.is_empty() {
        ctx.report(
            fi,
            At::Key(&ypath!["views", vi, "measures", mi, "filters"]),
            Code::InvalidFilter,
            format!(
                "measure '{}' of type 'number' cannot have 'filters'",
                m.name
            ),
            Some("filter the measures it refers to instead".into()),
        );
    }
}
