//! `boltic validate`: the project's semantic model, SQL models and (with a warehouse) every field
//! planned against the published schema, reported compiler-style. Meant for CI before deploy.

use std::collections::BTreeSet;
use std::path::Path;

use boltic_pipeline::{Location, Project};
use boltic_semantic::{
    Code, CompileOptions, Diagnostic, FieldKind, Model, Query, Severity, SourceFile, ViewSource,
};
use datafusion::arrow::datatypes::DataType;

pub use crate::diagnostics::render;
use crate::engine::Engine;
use crate::project_files::semantic_sources;

/// Every problem found in the project, model errors first.
pub async fn validate(
    project: &Path,
    warehouse: Option<&Location>,
) -> anyhow::Result<Vec<Diagnostic>> {
    let sources = semantic_sources(project)?;
    let (model, mut diagnostics) = boltic_semantic::load(&sources);
    if let Err(e) = Project::load(project) {
        diagnostics.push(Diagnostic {
            file: project.join("models").display().to_string(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            code: Code::SqlModel,
            message: e.to_string().trim_start_matches("project: ").to_string(),
            hint: None,
        });
    }
    if let (Some(model), Some(warehouse)) = (model.as_ref(), warehouse) {
        let engine = Engine::open(warehouse, 256 << 20).await?;
        diagnostics.extend(check_against_warehouse(model, &sources, &engine).await);
    }
    Ok(diagnostics)
}

/// Where `name:` of `field` (or of the view itself) is declared, for pointing at it.
fn locate(sources: &[SourceFile], view: &str, field: Option<&str>) -> (String, usize, usize) {
    let named = |line: &str, name: &str| {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        t.strip_prefix("name:")
            .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == name)
    };
    for source in sources {
        let lines: Vec<&str> = source.text.lines().collect();
        // The view's `- name:` line inside the top-level `views:` list.
        let mut top_level = "";
        let view_line = lines.iter().position(|l| {
            if !l.starts_with([' ', '-', '#']) && !l.trim().is_empty() {
                top_level = l.split(':').next().unwrap_or_default();
            }
            top_level == "views" && named(l, view) && l.trim_start().starts_with('-')
        });
        let Some(view_line) = view_line else {
            continue;
        };
        let indent = |l: &str| l.len() - l.trim_start().len();
        let found = match field {
            None => Some(view_line),
            Some(field) => lines
                .iter()
                .enumerate()
                .skip(view_line + 1)
                .take_while(|(_, l)| l.trim().is_empty() || indent(l) > indent(lines[view_line]))
                .find(|(_, l)| named(l, field))
                .map(|(i, _)| i),
        };
        if let Some(i) = found {
            let column = lines[i].find("name:").unwrap_or(0) + 1;
            return (source.name.clone(), i + 1, column);
        }
    }
    (
        sources.first().map(|s| s.name.clone()).unwrap_or_default(),
        1,
        1,
    )
}

fn fits(expected: &str, actual: &DataType) -> bool {
    let numeric = actual.is_numeric()
        || matches!(actual, DataType::Decimal128(..) | DataType::Decimal256(..));
    let text = matches!(
        actual,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..)
    );
    match expected {
        "string" => text,
        "number" | "count" | "count_distinct" | "sum" | "average" | "median" | "percentile" => {
            numeric
        }
        "boolean" => matches!(actual, DataType::Boolean),
        "time" | "date" => matches!(
            actual,
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
        ),
        _ => true,
    }
}

/// Plan every field of every explore on the warehouse: missing tables and columns, and values of
/// the wrong type, become diagnostics at the field's declaration.
async fn check_against_warehouse(
    model: &Model,
    sources: &[SourceFile],
    engine: &Engine,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let tables: Vec<&str> = engine
        .manifest()
        .tables
        .keys()
        .map(String::as_str)
        .collect();
    let mut missing_tables = BTreeSet::new();
    for view in model.views.values() {
        if let ViewSource::Table(table) = &view.source
            && !engine.manifest().tables.contains_key(table)
        {
            let (file, line, column) = locate(sources, &view.name, None);
            diagnostics.push(Diagnostic {
                file,
                line,
                column,
                severity: Severity::Error,
                code: Code::UnknownTable,
                message: format!(
                    "view '{}' reads table '{table}', which the published warehouse does not have",
                    view.name
                ),
                hint: Some(format!("warehouse tables: {}", tables.join(", "))),
            });
            missing_tables.insert(view.name.clone());
        }
    }
    let now = chrono::Utc::now().naive_utc();
    let mut checked = BTreeSet::new();
    for explore in model.explores.values() {
        for alias in explore.aliases() {
            let Some(view) = explore.view_of(alias).and_then(|v| model.views.get(v)) else {
                continue;
            };
            if missing_tables.contains(&view.name) {
                continue;
            }
            for field in view.fields.values() {
                if !explore.allows(alias, &field.name)
                    || !checked.insert((view.name.clone(), field.name.clone()))
                {
                    continue;
                }
                let query = Query {
                    explore: explore.name.clone(),
                    fields: vec![format!("{alias}.{}", field.name)],
                    limit: Some(0),
                    ..Query::default()
                };
                let Ok(compiled) =
                    boltic_semantic::compile(model, &query, &CompileOptions::new(now))
                else {
                    checked.remove(&(view.name.clone(), field.name.clone()));
                    continue;
                };
                let declared = match &field.kind {
                    FieldKind::Dimension(d) => d.group.as_deref().unwrap_or(&field.name),
                    FieldKind::Measure(_) => &field.name,
                };
                let (file, line, column) = locate(sources, &view.name, Some(declared));
                let problem = match engine
                    .context()
                    .state()
                    .create_logical_plan(&compiled.sql)
                    .await
                {
                    Err(e) => Some((
                        Code::WarehouseMismatch,
                        format!(
                            "field '{}.{}' does not run on the warehouse: {}",
                            view.name,
                            field.name,
                            first_line(&e.to_string())
                        ),
                        "check the column names and types in its sql against the warehouse table"
                            .to_string(),
                    )),
                    Ok(plan) => {
                        let actual = plan.schema().field(0).data_type().clone();
                        let expected = field.type_name();
                        let is_measure = matches!(field.kind, FieldKind::Measure(_));
                        (!fits(expected, &actual)).then(|| {
                            (
                                Code::TypeMismatch,
                                format!(
                                    "{} '{}.{}' is declared '{expected}' but the warehouse gives {actual}",
                                    if is_measure { "measure" } else { "dimension" },
                                    view.name,
                                    field.name
                                ),
                                "change its type or cast in its sql".to_string(),
                            )
                        })
                    }
                };
                if let Some((code, message, hint)) = problem
                    && !diagnostics
                        .iter()
                        .any(|d: &Diagnostic| d.file == file && d.line == line && d.code == code)
                {
                    diagnostics.push(Diagnostic {
                        file,
                        line,
                        column,
                        severity: Severity::Error,
                        code,
                        message,
                        hint: Some(hint),
                    });
                }
            }
        }
    }
    diagnostics
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}
