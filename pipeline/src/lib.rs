//! Builds the Boltic warehouse.
//!
//! The pipeline turns raw Air Boltic files into a versioned warehouse of Parquet tables:
//!
//! 1. [`generate`] writes realistic raw files (CSV + a JSON catalogue) at any scale.
//! 2. [`air_boltic::extract`] streams the raw files, cleans every row (counting each fix in a
//!    [`findings::Finding`]) and writes normalized Parquet tables. The streaming machinery is
//!    generic ([`extract`]); the Air Boltic tables, cleaning rules and generator live in
//!    [`air_boltic`].
//! 3. [`project`] loads the SQL models (`models/*.sql`) and data tests (`models/schema.yml`) of a
//!    project; [`run`] executes the models with DataFusion in dependency order, then the tests.
//! 4. [`warehouse`] publishes the new version by creating the next entry of its manifest log,
//!    last and exclusively, under a run lease that keeps a second run out.
//!
//! Every location is a [`location::Location`]: a local folder or an S3 bucket, through `object_store`.

pub mod air_boltic;
pub mod checks;
pub mod delta;
pub mod error;
pub mod extract;
pub mod findings;
pub mod incremental;
pub mod location;
pub mod maintenance;
pub mod progress;
pub mod project;
pub mod run;
pub mod snapshot;
mod summary;
#[cfg(feature = "testing")]
pub mod testing;
pub mod warehouse;

// The Air Boltic modules keep their former crate-level paths (`boltic_pipeline::generate`, ...).
pub use air_boltic::{catalogue, generate};
pub use error::{PipelineError, Result};
pub use location::Location;
pub use progress::Progress;
pub use project::Project;
pub use run::{Outcome, RunOptions, RunReport};
pub use warehouse::{Manifest, Warehouse};

/// Fault injection for crash tests: when `BOLTIC_FAILPOINT` names this point, the process
/// aborts on the spot, as if killed. Points, in the order a run reaches them:
/// `after_table:<table>` (each normalized table, then each model's table), `after_extract`,
/// `after_models`, `after_tests`, `after_commit:<table>` (each table's Delta commit),
/// `after_compact:<table>` (each table a policy compacts),
/// `before_publish`, `after_publish`, `during_clean_up`.
pub const FAILPOINTS: &[&str] = &[
    "after_extract",
    "after_models",
    "after_tests",
    "before_publish",
    "after_publish",
    "during_clean_up",
];

/// See [`FAILPOINTS`].
pub fn failpoint(name: &str) {
    if std::env::var("BOLTIC_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("boltic: failpoint '{name}' reached, aborting");
        std::process::abort();
    }
}
