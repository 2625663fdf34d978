//! Query -> SQL for Apache DataFusion, in two stages (like DataFusion's own SQL planner and
//! unparser):
//!
//! 1. **Plan** ([`plan`]): the query is resolved once against the model into a
//!    [`QueryPlan`]: fields ([`resolve`]), `WHERE`/`HAVING` predicates ([`filters`]), the leaf
//!    measures ([`measures`]), the joined aliases ([`joins`]), the dimensions precomputed
//!    beside each view, and each view's aggregation strategy ([`fanout`]).
//! 2. **Write** ([`write`]): the plan becomes a statement ([`statement`]) assembled from the
//!    model's snippets, printed once by `sqlparser` at load ([`sqltext::Template`], filled by
//!    [`exprs`] and [`measures`]), quoted identifiers, and literals for every value that comes
//!    from the query ([`conds`]), and laid out as `sqlparser` pretty-prints it
//!    ([`statement::render`]). Nothing is parsed per query and a query value is never part of
//!    any text that is parsed.
//!
//! Files depend one way: `mod` → `plan`, `write` → the construct files (`filters`,
//! `measures`, `fanout`, `exprs`, `conds`) → `resolve`, `statement` → `sqltext`.

mod conds;
mod exprs;
mod fanout;
mod filters;
pub(crate) mod joins;
pub mod limits;
mod measures;
mod plan;
pub(crate) mod resolve;
pub(crate) mod sqltext;
mod statement;
#[cfg(test)]
mod tests;
mod write;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::Result;
use crate::model::{Access, DimensionType, Measure, MeasureType, Model, View};
use crate::refs;
use boltic_types::Query;
use plan::{PlanOptions, QueryPlan};
pub use resolve::query_timezone;
use resolve::{FieldRef, Scope};

/// Inputs of a compilation besides the model and the query.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// The current wall-clock time in the query time zone (see [`query_timezone`]); relative
    /// date filters (`last 7 days`) count from it. Explicit so compilation is deterministic.
    pub now: NaiveDateTime,
    /// Compile fanned-out measures the naive way (a plain join then aggregate), which gives
    /// inflated sums. Only for demonstrating the difference in tests.
    pub naive_fanout: bool,
    /// Whom the query runs for: the explore's `access_filters` become `WHERE` predicates of
    /// every query (the totals and fan-out keys queries too), and an explore whose grants the
    /// caller lacks does not exist for it. [`Access::Unrestricted`] by default.
    pub access: Access,
}

impl CompileOptions {
    /// Options with the given "now".
    pub fn new(now: NaiveDateTime) -> Self {
        CompileOptions {
            now,
            naive_fanout: false,
            access: Access::Unrestricted,
        }
    }
}

/// A column of the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// `view.field`; also the SQL column alias.
    pub name: String,
    /// `dimension` or `measure`.
    pub kind: boltic_types::FieldKind,
    /// `string`, `number`, `boolean`, `time`, `date` or the measure type.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Label (from the model, else None).
    pub label: Option<String>,
    /// Display format hint.
    pub value_format: Option<String>,
    /// A pivot dimension.
    pub pivot: bool,
}

/// The result of [`compile`].
#[derive(Debug, Clone, Serialize)]
pub struct CompiledQuery {
    /// The query.
    pub sql: String,
    /// Totals (measures only, over the same dimension filters) when the query asks for them.
    pub totals_sql: Option<String>,
    /// With pivots and totals: each pivot column's totals (the pivot dimensions and the
    /// measures, over the same dimension filters), one row per pivot value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pivot_totals_sql: Option<String>,
    /// Result columns in order.
    pub columns: Vec<Column>,
    /// The time zone used.
    pub timezone: String,
    /// Views whose measures were computed over a keys subquery to avoid fan-out.
    pub fanout_views: Vec<String>,
}

/// Compile a query against the model into DataFusion SQL.
pub fn compile(model: &Model, query: &Query, opts: &CompileOptions) -> Result<CompiledQuery> {
    limits::check(query)?;
    let mut out = compile_one(model, query, opts, false)?;
    if query.totals {
        let measures: Vec<String> = out
            .columns
            .iter()
            .filter(|c| c.kind == boltic_types::FieldKind::Measure)
            .map(|c| c.name.clone())
            .collect();
        if !measures.is_empty() {
            // measures only (or with the pivots), over every row the filters keep
            let totals_of = |fields: Vec<String>| Query {
                fields,
                pivots: Vec::new(),
                sorts: Vec::new(),
                limit: None,
                offset: None,
                totals: false,
                ..query.clone()
            };
            let t = totals_of(measures.clone());
            out.totals_sql = Some(compile_one(model, &t, opts, true)?.sql);
            if !query.pivots.is_empty() {
                let mut fields = query.pivots.clone();
                fields.extend(measures);
                let p = totals_of(fields);
                out.pivot_totals_sql = Some(compile_one(model, &p, opts, true)?.sql);
            }
        }
    }
    Ok(out)
}

/// Plan and write one statement; `skip_measure_filters` for the totals query.
fn compile_one(
    model: &Model,
    query: &Query,
    opts: &CompileOptions,
    skip_measure_filters: bool,
) -> Result<CompiledQuery> {
    let scope = Scope::new(model, query, opts.now, opts.access.clone())?;
    let plan = QueryPlan::build(
        &scope,
        query,
        PlanOptions {
            naive_fanout: opts.naive_fanout,
            skip_measure_filters,
        },
    )?;
    let sql = write::sql(&scope, &plan)?;
    let mut columns = Vec::with_capacity(plan.dimensions.len() + plan.measures.len());
    for d in &plan.dimensions {
        columns.push(column(&d.field, d.pivot));
    }
    for m in &plan.measures {
        columns.push(column(m, false));
    }
    Ok(CompiledQuery {
        sql,
        totals_sql: None,
        pivot_totals_sql: None,
        columns,
        fanout_views: plan.fanned_views().map(str::to_string).collect(),
        timezone: scope.tz,
    })
}

/// The plan of a query, for tests that check the compiler's choices (joins, fan-out) rather
/// than its SQL text.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn plan_query<'a>(
    model: &'a Model,
    query: &Query,
    opts: &CompileOptions,
) -> Result<QueryPlan<'a>> {
    let scope = Scope::new(model, query, opts.now, opts.access.clone())?;
    QueryPlan::build(
        &scope,
        query,
        PlanOptions {
            naive_fanout: opts.naive_fanout,
            skip_measure_filters: false,
        },
    )
}

/// `min`/`max` of a dimension keep its type (e.g. the last flight is a time); the rest are numbers.
fn measure_result_type(view: &View, m: &Measure) -> &'static str {
    if matches!(m.ty, MeasureType::Min | MeasureType::Max) {
        let sql = m.sql.as_deref().unwrap_or_default().trim();
        if let [r] = refs::refs(sql).as_slice() {
            if r.start == 0 && r.end == sql.len() {
                if let (None, name) = r.split() {
                    if let Some(d) = view.dims.get(name) {
                        return match d.ty {
                            DimensionType::Tier => "string",
                            t => t.name(),
                        };
                    }
                }
            }
        }
    }
    "number"
}

fn column(f: &FieldRef<'_>, pivot: bool) -> Column {
    Column {
        name: f.key.clone(),
        kind: if f.field.is_dimension() {
            boltic_types::FieldKind::Dimension
        } else {
            boltic_types::FieldKind::Measure
        },
        ty: match f.measure() {
            Some(m) => measure_result_type(f.view, m),
            None => f.field.type_name(),
        },
        label: f.field.label.clone(),
        value_format: f.field.value_format.clone(),
        pivot,
    }
}
