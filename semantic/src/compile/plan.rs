//! The plan stage: a query resolved once into a [`QueryPlan`] (its fields, `WHERE` and `HAVING`
//! predicates, the joined aliases, the dimensions precomputed beside each view, and the
//! aggregation strategy of each view), from which [`super::write`] prints the SQL. Every query
//! error except those of the model's own snippets is raised here.

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use super::exprs::{is_trivial, precomputed_column};
use super::fanout::{self, Strategy};
use super::filters::Pred;
use super::joins;
use super::measures::Leaves;
use super::resolve::{FieldRef, Scope, query_error};
use crate::error::{Error, Result};
use crate::filter::FilterKind;
use crate::model::{Dimension, DimensionType, Explore, JoinType, View, filter_kind};
use crate::refs;
use boltic_types::Query;

/// How a query is planned besides the query itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlanOptions {
    /// Aggregate every view directly, even when fanned out ([`crate::CompileOptions::naive_fanout`]).
    pub naive_fanout: bool,
    /// Leave out measure filters (`HAVING`): the totals query.
    pub skip_measure_filters: bool,
}

/// A dimension of the result.
#[derive(Debug, Clone)]
pub(crate) struct PlannedDimension<'a> {
    pub field: FieldRef<'a>,
    /// Also (or only) named in `pivots`.
    pub pivot: bool,
}

/// A dimension computed in a subquery on its view's side before the join.
#[derive(Debug, Clone)]
pub(crate) struct Precomputed<'a> {
    /// The column it is computed as (`__<field>`).
    pub column: String,
    pub view: &'a View,
    pub dimension: &'a Dimension,
}

/// An `ORDER BY` item: a result column (dimensions first, then measures) and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderKey {
    pub column: usize,
    pub descending: bool,
}

/// A query resolved against the model: everything the SQL writer needs, and every choice it
/// makes (joins, fan-out) decided.
#[derive(Debug)]
pub(crate) struct QueryPlan<'a> {
    /// Result dimensions in order.
    pub dimensions: Vec<PlannedDimension<'a>>,
    /// Result measures in order.
    pub measures: Vec<FieldRef<'a>>,
    /// Measures to compute: the result measures, then those only `HAVING` needs.
    pub computed_measures: Vec<FieldRef<'a>>,
    /// Dimension filters (`WHERE`), including the explore's `always_filter`.
    pub where_preds: Vec<Pred<'a>>,
    /// Measure filters (`HAVING`, or `WHERE` over the per-view aggregates).
    pub having_preds: Vec<Pred<'a>>,
    /// The aggregate (leaf) measures the computed measures are made of.
    pub leaves: Leaves,
    /// The aliases in `FROM`: those of the fields, filters and `sql_always_where`, closed over
    /// the `sql_on` dependencies.
    pub joined: BTreeSet<&'a str>,
    /// Non-trivial dimensions (result and `WHERE`) precomputed beside each alias.
    pub precomputed: BTreeMap<&'a str, Vec<Precomputed<'a>>>,
    /// How each alias with leaf measures is aggregated.
    pub aggregation: BTreeMap<&'a str, Strategy>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl<'a> QueryPlan<'a> {
    /// Resolve `query` in `scope` into a plan.
    pub fn build(scope: &Scope<'a>, query: &Query, opts: PlanOptions) -> Result<Self> {
        let (dimensions, measures) = result_fields(scope, query)?;
        let (where_preds, having_preds) = predicates(scope, query, opts.skip_measure_filters)?;

        // measures needed: selected plus those in HAVING
        let mut having_fields = Vec::new();
        for p in &having_preds {
            p.fields(&mut having_fields);
        }
        let mut computed_measures: Vec<FieldRef<'a>> = measures.clone();
        for f in having_fields {
            if !computed_measures.iter().any(|m| m.key == f.key) {
                computed_measures.push(f.clone());
            }
        }
        let mut leaves = Leaves::new();
        for m in &computed_measures {
            scope.leaves(m.alias, m.view, &m.field.name, &mut leaves, 0)?;
        }

        let mut where_fields = Vec::new();
        for p in &where_preds {
            p.fields(&mut where_fields);
        }
        let joined = joined_aliases(scope, &dimensions, &where_fields, &leaves)?;
        let aggregation = fanout::strategies(scope, &leaves, &joined, opts.naive_fanout)?;
        let precomputed = precomputed(&dimensions, &where_fields)?;
        let order_by = order_by(scope, query, &dimensions, &measures)?;
        Ok(QueryPlan {
            dimensions,
            measures,
            computed_measures,
            where_preds,
            having_preds,
            leaves,
            joined,
            precomputed,
            aggregation,
            order_by,
            limit: query.limit,
            offset: query.offset,
        })
    }

    /// The fanned-out aliases (aggregated over their keys), in name order.
    pub fn fanned_views(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.aggregation
            .iter()
            .filter(|(_, s)| **s == Strategy::KeysThenAggregate)
            .map(|(a, _)| *a)
    }

    /// For the count measures of `alias`: true when every joined row holds exactly one row of
    /// it. That is the explore's base view aggregated directly (a count, which duplicates
    /// change, is aggregated directly only when no join multiplies the view's rows), with no
    /// `FULL` join among the joined views (which adds rows without one). A count of its primary
    /// key then counts rows, and is compiled as one (`COUNT(1)`), which reads no column.
    pub fn rows_are_of(&self, explore: &Explore, alias: &str) -> bool {
        alias == explore.view
            && self.aggregation.get(alias) == Some(&Strategy::Direct)
            && !explore
                .joins
                .iter()
                .any(|j| j.join_type == JoinType::Full && self.joined.contains(j.name.as_str()))
    }

    /// True when some view is aggregated over its keys: the statement is per-view CTEs.
    pub fn has_fanout(&self) -> bool {
        self.fanned_views().next().is_some()
    }

    /// The key of result column `i` (dimensions first, then measures).
    pub fn column_key(&self, i: usize) -> &str {
        match self.dimensions.get(i) {
            Some(d) => &d.field.key,
            None => &self.measures[i - self.dimensions.len()].key,
        }
    }
}

/// The query's `fields` and `pivots`: dimensions (a field named twice once, a pivot if named in
/// `pivots`) and measures.
fn result_fields<'a>(
    scope: &Scope<'a>,
    query: &Query,
) -> Result<(Vec<PlannedDimension<'a>>, Vec<FieldRef<'a>>)> {
    let mut dims: Vec<PlannedDimension<'a>> = Vec::new();
    let mut measures: Vec<FieldRef<'a>> = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, pivot) in query
        .fields
        .iter()
        .map(|f| (f, false))
        .chain(query.pivots.iter().map(|p| (p, true)))
    {
        let f = scope.resolve(name)?;
        if pivot && !f.field.is_dimension() {
            return Err(query_error(
                Code::InvalidPivot,
                format!("pivot '{name}' is a measure"),
                Some("pivot on dimensions only".into()),
            ));
        }
        if !seen.insert(f.key.clone()) {
            if pivot {
                if let Some(d) = dims.iter_mut().find(|d| d.field.key == f.key) {
                    d.pivot = true;
                }
            }
            continue;
        }
        if f.field.is_dimension() {
            dims.push(PlannedDimension { field: f, pivot });
        } else {
            measures.push(f);
        }
    }
    if dims.is_empty() && measures.is_empty() {
        return Err(query_error(
            Code::EmptyQuery,
            "query has no fields".into(),
            Some("add 'fields': [\"view.field\", …]".into()),
        ));
    }
    Ok((dims, measures))
}

/// The query's filters and the explore's `always_filter` (unless the query filters the same
/// field), split into dimension (`WHERE`) and measure (`HAVING`) predicates.
fn predicates<'a>(
    scope: &Scope<'a>,
    query: &Query,
    skip_measure_filters: bool,
) -> Result<(Vec<Pred<'a>>, Vec<Pred<'a>>)> {
    let mut preds = Vec::new();
    for f in query.filters.to_list() {
        preds.push(scope.to_pred(&f)?);
    }
    super::limits::check_terms(&preds)?;
    let mut filtered = Vec::new();
    for p in &preds {
        p.fields(&mut filtered);
    }
    let filtered_keys: BTreeSet<String> = filtered.iter().map(|f| f.key.clone()).collect();
    for (field, expr) in &scope.explore.always_filter {
        let fr = scope.resolve(field)?;
        if !filtered_keys.contains(&fr.key) {
            preds.push(scope.expr_pred(field, expr)?);
        }
    }
    for f in &scope.explore.access_filters {
        preds.extend(scope.access_pred(f)?);
    }
    let mut where_preds = Vec::new();
    let mut having_preds = Vec::new();
    for p in preds {
        match p.on_measures() {
            Some(false) => where_preds.push(p),
            Some(true) => {
                if !skip_measure_filters {
                    having_preds.push(p)
                }
            }
            None => {
                return Err(query_error(
                    Code::MixedFilter,
                    "a filter group mixes dimensions and measures".into(),
                    Some(
                        "put dimension and measure conditions in separate top-level filters".into(),
                    ),
                ));
            }
        }
    }
    Ok((where_preds, having_preds))
}

/// The aliases the query needs (its dimensions, `WHERE` fields, leaf measures and the
/// explore's `sql_always_where`), closed over `sql_on` dependencies.
fn joined_aliases<'a>(
    scope: &Scope<'a>,
    dims: &[PlannedDimension<'a>],
    where_fields: &[&FieldRef<'a>],
    leaves: &Leaves,
) -> Result<BTreeSet<&'a str>> {
    let mut needed: BTreeSet<&'a str> = BTreeSet::new();
    for d in dims {
        needed.insert(d.field.alias);
    }
    for f in where_fields {
        needed.insert(f.alias);
    }
    for (a, _) in leaves {
        let a = scope
            .alias(a)
            .ok_or_else(|| Error::Internal(format!("alias '{a}'")))?;
        needed.insert(a);
    }
    if let Some(w) = &scope.explore.sql_always_where {
        for r in refs::refs(w) {
            if let (Some(a), _) = r.split() {
                if let Some(a) = scope.alias(a) {
                    needed.insert(a);
                }
            }
        }
    }
    Ok(joins::close(scope.explore, needed))
}

/// The non-trivial dimensions of the result and of `WHERE` (time filters compare the time
/// value itself), per alias, each once.
fn precomputed<'a>(
    dims: &[PlannedDimension<'a>],
    where_fields: &[&FieldRef<'a>],
) -> Result<BTreeMap<&'a str, Vec<Precomputed<'a>>>> {
    let mut pre: BTreeMap<&'a str, Vec<Precomputed<'a>>> = BTreeMap::new();
    let filtered = where_fields
        .iter()
        .copied()
        .filter(|f| f.dim().is_some_and(|d| filter_kind(d) != FilterKind::Time));
    for f in dims.iter().map(|d| &d.field).chain(filtered) {
        let d = f.dim().ok_or_else(|| Error::Internal("dim".into()))?;
        if is_trivial(d) {
            continue;
        }
        let column = precomputed_column(&f.field.name);
        let list = pre.entry(f.alias).or_default();
        if !list.iter().any(|p| p.column == column) {
            list.push(Precomputed {
                column,
                view: f.view,
                dimension: d,
            });
        }
    }
    Ok(pre)
}

/// `ORDER BY`: the query's sorts (each on a result column), else the first time dimension
/// descending, else the first measure descending, else the first dimension ascending; none
/// for a query without dimensions and sorts.
fn order_by(
    scope: &Scope<'_>,
    query: &Query,
    dims: &[PlannedDimension<'_>],
    measures: &[FieldRef<'_>],
) -> Result<Vec<OrderKey>> {
    let key_at = |i: usize| match dims.get(i) {
        Some(d) => d.field.key.as_str(),
        None => measures[i - dims.len()].key.as_str(),
    };
    let columns = dims.len() + measures.len();
    let mut order = Vec::new();
    for s in &query.sorts {
        let f = scope.resolve(&s.field)?;
        let Some(column) = (0..columns).find(|i| key_at(*i) == f.key) else {
            return Err(query_error(
                Code::InvalidSort,
                format!("sort field '{}' is not in the query fields", s.field),
                Some(format!("add '{}' to 'fields'", s.field)),
            ));
        };
        order.push(OrderKey {
            column,
            descending: s.desc,
        });
    }
    if order.is_empty() {
        let time_dim = dims.iter().position(|d| {
            d.field.dim().is_some_and(|x| {
                matches!(x.result_type(), DimensionType::Time | DimensionType::Date)
            })
        });
        let first = if let Some(i) = time_dim {
            Some((i, true))
        } else if !measures.is_empty() {
            Some((dims.len(), true))
        } else if !dims.is_empty() {
            Some((0, false))
        } else {
            None
        };
        order.extend(first.map(|(column, descending)| OrderKey { column, descending }));
    }
    if order.is_empty() || dims.is_empty() && query.sorts.is_empty() {
        order.clear();
    }
    Ok(order)
}
