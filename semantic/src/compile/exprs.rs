//! Model expressions as SQL: a view's source relation, dimension values (expanded `${...}`
//! references, time zone conversion, timeframes, tiers) and the explore's `sql_on` /
//! `sql_always_where`, filled into the templates printed at load.

use std::sync::Arc;

use super::resolve::{FieldRef, Scope};
use super::sqltext::{Splice, Sql, Template, string_lit};
use super::statement::{Body, Rel};
use crate::error::{Error, Result};
use crate::model::{Dimension, DimensionType, Field, FieldKind, Timeframe, View, ViewSource};
use crate::refs::{self, quote_ident};

/// True when the dimension is a bare column (`${TABLE}.col`) and needs no precomputation.
pub(super) fn is_trivial(d: &Dimension) -> bool {
    d.timeframe.is_none()
        && d.ty != DimensionType::Tier
        && refs::refs(&d.sql).len() == 1
        && d.sql.trim().starts_with("${TABLE}.")
        && d.sql.trim()["${TABLE}.".len()..]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
}

/// The name of the column a non-trivial dimension is precomputed as: `__<field>`.
pub(super) fn precomputed_column(field: &str) -> String {
    format!("__{field}")
}

impl<'a> Scope<'a> {
    /// The printed template of a model expression snippet.
    pub(super) fn template(&self, sql: &str) -> Result<Arc<Template>> {
        self.model
            .sql
            .expr(sql)
            .map_err(|e| Error::Internal(format!("model sql does not parse: {e}: {sql}")))
    }

    /// A view's table or derived table, as `alias` (quoted).
    pub(super) fn source(&self, view: &View, alias: String) -> Result<Rel> {
        Ok(match &view.source {
            ViewSource::Table(t) => Rel::Table {
                name: t.split('.').map(quote_ident).collect::<Vec<_>>().join("."),
                alias: Some(alias),
            },
            ViewSource::Derived(sql) => Rel::Derived {
                body: Box::new(Body::Model(self.model.sql.query(sql).map_err(|e| {
                    Error::Internal(format!("derived table does not parse: {e}: {sql}"))
                })?)),
                alias,
            },
        })
    }

    /// A declared dimension's SQL with references expanded, on table alias `alias`.
    pub(super) fn dim_raw(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        depth: usize,
    ) -> Result<Sql> {
        let decl = view.dims.get(name).ok_or_else(|| {
            Error::Internal(format!(
                "dimension '{name}' missing in view '{}'",
                view.name
            ))
        })?;
        self.expand_dim_sql(alias, view, &decl.sql, depth)
    }

    pub(super) fn expand_dim_sql(
        &self,
        alias: &str,
        view: &View,
        sql: &str,
        depth: usize,
    ) -> Result<Sql> {
        if depth > 64 {
            return Err(Error::Internal("reference depth exceeded".into()));
        }
        self.template(sql)?
            .expand(|r| match (r.alias.as_deref(), r.name.as_str()) {
                (None, "TABLE") => Ok(Splice::Text(quote_ident(alias))),
                (None, n) => Ok(Splice::Paren(self.dim_raw(alias, view, n, depth + 1)?)),
                (Some(a), f) => Err(Error::Internal(format!("unexpected reference '{a}.{f}'"))),
            })
    }

    /// The time value of a time/date dimension in the query time zone.
    pub(super) fn time_base(&self, alias: &str, view: &View, d: &Dimension) -> Result<Sql> {
        let base = self.expand_dim_sql(alias, view, &d.sql, 0)?;
        Ok(if d.ty == DimensionType::Time && !self.utc {
            // the zone comes from the query: a string literal
            Sql::text(format!("({} AT TIME ZONE {})", base.flat, self.tz_lit))
        } else if d.ty == DimensionType::Date {
            Sql::text(format!("CAST({} AS TIMESTAMP)", base.flat))
        } else {
            base
        })
    }

    /// The value expression of a dimension field, computed from the table alias.
    pub(super) fn dim_value(&self, alias: &str, view: &View, d: &Dimension) -> Result<Sql> {
        Ok(labelled(d, self.dim_column_value(alias, view, d)?))
    }

    /// The value a dimension is precomputed as beside its view: the small integer key of a
    /// [keyed](key_labels) dimension (a tier's bin, a month name's month number), which
    /// [`Scope::dim_value`] labels, else its value.
    pub(super) fn dim_column_value(&self, alias: &str, view: &View, d: &Dimension) -> Result<Sql> {
        if let Some(tf) = d.timeframe {
            let b = self.time_base(alias, view, d)?;
            let trunc = |u: &str| Sql::text(format!("date_trunc('{u}', {})", b.flat));
            let part = |u: &str| Sql::text(format!("date_part('{u}', {})", b.flat));
            return Ok(match tf {
                Timeframe::Raw => b.clone(),
                Timeframe::Minute => trunc("minute"),
                Timeframe::Hour => trunc("hour"),
                Timeframe::Date => trunc("day"),
                Timeframe::Week => trunc("week"),
                Timeframe::Month => trunc("month"),
                Timeframe::Quarter => trunc("quarter"),
                Timeframe::Year => trunc("year"),
                Timeframe::DayOfWeek => part("dow"),
                Timeframe::DayOfMonth => part("day"),
                Timeframe::HourOfDay => part("hour"),
                Timeframe::MonthNum | Timeframe::MonthName => part("month"),
            });
        }
        let base = self.expand_dim_sql(alias, view, &d.sql, 0)?;
        if d.ty == DimensionType::Tier {
            return Ok(tier_key(&base.flat, &d.tiers));
        }
        Ok(base)
    }

    /// An explore's `sql_on` / `sql_always_where` with `${alias.field}` expanded.
    pub(super) fn explore_sql(&self, sql: &str) -> Result<Sql> {
        self.template(sql)?.expand(|r| {
            let a = r.alias.as_deref().unwrap_or_default();
            let f = r.name.as_str();
            let v = self.view(a)?;
            let d = match v.fields.get(f) {
                Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) => self.dim_value(a, v, d)?,
                _ => self.dim_raw(a, v, f, 0)?,
            };
            Ok(Splice::Paren(d))
        })
    }

    /// The dimension as used in the outer query (precomputed column when not trivial).
    pub(super) fn dim_outer(&self, f: &FieldRef<'_>) -> Result<Sql> {
        let d = f.dimension()?;
        Ok(labelled(d, self.dim_group(f)?))
    }

    /// What the outer query groups (and sorts) a dimension by: its value, or the key of a
    /// [keyed](key_labels) dimension, labelled by [`Scope::dim_outer`].
    pub(super) fn dim_group(&self, f: &FieldRef<'_>) -> Result<Sql> {
        let d = f.dimension()?;
        if is_trivial(d) {
            self.dim_value(f.alias, f.view, d)
        } else {
            Ok(Sql::text(format!(
                "{}.{}",
                quote_ident(f.alias),
                quote_ident(&precomputed_column(&f.field.name))
            )))
        }
    }
}

/// The labels of a keyed dimension, by key: a dimension grouped by a small integer and labelled
/// once per group, not per row (faster than grouping by text, and sorted in its natural order:
/// tiers low to high, months January to December). `None` for other dimensions.
///
/// A tier's key is the number of bounds at or below the value (`0` for `< 500`), a month name's
/// its month number.
fn key_labels(d: &Dimension) -> Option<Vec<(i64, String)>> {
    if !is_keyed(d) {
        return None;
    }
    if d.timeframe == Some(Timeframe::MonthName) {
        let name = |n: u8| chrono::Month::try_from(n).map_or("", |m| m.name());
        return Some(
            (1..=12)
                .map(|n| (i64::from(n), name(n).to_string()))
                .collect(),
        );
    }
    let t = &d.tiers;
    let mut labels = vec![(0, format!("< {}", t[0]))];
    for (i, hi) in t.iter().enumerate().skip(1) {
        labels.push((i as i64, format!("[{}, {hi})", t[i - 1])));
    }
    labels.push((t.len() as i64, format!(">= {}", t[t.len() - 1])));
    Some(labels)
}

/// True for a keyed dimension (see [`key_labels`]).
pub(super) fn is_keyed(d: &Dimension) -> bool {
    match d.timeframe {
        Some(tf) => tf == Timeframe::MonthName,
        None => d.ty == DimensionType::Tier && !d.tiers.is_empty(),
    }
}

/// `value` labelled when `d` is keyed (`value` is then its key), else `value` as it is.
pub(super) fn labelled(d: &Dimension, value: Sql) -> Sql {
    match key_labels(d) {
        Some(labels) => label_case(&value.flat, &labels),
        None => value,
    }
}

/// A tier's key of `base`: how many of the (ascending) bounds it is at or above, null when it is
/// null. Comparisons and a sum per row, with no branching.
fn tier_key(base: &str, t: &[f64]) -> Sql {
    let flat = t
        .iter()
        .map(|b| format!("CAST({base} >= {b} AS INT)"))
        .collect::<Vec<_>>()
        .join(" + ");
    Sql::text(flat)
}

/// `CASE <key> WHEN 0 THEN '< 500' ... END`: the label of a key (null for a null key).
/// `CASE` prints one clause a line where the formatter is pretty.
fn label_case(key: &str, labels: &[(i64, String)]) -> Sql {
    let mut flat = format!("CASE {key}");
    let mut lines = vec![format!("CASE {key}")];
    for (k, label) in labels {
        let label = string_lit(label);
        flat.push_str(&format!(" WHEN {k} THEN {label}"));
        lines.push(format!("  WHEN {k} THEN"));
        lines.push(format!("    {label}"));
    }
    flat.push_str(" END");
    lines.push("END".to_string());
    Sql {
        flat,
        pretty: Some(lines),
        simple: false,
    }
}
