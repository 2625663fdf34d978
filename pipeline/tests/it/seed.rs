//! The original Air Boltic files, unchanged, through the whole pipeline.

use boltic_pipeline::findings::FindingKind;
use boltic_pipeline::{Outcome, Project, RunOptions};

use crate::support::*;

#[test]
fn the_repo_copy_of_the_seed_is_the_original() {
    let shared = repo_root().join("../shared/seed/air_boltic");
    if !shared.exists() {
        // Outside the team's workspace the shared folder is absent; the copy is then the reference.
        return;
    }
    for file in [
        "aeroplane.csv",
        "aeroplane_model.json",
        "customer.csv",
        "customer_group.csv",
        "order.csv",
        "trip.csv",
    ] {
        let original = std::fs::read(shared.join(file)).unwrap();
        let copy = std::fs::read(seed_raw().join(file)).unwrap();
        assert!(
            original == copy,
            "demo/air_boltic/raw/{file} differs from the original"
        );
    }
}

#[tokio::test]
async fn seed_files_build_the_four_star_tables() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let project = Project::load(&demo_project()).unwrap();
    let report = run(
        &local(&seed_raw()),
        &warehouse,
        &project,
        &RunOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.outcome, Outcome::Published);

    let rows = |name: &str| {
        report
            .tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.rows)
    };
    assert_eq!(rows("dim_customers"), Some(20));
    assert_eq!(rows("dim_aeroplane"), Some(10));
    assert_eq!(rows("fact_orders"), Some(20));
    assert_eq!(rows("fact_trips"), Some(20));
    for (table, count) in [
        ("dim_customers", "20"),
        ("dim_aeroplane", "10"),
        ("fact_orders", "20"),
        ("fact_trips", "20"),
    ] {
        assert_eq!(
            one(query(&warehouse, &format!("select count(*) from {table}")).await),
            count
        );
    }

    // The report names the dirty rows it fixed or flagged.
    let finding = |table: &str, what: &str| {
        report
            .cleaning
            .iter()
            .flat_map(|c| &c.findings)
            .find(|f| f.table == table && f.what == what)
            .unwrap_or_else(|| panic!("no finding '{what}' in '{table}'"))
            .clone()
    };
    let trimmed = finding("customers", "email trimmed");
    assert_eq!((trimmed.kind, trimmed.count), (FindingKind::Fixed, 17));
    assert_eq!(trimmed.examples[0], "line 2 (id 1)");
    let missing_group = finding("customers", "points at a missing customer group");
    assert_eq!(
        (missing_group.kind, missing_group.count),
        (FindingKind::Flagged, 7)
    );
    assert_eq!(
        missing_group.examples[..2],
        ["line 7 (id 6)".to_string(), "line 8 (id 7)".to_string()]
    );
    assert_eq!(finding("customers", "email missing").count, 2);
    assert_eq!(finding("customers", "phone missing").count, 3);
    assert_eq!(finding("customers", "phone normalized").count, 17);
    let backwards = finding("trips", "ends before it starts");
    assert_eq!(
        (backwards.count, backwards.examples.clone()),
        (
            2,
            vec!["line 4 (id 3)".to_string(), "line 10 (id 9)".to_string()]
        )
    );

    // The report is also written as JSON next to the tables.
    let manifest = manifest(&warehouse).await;
    let json = warehouse
        .read_optional(&manifest.report)
        .await
        .unwrap()
        .expect("report.json");
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed["outcome"], "published");
    assert!(parsed["tests"].as_array().unwrap().iter().any(|t| t["name"]
        == "relationships_dim_customers_customer_group_id"
        && t["status"] == "warn"
        && t["failing_rows"] == 7));

    // Cleaned values and the star schema's derived columns.
    assert_eq!(
        one(query(&warehouse, "select email, phone, customer_group_type, has_group, has_email, has_phone from dim_customers where customer_id = 1").await),
        "john.doe@gmail.com|+15551234567|Company|true|true|true"
    );
    assert_eq!(
        one(query(&warehouse, "select customer_group_id, has_group, customer_group_name from dim_customers where customer_id = 6").await),
        "6|false|NULL",
        "customer 6 points at group 6, which does not exist"
    );
    assert_eq!(
        one(query(&warehouse, "select manufacturer, model, engine_type, max_seats, max_weight, max_distance, distance_type, size from dim_aeroplane where aeroplane_id = 10").await),
        "Boeing|787-9|GEnx-1B|296|254000|7635|long_haul|big"
    );
    assert_eq!(
        one(query(
            &warehouse,
            "select distance_type, size from dim_aeroplane where aeroplane_id = 4"
        )
        .await),
        "short_haul|small"
    );
    assert_eq!(
        one(query(&warehouse, "select origin_city, destination_city, duration_minutes, aeroplane_model, max_seats from fact_trips where trip_id = 1").await),
        "New York|London|690|737-800|189"
    );
    assert_eq!(
        one(query(
            &warehouse,
            "select duration_minutes from fact_trips where trip_id = 3"
        )
        .await),
        "-420"
    );
    assert_eq!(
        one(query(&warehouse, "select customer_id, trip_id, origin_city, destination_city, price_eur, seat_no, status from fact_orders where order_id = 1").await),
        "3|10|Mumbai|Dubai|1200.0|12A|Finished"
    );
    assert_eq!(
        one(query(&warehouse, "select sum(price_eur) from fact_orders").await),
        "30200.0"
    );
}
