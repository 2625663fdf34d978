//! The SQL of a [`QueryPlan`]: `FROM` with the joined views (precomputed dimensions in a
//! subquery beside each), `WHERE`, then either one `SELECT ... GROUP BY` (no view fanned out)
//! or per-view aggregate CTEs joined on the dimensions (see [`Strategy`]), measure filters,
//! `ORDER BY`, `LIMIT` and `OFFSET`; printed by [`render`].

use std::collections::BTreeMap;
use std::rc::Rc;

use super::exprs::{is_keyed, labelled};
use super::fanout::Strategy;
use super::plan::{Precomputed, QueryPlan};
use super::resolve::Scope;
use super::sqltext::Sql;
use super::statement::{Body, FromClause, JoinClause, Rel, Select, SelectItem, Statement, render};
use crate::error::{Error, Result};
use crate::model::{Dimension, JoinType, View};
use crate::refs::quote_ident;

/// The SQL text of a plan.
pub(super) fn sql(scope: &Scope<'_>, plan: &QueryPlan<'_>) -> Result<String> {
    let from = from_clause(scope, plan)?;
    let selection = where_clause(scope, plan)?;
    let dims = plan
        .dimensions
        .iter()
        .map(|d| {
            Ok(OuterDim {
                group: scope.dim_group(&d.field)?,
                dim: d.field.dimension()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (mut statement, sort_keys) = if plan.has_fanout() {
        per_view_aggregates(scope, plan, &from, &selection, &dims)?
    } else {
        one_aggregate(scope, plan, from, selection, &dims)?
    };
    statement.order_by = plan
        .order_by
        .iter()
        .map(|o| {
            // a keyed dimension sorts by its key (tiers low to high, months in calendar order)
            let key = match sort_keys.get(o.column) {
                Some(Some(k)) => k.clone(),
                _ => quote_ident(plan.column_key(o.column)),
            };
            format!("{key}{}", if o.descending { " DESC" } else { " ASC" })
        })
        .collect();
    statement.limit = plan.limit;
    statement.offset = plan.offset;
    Ok(render(&statement))
}

/// A result dimension in the outer query: what it is grouped by (the key of a keyed one, see
/// [`is_keyed`]).
struct OuterDim<'a> {
    group: Sql,
    dim: &'a Dimension,
}

impl OuterDim<'_> {
    /// The result column: `group` (or a column holding it, e.g. `"__agg"."d0"`), labelled.
    fn select(&self, group: &Sql) -> Sql {
        labelled(self.dim, group.clone())
    }

    /// The `ORDER BY` key replacing the result column's name: the key of a keyed dimension.
    fn sort_key(&self, group: &Sql) -> Option<String> {
        is_keyed(self.dim).then(|| group.flat.clone())
    }
}

/// The sort key of each result column that is not sorted by its name (see [`OuterDim::sort_key`]).
type SortKeys = Vec<Option<String>>;

/// The joined views in explore order, the first as the `FROM` relation.
fn from_clause(scope: &Scope<'_>, plan: &QueryPlan<'_>) -> Result<Rc<FromClause>> {
    let mut first: Option<Rel> = None;
    let mut joins = Vec::new();
    for (i, alias) in scope.explore.aliases().enumerate() {
        if !plan.joined.contains(alias) {
            continue;
        }
        let view = scope.view(alias)?;
        let rel = joined_relation(scope, alias, view, plan.precomputed.get(alias))?;
        if i == 0 {
            first = Some(rel);
        } else {
            let j = &scope.explore.joins[i - 1];
            let on = scope.explore_sql(&j.sql_on)?.flat;
            let kw = match j.join_type {
                JoinType::Left => "LEFT JOIN",
                JoinType::Inner => "INNER JOIN",
                JoinType::Full => "FULL JOIN",
            };
            joins.push(JoinClause { kw, rel, on });
        }
    }
    Ok(Rc::new(FromClause {
        rel: first.ok_or_else(|| Error::Internal("base view not included".into()))?,
        joins,
    }))
}

/// A view's source as `alias`, wrapped in `(SELECT "alias".*, <dim> AS "__<dim>" ...)` when
/// dimensions are precomputed beside it.
fn joined_relation(
    scope: &Scope<'_>,
    alias: &str,
    view: &View,
    precomputed: Option<&Vec<Precomputed<'_>>>,
) -> Result<Rel> {
    let qa = quote_ident(alias);
    let Some(cols) = precomputed else {
        return scope.source(view, qa);
    };
    let mut items = vec![SelectItem::Wildcard(qa.clone())];
    for p in cols {
        let e = scope.dim_column_value(alias, p.view, p.dimension)?;
        items.push(SelectItem::Expr(e, quote_ident(&p.column)));
    }
    Ok(Rel::Derived {
        body: Box::new(Body::Select(Select {
            distinct: false,
            items,
            from: Rc::new(FromClause {
                rel: scope.source(view, qa.clone())?,
                joins: Vec::new(),
            }),
            selection: None,
            group_by: Vec::new(),
            having: None,
        })),
        alias: qa,
    })
}

/// `WHERE`: the dimension filters, then the explore's `sql_always_where` in parentheses.
fn where_clause(scope: &Scope<'_>, plan: &QueryPlan<'_>) -> Result<Option<Rc<Sql>>> {
    let mut parts = Vec::new();
    for p in &plan.where_preds {
        if let Some(s) = scope.pred_sql(p, &|_| None)? {
            parts.push(s);
        }
    }
    if let Some(w) = &scope.explore.sql_always_where {
        let w = scope.explore_sql(w)?;
        parts.push(format!("({})", w.flat));
    }
    Ok((!parts.is_empty()).then(|| Rc::new(Sql::text(parts.join(" AND ")))))
}

/// The computed measures (by key) with their leaves rendered by `leaf`, the result measures as
/// select items, and the measure filters over them.
fn measure_columns(
    scope: &Scope<'_>,
    plan: &QueryPlan<'_>,
    leaf: &mut dyn FnMut(&Scope<'_>, &str, &View, &str) -> Result<String>,
    select: &mut Vec<SelectItem>,
) -> Result<Vec<String>> {
    let mut measure_cols: BTreeMap<String, Sql> = BTreeMap::new(); // measure key -> final expr
    for m in &plan.computed_measures {
        let e = scope.measure_expr(m.alias, m.view, &m.field.name, leaf, 0)?;
        measure_cols.insert(m.key.clone(), e);
    }
    for m in &plan.measures {
        select.push(SelectItem::Expr(
            measure_cols[&m.key].clone(),
            quote_ident(&m.key),
        ));
    }
    let mut having = Vec::new();
    for p in &plan.having_preds {
        if let Some(s) = scope.pred_sql(p, &|f| measure_cols.get(&f.key).map(|e| e.flat.clone()))? {
            having.push(s);
        }
    }
    Ok(having)
}

/// No view fanned out: one `SELECT` over the joins, grouped by the dimensions.
fn one_aggregate(
    scope: &Scope<'_>,
    plan: &QueryPlan<'_>,
    from: Rc<FromClause>,
    selection: Option<Rc<Sql>>,
    dims: &[OuterDim<'_>],
) -> Result<(Statement, SortKeys)> {
    let mut select = Vec::new();
    for (d, o) in plan.dimensions.iter().zip(dims) {
        select.push(SelectItem::Expr(
            o.select(&o.group),
            quote_ident(&d.field.key),
        ));
    }
    let having = measure_columns(
        scope,
        plan,
        &mut |s: &Scope<'_>, a, v, n| s.leaf_measure(a, v, n, plan.rows_are_of(s.explore, a)),
        &mut select,
    )?;
    let statement = Statement {
        ctes: Vec::new(),
        body: Select {
            distinct: false,
            items: select,
            from,
            selection,
            group_by: dims.iter().map(|o| o.group.clone()).collect(),
            having: (!having.is_empty()).then(|| Sql::text(having.join(" AND "))),
        },
        order_by: Vec::new(),
        limit: None,
        offset: None,
    };
    let sort_keys = dims.iter().map(|o| o.sort_key(&o.group)).collect();
    Ok((statement, sort_keys))
}

/// The CTEs of the per-view aggregates, and where each leaf measure ends up.
struct Aggregates {
    /// `WITH` tables in order.
    ctes: Vec<(String, Select)>,
    /// The aggregate CTEs (unquoted), joined in the final select; the first drives.
    aggs: Vec<String>,
    /// Leaf `(alias, measure)` -> its column (`"__agg_trips"."m0"`).
    leaf_col: BTreeMap<(String, String), String>,
    /// Leaf columns named so far (`m<n>`).
    next_leaf: usize,
}

impl Aggregates {
    /// The name of the next leaf column, recorded for the leaf in CTE `agg`.
    fn leaf_column(&mut self, agg: &str, alias: &str, name: &str) -> String {
        let c = format!("m{}", self.next_leaf);
        self.next_leaf += 1;
        self.leaf_col.insert(
            (alias.to_string(), name.to_string()),
            format!("{}.{}", quote_ident(agg), quote_ident(&c)),
        );
        c
    }
}

/// Some view fanned out: `__agg` for the views aggregated directly, `__keys_<a>` and
/// `__agg_<a>` for each fanned-out view, joined on the dimensions (`d0`, `d1`, ...).
fn per_view_aggregates(
    scope: &Scope<'_>,
    plan: &QueryPlan<'_>,
    from: &Rc<FromClause>,
    selection: &Option<Rc<Sql>>,
    dims: &[OuterDim<'_>],
) -> Result<(Statement, SortKeys)> {
    let dcols: Vec<String> = (0..plan.dimensions.len())
        .map(|i| format!("d{i}"))
        .collect();
    let dim_exprs: Vec<Sql> = dims.iter().map(|o| o.group.clone()).collect();
    let dims_select: Vec<SelectItem> = dim_exprs
        .iter()
        .zip(&dcols)
        .map(|(e, c)| SelectItem::Expr(e.clone(), quote_ident(c)))
        .collect();
    let mut aggregates = Aggregates {
        ctes: Vec::new(),
        aggs: Vec::new(),
        leaf_col: BTreeMap::new(),
        next_leaf: 0,
    };
    let base = Select {
        distinct: false,
        items: Vec::new(),
        from: Rc::clone(from),
        selection: selection.clone(),
        group_by: Vec::new(),
        having: None,
    };
    direct_aggregate(
        scope,
        plan,
        &base,
        &dims_select,
        &dim_exprs,
        &mut aggregates,
    )?;
    for alias in plan.fanned_views() {
        fanned_aggregate(
            scope,
            plan,
            alias,
            &base,
            &dims_select,
            &dcols,
            &mut aggregates,
        )?;
    }
    let Aggregates {
        ctes,
        aggs,
        leaf_col,
        ..
    } = aggregates;
    let driver = quote_ident(&aggs[0]);
    let mut select = Vec::new();
    let mut sort_keys = SortKeys::new();
    for ((d, c), o) in plan.dimensions.iter().zip(&dcols).zip(dims) {
        let column = Sql::text(format!("{driver}.{}", quote_ident(c)));
        select.push(SelectItem::Expr(
            o.select(&column),
            quote_ident(&d.field.key),
        ));
        sort_keys.push(o.sort_key(&column));
    }
    let having = measure_columns(
        scope,
        plan,
        &mut |_: &Scope<'_>, a, _v, n| {
            leaf_col
                .get(&(a.to_string(), n.to_string()))
                .cloned()
                .ok_or_else(|| Error::Internal(format!("leaf '{a}.{n}'")))
        },
        &mut select,
    )?;
    let joins = aggs[1..]
        .iter()
        .map(|other| aggregate_join(&driver, other, &dcols))
        .collect();
    let statement = Statement {
        ctes,
        body: Select {
            distinct: false,
            items: select,
            from: Rc::new(FromClause {
                rel: Rel::Table {
                    name: driver,
                    alias: None,
                },
                joins,
            }),
            selection: (!having.is_empty()).then(|| Rc::new(Sql::text(having.join(" AND ")))),
            group_by: Vec::new(),
            having: None,
        },
        order_by: Vec::new(),
        limit: None,
        offset: None,
    };
    Ok((statement, sort_keys))
}

/// `__agg`: the leaves of the views aggregated directly, over the joins (none: no CTE).
fn direct_aggregate(
    scope: &Scope<'_>,
    plan: &QueryPlan<'_>,
    base: &Select,
    dims_select: &[SelectItem],
    dim_exprs: &[Sql],
    out: &mut Aggregates,
) -> Result<()> {
    let direct = |a: &str| plan.aggregation.get(a) == Some(&Strategy::Direct);
    if !plan.leaves.iter().any(|(a, _)| direct(a)) {
        return Ok(());
    }
    let mut cols = dims_select.to_vec();
    for (a, name) in plan.leaves.iter().filter(|(a, _)| direct(a)) {
        let v = scope.view(a)?;
        let e = scope.leaf_measure(a, v, name, plan.rows_are_of(scope.explore, a))?;
        let c = out.leaf_column("__agg", a, name);
        cols.push(SelectItem::Expr(Sql::text(e), quote_ident(&c)));
    }
    out.ctes.push((
        quote_ident("__agg"),
        Select {
            items: cols,
            group_by: dim_exprs.to_vec(),
            ..base.clone()
        },
    ));
    out.aggs.push("__agg".to_string());
    Ok(())
}

/// `__keys_<alias>` (distinct dimensions and primary keys over the joins) and `__agg_<alias>`
/// (the view's leaves over those keys joined back to the view).
fn fanned_aggregate(
    scope: &Scope<'_>,
    plan: &QueryPlan<'_>,
    alias: &str,
    base: &Select,
    dims_select: &[SelectItem],
    dcols: &[String],
    out: &mut Aggregates,
) -> Result<()> {
    let view = scope.view(alias)?;
    let pk = view.primary_key.clone().unwrap_or_default();
    let pk_outer = scope.dim_raw(alias, view, &pk, 0)?;
    let keys = format!("__keys_{alias}");
    let agg = format!("__agg_{alias}");
    let mut kcols = dims_select.to_vec();
    kcols.push(SelectItem::Expr(pk_outer.clone(), quote_ident("__pk")));
    out.ctes.push((
        quote_ident(&keys),
        Select {
            distinct: true,
            items: kcols,
            ..base.clone()
        },
    ));
    let k = quote_ident("__k");
    let group: Vec<Sql> = dcols
        .iter()
        .map(|c| Sql::text(format!("{k}.{}", quote_ident(c))))
        .collect();
    let mut acols: Vec<SelectItem> = group.iter().cloned().map(SelectItem::Plain).collect();
    for (la, name) in &plan.leaves {
        if la.as_str() != alias {
            continue;
        }
        // over distinct keys joined back: a key may have no row of the view
        let e = scope.leaf_measure(alias, view, name, false)?;
        let c = out.leaf_column(&agg, la, name);
        acols.push(SelectItem::Expr(Sql::text(e), quote_ident(&c)));
    }
    out.ctes.push((
        quote_ident(&agg),
        Select {
            distinct: false,
            items: acols,
            from: Rc::new(FromClause {
                rel: Rel::Table {
                    name: quote_ident(&keys),
                    alias: Some(k.clone()),
                },
                joins: vec![JoinClause {
                    kw: "LEFT JOIN",
                    rel: scope.source(view, quote_ident(alias))?,
                    on: format!("{k}.{} = {}", quote_ident("__pk"), pk_outer.flat),
                }],
            }),
            selection: None,
            group_by: group,
            having: None,
        },
    ));
    out.aggs.push(agg);
    Ok(())
}

/// `LEFT JOIN "<other>" ON <driver>.d0 IS NOT DISTINCT FROM <other>.d0 ...`.
fn aggregate_join(driver: &str, other: &str, dcols: &[String]) -> JoinClause {
    let o = quote_ident(other);
    let on: Vec<String> = dcols
        .iter()
        .map(|c| format!("{driver}.{0} IS NOT DISTINCT FROM {o}.{0}", quote_ident(c)))
        .collect();
    // Several conditions each in parentheses: sqlparser (so DataFusion too) parses
    // the right side of `IS NOT DISTINCT FROM` as a whole expression, so
    // `a IS NOT DISTINCT FROM b AND c ...` would be `a IS NOT DISTINCT FROM (b AND c ...)`.
    // (`true` as sqlparser prints the literal.)
    let on = match on.as_slice() {
        [] => "true".to_string(),
        [one] => one.clone(),
        _ => on
            .iter()
            .map(|c| format!("({c})"))
            .collect::<Vec<_>>()
            .join(" AND "),
    };
    JoinClause {
        kw: "LEFT JOIN",
        rel: Rel::Table {
            name: o,
            alias: None,
        },
        on,
    }
}
