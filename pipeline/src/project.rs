//! A Boltic project on disk: SQL models and their data tests.
//!
//! ```text
//! <project>/models/*.sql      one model per file; the file name is the table name
//! <project>/models/schema.yml data tests on model columns, custom SQL tests, snapshots
//! ```
//! A model is a single `SELECT` that reads the normalized tables (`customers`, `orders`, ...) and
//! other models by name, like dbt without the Jinja. Models run in dependency order, found by
//! parsing each model's SQL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use datafusion::sql::sqlparser::ast::visit_relations;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};

/// One SQL model.
#[derive(Debug, Clone)]
pub struct SqlModel {
    /// Table name (file stem).
    pub name: String,
    /// The file it came from, for messages.
    pub file: PathBuf,
    /// The `SELECT`.
    pub sql: String,
    /// Tables it reads (models or normalized tables).
    pub reads: BTreeSet<String>,
    /// How its table is kept from run to run.
    pub materialized: Materialized,
}

/// How a model's table is kept from run to run (dbt's materializations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "materialized", rename_all = "snake_case")]
pub enum Materialized {
    /// Rebuilt from its SQL on every run.
    #[default]
    Table,
    /// On an incremental run, only the rows its SQL returns (it can ask `is_incremental()` and
    /// read `changed.<table>`, the rows the run's loads inserted or updated) are upserted by
    /// `unique_key`; a full run rebuilds it.
    Incremental {
        /// The columns that identify a row.
        unique_key: Vec<String>,
    },
}

/// Severity of a data test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks publishing.
    #[default]
    Error,
    /// Reported only.
    Warn,
}

/// Settings of a column test written as a map (`- relationships: {to: ..., field: ...}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestArgs {
    /// `relationships`: the parent table.
    pub to: Option<String>,
    /// `relationships`: the parent column.
    pub field: Option<String>,
    /// `accepted_values`: the allowed values.
    pub values: Option<Vec<String>>,
    /// `error` (default) or `warn`.
    #[serde(default)]
    pub severity: Severity,
}

/// A column test: `unique` or `{relationships: {...}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ColumnTestSpec {
    /// Just a name.
    Name(String),
    /// A name with settings.
    WithArgs(BTreeMap<String, TestArgs>),
}

/// Tests of one column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// Description for documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// Its tests.
    #[serde(default)]
    pub tests: Vec<ColumnTestSpec>,
}

/// Settings and tests of one model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The model (or normalized table) name.
    pub name: String,
    /// Description for documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// `table` (the default) or `incremental` (needs `unique_key`).
    #[serde(default)]
    pub materialized: Option<String>,
    /// The columns that identify a row of an incremental model.
    #[serde(default)]
    pub unique_key: Option<Vec<String>>,
    /// Column tests.
    #[serde(default)]
    pub columns: Vec<ColumnSpec>,
}

/// A custom SQL test: it fails when its query returns rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomTest {
    /// Test name.
    pub name: String,
    /// What it checks.
    #[serde(default)]
    pub description: Option<String>,
    /// `error` (default) or `warn`.
    #[serde(default)]
    pub severity: Severity,
    /// A query returning the offending rows.
    pub sql: String,
}

/// A snapshot: the history of a normalized table's rows, one row per version of each key with
/// the dates it was valid (dbt's snapshots, with the load date as the time of a change).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The history table's name (`dim_customers_history`).
    pub name: String,
    /// Description for documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// The normalized table whose rows it follows (`customers`).
    pub source: String,
    /// The columns that identify a row of the source (`[customer_id]`).
    pub unique_key: Vec<String>,
}

/// The parsed `schema.yml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// Model and column tests.
    #[serde(default)]
    pub models: Vec<ModelSpec>,
    /// Custom SQL tests.
    #[serde(default)]
    pub tests: Vec<CustomTest>,
    /// Snapshots of normalized tables.
    #[serde(default)]
    pub snapshots: Vec<Snapshot>,
}

/// What kind of data test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestKind {
    /// No two rows share a non-null value.
    Unique,
    /// No nulls.
    NotNull,
    /// Every non-null value is in the list.
    AcceptedValues {
        /// Allowed values.
        values: Vec<String>,
    },
    /// Every non-null value exists in `to.field`.
    Relationships {
        /// Parent table.
        to: String,
        /// Parent column.
        field: String,
    },
    /// A query returning offending rows.
    Custom {
        /// The query.
        sql: String,
    },
}

/// One data test, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct DataTest {
    /// Stable name, e.g. `unique_dim_customers_customer_id`.
    pub name: String,
    /// Table tested (`None` for custom tests).
    pub table: Option<String>,
    /// Column tested.
    pub column: Option<String>,
    /// What it checks.
    #[serde(flatten)]
    pub kind: TestKind,
    /// Error or warn.
    pub severity: Severity,
}

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Folder it was loaded from.
    pub root: PathBuf,
    /// Models in dependency order.
    pub models: Vec<SqlModel>,
    /// Data tests.
    pub tests: Vec<DataTest>,
    /// Snapshots, built after the normalized tables and before the models.
    pub snapshots: Vec<Snapshot>,
}

/// The normalized tables the extract step writes, which models read as sources.
pub const SOURCES: &[&str] = &[
    "aeroplane_models",
    "customer_groups",
    "aeroplanes",
    "customers",
    "trips",
    "orders",
];

impl Project {
    /// Load `<root>/models/*.sql` and `<root>/models/schema.yml`.
    pub fn load(root: &Path) -> Result<Project> {
        let dir = root.join("models");
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            PipelineError::Project(format!("cannot read the models folder '{}': {e}; pass --project <folder containing models/>", dir.display()))
        })?;
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        let mut models = Vec::new();
        let mut schema = SchemaFile::default();
        for file in files {
            match file.extension().and_then(|e| e.to_str()) {
                Some("sql") => {
                    let name = file
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or_default()
                        .to_string();
                    let sql = std::fs::read_to_string(&file)?;
                    models.push(Self::parse_model(name, file, sql)?);
                }
                Some("yml" | "yaml") => {
                    let text = std::fs::read_to_string(&file)?;
                    let part: SchemaFile = serde_yaml::from_str(&text).map_err(|e| {
                        let at = e
                            .location()
                            .map(|l| format!(" line {} column {}", l.line(), l.column()))
                            .unwrap_or_default();
                        PipelineError::Project(format!("'{}'{at}: {e}", file.display()))
                    })?;
                    schema.models.extend(part.models);
                    schema.tests.extend(part.tests);
                    schema.snapshots.extend(part.snapshots);
                }
                _ => {}
            }
        }
        Self::from_parts(root.to_path_buf(), models, schema)
    }

    /// Build a project from parsed parts (checks names, references, cycles and tests).
    pub fn from_parts(root: PathBuf, models: Vec<SqlModel>, schema: SchemaFile) -> Result<Project> {
        if models.is_empty() {
            return Err(PipelineError::Project(format!(
                "no models found in '{}/models'; add one .sql file per table",
                root.display()
            )));
        }
        let mut models = order_models(models)?;
        for spec in &schema.models {
            let materialized = match (spec.materialized.as_deref(), &spec.unique_key) {
                (None | Some("table"), None) => continue,
                (Some("incremental"), Some(key)) if !key.is_empty() => Materialized::Incremental {
                    unique_key: key.clone(),
                },
                (Some("incremental"), _) => {
                    return Err(PipelineError::Project(format!(
                        "model '{}' is incremental but has no unique_key; name the columns that identify its rows (unique_key: [id])",
                        spec.name
                    )));
                }
                (None | Some("table"), Some(_)) => {
                    return Err(PipelineError::Project(format!(
                        "model '{}' has a unique_key but is not incremental; add 'materialized: incremental' or remove the key",
                        spec.name
                    )));
                }
                (Some(other), _) => {
                    return Err(PipelineError::Project(format!(
                        "model '{}': materialized '{other}' is not known; use 'table' or 'incremental'",
                        spec.name
                    )));
                }
            };
            match models.iter_mut().find(|m| m.name == spec.name) {
                Some(model) => model.materialized = materialized,
                None => {
                    return Err(PipelineError::Project(format!(
                        "schema.yml makes '{}' incremental, but it is not a model (a models/{}.sql file)",
                        spec.name, spec.name
                    )));
                }
            }
        }
        for snapshot in &schema.snapshots {
            let name = snapshot.name.as_str();
            let taken = SOURCES.contains(&name) || models.iter().any(|m| m.name == name);
            if taken || schema.snapshots.iter().filter(|s| s.name == name).count() > 1 {
                return Err(PipelineError::Project(format!(
                    "snapshot '{name}' has the name of another table; rename it"
                )));
            }
            if !SOURCES.contains(&snapshot.source.as_str()) {
                return Err(PipelineError::Project(format!(
                    "snapshot '{name}' follows '{}', which is not a normalized table ({})",
                    snapshot.source,
                    SOURCES.join(", ")
                )));
            }
            if snapshot.unique_key.is_empty() {
                return Err(PipelineError::Project(format!(
                    "snapshot '{name}' has no unique_key; name the columns that identify a row of '{}'",
                    snapshot.source
                )));
            }
        }
        let known: BTreeSet<&str> = models
            .iter()
            .map(|m| m.name.as_str())
            .chain(SOURCES.iter().copied())
            .chain(schema.snapshots.iter().map(|s| s.name.as_str()))
            .collect();
        let mut tests = Vec::new();
        for model in &schema.models {
            if !known.contains(model.name.as_str()) {
                return Err(PipelineError::Project(format!(
                    "schema.yml tests unknown model '{}'; known tables: {}",
                    model.name,
                    join(&known)
                )));
            }
            for column in &model.columns {
                for spec in &column.tests {
                    tests.push(resolve_test(&model.name, &column.name, spec, &known)?);
                }
            }
        }
        for custom in schema.tests {
            tests.push(DataTest {
                name: custom.name,
                table: None,
                column: None,
                kind: TestKind::Custom { sql: custom.sql },
                severity: custom.severity,
            });
        }
        Ok(Project {
            root,
            models,
            tests,
            snapshots: schema.snapshots,
        })
    }

    /// Parse one model's SQL to find what it reads.
    pub fn parse_model(name: String, file: PathBuf, sql: String) -> Result<SqlModel> {
        let statements = Parser::parse_sql(&GenericDialect {}, &sql).map_err(|e| {
            PipelineError::Project(format!("model '{}' ({}): {e}", name, file.display()))
        })?;
        if statements.len() != 1 {
            return Err(PipelineError::Project(format!(
                "model '{name}' ({}) must be exactly one SELECT statement, found {}",
                file.display(),
                statements.len()
            )));
        }
        let mut reads = BTreeSet::new();
        let mut ctes = BTreeSet::new();
        if let datafusion::sql::sqlparser::ast::Statement::Query(query) = &statements[0] {
            if let Some(with) = &query.with {
                ctes.extend(
                    with.cte_tables
                        .iter()
                        .map(|c| c.alias.name.value.to_lowercase()),
                );
            }
        } else {
            return Err(PipelineError::Project(format!(
                "model '{name}' ({}) must be a SELECT query",
                file.display()
            )));
        }
        let _ = visit_relations(&statements, |relation| {
            if let Some(last) = relation.0.last().and_then(|p| p.as_ident()) {
                let table = last.value.to_lowercase();
                if !ctes.contains(&table) {
                    reads.insert(table);
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        Ok(SqlModel {
            name,
            file,
            sql,
            reads,
            materialized: Materialized::Table,
        })
    }
}

fn join(names: &BTreeSet<&str>) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn resolve_test(
    table: &str,
    column: &str,
    spec: &ColumnTestSpec,
    known: &BTreeSet<&str>,
) -> Result<DataTest> {
    let (kind_name, args) = match spec {
        ColumnTestSpec::Name(name) => (name.as_str(), TestArgs::default()),
        ColumnTestSpec::WithArgs(map) if map.len() == 1 => {
            let (name, args) = map.iter().next().expect("one entry");
            (name.as_str(), args.clone())
        }
        ColumnTestSpec::WithArgs(_) => {
            return Err(PipelineError::Project(format!(
                "test on '{table}.{column}' must name exactly one test per list item"
            )));
        }
    };
    let bad = |what: &str| {
        PipelineError::Project(format!("test '{kind_name}' on '{table}.{column}': {what}"))
    };
    let kind = match kind_name {
        "unique" => TestKind::Unique,
        "not_null" => TestKind::NotNull,
        "accepted_values" => TestKind::AcceptedValues {
            values: args
                .values
                .clone()
                .ok_or_else(|| bad("needs 'values: [...]'"))?,
        },
        "relationships" => {
            let to = args.to.clone().ok_or_else(|| bad("needs 'to: <table>'"))?;
            if !known.contains(to.as_str()) {
                return Err(bad(&format!(
                    "'to' names unknown table '{to}'; known tables: {}",
                    join(known)
                )));
            }
            TestKind::Relationships {
                to,
                field: args
                    .field
                    .clone()
                    .ok_or_else(|| bad("needs 'field: <column>'"))?,
            }
        }
        other => {
            return Err(PipelineError::Project(format!(
                "unknown test '{other}' on '{table}.{column}'; use unique, not_null, accepted_values or relationships"
            )));
        }
    };
    Ok(DataTest {
        name: format!("{kind_name}_{table}_{column}"),
        table: Some(table.to_string()),
        column: Some(column.to_string()),
        kind,
        severity: args.severity,
    })
}

/// Topological order; unknown references and cycles are errors.
fn order_models(models: Vec<SqlModel>) -> Result<Vec<SqlModel>> {
    let mut by_name: BTreeMap<String, SqlModel> = BTreeMap::new();
    for model in models {
        if SOURCES.contains(&model.name.as_str()) {
            return Err(PipelineError::Project(format!(
                "model '{}' has the name of a normalized table; rename '{}'",
                model.name,
                model.file.display()
            )));
        }
        by_name.insert(model.name.clone(), model);
    }
    for model in by_name.values() {
        for read in &model.reads {
            if !by_name.contains_key(read) && !SOURCES.contains(&read.as_str()) {
                return Err(PipelineError::Project(format!(
                    "model '{}' reads '{read}', which is neither a model nor a normalized table ({})",
                    model.name,
                    SOURCES.join(", ")
                )));
            }
        }
    }
    let mut ordered = Vec::new();
    let mut done = BTreeSet::new();
    while done.len() < by_name.len() {
        let ready: Vec<String> = by_name
            .values()
            .filter(|m| !done.contains(&m.name))
            .filter(|m| {
                m.reads
                    .iter()
                    .all(|r| done.contains(r) || SOURCES.contains(&r.as_str()))
            })
            .map(|m| m.name.clone())
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = by_name
                .keys()
                .filter(|n| !done.contains(*n))
                .map(String::as_str)
                .collect();
            return Err(PipelineError::Project(format!(
                "models depend on each other in a cycle: {}",
                stuck.join(", ")
            )));
        }
        for name in ready {
            done.insert(name.clone());
            ordered.push(by_name[&name].clone());
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, sql: &str) -> SqlModel {
        Project::parse_model(
            name.into(),
            PathBuf::from(format!("{name}.sql")),
            sql.into(),
        )
        .unwrap()
    }

    #[test]
    fn models_run_after_what_they_read() {
        let project = Project::from_parts(
            PathBuf::from("p"),
            vec![
                model(
                    "b",
                    "with x as (select * from a) select * from x join orders o on true",
                ),
                model("a", "select * from customers"),
            ],
            SchemaFile::default(),
        )
        .unwrap();
        let names: Vec<&str> = project.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            project.models[1]
                .reads
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["a", "orders"]
        );
    }

    #[test]
    fn cycles_and_unknown_tables_are_refused() {
        let err = Project::from_parts(
            PathBuf::new(),
            vec![model("a", "select * from b"), model("b", "select * from a")],
            SchemaFile::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "project: models depend on each other in a cycle: a, b"
        );
        let err = Project::from_parts(
            PathBuf::new(),
            vec![model("a", "select * from nope")],
            SchemaFile::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(
                "model 'a' reads 'nope', which is neither a model nor a normalized table"
            ),
            "{err}"
        );
    }
}
