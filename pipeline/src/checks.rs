//! Runs data tests against freshly built tables with DataFusion.

use std::collections::BTreeSet;

use datafusion::arrow::array::{Array, Int64Array};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Ident;
use serde::Serialize;

use crate::error::{PipelineError, Result};
use crate::project::{DataTest, Severity, TestKind};

/// Outcome of one data test.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// The test.
    #[serde(flatten)]
    pub test: DataTest,
    /// `pass`, `fail` (error severity) or `warn`.
    pub status: TestStatus,
    /// Rows that break the rule.
    pub failing_rows: u64,
    /// Rows looked at: the table's row count, or the rows the run changed (none for custom
    /// tests).
    pub checked_rows: Option<u64>,
    /// Which rows it looked at.
    pub scope: TestScope,
    /// The query that counted the failures.
    pub sql: String,
}

/// Which rows of its table a test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestScope {
    /// Every row (and every custom test).
    Table,
    /// The rows an incremental run inserted or updated (registered as `changed.<table>`); the
    /// rows it left alone passed when they were written. A `unique` test still compares the
    /// changed keys with the whole table.
    Changed,
}

/// Schema of the relations holding the rows a run changed, `changed.<table>`.
pub const CHANGED: &str = "changed";

/// Status of a test after it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// No failing rows.
    Pass,
    /// Failing rows, severity warn.
    Warn,
    /// Failing rows, severity error: blocks publishing.
    Fail,
}

fn ident(name: &str) -> String {
    Ident::with_quote('"', name).to_string()
}

/// Quoted as the semantic layer quotes values (sqlparser's printer would leave a `\'` in
/// the value as it is, ending the literal early).
fn literal(value: &str) -> String {
    boltic_types::sql_string_literal(value)
}

/// The relation holding the rows of `table` that `scope` looks at.
fn rows_of(table: &str, scope: TestScope) -> String {
    match scope {
        TestScope::Table => ident(table),
        TestScope::Changed => format!("{}.{}", ident(CHANGED), ident(table)),
    }
}

/// The query counting rows that break `test`, among the rows of `scope`.
pub fn failing_rows_sql(test: &DataTest, scope: TestScope) -> String {
    let whole = test.table.as_deref().map(ident).unwrap_or_default();
    let column = test.column.as_deref().map(ident).unwrap_or_default();
    let table = test
        .table
        .as_deref()
        .map(|t| rows_of(t, scope))
        .unwrap_or_default();
    match &test.kind {
        TestKind::Unique if scope == TestScope::Changed => format!(
            "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {whole} WHERE {column} IS NOT NULL AND {column} IN (SELECT {column} FROM {table}) GROUP BY {column} HAVING count(*) > 1)"
        ),
        TestKind::Unique => format!(
            "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} HAVING count(*) > 1)"
        ),
        TestKind::NotNull => format!("SELECT count(*) FROM {table} WHERE {column} IS NULL"),
        TestKind::AcceptedValues { values } => {
            let list: Vec<String> = values.iter().map(|v| literal(v)).collect();
            format!(
                "SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND CAST({column} AS VARCHAR) NOT IN ({})",
                list.join(", ")
            )
        }
        TestKind::Relationships { to, field } => format!(
            "SELECT count(*) FROM {table} AS child WHERE child.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {} AS parent WHERE parent.{} = child.{column})",
            ident(to),
            ident(field)
        ),
        TestKind::Custom { sql } => format!(
            "SELECT count(*) FROM ({})",
            sql.trim().trim_end_matches(';')
        ),
    }
}

async fn count(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<u64> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let value = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            let column = b.column(0);
            let cast = datafusion::arrow::compute::cast(
                column,
                &datafusion::arrow::datatypes::DataType::Int64,
            )
            .ok()?;
            let ints = cast.as_any().downcast_ref::<Int64Array>()?;
            (!ints.is_null(0)).then(|| ints.value(0))
        })
        .unwrap_or(0);
    Ok(value.max(0) as u64)
}

/// Run every test; a test whose SQL fails to run is a project error naming the test. The column
/// tests of the tables in `changed` look at the rows the run changed only (see
/// [`TestScope::Changed`]); every other test at whole tables.
pub async fn run_tests(
    ctx: &SessionContext,
    tests: &[DataTest],
    changed: &BTreeSet<String>,
) -> Result<Vec<TestResult>> {
    let mut results = Vec::with_capacity(tests.len());
    for test in tests {
        let scope = match (&test.kind, &test.table) {
            (TestKind::Custom { .. }, _) | (_, None) => TestScope::Table,
            (_, Some(table)) if changed.contains(table) => TestScope::Changed,
            _ => TestScope::Table,
        };
        let sql = failing_rows_sql(test, scope);
        let failing = count(ctx, &sql).await.map_err(|e| {
            PipelineError::Project(format!("data test '{}' cannot run: {e}", test.name))
        })?;
        let checked = match (&test.kind, &test.table) {
            (TestKind::Custom { .. }, _) | (_, None) => None,
            (_, Some(table)) => {
                let rows = rows_of(table, scope);
                Some(count(ctx, &format!("SELECT count(*) FROM {rows}")).await?)
            }
        };
        let status = match (failing, test.severity) {
            (0, _) => TestStatus::Pass,
            (_, Severity::Warn) => TestStatus::Warn,
            (_, Severity::Error) => TestStatus::Fail,
        };
        results.push(TestResult {
            test: test.clone(),
            status,
            failing_rows: failing,
            checked_rows: checked,
            scope,
            sql,
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names_are_quoted() {
        let test = DataTest {
            name: "t".into(),
            table: Some("dim_customers".into()),
            column: Some("type".into()),
            kind: TestKind::AcceptedValues {
                values: vec!["Mari's".into(), "B".into(), "it\\'s".into()],
            },
            severity: Severity::Error,
        };
        assert_eq!(
            failing_rows_sql(&test, TestScope::Table),
            r#"SELECT count(*) FROM "dim_customers" WHERE "type" IS NOT NULL AND CAST("type" AS VARCHAR) NOT IN ('Mari''s', 'B', 'it\''s')"#
        );
        // and it reads back as the values it was given
        let dialect = datafusion::sql::sqlparser::dialect::GenericDialect {};
        let parsed = datafusion::sql::sqlparser::parser::Parser::parse_sql(
            &dialect,
            &failing_rows_sql(&test, TestScope::Table),
        );
        assert!(parsed.is_ok(), "{parsed:?}");
        assert!(format!("{parsed:?}").contains(r#"SingleQuotedString("it\\'s")"#));
    }
}
