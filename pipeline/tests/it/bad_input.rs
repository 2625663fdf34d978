//! Each kind of bad input gets a clear error naming the file, the line and what is wrong.

use std::path::Path;

use boltic_pipeline::{Location, PipelineError, Project, RunOptions};

use crate::support::*;

/// A copy of the seed files with `file` replaced by `contents` (or removed when `None`).
fn raw_with(dir: &Path, file: &str, contents: Option<&str>) -> Location {
    let raw = dir.join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    for entry in std::fs::read_dir(seed_raw()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), raw.join(entry.file_name())).unwrap();
    }
    match contents {
        Some(text) => std::fs::write(raw.join(file), text).unwrap(),
        None => std::fs::remove_file(raw.join(file)).unwrap(),
    }
    local(&raw)
}

async fn error_for(file: &str, contents: Option<&str>) -> (PipelineError, String) {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_with(dir.path(), file, contents);
    let warehouse = local(&dir.path().join("wh"));
    let project = Project::load(&demo_project()).unwrap();
    let err = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap_err();
    assert!(
        warehouse
            .read_optional("_boltic/manifest.json")
            .await
            .unwrap()
            .is_none(),
        "nothing is published on bad input"
    );
    let prefix = format!("{}/", raw.to_string().trim_end_matches('/'));
    let message = err.to_string().replace(&prefix, "<raw>/");
    (err, message)
}

const TRIPS_HEADER: &str =
    "Trip ID,Origin City,Destination City,Airplane ID,Start Timestamp,End Timestamp\n";

#[tokio::test]
async fn a_missing_file_is_named() {
    let (err, message) = error_for("order.csv", None).await;
    assert!(matches!(err, PipelineError::MissingInput { .. }));
    assert!(
        message.starts_with("raw file 'order.csv' not found in '"),
        "{message}"
    );
    assert!(
        message.contains("boltic generate"),
        "the hint says how to get raw files: {message}"
    );
}

#[tokio::test]
async fn a_wrong_header_is_shown_beside_the_expected_one() {
    let (_, message) = error_for("trip.csv", Some("Trip,Origin,Destination\n1,a,b\n")).await;
    assert_eq!(
        message,
        "'<raw>/trip.csv' line 1: wrong header 'Trip,Origin,Destination'; expected exactly 'Trip ID,Origin City,Destination City,Airplane ID,Start Timestamp,End Timestamp'"
    );
}

#[tokio::test]
async fn malformed_json_points_at_line_and_column() {
    let (_, message) = error_for(
        "aeroplane_model.json",
        Some("{\n  \"Boeing\": {\n    \"737-800\": {\"max_seats\": 189,,}\n  }\n}\n"),
    )
    .await;
    assert_eq!(
        message,
        "'<raw>/aeroplane_model.json' line 3 column 34: malformed JSON: key must be a string"
    );
}

#[tokio::test]
async fn a_catalogue_of_the_wrong_shape_is_explained() {
    let (_, message) = error_for(
        "aeroplane_model.json",
        Some(r#"{"Boeing": {"737-800": {"max_seats": "lots"}}}"#),
    )
    .await;
    assert_eq!(
        message,
        "'<raw>/aeroplane_model.json': 'max_seats' of model 'Boeing' '737-800' must be a number, found \"lots\""
    );
}

#[tokio::test]
async fn an_unparseable_timestamp_names_line_and_column() {
    let trips = format!(
        "{TRIPS_HEADER}1,New York,London,1,2024-08-01 14:30:00,2024-08-02 02:00:00\n2,Tokyo,Paris,2,3rd of August,2024-08-03 17:00:00\n"
    );
    let (_, message) = error_for("trip.csv", Some(&trips)).await;
    assert_eq!(
        message,
        "'<raw>/trip.csv' line 3: 'Start Timestamp' value '3rd of August' is not a timestamp; write it as YYYY-MM-DD HH:MM:SS"
    );
}

#[tokio::test]
async fn a_row_with_too_few_fields_is_refused() {
    let trips = format!("{TRIPS_HEADER}1,New York,London,1,2024-08-01 14:30:00\n");
    let (_, message) = error_for("trip.csv", Some(&trips)).await;
    assert_eq!(
        message,
        "'<raw>/trip.csv' line 2: expected 6 fields like the header, found 5; quote values that contain commas"
    );
}

#[tokio::test]
async fn a_price_that_is_not_a_number_is_refused() {
    let orders =
        "Order ID,Customer ID,Trip ID,Price (EUR),Seat No,Status\n1,3,10,12OO,12A,Finished\n";
    let (_, message) = error_for("order.csv", Some(orders)).await;
    assert_eq!(
        message,
        "'<raw>/order.csv' line 2: 'Price (EUR)' value '12OO' is not a number; write it like 1200 or 1200.50"
    );
}

#[tokio::test]
async fn an_id_that_is_not_a_number_is_refused() {
    let customers = "Customer ID,Name,Customer Group ID,Email,Phone Number\nC-1,John Doe,1,john@x.com,+1 555 123 4567\n";
    let (_, message) = error_for("customer.csv", Some(customers)).await;
    assert_eq!(
        message,
        "'<raw>/customer.csv' line 2: 'Customer ID' value 'C-1' is not a whole number; fix the value or leave it empty"
    );
}

#[tokio::test]
async fn duplicate_and_missing_keys_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let orders = "Order ID,Customer ID,Trip ID,Price (EUR),Seat No,Status\n1,3,10,1200,12a,finished\n1,3,10,1200,12A,Finished\n,3,10,5,1A,Booked\n2,99,77,10,1B,Lost\n";
    let raw = raw_with(dir.path(), "order.csv", Some(orders));
    let warehouse = local(&dir.path().join("wh"));
    let project = Project::load(&demo_project()).unwrap();
    let report = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    let orders = report
        .cleaning
        .iter()
        .find(|c| c.source.ends_with("order.csv"))
        .unwrap();
    assert_eq!((orders.rows_read, orders.rows_written), (4, 2));
    let found: Vec<(String, u64, String)> = orders
        .findings
        .iter()
        .map(|f| (f.what.clone(), f.count, f.examples.join(";")))
        .collect();
    let expect = |what: &str, count: u64, example: &str| {
        assert!(
            found.contains(&(what.to_string(), count, example.to_string())),
            "missing ({what}, {count}, {example}) in {found:?}"
        );
    };
    expect("duplicate 'Order ID' (first kept)", 1, "line 3 (id 1)");
    expect("'Order ID' missing", 1, "line 4");
    expect("seat number uppercased", 1, "line 2 (id 1)");
    expect("status spelling normalized", 1, "line 2 (id 1)");
    expect("unknown customer", 1, "line 5 (id 2)");
    expect("unknown trip", 1, "line 5 (id 2)");
    expect(
        "status not one of Finished/Booked/Cancelled",
        1,
        "line 5 (id 2)",
    );
    // The unknown status fails an 'error' data test: nothing is published. The dangling
    // references only warn (a late-arriving order's trip comes with the next load).
    assert_eq!(report.outcome, boltic_pipeline::Outcome::Blocked);
    let failed: Vec<&str> = report
        .failed_tests()
        .map(|t| t.test.name.as_str())
        .collect();
    assert_eq!(failed, ["accepted_values_fact_orders_status"]);
    let warned: Vec<&str> = report
        .tests
        .iter()
        .filter(|t| t.status == boltic_pipeline::checks::TestStatus::Warn)
        .map(|t| t.test.name.as_str())
        .collect();
    assert!(
        warned.contains(&"relationships_fact_orders_customer_id")
            && warned.contains(&"relationships_fact_orders_trip_id"),
        "{warned:?}"
    );
}

#[tokio::test]
async fn a_bad_location_is_explained() {
    let err = Location::parse("ftp://host/x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid location 'ftp://host/x': the 'ftp' scheme is not supported; use a local folder or s3://bucket/prefix"
    );
    let file = seed_raw().join("trip.csv");
    let err = Location::parse(file.to_str().unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("it is a file; give the folder that holds the files"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not/yet");
    Location::parse(missing.to_str().unwrap()).unwrap();
    assert!(!missing.exists(), "parsing a location creates nothing");
    let dotted = dir.path().join("a/../b");
    let location = Location::parse(dotted.to_str().unwrap()).unwrap();
    assert_eq!(
        location.path("x").as_ref(),
        object_store::path::Path::from_absolute_path(dir.path().join("b/x"))
            .unwrap()
            .as_ref()
    );
    let err = Location::parse("s3:///prefix").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid location 's3:///prefix': the bucket name is missing; write s3://bucket/prefix"
    );
}
