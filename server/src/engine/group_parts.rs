//! Grouping by a concatenation of text columns groups by the columns first.
//!
//! A derived dimension such as a route (`origin_city || ' - ' || destination_city`) makes a
//! query group by a new string built for every row: at 10M orders DataFusion spends most of
//! such a query building and hashing 10M strings for a few thousand groups. This optimizer rule
//! rewrites
//!
//! ```text
//! Aggregate(group by concat(a, ' - ', b), c; sum(x), count(y), min(z), max(z))
//! ```
//!
//! into an aggregate by the parts (`a, b, c`, columns the engine groups without building
//! anything), the concatenation computed once per group of parts, and an aggregate of those
//! partial results by the concatenation (sums and counts summed, minimums and maximums taken
//! again). The second aggregate is needed because different parts can make the same text
//! (`'x - y' || ' - ' || 'z'` and `'x' || ' - ' || 'y - z'`) and any NULL part makes NULL. A
//! concatenation has about as many distinct values as its parts have distinct tuples, so the
//! first aggregate does not grow; an expression that maps many values to one (a substring, a
//! CASE tier) would, so only concatenations of text columns and literals are taken. Every
//! aggregate must be SUM, COUNT, MIN or MAX without DISTINCT or ordering; anything else leaves
//! the plan as it was. The result has the original aggregate's names and types.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, Result};
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, BinaryExpr, Expr, ExprSchemable, LogicalPlan, Operator, Projection, cast,
};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// The optimizer rule (see the module).
#[derive(Debug, Default)]
pub struct GroupByParts;

impl OptimizerRule for GroupByParts {
    fn name(&self) -> &str {
        "boltic_group_concatenations_by_parts"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Aggregate(aggregate) = &plan else {
            return Ok(Transformed::no(plan));
        };
        Ok(match by_parts(aggregate)? {
            Some(rewritten) => Transformed::yes(rewritten),
            None => Transformed::no(plan),
        })
    }
}

/// The aggregate grouped by parts first, or None when it is not one this rule takes.
fn by_parts(aggregate: &Aggregate) -> Result<Option<LogicalPlan>> {
    // the aggregate reads its groups from a projection (under the subquery's alias, if any)
    // that computes the concatenation from its input, or computes them itself
    let projection = match aggregate.input.as_ref() {
        LogicalPlan::Projection(p) => Some(p),
        LogicalPlan::SubqueryAlias(a) => match a.input.as_ref() {
            LogicalPlan::Projection(p) => Some(p),
            _ => None,
        },
        _ => None,
    };
    let source = projection.map_or(&aggregate.input, |p| &p.input);
    let below = match source.as_ref() {
        LogicalPlan::SubqueryAlias(a) => a.input.as_ref(),
        other => other,
    };
    if matches!(below, LogicalPlan::Aggregate(_)) {
        // already grouped below (this rule's own output, or a query grouping twice)
        return Ok(None);
    }
    let input_schema = aggregate.input.schema();
    let source_schema = source.schema();
    // an expression of the aggregate, written over the source
    let inline = |expr: &Expr| -> Result<Expr> {
        let Some(projection) = projection else {
            return Ok(expr.clone());
        };
        expr.clone()
            .transform_up(|e| match &e {
                Expr::Column(c) => {
                    let i = input_schema.index_of_column(c)?;
                    Ok(Transformed::yes(projection.expr[i].clone().unalias()))
                }
                _ => Ok(Transformed::no(e)),
            })
            .map(|t| t.data)
    };

    let mut groups = Vec::with_capacity(aggregate.group_expr.len());
    let mut parts: Vec<Column> = Vec::new();
    let mut seen = HashSet::new();
    let mut concatenations = 0;
    for expr in &aggregate.group_expr {
        let expr = inline(expr)?;
        match &expr {
            Expr::Column(c) => {
                if seen.insert(c.clone()) {
                    parts.push(c.clone());
                }
            }
            _ if is_concatenation(&expr, source_schema)? => {
                concatenations += 1;
                // in the order they appear, so that plans are the same from run to run
                expr.apply(|e| {
                    if let Expr::Column(c) = e
                        && seen.insert(c.clone())
                    {
                        parts.push(c.clone());
                    }
                    Ok(TreeNodeRecursion::Continue)
                })?;
            }
            _ => return Ok(None),
        }
        groups.push(expr);
    }
    if concatenations == 0 {
        return Ok(None);
    }
    let mut partials = Vec::with_capacity(aggregate.aggr_expr.len());
    // how each partial result is aggregated again: SUM of sums and of counts, MIN of minimums,
    // MAX of maximums
    let mut again = Vec::with_capacity(aggregate.aggr_expr.len());
    for expr in &aggregate.aggr_expr {
        let Expr::AggregateFunction(f) = expr else {
            return Ok(None);
        };
        let p = &f.params;
        if p.distinct || !p.order_by.is_empty() || p.null_treatment.is_some() {
            return Ok(None);
        }
        again.push(match f.func.name() {
            "sum" | "min" | "max" => Arc::clone(&f.func),
            "count" => sum_udaf(),
            _ => return Ok(None),
        });
        partials.push(inline(expr)?);
    }

    // 1. group by the parts, aggregating as the query does
    let partial_name = |i: usize| format!("__boltic_partial_{i}");
    let group_name = |i: usize| format!("__boltic_group_{i}");
    let inner = Aggregate::try_new(
        Arc::clone(source),
        parts.into_iter().map(Expr::Column).collect(),
        partials
            .into_iter()
            .enumerate()
            .map(|(i, e)| e.alias(partial_name(i)))
            .collect(),
    )?;
    // 2. each group's concatenation, once per group of parts
    let mut exprs: Vec<Expr> = groups
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.alias(group_name(i)))
        .collect();
    exprs.extend((0..again.len()).map(|i| Expr::Column(Column::from_name(partial_name(i)))));
    let middle = Projection::try_new(exprs, Arc::new(LogicalPlan::Aggregate(inner)))?;
    // 3. the partial results aggregated again by the query's groups
    let outer = Aggregate::try_new(
        Arc::new(LogicalPlan::Projection(middle)),
        (0..aggregate.group_expr.len())
            .map(|i| Expr::Column(Column::from_name(group_name(i))))
            .collect(),
        again
            .into_iter()
            .enumerate()
            .map(|(i, func)| {
                let arg = Expr::Column(Column::from_name(partial_name(i)));
                Expr::AggregateFunction(AggregateFunction::new_udf(
                    func,
                    vec![arg],
                    false,
                    None,
                    vec![],
                    None,
                ))
                .alias(partial_name(i))
            })
            .collect(),
    )?;
    // 4. the original aggregate's names and types
    let renamed = aggregate
        .schema
        .iter()
        .zip(outer.schema.iter())
        .map(|((qualifier, field), (q, ours))| {
            let mut e = Expr::Column(Column::new(q.cloned(), ours.name()));
            if ours.data_type() != field.data_type() {
                e = cast(e, field.data_type().clone());
            }
            e.alias_qualified(qualifier.cloned(), field.name())
        })
        .collect();
    let renamed = Projection::try_new(renamed, Arc::new(LogicalPlan::Aggregate(outer)))?;
    Ok(Some(LogicalPlan::Projection(renamed)))
}

/// Whether `expr` concatenates text columns and literals (`||` or `concat`), with at least one
/// column.
fn is_concatenation(expr: &Expr, schema: &DFSchema) -> Result<bool> {
    fn part(expr: &Expr, schema: &DFSchema, columns: &mut usize) -> Result<bool> {
        Ok(match expr {
            Expr::Column(_) => {
                *columns += 1;
                is_text(&expr.get_type(schema)?)
            }
            Expr::Literal(value, _) => is_text(&value.data_type()),
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::StringConcat,
                right,
            }) => part(left, schema, columns)? && part(right, schema, columns)?,
            Expr::ScalarFunction(f) if f.name() == "concat" => {
                let mut all = true;
                for arg in &f.args {
                    all &= part(arg, schema, columns)?;
                }
                all
            }
            _ => false,
        })
    }
    let concatenates = matches!(
        expr,
        Expr::BinaryExpr(BinaryExpr {
            op: Operator::StringConcat,
            ..
        })
    ) || matches!(expr, Expr::ScalarFunction(f) if f.name() == "concat");
    let mut columns = 0;
    Ok(concatenates && part(expr, schema, &mut columns)? && columns > 0)
}

fn is_text(ty: &DataType) -> bool {
    match ty {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => true,
        DataType::Dictionary(_, value) => is_text(value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::prelude::SessionContext;

    use super::GroupByParts;

    /// Text parts with NULLs and parts that concatenate to the same text, in two files' worth
    /// of batches so that the aggregates run in partitions.
    fn batch(offset: i64) -> RecordBatch {
        let a = ["x - y", "x", "p", "q", "p", "", "l"];
        let b = ["z", "y - z", "q", "p", "q", "", "m"];
        let n = 700;
        let pick = |values: &[&'static str], i: usize, every: usize| {
            (i % every != 3).then(|| values[i % values.len()])
        };
        let a: StringArray = (0..n).map(|i| pick(&a, i, 11)).collect();
        let b: StringArray = (0..n).map(|i| pick(&b, i / 2, 13)).collect();
        let c: StringArray = (0..n)
            .map(|i| (i % 17 != 5).then(|| ["one", "two"][i % 2]))
            .collect();
        let x: Float64Array = (0..n as i64)
            .map(|i| (i % 19 != 7).then(|| ((i * 37 + offset) % 1000) as f64))
            .collect();
        let y: Int64Array = (0..n as i64)
            .map(|i| (i % 23 != 2).then_some(i + offset))
            .collect();
        RecordBatch::try_from_iter([
            ("a", Arc::new(a) as ArrayRef),
            ("b", Arc::new(b) as ArrayRef),
            ("c", Arc::new(c) as ArrayRef),
            ("x", Arc::new(x) as ArrayRef),
            ("y", Arc::new(y) as ArrayRef),
        ])
        .unwrap()
    }

    async fn context(rule: bool) -> SessionContext {
        let ctx = SessionContext::new_with_config(
            datafusion::prelude::SessionConfig::new()
                .with_target_partitions(3)
                .with_batch_size(64),
        );
        if rule {
            ctx.add_optimizer_rule(Arc::new(GroupByParts));
        }
        let table = datafusion::datasource::MemTable::try_new(
            batch(0).schema(),
            vec![vec![batch(0)], vec![batch(5)], vec![batch(11)]],
        )
        .unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        ctx
    }

    /// The rows (sorted) and whether the plan was rewritten.
    async fn run(ctx: &SessionContext, sql: &str) -> (Vec<String>, bool) {
        let frame = ctx.sql(sql).await.unwrap();
        let plan = frame.clone().into_optimized_plan().unwrap();
        let rewritten = plan
            .display_indent()
            .to_string()
            .contains("__boltic_partial");
        let batches = frame.collect().await.unwrap();
        let text = pretty_format_batches(&batches).unwrap().to_string();
        let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
        rows.sort();
        (rows, rewritten)
    }

    #[tokio::test]
    async fn groups_concatenations_by_parts_with_the_same_answers() {
        let plain = context(false).await;
        let ours = context(true).await;
        let derived = "(SELECT t.*, t.a || ' - ' || t.b AS route FROM t) AS t";
        for (sql, rewrites) in [
            (
                format!(
                    "SELECT route, SUM(x), COUNT(y), MIN(x), MAX(y), COUNT(*) FROM {derived} GROUP BY route"
                ),
                true,
            ),
            (
                format!(
                    "SELECT route AS r, SUM(x) AS s FROM {derived} GROUP BY route HAVING SUM(x) > 20000 ORDER BY s DESC, r LIMIT 3"
                ),
                true,
            ),
            (
                format!(
                    "SELECT t.route, t.c, SUM(t.y), COUNT(t.x) FROM {derived} WHERE t.c <> 'two' OR t.x > 500 GROUP BY t.route, t.c"
                ),
                true,
            ),
            (
                "SELECT concat(a, '/', b, c), SUM(y) FROM t GROUP BY 1".to_owned(),
                true,
            ),
            (
                "SELECT a || b AS ab, c, MIN(a), MAX(b) FROM t GROUP BY a || b, c".to_owned(),
                true,
            ),
            (
                format!(
                    "SELECT route, SUM(x) FILTER (WHERE y > 100) FROM {derived} GROUP BY route"
                ),
                true,
            ),
            // not taken: other aggregates, and group expressions that are not concatenations
            (
                format!("SELECT route, COUNT(DISTINCT y) FROM {derived} GROUP BY route"),
                false,
            ),
            (
                format!("SELECT route, AVG(x) FROM {derived} GROUP BY route"),
                false,
            ),
            (
                "SELECT substr(a, 1, 1), SUM(x) FROM t GROUP BY 1".to_owned(),
                false,
            ),
            (
                "SELECT a || CAST(y AS VARCHAR), SUM(x) FROM t GROUP BY 1".to_owned(),
                false,
            ),
            ("SELECT a, SUM(x) FROM t GROUP BY a".to_owned(), false),
        ] {
            let (expected, was) = run(&plain, &sql).await;
            assert!(!was, "{sql}");
            let (got, rewritten) = run(&ours, &sql).await;
            assert_eq!(rewritten, rewrites, "{sql}");
            assert_eq!(got, expected, "{sql}");
            assert!(expected.len() > 5, "{sql}: {expected:?}");
        }
    }
}
