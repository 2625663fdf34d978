//! The pipeline's one error type.

use std::fmt;

/// Where in an input a problem was found: a file (by its location) and, when known, a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPosition {
    /// The file, as the user named it (e.g. `data/raw/trip.csv`, `s3://raw/trip.csv`).
    pub file: String,
    /// 1-based line number, when the problem is on a line.
    pub line: Option<u64>,
    /// 1-based column, when known (JSON syntax errors).
    pub column: Option<u64>,
}

impl fmt::Display for InputPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = self.column {
            write!(f, " column {column}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while generating raw data or building the warehouse.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A location string could not be understood.
    #[error("invalid location '{location}': {reason}")]
    InvalidLocation {
        /// The location as given.
        location: String,
        /// Why it was refused, with the fix.
        reason: String,
    },

    /// A raw input file is missing.
    #[error(
        "raw file '{file}' not found in '{location}'; put the Air Boltic raw files there or run 'boltic generate --out {location}'"
    )]
    MissingInput {
        /// The file name that was expected.
        file: String,
        /// The raw location searched.
        location: String,
    },

    /// A load folder of the raw location is not a table of the data set.
    #[error(
        "raw folder '{folder}' holds loads of no known table; load folders go in one of {expected} (e.g. 'order/load_date=2024-08-01/order.csv'): move or remove it"
    )]
    UnknownLoad {
        /// The folder.
        folder: String,
        /// The tables whose folders are read.
        expected: String,
    },

    /// A raw file a published version applied has changed since.
    #[error(
        "raw file '{file}' changed after version '{version}' applied it ({change}); a load is read once: put corrections in a new load folder, or rebuild from every load with --full-refresh"
    )]
    ChangedLoad {
        /// The file.
        file: String,
        /// The version that applied it.
        version: String,
        /// What changed.
        change: String,
    },

    /// A raw input is malformed: wrong header, bad value, broken JSON.
    #[error("{position}: {message}")]
    BadInput {
        /// Where the problem is.
        position: InputPosition,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// The project (SQL models, tests) is invalid.
    #[error("project: {0}")]
    Project(String),

    /// A model's SQL failed to plan or run.
    #[error("model '{model}' failed: {message}")]
    Model {
        /// The model name (its file name without `.sql`).
        model: String,
        /// DataFusion's message.
        message: String,
    },

    /// The warehouse manifest is unreadable.
    #[error("warehouse manifest '{path}' is corrupt: {message}")]
    CorruptManifest {
        /// Path of the manifest.
        path: String,
        /// Parser message.
        message: String,
    },

    /// The warehouse has no version to read or maintain.
    #[error(
        "warehouse '{warehouse}' has no published version yet; build one with 'boltic pipeline run --warehouse {warehouse}'"
    )]
    NotPublished {
        /// The warehouse location.
        warehouse: String,
    },

    /// Another run holds the warehouse's run lease.
    #[error(
        "warehouse '{warehouse}' is being built by another run ({holder}, started {since}); wait for it to finish and run again (if that run died, its lease expires at {until})"
    )]
    WarehouseBusy {
        /// The warehouse location.
        warehouse: String,
        /// Who holds the lease (host and process id).
        holder: String,
        /// When it took the lease.
        since: String,
        /// When the lease expires unless renewed.
        until: String,
    },

    /// Another run published between this run's start and its publish.
    #[error(
        "another run published version '{other}' of warehouse '{warehouse}' (manifest {sequence}) while this run worked; nothing was overwritten and this run's files were removed: run again to build on top of it"
    )]
    PublishConflict {
        /// The warehouse location.
        warehouse: String,
        /// The manifest number both runs wanted to create.
        sequence: u64,
        /// The version the other run published.
        other: String,
    },

    /// The run lease expired or was taken over while the run worked.
    #[error(
        "the run lease on warehouse '{warehouse}' was lost ({reason}); nothing was published: run again"
    )]
    LeaseLost {
        /// The warehouse location.
        warehouse: String,
        /// What happened.
        reason: String,
    },

    /// An object store operation failed.
    #[error("storage error: {0}")]
    Store(#[from] object_store::Error),

    /// A query engine error outside of a model.
    #[error("query engine error: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),

    /// Arrow / Parquet encoding error.
    #[error("parquet error: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),

    /// A table would lose or retype columns its readers may use.
    #[error(
        "table '{table}' {changes}; the semantic layer and other readers of the table may use them: keep the columns as they were, or rebuild with --full-refresh"
    )]
    SchemaChange {
        /// The table.
        table: String,
        /// What would change (`would drop column 'x' and change column 'y' from long to string`).
        changes: String,
    },

    /// A Delta Lake table could not be read or committed.
    #[error("delta table '{table}': {message}")]
    Delta {
        /// The table's folder, as the user names the warehouse.
        table: String,
        /// What delta-rs said.
        message: String,
    },

    /// Local IO error.
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),

    /// A background task died; this is a bug.
    #[error("internal error: {0}; this is a bug, please report it")]
    Internal(String),
}

impl PipelineError {
    /// A [`PipelineError::BadInput`] in `file`, at `line` and `column` when known.
    pub fn bad_input(
        file: impl Into<String>,
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    ) -> Self {
        PipelineError::BadInput {
            position: InputPosition {
                file: file.into(),
                line,
                column,
            },
            message,
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for PipelineError {
    fn from(err: datafusion::arrow::error::ArrowError) -> Self {
        PipelineError::DataFusion(err.into())
    }
}

/// Result alias for the pipeline crate.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;
