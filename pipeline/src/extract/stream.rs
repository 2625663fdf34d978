//! One extract run: each raw CSV file is streamed (never loaded whole) through its cleaner on a
//! blocking thread, while an async task writes the cleaned batches as Parquet straight into the
//! object store. Memory is bounded by a few batches per table.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::Compression;
use object_store::buffered::BufWriter;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::extract::reader::{RawFile, RawRows, open_raw};
use crate::extract::writer::{FILE_ROWS, TableOut, parquet_writer};
use crate::findings::{Recorder, TableCleaning};
use crate::location::Location;
use crate::progress::Progress;

/// A normalized table written by the extract step.
#[derive(Debug, Clone, Serialize)]
pub struct NormalizedTable {
    /// Table name (`customers`, `orders`, ...).
    pub name: String,
    /// Folder of its Parquet files, relative to the destination location.
    pub path: String,
    /// Rows written.
    pub rows: u64,
}

/// Result of the extract step.
#[derive(Debug, Clone, Serialize)]
pub struct Extracted {
    /// The normalized tables.
    pub tables: Vec<NormalizedTable>,
    /// What cleaning found, per raw file.
    pub cleaning: Vec<TableCleaning>,
}

/// Where the extract step writes table `t`: the folder `folder_of(t)` (relative to the
/// destination, ending in `/`).
pub type FolderOf<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// One extract run: raw files read from one location, each table written in its folder under
/// `dest` with the schemas `schema_of` gives, and what has been written so far.
pub(crate) struct Extraction<'a> {
    raw_location: &'a Location,
    dest: &'a Location,
    folder_of: FolderOf<'a>,
    progress: &'a Progress,
    schema_of: fn(&str) -> SchemaRef,
    extracted: Extracted,
}

impl<'a> Extraction<'a> {
    /// A run reading `raw_location`, writing tables of `schema_of(table)` in `folder_of(table)`
    /// under `dest`.
    pub(crate) fn new(
        raw_location: &'a Location,
        dest: &'a Location,
        folder_of: FolderOf<'a>,
        progress: &'a Progress,
        schema_of: fn(&str) -> SchemaRef,
    ) -> Self {
        Extraction {
            raw_location,
            dest,
            folder_of,
            progress,
            schema_of,
            extracted: Extracted {
                tables: Vec::new(),
                cleaning: Vec::new(),
            },
        }
    }

    /// Where the raw files are read.
    pub(crate) fn raw_location(&self) -> &'a Location {
        self.raw_location
    }

    /// The schema of `table`.
    pub(crate) fn schema(&self, table: &str) -> SchemaRef {
        (self.schema_of)(table)
    }

    /// The folder `table` is written in, relative to the destination.
    pub(crate) fn folder(&self, table: &str) -> String {
        (self.folder_of)(table)
    }

    /// A Parquet writer for the single file of `table` in `folder` (relative to the
    /// destination, ending in `/`).
    pub(crate) fn table_writer(
        &self,
        table: &str,
        folder: &str,
        compression: Compression,
    ) -> Result<AsyncArrowWriter<BufWriter>> {
        let path = format!("{folder}part-0.parquet");
        parquet_writer(self.dest, &path, self.schema(table), compression)
    }

    /// Count `table` as written, with what cleaning found.
    pub(crate) fn record(&mut self, table: &str, cleaning: TableCleaning) {
        self.extracted.tables.push(NormalizedTable {
            name: table.to_string(),
            path: (self.folder_of)(table),
            rows: cleaning.rows_written,
        });
        self.extracted.cleaning.push(cleaning);
        crate::failpoint(&format!("after_table:{table}"));
    }

    /// The tables written, in order.
    pub(crate) fn finish(self) -> Extracted {
        self.extracted
    }

    /// Stream the raw CSV `file` through `clean` into the Parquet table `table`, and record it.
    /// `clean` runs on a blocking thread, reading rows, pushing cleaned ones and noting findings;
    /// what it returns (e.g. the ids it kept, for checking later files) is returned.
    pub(crate) async fn csv_table<T, F>(
        &mut self,
        (file, header): RawFile,
        table: &'static str,
        clean: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut RawRows, &mut TableOut, &mut Recorder) -> Result<T> + Send + 'static,
    {
        let path = format!("{}part-0.parquet", self.folder(table));
        let (value, cleaning, _) = self
            .csv_file(file, header, table, &path, None, clean)
            .await?;
        self.record(table, cleaning);
        Ok(value)
    }

    /// Stream the raw CSV `file` (whose header must be `header`) through `clean` into the
    /// Parquet file `path` of `table`; what `clean` returns and what cleaning found. With
    /// `later` (the keys later deliveries hold), rows with those keys are left out and the keys
    /// of the file are returned too.
    pub(crate) async fn csv_file<T, F>(
        &self,
        file: &str,
        header: &'static [&'static str],
        table: &'static str,
        path: &str,
        later: Option<Arc<IdSet>>,
        clean: F,
    ) -> Result<(T, TableCleaning, Option<IdSet>)>
    where
        T: Send + 'static,
        F: FnOnce(&mut RawRows, &mut TableOut, &mut Recorder) -> Result<T> + Send + 'static,
    {
        let display = self.raw_location.display_of(file);
        let later_given = later.is_some();
        let reader = open_raw(self.raw_location, file).await?;
        let schema = self.schema(table);
        let (tx, mut rx) = mpsc::channel::<RecordBatch>(2);
        let bar = self.progress.rows(file, None);
        let (source, worker_bar) = (display.clone(), bar.clone());
        type Done<T> = (T, Recorder, u64, u64, Option<(IdSet, u64)>);
        let worker = tokio::task::spawn_blocking(move || -> Result<Done<T>> {
            let mut rows = RawRows::open(source, reader, header, worker_bar)?;
            let mut out = TableOut::new(schema, tx);
            if let Some(later) = later {
                out = out.replaced_by(later);
            }
            let mut recorder = Recorder::new(table);
            let value = clean(&mut rows, &mut out, &mut recorder)?;
            out.flush()?;
            Ok((value, recorder, rows.read(), out.written(), out.keys()))
        });

        // A table written whole from loads rolls over to a new file every FILE_ROWS rows, so
        // that a file holds a narrow run of keys when the input comes in key order.
        let roll = later_given.then_some(FILE_ROWS);
        let mut writer = parquet_writer(self.dest, path, self.schema(table), Compression::SNAPPY)?;
        let (mut in_file, mut files) = (0usize, 1usize);
        while let Some(batch) = rx.recv().await {
            if roll.is_some_and(|max| in_file >= max) {
                writer.close().await?;
                let next = match path.strip_suffix(".parquet") {
                    Some(stem) => format!("{stem}-{files:03}.parquet"),
                    None => format!("{path}-{files:03}"),
                };
                writer = parquet_writer(self.dest, &next, self.schema(table), Compression::SNAPPY)?;
                (in_file, files) = (0, files + 1);
            }
            in_file += batch.num_rows();
            writer.write(&batch).await?;
        }
        let (value, recorder, read, written, keys) = match worker.await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                // The partial file belongs to an unpublished version and is cleaned with it.
                let _ = writer.close().await;
                return Err(e);
            }
            Err(e) => {
                return Err(PipelineError::Internal(format!(
                    "cleaner for '{file}' died: {e}"
                )));
            }
        };
        writer.close().await?;
        bar.set_position(read);
        bar.finish();
        let mut cleaning = recorder.finish(display, read, written);
        let keys = keys.map(|(keys, replaced)| {
            cleaning.rows_replaced = replaced;
            keys
        });
        Ok((value, cleaning, keys))
    }
}
