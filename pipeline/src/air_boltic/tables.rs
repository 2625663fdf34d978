//! The normalized Air Boltic tables: their schemas, and the extract run that fills them from the
//! raw files, small reference tables first so later files are checked against them.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::air_boltic::catalogue::raw;
use crate::air_boltic::catalogue_file::extract_models;
use crate::air_boltic::clean::{
    clean_aeroplanes, clean_customers, clean_groups, clean_orders, clean_trips,
};
use crate::error::Result;
use crate::extract::stream::{Extracted, Extraction, FolderOf};
use crate::extract::writer::timestamp_type;
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
        .csv_table(raw::AEROPLANE, "aeroplanes", move |rows, out, rec| {
            clean_aeroplanes(rows, out, rec, &catalogue)
        })
        .await?;
    let customer_ids = run
        .csv_table(raw::CUSTOMER, "customers", move |rows, out, rec| {
            clean_customers(rows, out, rec, &group_ids)
        })
        .await?;
    let trip_ids = run
        .csv_table(raw::TRIP, "trips", move |rows, out, rec| {
            clean_trips(rows, out, rec, &aeroplane_ids)
        })
        .await?;
    run.csv_table(raw::ORDER, "orders", move |rows, out, rec| {
        clean_orders(rows, out, rec, &customer_ids, &trip_ids)
    })
    .await?;
    Ok(run.finish())
}

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
