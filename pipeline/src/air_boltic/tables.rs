//! The normalized Air Boltic tables: their schemas, and the extract run that fills them from the
//! raw files, small reference tables first so later files are checked against them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::air_boltic::catalogue::raw;
use crate::air_boltic::catalogue_file::{Catalogue, extract_models, models_file, read_catalogue};
use crate::air_boltic::clean::{
    clean_aeroplanes, clean_customers, clean_groups, clean_orders, clean_trips,
};
use crate::air_boltic::generate::RawLoad;
use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::extract::fields::Seen;
use crate::extract::reader::RawRows;
use crate::extract::stream::{Extracted, Extraction, FolderOf};
use crate::extract::writer::TableOut;
use crate::extract::writer::timestamp_type;
use crate::findings::{Recorder, TableCleaning};
use crate::location::Location;
use crate::progress::Progress;

/// Clean every raw file under `raw_location` into Parquet tables under `dest`, each in the
/// folder `folder_of(table)` (relative to `dest`, ending in `/`).
pub async fn extract(
    raw_location: &Location,
    dest: &Location,
    folder_of: FolderOf<'_>,
    progress: &Progress,
) -> Result<Extracted> {
    let mut run = Extraction::new(raw_location, dest, folder_of, progress, table_schema);
    // Small reference tables first: later files are checked against them.
    let catalogue = extract_models(&mut run).await?;
    let group_ids = run
        .csv_table(raw::CUSTOMER_GROUP, "customer_groups", clean_groups)
        .await?;
    let aeroplane_ids = run
        .csv_table(raw::AEROPLANE, "aeroplanes", move |rows, out, rec, seen| {
            clean_aeroplanes(rows, out, rec, seen, &catalogue)
        })
        .await?;
    let customer_ids = run
        .csv_table(raw::CUSTOMER, "customers", move |rows, out, rec, seen| {
            clean_customers(rows, out, rec, seen, &group_ids)
        })
        .await?;
    let trip_ids = run
        .csv_table(raw::TRIP, "trips", move |rows, out, rec, seen| {
            clean_trips(rows, out, rec, seen, &aeroplane_ids)
        })
        .await?;
    run.csv_table(raw::ORDER, "orders", move |rows, out, rec, seen| {
        clean_orders(rows, out, rec, seen, &customer_ids, &trip_ids)
    })
    .await?;
    Ok(run.finish())
}

/// The raw tables of a load-based raw folder, in the order they are cleaned (reference tables
/// first): the load folder's table name, its file format (the CSV header, `None` for the JSON
/// catalogue) and the normalized table it fills.
const LOAD_TABLES: &[(&str, Option<&[&str]>, &str)] = &[
    ("aeroplane_model", None, "aeroplane_models"),
    (
        "customer_group",
        Some(raw::CUSTOMER_GROUP.1),
        "customer_groups",
    ),
    ("aeroplane", Some(raw::AEROPLANE.1), "aeroplanes"),
    ("customer", Some(raw::CUSTOMER.1), "customers"),
    ("trip", Some(raw::TRIP.1), "trips"),
    ("order", Some(raw::ORDER.1), "orders"),
];

/// The normalized table the aeroplane catalogue becomes.
const MODELS: &str = "aeroplane_models";

/// The columns that identify a row of each normalized table: a later load's row with the same
/// key replaces the earlier one.
pub fn table_key(table: &str) -> &'static [&'static str] {
    match table {
        "aeroplane_models" => &["manufacturer", "model"],
        "customer_groups" => &["customer_group_id"],
        "aeroplanes" => &["aeroplane_id"],
        "customers" => &["customer_id"],
        "trips" => &["trip_id"],
        "orders" => &["order_id"],
        other => unreachable!("no key for normalized table '{other}'"),
    }
}

/// Ids the tables hold before a run's loads, so that rows of new loads referring to them are
/// not flagged as unknown.
#[derive(Debug, Default)]
pub struct KnownIds {
    /// `customer_groups.customer_group_id`.
    pub groups: IdSet,
    /// `aeroplanes.aeroplane_id`.
    pub aeroplanes: IdSet,
    /// `customers.customer_id`.
    pub customers: IdSet,
    /// `trips.trip_id`.
    pub trips: IdSet,
}

/// What cleaning a run's loads staged.
#[derive(Debug, Default)]
pub struct StagedLoads {
    /// Per normalized table, the files staged for it, in order (a later file's row replaces an
    /// earlier one's with the same key): each file's folder, relative to the destination.
    pub tables: BTreeMap<String, Vec<String>>,
    /// The tables written whole instead (see `latest_into` of [`extract_loads`]), with their
    /// row counts: each key's last delivery only, in the files `latest_into` named.
    pub built: BTreeMap<String, u64>,
    /// What cleaning found, per raw file.
    pub cleaning: Vec<TableCleaning>,
}

/// Clean the files of `loads` that `apply` accepts into staged Parquet files under `dest`: the
/// `n`-th file of table `t` (by load date, then file name), of load date `d`, in the folder
/// `stage_of(t, n, d)`.
/// A table for which `latest_into(t, n)` names a file path is not staged but written whole:
/// its files are cleaned newest first and each row whose key a later file delivers is left out
/// (counted as replaced), so the files `latest_into` named hold each key's last delivery, as a
/// staged table after deduplication would, written once.
/// Every catalogue file of `loads` is read for the aeroplanes' specs (a later one's model
/// replaces an earlier one's), applied or not; `known` holds the ids the tables had before.
#[allow(clippy::too_many_arguments)]
pub async fn extract_loads(
    raw_location: &Location,
    dest: &Location,
    loads: &[RawLoad],
    apply: &(dyn Fn(&str) -> bool + Sync),
    stage_of: &(dyn Fn(&str, usize, NaiveDate) -> String + Sync),
    latest_into: &(dyn Fn(&str, usize) -> Option<String> + Sync),
    known: KnownIds,
    progress: &Progress,
) -> Result<StagedLoads> {
    if let Some(load) = loads
        .iter()
        .find(|l| !LOAD_TABLES.iter().any(|(t, _, _)| *t == l.table))
    {
        let expected: Vec<&str> = LOAD_TABLES.iter().map(|(t, _, _)| *t).collect();
        return Err(PipelineError::UnknownLoad {
            folder: raw_location.display_of(&load.table),
            expected: expected.join(", "),
        });
    }
    let no_folder = |_: &str| String::new();
    let run = Extraction::new(raw_location, dest, &no_folder, progress, table_schema);
    let mut staged = StagedLoads::default();
    let files_of = |raw_table: &str| -> Vec<(String, NaiveDate)> {
        loads
            .iter()
            .filter(|l| l.table == raw_table)
            .flat_map(|l| l.files.iter().map(|f| (f.path.clone(), l.load_date)))
            .collect()
    };
    let next_folder = |staged: &StagedLoads, table: &str, date: NaiveDate| {
        stage_of(table, staged.tables.get(table).map_or(0, Vec::len), date)
    };
    let add = |staged: &mut StagedLoads, table: &str, folder: String, cleaning| {
        staged
            .tables
            .entry(table.to_string())
            .or_default()
            .push(folder);
        staged.cleaning.push(cleaning);
    };

    let mut catalogue = Catalogue::new();
    for (file, date) in files_of("aeroplane_model") {
        if apply(&file) {
            let folder = next_folder(&staged, MODELS, date);
            let (models, cleaning) = models_file(&run, &file, &folder).await?;
            catalogue.extend(models);
            add(&mut staged, MODELS, folder, cleaning);
        } else {
            catalogue.extend(read_catalogue(raw_location, &file).await?.0);
        }
    }
    let catalogue = Arc::new(catalogue);

    let KnownIds {
        mut groups,
        mut aeroplanes,
        mut customers,
        mut trips,
    } = known;
    for &(raw_table, header, table) in &LOAD_TABLES[1..] {
        let header = header.expect("a CSV table");
        let files: Vec<(String, NaiveDate)> = files_of(raw_table)
            .into_iter()
            .filter(|(f, _)| apply(f))
            .collect();
        // Written whole: newest first, each file leaving out the keys of the files after it.
        let whole = latest_into(table, 0).is_some();
        let order: Vec<usize> = if whole {
            (0..files.len()).rev().collect()
        } else {
            (0..files.len()).collect()
        };
        let first = staged.tables.get(table).map_or(0, Vec::len);
        let folders: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, &n)| stage_of(table, first + i, files[n].1))
            .collect();
        let jobs: Vec<(String, String)> = order
            .iter()
            .zip(&folders)
            .map(|(&n, folder)| {
                let path =
                    latest_into(table, n).unwrap_or_else(|| format!("{folder}part-0.parquet"));
                (files[n].0.clone(), path)
            })
            .collect();
        // The cleaners run on blocking threads and own what they check against: a copy of
        // the ids known so far (bitsets, a few hundred KiB at 10M orders).
        let clean: Cleaner = match table {
            "customer_groups" => Box::new(clean_groups),
            "aeroplanes" => {
                let catalogue = Arc::clone(&catalogue);
                Box::new(move |rows, out, rec, seen| {
                    clean_aeroplanes(rows, out, rec, seen, &catalogue)
                })
            }
            "customers" => {
                let groups = groups.clone();
                Box::new(move |rows, out, rec, seen| clean_customers(rows, out, rec, seen, &groups))
            }
            "trips" => {
                let aeroplanes = aeroplanes.clone();
                Box::new(move |rows, out, rec, seen| clean_trips(rows, out, rec, seen, &aeroplanes))
            }
            _ => {
                let (customers, trips) = (customers.clone(), trips.clone());
                Box::new(move |rows, out, rec, seen| {
                    clean_orders(rows, out, rec, seen, &customers, &trips)
                })
            }
        };
        let cleaned = run.csv_files(header, table, &jobs, whole, clean).await?;
        let mut cleanings = Vec::with_capacity(files.len());
        for (((ids, cleaning), &n), folder) in cleaned.into_iter().zip(&order).zip(folders) {
            match table {
                "customer_groups" => groups.extend(&ids),
                "aeroplanes" => aeroplanes.extend(&ids),
                "customers" => customers.extend(&ids),
                "trips" => trips.extend(&ids),
                _ => {}
            }
            if whole {
                *staged.built.entry(table.to_string()).or_default() += cleaning.rows_written;
                cleanings.push((n, cleaning));
            } else {
                add(&mut staged, table, folder, cleaning);
            }
        }
        if whole && !files.is_empty() {
            cleanings.sort_by_key(|(n, _)| *n);
            staged
                .cleaning
                .extend(cleanings.into_iter().map(|(_, c)| c));
        }
    }
    Ok(staged)
}

/// The cleaner of one raw file of a load.
type Cleaner = Box<
    dyn Fn(&mut RawRows, &mut TableOut, &mut Recorder, &mut dyn Seen) -> Result<()> + Send + Sync,
>;

/// Schemas of the normalized tables.
pub fn table_schema(table: &str) -> SchemaRef {
    let int = |n: &str, null: bool| Field::new(n, DataType::Int64, null);
    let text = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let fields = match table {
        "aeroplane_models" => vec![
            text("manufacturer", false),
            text("model", false),
            int("max_seats", true),
            int("max_weight", true),
            int("max_distance", true),
            text("engine_type", true),
        ],
        "customer_groups" => vec![
            int("customer_group_id", false),
            text("type", true),
            text("name", true),
            text("registry_number", true),
        ],
        "aeroplanes" => vec![
            int("aeroplane_id", false),
            text("model", true),
            text("manufacturer", true),
            int("max_seats", true),
            int("max_weight", true),
            int("max_distance", true),
            text("engine_type", true),
        ],
        "customers" => vec![
            int("customer_id", false),
            text("name", true),
            int("customer_group_id", true),
            text("email", true),
            text("phone", true),
        ],
        "trips" => vec![
            int("trip_id", false),
            text("origin_city", true),
            text("destination_city", true),
            int("aeroplane_id", true),
            Field::new("start_timestamp", timestamp_type(), true),
            Field::new("end_timestamp", timestamp_type(), true),
        ],
        "orders" => vec![
            int("order_id", false),
            int("customer_id", true),
            int("trip_id", true),
            Field::new("price_eur", DataType::Float64, true),
            text("seat_no", true),
            text("status", true),
        ],
        other => unreachable!("no schema for normalized table '{other}'"),
    };
    Arc::new(Schema::new(fields))
}
