//! The warehouse layout and its atomic publish.
//!
//! ```text
//! <warehouse>/_boltic/manifest.json           the current version: written last, in one PUT
//! <warehouse>/versions/<version>/normalized/  cleaned raw tables
//! <warehouse>/versions/<version>/tables/      the star schema built by the SQL models
//! <warehouse>/versions/<version>/report.json  what the run did
//! ```
//! A run writes everything of a new version under its own folder, then replaces the manifest.
//! A PUT of one object is atomic on S3 and on the local file system (object_store writes a
//! temporary file and renames it), so readers see either the old or the new manifest, and every
//! file a manifest names is complete before the manifest exists. A killed run leaves only an
//! unreferenced folder, removed by a later run's clean-up.

use std::collections::BTreeMap;

use datafusion::prelude::{ParquetReadOptions, SessionContext};
use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};
use crate::location::Location;

/// Where the manifest lives inside a warehouse location.
pub const MANIFEST: &str = "_boltic/manifest.json";
/// Folder holding one sub-folder per version.
pub const VERSIONS: &str = "versions";

/// Which layer a table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Cleaned raw data.
    Normalized,
    /// Built by a SQL model (the star schema).
    Model,
}

/// One table of a published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Folder of its Parquet files, relative to the warehouse location, ending in `/`.
    pub path: String,
    /// Row count.
    pub rows: u64,
    /// Layer.
    pub layer: Layer,
}

/// The published state of a warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of this file.
    pub format: u32,
    /// The version id (sortable: UTC time of the run plus a random suffix).
    pub version: String,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Fingerprint of the inputs (raw files and project) that built it.
    pub fingerprint: String,
    /// Tables by name.
    pub tables: BTreeMap<String, TableEntry>,
    /// Path of the run report, relative to the warehouse.
    pub report: String,
    /// Published versions, newest first (this one included).
    pub history: Vec<String>,
}

/// A warehouse at a location.
#[derive(Debug, Clone)]
pub struct Warehouse {
    location: Location,
}

impl Warehouse {
    /// The warehouse at `location`.
    pub fn new(location: Location) -> Self {
        Warehouse { location }
    }

    /// Its location.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The published manifest, or `None` for an empty warehouse.
    pub async fn current(&self) -> Result<Option<Manifest>> {
        let Some(bytes) = self.location.read_optional(MANIFEST).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| PipelineError::CorruptManifest {
                path: self.location.display_of(MANIFEST),
                message: e.to_string(),
            })
    }

    /// A fresh, sortable version id.
    pub fn new_version_id() -> String {
        let now = chrono::Utc::now();
        format!(
            "{}-{:04x}",
            now.format("%Y%m%dT%H%M%S%3fZ"),
            rand::random::<u16>()
        )
    }

    /// Folder of a version, relative to the warehouse.
    pub fn version_prefix(version: &str) -> String {
        format!("{VERSIONS}/{version}")
    }

    /// Make `manifest` current: the single step that switches readers to the new version.
    pub async fn publish(&self, manifest: &Manifest) -> Result<()> {
        crate::failpoint("before_publish");
        let bytes = serde_json::to_vec_pretty(manifest)
            .map_err(|e| PipelineError::Internal(e.to_string()))?;
        self.location.write(MANIFEST, bytes).await
    }

    /// Remove versions that are neither among the `keep` newest published ones nor newer than
    /// the current one (a newer folder may belong to a run still in progress). Returns what was removed.
    pub async fn clean_up(&self, current: &Manifest, keep: usize) -> Result<Vec<String>> {
        let kept: Vec<&String> = current.history.iter().take(keep.max(1)).collect();
        let mut removed = Vec::new();
        let mut folders = self.location.list_folders(VERSIONS).await?;
        folders.sort();
        for folder in folders {
            if kept.contains(&&folder) || folder.as_str() >= current.version.as_str() {
                continue;
            }
            self.location
                .delete_prefix(&Self::version_prefix(&folder))
                .await?;
            removed.push(folder);
        }
        Ok(removed)
    }

    /// Register every table of `manifest` in a DataFusion session under its own name.
    pub async fn register(&self, ctx: &SessionContext, manifest: &Manifest) -> Result<()> {
        self.location.register(ctx);
        for (name, table) in &manifest.tables {
            ctx.deregister_table(name.as_str())?;
            ctx.register_parquet(
                name.as_str(),
                self.location.url(&table.path),
                ParquetReadOptions::default(),
            )
            .await?;
        }
        Ok(())
    }
}
