//! One extract run: the raw CSV files of a table are streamed (never loaded whole) one after the
//! other in chunks of whole records through its cleaner on one blocking thread per core, while
//! an async task puts the cleaned chunks back in order and writes them as Parquet straight into
//! the object store. Memory is bounded by a few chunks per table.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, Int64Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::Compression;
use object_store::buffered::BufWriter;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::extract::chunks::{CHUNK_BYTES, Chunk, Splitter, chunk_bytes_for};
use crate::extract::fields::Seen;
use crate::extract::reader::{RawFile, RawRows, check_header, csv_error, open_raw};
use crate::extract::writer::{FILE_ROWS, TableOut, TableRows, parquet_writer};
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
    chunk_bytes: usize,
    /// The parts of tables written whole so far (see `part_name`): a name twice is refused
    /// rather than overwriting the part before.
    parts: std::sync::Mutex<std::collections::BTreeSet<String>>,
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
            chunk_bytes: CHUNK_BYTES,
            parts: Default::default(),
        }
    }

    /// Cut raw files in chunks of about `bytes` (tests: many chunks from small files).
    #[cfg(test)]
    pub(crate) fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes;
        self
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

    /// Clean the raw CSV `file` with `clean` into the Parquet table `table`, and record it;
    /// returns the keys kept (for checking later files).
    pub(crate) async fn csv_table<F>(
        &mut self,
        (file, header): RawFile,
        table: &'static str,
        clean: F,
    ) -> Result<IdSet>
    where
        F: Fn(&mut RawRows, &mut TableOut, &mut Recorder, &mut dyn Seen) -> Result<()>,
        F: Send + Sync + 'static,
    {
        let path = format!("{}part-0.parquet", self.folder(table));
        let (kept, cleaning) = self
            .csv_file(file, header, table, &path, false, clean)
            .await?;
        self.record(table, cleaning);
        Ok(kept)
    }

    /// Clean the raw CSV `file` (whose header must be `header`) with `clean` into the Parquet
    /// file `path` of `table` (or, `whole`, its parts: see [`Extraction::csv_files`]); the keys
    /// kept and what cleaning found.
    pub(crate) async fn csv_file<F>(
        &self,
        file: &str,
        header: &'static [&'static str],
        table: &'static str,
        path: &str,
        whole: bool,
        clean: F,
    ) -> Result<(IdSet, TableCleaning)>
    where
        F: Fn(&mut RawRows, &mut TableOut, &mut Recorder, &mut dyn Seen) -> Result<()>,
        F: Send + Sync + 'static,
    {
        let files = [(file.to_string(), path.to_string())];
        let mut cleaned = self.csv_files(header, table, &files, whole, clean).await?;
        cleaned
            .pop()
            .ok_or_else(|| PipelineError::Internal(format!("nothing cleaned of '{file}'")))
    }

    /// Clean the raw CSV files of `table` (`files`: each file and the Parquet file `path` its
    /// rows go to; every header must be `header`) with `clean`; per file, in order, the keys
    /// kept and what cleaning found. `whole`: the files are the deliveries of a table written
    /// whole, newest first: a file's rows whose keys a file before it delivered are left out
    /// (counted as replaced), and its rows are written in parts named after their first keys
    /// (see `part_name`) next to `path` (`path` itself when it has none).
    ///
    /// The files are streamed (never loaded whole) one after the other as one run of chunks: a
    /// blocking thread cuts them into chunks of whole records ([`Splitter`]), one worker per
    /// core cleans chunks into batches, and this task takes the chunks back in order and writes
    /// them, so that the cores go on cleaning the next file while the last chunks of one are
    /// written. A chunk is cleaned on its own, not knowing the keys kept before it in its file;
    /// when it holds one of them (a duplicate key, dropped by a reader of the whole file) or
    /// fails, it is cleaned again knowing them, as that reader would, so that the rows,
    /// findings, examples and errors are the whole-file reader's, and the first error in file
    /// order stops the run. A chunk cleaned before the keys of the files before it were all
    /// known leaves out the rest when it is written. At most [`in_flight`] chunks are read and
    /// not yet written.
    pub(crate) async fn csv_files<F>(
        &self,
        header: &'static [&'static str],
        table: &'static str,
        files: &[(String, String)],
        whole: bool,
        clean: F,
    ) -> Result<Vec<(IdSet, TableCleaning)>>
    where
        F: Fn(&mut RawRows, &mut TableOut, &mut Recorder, &mut dyn Seen) -> Result<()>,
        F: Send + Sync + 'static,
    {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let displays: Arc<Vec<String>> = Arc::new(
            files
                .iter()
                .map(|(file, _)| self.raw_location.display_of(file))
                .collect(),
        );
        let job = Arc::new(ChunkJob {
            fields: header.len(),
            schema: self.schema(table),
            table,
            clean,
        });
        // The keys of the files written before the one being written (`whole`), and the same
        // as the cleaners see them.
        let mut before = Arc::new(IdSet::default());
        let shared = whole.then(|| Arc::new(std::sync::Mutex::new(Arc::clone(&before))));
        let workers = workers();
        let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, Chunk)>(workers);
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(workers);
        let in_flight = in_flight(workers);
        let (token_tx, token_rx) = std::sync::mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = token_tx.send(());
        }

        let splitter = {
            let (raw, names) = (self.raw_location.clone(), files.to_vec());
            let (displays, done_tx) = (Arc::clone(&displays), done_tx.clone());
            let (runtime, most) = (tokio::runtime::Handle::current(), self.chunk_bytes);
            tokio::task::spawn_blocking(move || {
                // A token per chunk read and not yet written; none left when the writer stops.
                // A token taken and not used for a chunk (a file ended) serves the next file.
                let mut token = false;
                for (index, (file, _)) in names.iter().enumerate() {
                    let display = &displays[index];
                    // The file's chunks; `Err(None)`: the writer stopped; `Err(Some(..))`:
                    // reading the file failed after that many chunks.
                    let mut split =
                        || -> std::result::Result<usize, Option<(usize, PipelineError)>> {
                            let (reader, size) = runtime
                                .block_on(open_raw(&raw, file))
                                .map_err(|e| Some((0, e)))?;
                            let chunk_bytes = chunk_bytes_for(size, workers, most);
                            let (found, mut splitter) = Splitter::open(reader, chunk_bytes)
                                .map_err(|e| Some((0, csv_error(display, e, 1))))?;
                            check_header(display, &found, header).map_err(|e| Some((0, e)))?;
                            loop {
                                if !token {
                                    token_rx.recv().map_err(|_| None)?;
                                    token = true;
                                }
                                let chunk = splitter.next_chunk().map_err(|e| {
                                    let e = PipelineError::bad_input(
                                        display,
                                        Some(splitter.line()),
                                        None,
                                        format!("cannot read the CSV: {e}"),
                                    );
                                    Some((splitter.chunks(), e))
                                })?;
                                let Some(chunk) = chunk else {
                                    return Ok(splitter.chunks());
                                };
                                token = false;
                                if work_tx.send((index, chunk)).is_err() {
                                    return Err(None);
                                }
                            }
                        };
                    let end = match split() {
                        Ok(chunks) => Done::End(index, chunks, None),
                        Err(None) => return,
                        Err(Some((chunks, e))) => Done::End(index, chunks, Some(e)),
                    };
                    let failed = matches!(end, Done::End(_, _, Some(_)));
                    if done_tx.blocking_send(end).is_err() || failed {
                        return;
                    }
                }
            })
        };
        let work_rx = Arc::new(std::sync::Mutex::new(work_rx));
        let cleaners: Vec<_> = (0..workers)
            .map(|_| {
                let (job, work_rx, done_tx) =
                    (Arc::clone(&job), Arc::clone(&work_rx), done_tx.clone());
                let (displays, shared) = (Arc::clone(&displays), shared.clone());
                tokio::task::spawn_blocking(move || {
                    loop {
                        let Ok(Ok((index, chunk))) = work_rx.lock().map(|rx| rx.recv()) else {
                            return;
                        };
                        let file = &displays[index];
                        let later = shared
                            .as_ref()
                            .and_then(|l| l.lock().ok().map(|l| Arc::clone(&l)));
                        let mut keys = Vec::new();
                        // A cleaner that panics fails its chunk (cleaned again, it fails the run)
                        // rather than leaving the chunk missing and the writer waiting for it.
                        let cleaned =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                job.clean_chunk(file, &chunk, &mut keys, later)
                            }))
                            .unwrap_or_else(|_| {
                                Err(PipelineError::Internal(format!(
                                    "cleaner for '{file}' panicked"
                                )))
                            })
                            .map(|mut c| {
                                c.keys = keys;
                                c
                            });
                        if done_tx
                            .blocking_send(Done::Chunk(index, chunk, cleaned))
                            .is_err()
                        {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(done_tx);

        let mut cleaned_files = Vec::with_capacity(files.len());
        let mut out: Option<FileOut> = None;
        let written = async {
            let mut pending = BTreeMap::new();
            let mut ends = BTreeMap::new();
            let (mut current, mut next) = (0usize, 0usize);
            while current < files.len() {
                let Some(done) = done_rx.recv().await else {
                    break;
                };
                match done {
                    Done::Chunk(index, chunk, cleaned) => {
                        pending.insert((index, chunk.seq), (chunk, cleaned));
                    }
                    Done::End(index, chunks, error) => {
                        ends.insert(index, (chunks, error));
                    }
                }
                while current < files.len() {
                    let (file, path) = (&displays[current], files[current].1.as_str());
                    let file_out = out.get_or_insert_with(|| {
                        FileOut::new(self, &files[current].0, table, &job.schema, whole)
                    });
                    if let Some((chunk, cleaned)) = pending.remove(&(current, next)) {
                        let cleaned = match cleaned {
                            Ok(cleaned) if keep_keys(&mut file_out.kept, &cleaned.keys) => cleaned,
                            _ => {
                                let (job, file) = (Arc::clone(&job), file.clone());
                                let mut known = std::mem::take(&mut file_out.kept);
                                let later = whole.then(|| Arc::clone(&before));
                                let (cleaned, known) = tokio::task::spawn_blocking(move || {
                                    (job.clean_chunk(&file, &chunk, &mut known, later), known)
                                })
                                .await
                                .map_err(|e| died(&files[current].0, e))?;
                                file_out.kept = known;
                                cleaned?
                            }
                        };
                        file_out.write(self, table, path, cleaned, &before).await?;
                        let _ = token_tx.send(());
                        next += 1;
                        continue;
                    }
                    match ends.get(&current) {
                        Some((chunks, _)) if *chunks == next => {}
                        _ => break,
                    }
                    if let Some((_, Some(e))) = ends.remove(&current) {
                        return Err(e);
                    }
                    let file_out = out.take().expect("the file being written");
                    let (kept, cleaning, keys) = file_out.finish(self, path, file).await?;
                    if let (Some(shared), Some(keys)) = (&shared, keys) {
                        let mut all = IdSet::clone(&before);
                        all.extend(&keys);
                        before = Arc::new(all);
                        if let Ok(mut shared) = shared.lock() {
                            *shared = Arc::clone(&before);
                        }
                    }
                    cleaned_files.push((kept, cleaning));
                    (current, next) = (current + 1, 0);
                }
            }
            Ok::<_, PipelineError>(current)
        }
        .await;
        drop(done_rx);
        drop(token_tx);
        let current = match written {
            Ok(current) => current,
            Err(e) => {
                // The partial file belongs to an unpublished version and is cleaned with it.
                if let Some(writer) = out.and_then(|o| o.writer) {
                    let _ = writer.close().await;
                }
                return Err(e);
            }
        };
        let stopped_at = files.get(current).map_or("", |(file, _)| file.as_str());
        splitter.await.map_err(|e| died(stopped_at, e))?;
        for cleaner in cleaners {
            cleaner.await.map_err(|e| died(stopped_at, e))?;
        }
        if current != files.len() {
            return Err(PipelineError::Internal(format!(
                "cleaned {current} of the {} files of '{table}', stopped in '{stopped_at}'",
                files.len()
            )));
        }
        Ok(cleaned_files)
    }
}

/// What the splitter and the cleaners send the writer.
enum Done {
    /// Chunk `chunk.seq` of file `0`, cleaned (or not).
    Chunk(usize, Chunk, Result<Cleaned>),
    /// File `0` was cut into `1` chunks; `2`: reading it failed after them.
    End(usize, usize, Option<PipelineError>),
}

/// The file being written by [`Extraction::csv_files`]: its writer and what its chunks gave.
struct FileOut {
    started: std::time::Instant,
    /// The table's schema (the job's), for each part opened.
    schema: SchemaRef,
    bar: indicatif::ProgressBar,
    writer: Option<AsyncArrowWriter<BufWriter>>,
    kept: IdSet,
    recorder: Recorder,
    read: u64,
    written: u64,
    replaced: u64,
    /// `whole`: the keys of every row of the file (left out or not).
    keys: Option<IdSet>,
    /// Rows in the part being written, parts opened (`whole`).
    in_file: usize,
    parts: usize,
}

impl FileOut {
    fn new(run: &Extraction<'_>, file: &str, table: &str, schema: &SchemaRef, whole: bool) -> Self {
        FileOut {
            started: std::time::Instant::now(),
            schema: Arc::clone(schema),
            bar: run.progress.rows(file, None),
            writer: None,
            kept: IdSet::default(),
            recorder: Recorder::new(table),
            read: 0,
            written: 0,
            replaced: 0,
            keys: whole.then(IdSet::default),
            in_file: 0,
            parts: 0,
        }
    }

    fn open(&self, run: &Extraction<'_>, name: &str) -> Result<AsyncArrowWriter<BufWriter>> {
        parquet_writer(
            run.dest,
            name,
            Arc::clone(&self.schema),
            Compression::SNAPPY,
        )
    }

    /// Write the rows of the file's next chunk; rows whose keys are in `before` (the keys of
    /// the files before, when the file is one of a table written whole) are left out.
    async fn write(
        &mut self,
        run: &Extraction<'_>,
        table: &str,
        path: &str,
        cleaned: Cleaned,
        before: &Arc<IdSet>,
    ) -> Result<()> {
        self.recorder.absorb(cleaned.recorder);
        self.read += cleaned.read;
        self.written += cleaned.rows.written;
        if let (Some(keys), Some((theirs, left_out))) = (&mut self.keys, cleaned.rows.keys) {
            theirs.into_iter().for_each(|k| {
                keys.insert(k);
            });
            self.replaced += left_out;
        }
        // Cleaned before the files before it were all written: leave out what they delivered.
        let stale = cleaned
            .later
            .as_ref()
            .is_some_and(|seen| !Arc::ptr_eq(seen, before));
        for batch in cleaned.rows.batches {
            let batch = if stale {
                let (batch, left_out) = leave_out(batch, before)?;
                self.written -= left_out;
                self.replaced += left_out;
                batch
            } else {
                batch
            };
            if batch.num_rows() == 0 {
                continue;
            }
            match self.keys {
                // a table written whole rolls over to a new part every FILE_ROWS rows, so that
                // a part holds a narrow run of keys when the input comes in key order
                Some(_) if self.writer.is_none() || self.in_file >= FILE_ROWS => {
                    if let Some(full) = self.writer.take() {
                        full.close().await?;
                    }
                    let name = part_name(path, &batch, self.parts);
                    let new = run.parts.lock().is_ok_and(|mut p| p.insert(name.clone()));
                    if !new {
                        return Err(PipelineError::Internal(format!(
                            "two parts of '{table}' would be named '{name}'"
                        )));
                    }
                    self.writer = Some(self.open(run, &name)?);
                    (self.in_file, self.parts) = (0, self.parts + 1);
                }
                None if self.writer.is_none() => {
                    self.writer = Some(self.open(run, path)?);
                }
                _ => {}
            }
            self.in_file += batch.num_rows();
            if let Some(w) = self.writer.as_mut() {
                w.write(&batch).await?;
            }
        }
        self.bar.set_position(self.read);
        Ok(())
    }

    /// Close the file (a file with no rows still gets its empty file, named `path`): the keys
    /// kept, what cleaning found and (`whole`) the keys of every row of the file.
    async fn finish(
        mut self,
        run: &Extraction<'_>,
        path: &str,
        file: &str,
    ) -> Result<(IdSet, TableCleaning, Option<IdSet>)> {
        match self.writer.take() {
            Some(writer) => writer.close().await?,
            None => self.open(run, path)?.close().await?,
        };
        self.bar.set_position(self.read);
        self.bar.finish();
        tracing::debug!(
            file,
            read = self.read,
            written = self.written,
            ms = self.started.elapsed().as_millis() as u64,
            "cleaned"
        );
        let mut cleaning = self
            .recorder
            .finish(file.to_string(), self.read, self.written);
        if self.keys.is_some() {
            cleaning.rows_replaced = self.replaced;
        }
        Ok((self.kept, cleaning, self.keys))
    }
}

/// `batch` without its rows whose key (the first column) is in `later`; how many were left out.
fn leave_out(batch: RecordBatch, later: &IdSet) -> Result<(RecordBatch, u64)> {
    let Some(keys) = batch.column(0).as_any().downcast_ref::<Int64Array>() else {
        return Ok((batch, 0));
    };
    let keep: BooleanArray = keys
        .iter()
        .map(|key| Some(!key.is_some_and(|key| later.contains(key))))
        .collect();
    let left_out = keep.false_count() as u64;
    if left_out == 0 {
        return Ok((batch, 0));
    }
    Ok((filter_record_batch(&batch, &keep)?, left_out))
}

/// Cleaning the chunks of the raw files of one table.
/// `clean` reads the rows of a chunk, pushes cleaned ones, notes findings, and notes each key it
/// keeps in `seen` (which tells it a duplicate).
struct ChunkJob<F> {
    fields: usize,
    schema: SchemaRef,
    table: &'static str,
    clean: F,
}

/// What cleaning a chunk gave.
struct Cleaned {
    rows: TableRows,
    recorder: Recorder,
    read: u64,
    /// The keys the cleaner kept, when it was not told the keys kept before the chunk.
    keys: Vec<i64>,
    /// The keys of later deliveries whose rows were left out (a table written whole).
    later: Option<Arc<IdSet>>,
}

impl<F> ChunkJob<F>
where
    F: Fn(&mut RawRows, &mut TableOut, &mut Recorder, &mut dyn Seen) -> Result<()>,
{
    /// Clean `chunk` of `file`, leaving out the rows whose keys are in `later`.
    fn clean_chunk(
        &self,
        file: &str,
        chunk: &Chunk,
        seen: &mut dyn Seen,
        later: Option<Arc<IdSet>>,
    ) -> Result<Cleaned> {
        let mut rows = RawRows::chunk(file.to_string(), chunk, self.fields);
        let mut out = TableOut::new(Arc::clone(&self.schema));
        if let Some(later) = &later {
            out = out.replaced_by(Arc::clone(later));
        }
        let mut recorder = Recorder::new(self.table);
        (self.clean)(&mut rows, &mut out, &mut recorder, seen)?;
        Ok(Cleaned {
            rows: out.finish()?,
            recorder,
            read: rows.read(),
            keys: Vec::new(),
            later,
        })
    }
}

/// Add the keys a chunk cleaned on its own kept to `kept`, the keys kept before it; false (and
/// `kept` as it was) when one of them was kept before or is in the chunk twice.
fn keep_keys(kept: &mut IdSet, keys: &[i64]) -> bool {
    for (i, &key) in keys.iter().enumerate() {
        if !kept.insert(key) {
            for &added in &keys[..i] {
                kept.remove(added);
            }
            return false;
        }
    }
    true
}

/// The name of a part of a table written whole (from `path`, `<folder>part-<n>.parquet`) whose
/// first rows are `batch`: `<folder>part-<first key>.parquet`, the key (the first column) as 16
/// hex digits that sort as the keys do. DataFusion reads a table's files in order of name, so a
/// model reading the table reads runs of keys in key order whichever delivery brought them (a
/// daily batch's status changes after the initial load, its new orders after those): the
/// model's files hold narrow key ranges too, and a MERGE on them rewrites few. A table written
/// whole holds each key once, so no two parts start with the same key.
fn part_name(path: &str, batch: &RecordBatch, files: usize) -> String {
    let folder = path.rfind('/').map_or("", |i| &path[..=i]);
    let first = batch
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .filter(|keys| !keys.is_empty() && keys.is_valid(0))
        .map(|keys| keys.value(0));
    match first {
        // the key's bits with the sign bit flipped sort as the keys do
        Some(key) => format!(
            "{folder}part-{:016x}.parquet",
            key.cast_unsigned() ^ (1 << 63)
        ),
        // not an integer key (no table written whole has one today): the `files`-th part
        None => format!("{}-{files:03}.parquet", path.trim_end_matches(".parquet")),
    }
}

fn died(file: &str, e: tokio::task::JoinError) -> PipelineError {
    PipelineError::Internal(format!("cleaner for '{file}' died: {e}"))
}

/// Threads that clean chunks: one per core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Chunks read and not yet written, at most: one being cleaned per worker, one waiting for each,
/// and one being written.
fn in_flight(workers: usize) -> usize {
    2 * workers + 1
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::compute::concat_batches;
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::*;
    use crate::air_boltic::catalogue::raw::ORDER;
    use crate::air_boltic::{clean::clean_orders, table_schema};
    use crate::findings::FindingKind;

    /// An order file with what cleaning meets: dirty values, unknown references, empty and
    /// repeated keys (next to each other and far apart), a quoted seat holding a line end and a
    /// comma, and CRLF line ends in its second half.
    fn orders(rows: i64, tail: &str) -> String {
        let mut text = "Order ID,Customer ID,Trip ID,Price (EUR),Seat No,Status\n".to_string();
        for id in 1..=rows {
            let end = if id > rows / 2 { "\r\n" } else { "\n" };
            let line = match id % 17 {
                0 => format!("{},{},{}, 120 ,12a,finished", id, id % 50, id % 30),
                1 => format!("{},{},{},-5,\"3\nB,x\",Booked", id, 99, id % 30),
                2 => ",1,1,10,1A,Booked".to_string(),
                3 => format!("{},1,1,,1A,CANCELLED", (id * 7919) % rows + 1),
                4 => format!("{},,1,10,  ,Lost", id - 1),
                _ => format!(
                    "{},{},{},{}.5,{}C,Finished",
                    id,
                    id % 50,
                    id % 30,
                    id,
                    id % 30
                ),
            };
            text.push_str(&line);
            text.push_str(end);
        }
        text + tail
    }

    async fn clean(
        text: &str,
        chunk_bytes: usize,
    ) -> Result<(Vec<i64>, TableCleaning, RecordBatch)> {
        clean_bytes(text.as_bytes(), chunk_bytes).await
    }

    /// Clean `text` as `order.csv` in chunks of about `chunk_bytes`: the keys kept, what
    /// cleaning found and the rows written.
    async fn clean_bytes(
        text: &[u8],
        chunk_bytes: usize,
    ) -> Result<(Vec<i64>, TableCleaning, RecordBatch)> {
        let (raw, dest) = (Location::memory("raw"), Location::memory("dest"));
        raw.store()
            .put(&raw.path("order.csv"), PutPayload::from(text.to_vec()))
            .await?;
        let no_folder = |_: &str| String::new();
        let progress = Progress::hidden();
        let run = Extraction::new(&raw, &dest, &no_folder, &progress, table_schema)
            .with_chunk_bytes(chunk_bytes);
        let (mut customers, mut trips) = (IdSet::default(), IdSet::default());
        (1..40).for_each(|id| {
            customers.insert(id);
        });
        (1..25).for_each(|id| {
            trips.insert(id);
        });
        let (kept, cleaning) = run
            .csv_file(
                "order.csv",
                ORDER.1,
                "orders",
                "orders.parquet",
                false,
                move |rows, out, rec, seen| clean_orders(rows, out, rec, seen, &customers, &trips),
            )
            .await?;
        let bytes = dest
            .store()
            .get(&dest.path("orders.parquet"))
            .await?
            .bytes()
            .await?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
        let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
        let table = concat_batches(&table_schema("orders"), &batches)?;
        let kept = (-1000..100_000).filter(|id| kept.contains(*id)).collect();
        Ok((kept, cleaning, table))
    }

    #[tokio::test]
    async fn a_file_cleaned_in_chunks_is_cleaned_as_one_reader_cleans_it() {
        let text = orders(3000, "");
        let (kept, cleaning, table) = clean(&text, 1 << 30).await.unwrap();
        assert!(kept.len() > 2000 && table.num_rows() == kept.len());
        let dropped: Vec<_> = cleaning
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Dropped)
            .collect();
        assert!(
            dropped
                .iter()
                .any(|f| f.what.starts_with("duplicate") && f.count > 100)
        );
        for chunk_bytes in [1, 7, 100, 4096, 50_000] {
            let (k, c, t) = clean(&text, chunk_bytes).await.unwrap();
            assert_eq!(k, kept, "keys kept, chunks of {chunk_bytes}");
            assert_eq!(
                serde_json::to_value(&c).unwrap(),
                serde_json::to_value(&cleaning).unwrap(),
                "findings, chunks of {chunk_bytes}"
            );
            assert_eq!(t, table, "rows, chunks of {chunk_bytes}");
        }
    }

    #[tokio::test]
    async fn a_cleaner_that_panics_fails_the_file() {
        let (raw, dest) = (Location::memory("raw"), Location::memory("dest"));
        let text = orders(3000, "");
        raw.store()
            .put(&raw.path("order.csv"), PutPayload::from(text.into_bytes()))
            .await
            .unwrap();
        let no_folder = |_: &str| String::new();
        let progress = Progress::hidden();
        let run = Extraction::new(&raw, &dest, &no_folder, &progress, table_schema)
            .with_chunk_bytes(1000);
        let panics = |rows: &mut RawRows, _: &mut TableOut, _: &mut Recorder, _: &mut dyn Seen| {
            while rows.next()?.is_some() {
                assert_ne!(rows.line(), 1500, "a cleaner's bug");
            }
            Ok(())
        };
        let cleaned = run.csv_file("order.csv", ORDER.1, "orders", "o.parquet", false, panics);
        let e = tokio::time::timeout(std::time::Duration::from_secs(60), cleaned)
            .await
            .expect("the extract waits for a chunk that never comes")
            .unwrap_err();
        assert!(
            e.to_string().contains("cleaner for 'order.csv' died"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn errors_name_their_line_whatever_the_chunks() {
        // The line after the file of `rows` orders (quoted seats hold line ends).
        let after = |rows| orders(rows, "").matches('\n').count() + 1;
        let mut not_utf8 = orders(3000, "").into_bytes();
        not_utf8.extend(b"3001,1,1,10,\xff,Booked\n");
        let cases = [
            // After lines ending in \r\n.
            (
                orders(3000, "3001,1,1,ten,1A,Booked\n"),
                after(3000),
                "'Price (EUR)' value 'ten'",
            ),
            (
                orders(3000, "3001,1,1\n"),
                after(3000),
                "expected 6 fields like the header, found 3",
            ),
            (
                orders(3000, "3001,1,1,10,\"1A,Booked\n"),
                after(3000),
                "expected 6 fields like the header, found 5",
            ),
            (String::new(), after(3000), "not valid UTF-8"),
            // Empty lines before the record.
            (
                orders(3000, "\r\n\n3001,1,1,x,1A,Booked\n"),
                after(3000) + 2,
                "value 'x'",
            ),
            (orders(4, "x,y\n"), after(4), "found 2"),
            (orders(0, "").replace("Seat No", "Seat"), 1, "wrong header"),
        ];
        for (text, line, what) in cases {
            let text = if text.is_empty() {
                not_utf8.clone()
            } else {
                text.into_bytes()
            };
            for chunk_bytes in [5, 4096, 1 << 30] {
                let e = clean_bytes(&text, chunk_bytes)
                    .await
                    .unwrap_err()
                    .to_string();
                assert!(
                    e.contains(&format!("line {line}: ")) && e.contains(what),
                    "chunks of {chunk_bytes}: {e}"
                );
            }
        }
        // A repeated key drops its row before its fields are read: no error.
        let text = orders(3000, "5,1,1,ten,1A,Booked\n");
        for chunk_bytes in [5, 4096, 1 << 30] {
            let (_, c, _) = clean(&text, chunk_bytes).await.unwrap();
            assert_eq!(c.rows_read, 3001);
        }
    }

    /// Write the orders `ids` (as raw file `file` of `raw`) whole into the parts of `path`, as a
    /// build over loads writes a delivery; what cleaning counted.
    async fn write_whole(
        run: &Extraction<'_>,
        raw: &Location,
        file: &str,
        ids: impl IntoIterator<Item = i64>,
        path: &str,
    ) -> Result<TableCleaning> {
        let mut text = "Order ID,Customer ID,Trip ID,Price (EUR),Seat No,Status\n".to_string();
        for id in ids {
            text.push_str(&format!("{id},1,1,10,1A,Booked\n"));
        }
        raw.store()
            .put(&raw.path(file), PutPayload::from(text.into_bytes()))
            .await?;
        let (mut customers, mut trips) = (IdSet::default(), IdSet::default());
        customers.insert(1);
        trips.insert(1);
        let (_, cleaning) = run
            .csv_file(
                file,
                ORDER.1,
                "orders",
                path,
                true,
                move |rows, out, rec, seen| clean_orders(rows, out, rec, seen, &customers, &trips),
            )
            .await?;
        Ok(cleaning)
    }

    /// The rows of the parts in `folder` of `dest`, a batch per part, in order of name (as
    /// DataFusion reads a table's files).
    async fn parts(dest: &Location, folder: &str) -> Vec<RecordBatch> {
        use futures::TryStreamExt;
        let mut names: Vec<String> = dest
            .store()
            .list(Some(&dest.path(folder)))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap();
        names.sort();
        let mut batches = Vec::new();
        for name in &names {
            let bytes = dest
                .store()
                .get(&object_store::path::Path::from(name.as_str()))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
                .unwrap()
                .build()
                .unwrap();
            let part: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
            batches.push(concat_batches(&table_schema("orders"), &part).unwrap());
        }
        batches
    }

    #[tokio::test]
    async fn deliveries_cleaned_together_keep_each_keys_newest_row() {
        // Three deliveries of orders, written whole as a build over loads writes them (newest
        // first, as one run of chunks): each key's row is its newest delivery's, whatever the
        // chunks, including chunks of an older file cleaned before the newer ones were written.
        let raw = Location::memory("raw");
        let deliveries: [(Vec<i64>, &str); 3] = [
            ((1..=40).chain([3]).collect(), "Booked"),
            ((10..=30).collect(), "Cancelled"),
            ((5..=15).collect(), "Finished"),
        ];
        for (n, (ids, status)) in deliveries.iter().enumerate() {
            let mut text = "Order ID,Customer ID,Trip ID,Price (EUR),Seat No,Status\n".to_string();
            for id in ids {
                text.push_str(&format!("{id},1,1,10,1A,{status}\n"));
            }
            raw.store()
                .put(
                    &raw.path(&format!("order-{n}.csv")),
                    PutPayload::from(text.into_bytes()),
                )
                .await
                .unwrap();
        }
        let files: Vec<(String, String)> = (0..3)
            .rev()
            .map(|n| (format!("order-{n}.csv"), format!("t/part-{n:06}.parquet")))
            .collect();
        let newest = |id: i64| match id {
            5..=15 => "Finished",
            16..=30 => "Cancelled",
            _ => "Booked",
        };
        for chunk_bytes in [7, 100, 4096, 1 << 30] {
            let dest = Location::memory("dest");
            let no_folder = |_: &str| String::new();
            let progress = Progress::hidden();
            let run = Extraction::new(&raw, &dest, &no_folder, &progress, table_schema)
                .with_chunk_bytes(chunk_bytes);
            let (mut customers, mut trips) = (IdSet::default(), IdSet::default());
            customers.insert(1);
            trips.insert(1);
            let clean = move |rows: &mut RawRows,
                              out: &mut TableOut,
                              rec: &mut Recorder,
                              seen: &mut dyn Seen| {
                clean_orders(rows, out, rec, seen, &customers, &trips)
            };
            let cleaned = run
                .csv_files(ORDER.1, "orders", &files, true, clean)
                .await
                .unwrap();
            let counts: Vec<(u64, u64, u64)> = cleaned
                .iter()
                .map(|(_, c)| (c.rows_read, c.rows_written, c.rows_replaced))
                .collect();
            // read, written, left out for a newer delivery (the repeated 3 is a duplicate)
            assert_eq!(
                counts,
                [(11, 11, 0), (21, 15, 6), (41, 14, 26)],
                "chunks of {chunk_bytes}"
            );
            let mut rows = Vec::new();
            for batch in parts(&dest, "t").await {
                let ids = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap();
                let status = batch
                    .column(5)
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::StringArray>()
                    .unwrap();
                rows.extend(
                    ids.values()
                        .iter()
                        .zip(status.iter())
                        .map(|(id, s)| (*id, s.unwrap().to_string())),
                );
            }
            rows.sort();
            let expected: Vec<(i64, String)> =
                (1..=40).map(|id| (id, newest(id).to_string())).collect();
            assert_eq!(rows, expected, "chunks of {chunk_bytes}");
        }
    }

    #[tokio::test]
    async fn the_parts_of_a_table_written_whole_sort_by_name_in_key_order() {
        // Two deliveries written whole, as a build over loads writes them: the first with more
        // keys than one part holds, the second (a later file) with keys below them. Listed by
        // name, as DataFusion reads a table's files, the parts give the keys in order.
        let last = 1000 + FILE_ROWS as i64 + 100_000;
        let (raw, dest) = (Location::memory("raw"), Location::memory("dest"));
        let no_folder = |_: &str| String::new();
        let progress = Progress::hidden();
        let run = Extraction::new(&raw, &dest, &no_folder, &progress, table_schema);
        // the later delivery (the low keys) is cleaned first, as newest first
        write_whole(&run, &raw, "order-1.csv", 1..=1000, "t/part-000001.parquet")
            .await
            .unwrap();
        write_whole(
            &run,
            &raw,
            "order-0.csv",
            1001..=last,
            "t/part-000000.parquet",
        )
        .await
        .unwrap();
        let batches = parts(&dest, "t").await;
        assert_eq!(batches.len(), 3, "one batch per part");
        let mut keys = Vec::new();
        for batch in &batches {
            let ids = batch
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap();
            keys.extend(ids.iter().flatten());
        }
        assert_eq!(keys, (1..=last).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_part_is_never_written_over_by_another_starting_with_the_same_key() {
        // Deliveries written whole never share a key (a later one's keys are left out of an
        // earlier one); were they to, the second part is refused, not written over the first.
        let (raw, dest) = (Location::memory("raw"), Location::memory("dest"));
        let no_folder = |_: &str| String::new();
        let progress = Progress::hidden();
        let run = Extraction::new(&raw, &dest, &no_folder, &progress, table_schema);
        let mut results = Vec::new();
        for n in 0..2 {
            let path = format!("t/part-{n:06}.parquet");
            let written = write_whole(&run, &raw, "order.csv", [7], &path).await;
            results.push(written.map(|cleaning| cleaning.rows_written));
        }
        assert_eq!(results[0].as_ref().unwrap(), &1);
        let e = results[1].as_ref().unwrap_err().to_string();
        assert!(
            e.contains("would be named 't/part-8000000000000007.parquet'"),
            "{e}"
        );
    }
}
