//! Shared helpers: paths, running the pipeline, reading tables back with DataFusion, and a real
//! S3-compatible server (moto) on 127.0.0.1.

use std::path::{Path, PathBuf};

use boltic_pipeline::{Location, Manifest, Progress, Project, RunOptions, RunReport, Warehouse};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn demo_project() -> PathBuf {
    repo_root().join("demo/air_boltic")
}

pub fn seed_raw() -> PathBuf {
    demo_project().join("raw")
}

pub fn local(path: &Path) -> Location {
    Location::parse(path.to_str().expect("utf-8 path")).expect("local location")
}

pub async fn run(
    raw: &Location,
    warehouse: &Location,
    project: &Project,
    options: &RunOptions,
) -> boltic_pipeline::Result<RunReport> {
    boltic_pipeline::run::run(raw, warehouse, project, options, &Progress::hidden()).await
}

pub fn forced() -> RunOptions {
    RunOptions {
        force: true,
        ..RunOptions::default()
    }
}

pub async fn manifest(warehouse: &Location) -> Manifest {
    Warehouse::new(warehouse.clone())
        .current()
        .await
        .expect("readable manifest")
        .expect("a published version")
}

/// Run `sql` against the published warehouse and return rows as strings (`NULL` for nulls).
pub async fn query(warehouse: &Location, sql: &str) -> Vec<Vec<String>> {
    let ctx = SessionContext::new();
    let wh = Warehouse::new(warehouse.clone());
    let manifest = wh.current().await.expect("manifest").expect("published");
    wh.register(&ctx, &manifest).await.expect("register tables");
    query_in(&ctx, sql).await
}

/// Run `sql` in a session whose tables are already registered; rows as text.
pub async fn query_in(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    let batches = ctx
        .sql(sql)
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).expect("formatter"))
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    rows
}

pub fn one(rows: Vec<Vec<String>>) -> String {
    assert_eq!(rows.len(), 1, "expected one row, got {rows:?}");
    rows[0].join("|")
}

pub use boltic_pipeline::testing::Moto;
