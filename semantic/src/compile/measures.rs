//! Measures as SQL: a leaf (aggregate) measure over a table alias, with its own `filters` as a
//! `CASE`, and `number` measures combined from the leaves they reference, possibly in other
//! joined views. The leaves a measure needs are found by the same walk ([`Scope::leaves`]).

use crate::error::Code;
use std::collections::BTreeSet;

use super::conds::cond_sql;
use super::resolve::{Scope, query_error};
use super::sqltext::{Splice, Sql};
use crate::error::{Error, Result};
use crate::filter::{self, FilterKind};
use crate::model::{DimensionType, Field, FieldKind, MeasureType, View, filter_kind};

/// The leaf measures of a query: `(alias, measure name)`, in this order everywhere.
pub(crate) type Leaves = BTreeSet<(String, String)>;

impl<'a> Scope<'a> {
    /// A leaf (aggregate) measure over table alias `alias`; `rows_are_of_alias` when every
    /// joined row holds exactly one of its rows ([`QueryPlan::rows_are_of`]): a count of its
    /// primary key is then a count of rows.
    ///
    /// [`QueryPlan::rows_are_of`]: super::plan::QueryPlan::rows_are_of
    pub(super) fn leaf_measure(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        rows_are_of_alias: bool,
    ) -> Result<String> {
        let Some(Field {
            kind: FieldKind::Measure(m),
            ..
        }) = view.fields.get(name)
        else {
            return Err(Error::Internal(format!("measure '{name}' missing")));
        };
        let mut value = match (&m.sql, &view.primary_key) {
            (Some(sql), _) => self.expand_dim_sql(alias, view, sql, 0)?.flat,
            (None, Some(_)) if rows_are_of_alias && m.ty == MeasureType::Count => "1".to_string(),
            (None, Some(pk)) => self.dim_raw(alias, view, pk, 0)?.flat,
            (None, None) => "1".to_string(),
        };
        if !m.filters.is_empty() {
            let mut conds = Vec::new();
            for (field, expr) in &m.filters {
                let Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) = view.fields.get(field)
                else {
                    return Err(Error::Internal(format!("filter field '{field}' missing")));
                };
                let cond =
                    filter::parse(filter_kind(d), expr, self.now).map_err(|e| Error::Filter {
                        field: format!("{alias}.{field}"),
                        source: e,
                    })?;
                let (target, date_only) = if filter_kind(d) == FilterKind::Time {
                    (self.time_base(alias, view, d)?, d.ty == DimensionType::Date)
                } else {
                    (self.dim_value(alias, view, d)?, false)
                };
                if let Some(c) = cond_sql(&cond, &target.flat, date_only, self.utc) {
                    conds.push(c);
                }
            }
            if !conds.is_empty() {
                value = format!("CASE WHEN {} THEN {value} END", conds.join(" AND "));
            }
        }
        Ok(match m.ty {
            MeasureType::Count => format!("COUNT({value})"),
            MeasureType::CountDistinct => format!("COUNT(DISTINCT {value})"),
            MeasureType::Sum => format!("SUM({value})"),
            MeasureType::Average => format!("AVG({value})"),
            MeasureType::Min => format!("MIN({value})"),
            MeasureType::Max => format!("MAX({value})"),
            MeasureType::Median => format!("median({value})"),
            MeasureType::Percentile => format!(
                "percentile_cont({}) WITHIN GROUP (ORDER BY {value})",
                m.percentile.unwrap_or(50.0) / 100.0
            ),
            MeasureType::Number => return Err(Error::Internal("number measure as leaf".into())),
        })
    }

    /// Expand a measure: `leaf(alias, name)` renders aggregate leaves, number measures combine them.
    pub(super) fn measure_expr(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        leaf: &mut dyn FnMut(&Scope<'_>, &str, &View, &str) -> Result<String>,
        depth: usize,
    ) -> Result<Sql> {
        if depth > 64 {
            return Err(Error::Internal("measure depth exceeded".into()));
        }
        let Some(Field {
            kind: FieldKind::Measure(m),
            ..
        }) = view.fields.get(name)
        else {
            return Err(Error::Internal(format!("measure '{name}' missing")));
        };
        if m.ty != MeasureType::Number {
            return Ok(Sql::text(leaf(self, alias, view, name)?));
        }
        let sql = m.sql.as_deref().unwrap_or_default();
        self.template(sql)?.expand(|r| {
            let (a, f) = match &r.alias {
                None => (alias, r.name.as_str()),
                Some(a) => (a.as_str(), r.name.as_str()),
            };
            let v = self.view_for_alias(a, view, alias)?;
            let a_ref = self.explore.aliases().find(|x| *x == a).unwrap_or(alias);
            Ok(Splice::Paren(self.measure_expr(
                a_ref,
                v,
                f,
                leaf,
                depth + 1,
            )?))
        })
    }

    /// Resolve an alias used in a number measure (a view name as written in the model).
    pub(super) fn view_for_alias(
        &self,
        a: &str,
        cur_view: &'a View,
        cur_alias: &str,
    ) -> Result<&'a View> {
        if a == cur_alias {
            return Ok(cur_view);
        }
        let view_name = self.explore.view_of(a).ok_or_else(|| {
            query_error(
                Code::ViewNotJoined,
                format!(
                    "measure needs view '{a}', which explore '{}' does not join",
                    self.explore.name
                ),
                Some(format!("join '{a}' in explore '{}'", self.explore.name)),
            )
        })?;
        self.model
            .views
            .get(view_name)
            .ok_or_else(|| Error::Internal(format!("view '{view_name}' missing")))
    }

    /// All leaf measures (alias, name) a measure depends on: the leaves [`Self::measure_expr`]
    /// would render.
    pub(super) fn leaves(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        out: &mut Leaves,
        depth: usize,
    ) -> Result<()> {
        let mut record = |_: &Scope<'_>, a: &str, _: &View, n: &str| {
            out.insert((a.to_string(), n.to_string()));
            Ok(String::new())
        };
        self.measure_expr(alias, view, name, &mut record, depth)
            .map(|_| ())
    }
}
