//! Query filters: the query's `filters` (and the explore's `always_filter`) resolved into
//! predicate trees on fields ([`Pred`]), and a predicate as SQL for `WHERE` (dimensions) or
//! `HAVING` (measures). Each leaf condition is rendered by [`super::conds`].

use std::collections::BTreeSet;

use super::conds::cond_sql;
use super::resolve::{FieldRef, Scope};
use crate::error::{Error, FilterError, Result};
use crate::filter::{self, CmpOp, Cond, FilterKind, Lit};
use crate::model::{AccessFilter, DimensionType, filter_kind};
use boltic_types::{Condition, Filter, Op};

/// Message for a filter on a [`FieldRef::is_time_measure`].
const TIME_MEASURE_FILTER: &str = "filters on a time-valued measure are not supported";

/// A predicate tree whose leaves are conditions on fields.
#[derive(Debug)]
pub(crate) enum Pred<'a> {
    Leaf(FieldRef<'a>, Cond),
    And(Vec<Pred<'a>>),
    Or(Vec<Pred<'a>>),
    /// No row: an access filter for a user without the attribute (fail closed).
    Never,
}

impl<'a> Pred<'a> {
    /// Some(true): only measures; Some(false): only dimensions; None: mixed or empty.
    pub fn on_measures(&self) -> Option<bool> {
        match self {
            Pred::Leaf(f, _) => Some(!f.field.is_dimension()),
            Pred::Never => Some(false),
            Pred::And(v) | Pred::Or(v) => {
                let kinds: BTreeSet<Option<bool>> = v.iter().map(Pred::on_measures).collect();
                if kinds.len() == 1 {
                    kinds.into_iter().next().flatten()
                } else {
                    None
                }
            }
        }
    }

    /// The fields of the leaves, in order.
    pub fn fields<'p>(&'p self, out: &mut Vec<&'p FieldRef<'a>>) {
        match self {
            Pred::Leaf(f, _) => out.push(f),
            Pred::And(v) | Pred::Or(v) => v.iter().for_each(|x| x.fields(out)),
            Pred::Never => {}
        }
    }
}

impl<'a> Scope<'a> {
    /// An explore's access filter for the caller: `None` when unrestricted, [`Pred::Never`]
    /// when the caller has no value of the attribute, else the field equal to one of them.
    /// Resolved past the explore's `fields` list: a hidden field still guards rows.
    pub(super) fn access_pred(&self, f: &AccessFilter) -> Result<Option<Pred<'a>>> {
        let Some(values) = self.access.values(&f.user_attribute) else {
            return Ok(None);
        };
        if values.is_empty() {
            return Ok(Some(Pred::Never));
        }
        let (alias, view, field) = self
            .model
            .resolve(self.explore, &f.field)
            .ok_or_else(|| Error::Internal(format!("access filter field '{}'", f.field)))?;
        let fr = FieldRef {
            key: format!("{alias}.{}", field.name),
            alias,
            view,
            field,
        };
        let c = Condition {
            field: fr.key.clone(),
            op: Op::Equals,
            values: values
                .iter()
                .map(|v| serde_json::Value::String(v.clone()))
                .collect(),
        };
        let cond = self.condition_to_cond(&fr, &c)?;
        Ok(Some(Pred::Leaf(fr, cond)))
    }

    pub(super) fn condition_to_cond(&self, f: &FieldRef<'_>, c: &Condition) -> Result<Cond> {
        if f.is_time_measure() {
            return Err(Error::InvalidQuery(format!(
                "filter on '{}': {TIME_MEASURE_FILTER}",
                f.key
            )));
        }
        let kind = match f.dim() {
            Some(d) => filter_kind(d),
            None => FilterKind::Number,
        };
        let bad = |m: String| Error::InvalidQuery(format!("filter on '{}': {m}", f.key));
        let lit = |v: &serde_json::Value| self.condition_value(&f.key, kind, v);
        let first = || {
            c.values
                .first()
                .ok_or_else(|| bad(format!("'{:?}' needs a value", c.op).to_lowercase()))
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(match c.op {
            Op::IsNull => Cond::IsNull,
            Op::IsNotNull => Cond::NotNull,
            Op::Equals | Op::NotEquals if kind == FilterKind::Time => {
                let mut periods = Vec::new();
                for v in &c.values {
                    let s = text(v);
                    periods.push(
                        filter::parse(kind, &s, self.now).map_err(|e| Error::Filter {
                            field: f.key.clone(),
                            source: e,
                        })?,
                    );
                }
                if periods.is_empty() {
                    return Err(bad("'equals' needs at least one value".into()));
                }
                let pos = if periods.len() == 1 {
                    periods.remove(0)
                } else {
                    Cond::Or(periods)
                };
                if c.op == Op::Equals {
                    pos
                } else {
                    Cond::NotOrNull(Box::new(pos))
                }
            }
            Op::Equals | Op::NotEquals => {
                if c.values.is_empty() {
                    return Err(bad("'equals' needs at least one value".into()));
                }
                let lits = c.values.iter().map(lit).collect::<Result<Vec<_>>>()?;
                let pos = if lits.len() == 1 {
                    Cond::Cmp(
                        CmpOp::Eq,
                        lits.into_iter().next().unwrap_or(Lit::Bool(true)),
                    )
                } else {
                    Cond::In(lits)
                };
                if c.op == Op::Equals {
                    pos
                } else {
                    Cond::NotOrNull(Box::new(pos))
                }
            }
            Op::Gt => Cond::Cmp(CmpOp::Gt, lit(first()?)?),
            Op::Gte => Cond::Cmp(CmpOp::Ge, lit(first()?)?),
            Op::Lt => Cond::Cmp(CmpOp::Lt, lit(first()?)?),
            Op::Lte => Cond::Cmp(CmpOp::Le, lit(first()?)?),
            Op::Between => {
                let [a, b] = c.values.as_slice() else {
                    return Err(bad("'between' needs two values".into()));
                };
                Cond::Range {
                    low: Some((lit(a)?, true)),
                    high: Some((lit(b)?, true)),
                }
            }
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                let s = crate::filter::like_escape(&text(first()?));
                Cond::Like(match c.op {
                    Op::Contains => format!("%{s}%"),
                    Op::StartsWith => format!("{s}%"),
                    _ => format!("%{s}"),
                })
            }
            Op::Matches => {
                let s = text(first()?);
                filter::parse(kind, &s, self.now).map_err(|e| Error::Filter {
                    field: f.key.clone(),
                    source: e,
                })?
            }
        })
    }

    /// A value of a structured condition as a literal of the filtered field's kind.
    fn condition_value(&self, key: &str, kind: FilterKind, v: &serde_json::Value) -> Result<Lit> {
        let bad = |m: String| Error::InvalidQuery(format!("filter on '{key}': {m}"));
        match (kind, v) {
            (FilterKind::Number, serde_json::Value::Number(n)) => Ok(Lit::Num(n.to_string())),
            (FilterKind::Number, serde_json::Value::String(s))
                if s.trim().parse::<f64>().is_ok_and(f64::is_finite) =>
            {
                Ok(Lit::Num(s.trim().to_string()))
            }
            (FilterKind::Boolean, serde_json::Value::Bool(b)) => Ok(Lit::Bool(*b)),
            (FilterKind::String, serde_json::Value::String(s)) => Ok(Lit::Str(s.clone())),
            (FilterKind::String, serde_json::Value::Number(n)) => Ok(Lit::Str(n.to_string())),
            (FilterKind::Time, serde_json::Value::String(s)) => {
                match filter::parse(FilterKind::Time, s, self.now) {
                    Ok(Cond::Range {
                        low: Some((l, _)), ..
                    }) => Ok(l),
                    _ => Err(bad(format!(
                        "expected a date like '2024-08-01', found '{s}'"
                    ))),
                }
            }
            (k, v) => Err(bad(
                format!("expected a {k:?} value, found {v}").to_lowercase()
            )),
        }
    }

    pub(super) fn to_pred(&self, f: &Filter) -> Result<Pred<'a>> {
        Ok(match f {
            Filter::And { and } => {
                Pred::And(and.iter().map(|x| self.to_pred(x)).collect::<Result<_>>()?)
            }
            Filter::Or { or } => {
                Pred::Or(or.iter().map(|x| self.to_pred(x)).collect::<Result<_>>()?)
            }
            Filter::Condition(c) => {
                let fr = self.resolve(&c.field)?;
                let cond = self.condition_to_cond(&fr, c)?;
                Pred::Leaf(fr, cond)
            }
            Filter::Expressions(m) => {
                let mut v = Vec::new();
                for (field, expr) in m {
                    v.push(self.expr_pred(field, expr)?);
                }
                if v.len() == 1 {
                    v.remove(0)
                } else {
                    Pred::And(v)
                }
            }
        })
    }

    pub(super) fn expr_pred(&self, field: &str, expr: &str) -> Result<Pred<'a>> {
        let fr = self.resolve(field)?;
        if fr.is_time_measure() {
            return Err(Error::Filter {
                field: fr.key.clone(),
                source: FilterError {
                    expression: expr.to_string(),
                    offset: 0,
                    message: TIME_MEASURE_FILTER.to_string(),
                },
            });
        }
        let kind = fr.dim().map_or(FilterKind::Number, filter_kind);
        let cond = filter::parse(kind, expr, self.now).map_err(|e| Error::Filter {
            field: fr.key.clone(),
            source: e,
        })?;
        Ok(Pred::Leaf(fr, cond))
    }

    /// Target expression for a dimension filter: ranges on time fields use the time value
    /// itself (no truncation per row).
    pub(super) fn dim_filter_target(&self, f: &FieldRef<'_>) -> Result<(String, bool)> {
        let d = f.dimension()?;
        if filter_kind(d) == FilterKind::Time {
            let b = if d.ty == DimensionType::Date {
                self.expand_dim_sql(f.alias, f.view, &d.sql, 0)?
            } else {
                self.time_base(f.alias, f.view, d)?
            };
            return Ok((b.flat, d.ty == DimensionType::Date));
        }
        Ok((self.dim_outer(f)?.flat, false))
    }

    pub(super) fn pred_sql(
        &self,
        p: &Pred<'a>,
        measure_target: &dyn Fn(&FieldRef<'a>) -> Option<String>,
    ) -> Result<Option<String>> {
        Ok(match p {
            Pred::Leaf(f, c) => {
                let (target, date_only) = match f.dim() {
                    Some(_) => self.dim_filter_target(f)?,
                    None => (
                        measure_target(f).ok_or_else(|| {
                            Error::Internal(format!("measure '{}' not computed", f.key))
                        })?,
                        false,
                    ),
                };
                cond_sql(c, &target, date_only, self.utc)
            }
            Pred::Never => Some("FALSE".to_string()),
            Pred::And(v) | Pred::Or(v) => {
                let sep = if matches!(p, Pred::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut parts = Vec::new();
                for x in v {
                    if let Some(s) = self.pred_sql(x, measure_target)? {
                        parts.push(s);
                    }
                }
                match parts.len() {
                    0 => None,
                    1 => parts.pop(),
                    _ => Some(format!("({})", parts.join(sep))),
                }
            }
        })
    }
}
