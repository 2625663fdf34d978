//! Shared helpers: the demo project and warehouses built from it by the pipeline.

use std::path::{Path, PathBuf};

use boltic_pipeline::{Location, Progress, Project, RunOptions};

/// The demo project folder.
pub fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic")
}

/// A local location.
pub fn local(path: &Path) -> Location {
    Location::parse(path.to_str().expect("utf-8 path")).expect("location")
}

/// Build and publish a warehouse from `raw` with the demo project (forced).
pub async fn build(raw: &Location, warehouse: &Location) {
    let project = Project::load(&project()).expect("demo project");
    let options = RunOptions {
        force: true,
        ..RunOptions::default()
    };
    boltic_pipeline::run::run(raw, warehouse, &project, &options, &Progress::hidden())
        .await
        .expect("pipeline run");
}

/// A warehouse from the seed files in `dir/wh`.
pub async fn seed_warehouse(dir: &Path) -> Location {
    let wh = local(&dir.join("wh"));
    build(&local(&project().join("raw")), &wh).await;
    wh
}
