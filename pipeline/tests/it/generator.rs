//! The raw data generator: formats, determinism, dirt and skew.

use std::collections::HashMap;

use boltic_pipeline::Progress;
use boltic_pipeline::generate::generate;

use crate::support::*;

fn read(dir: &std::path::Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

fn header(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn generated_files_have_the_original_formats() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&local(dir.path()), 2_000, 1, &Progress::hidden())
        .await
        .unwrap();
    assert_eq!(summary.scale.orders, 2_000);
    for file in [
        "customer.csv",
        "customer_group.csv",
        "aeroplane.csv",
        "trip.csv",
        "order.csv",
    ] {
        assert_eq!(
            header(&read(dir.path(), file)),
            header(&read(&seed_raw(), file)),
            "header of {file}"
        );
    }
    // The catalogue is nested manufacturer -> model -> specs, with the original keys.
    let catalogue: serde_json::Value =
        serde_json::from_slice(&read(dir.path(), "aeroplane_model.json")).unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&read(&seed_raw(), "aeroplane_model.json")).unwrap();
    assert_eq!(
        catalogue, original,
        "the generator writes the original catalogue"
    );

    let lines = |file: &str| {
        String::from_utf8(read(dir.path(), file))
            .unwrap()
            .lines()
            .count()
            - 1
    };
    assert_eq!(lines("order.csv"), 2_000);
    assert_eq!(lines("trip.csv"), 100);
    assert_eq!(lines("customer.csv"), 200);
    // Timestamps in the original format.
    let trip = String::from_utf8(read(dir.path(), "trip.csv")).unwrap();
    let first = trip.lines().nth(1).unwrap();
    let start = first.split(',').nth(4).unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{start}"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_files() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(&local(a.path()), 5_000, 9, &Progress::hidden())
        .await
        .unwrap();
    generate(&local(b.path()), 5_000, 9, &Progress::hidden())
        .await
        .unwrap();
    generate(&local(c.path()), 5_000, 10, &Progress::hidden())
        .await
        .unwrap();
    for file in [
        "customer.csv",
        "customer_group.csv",
        "aeroplane.csv",
        "trip.csv",
        "order.csv",
        "aeroplane_model.json",
    ] {
        assert!(
            read(a.path(), file) == read(b.path(), file),
            "{file} differs for the same seed"
        );
    }
    assert!(
        read(a.path(), "order.csv") != read(c.path(), "order.csv"),
        "another seed gives other orders"
    );
}

#[tokio::test]
async fn dirt_and_skew_come_at_realistic_rates() {
    let dir = tempfile::tempdir().unwrap();
    generate(&local(dir.path()), 40_000, 3, &Progress::hidden())
        .await
        .unwrap();
    let mut customers = csv::Reader::from_path(dir.path().join("customer.csv")).unwrap();
    let (mut total, mut padded, mut no_email, mut no_phone, mut no_group, mut dangling) =
        (0, 0, 0, 0, 0, 0);
    let groups = String::from_utf8(read(dir.path(), "customer_group.csv"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    for record in customers.records() {
        let r = record.unwrap();
        total += 1;
        padded += (r[3].ends_with(' ')) as u32;
        no_email += r[3].is_empty() as u32;
        no_phone += r[4].is_empty() as u32;
        no_group += r[2].is_empty() as u32;
        dangling += r[2].parse::<u64>().is_ok_and(|g| g > groups) as u32;
    }
    let rate = |n: u32| f64::from(n) / f64::from(total);
    assert!(
        (0.2..0.45).contains(&rate(padded)),
        "padded emails {}",
        rate(padded)
    );
    assert!(
        (0.03..0.1).contains(&rate(no_email)),
        "missing emails {}",
        rate(no_email)
    );
    assert!(
        (0.05..0.15).contains(&rate(no_phone)),
        "missing phones {}",
        rate(no_phone)
    );
    assert!(
        (0.15..0.3).contains(&rate(no_group)),
        "no group {}",
        rate(no_group)
    );
    assert!(
        (0.01..0.06).contains(&rate(dangling)),
        "dangling groups {}",
        rate(dangling)
    );

    let mut orders = csv::Reader::from_path(dir.path().join("order.csv")).unwrap();
    let mut per_customer: HashMap<String, u32> = HashMap::new();
    let mut statuses: HashMap<String, u32> = HashMap::new();
    for record in orders.records() {
        let r = record.unwrap();
        *per_customer.entry(r[1].to_string()).or_default() += 1;
        *statuses.entry(r[5].to_string()).or_default() += 1;
    }
    let mut counts: Vec<u32> = per_customer.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top_share = f64::from(counts.iter().take(total as usize / 100).sum::<u32>()) / 40_000.0;
    assert!(
        top_share > 0.12,
        "the top 1% of customers place {top_share} of orders: not skewed"
    );
    for status in ["Finished", "Booked", "Cancelled", "finished"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) > 0,
            "no '{status}' orders: {statuses:?}"
        );
    }

    let mut trips = csv::Reader::from_path(dir.path().join("trip.csv")).unwrap();
    let (mut backwards, mut london, mut july, mut february, mut n) = (0, 0, 0, 0, 0);
    for record in trips.records() {
        let r = record.unwrap();
        n += 1;
        backwards += (r[5] < r[4]) as u32;
        london += (&r[1] == "London") as u32;
        july += (&r[4][5..7] == "07") as u32;
        february += (&r[4][5..7] == "02") as u32;
    }
    assert!(
        backwards > 0 && f64::from(backwards) / f64::from(n) < 0.05,
        "{backwards} of {n} trips end before they start"
    );
    assert!(
        f64::from(london) / f64::from(n) > 0.08,
        "London is a hub: {london} of {n}"
    );
    assert!(
        july > february * 3 / 2,
        "summer peak: July {july}, February {february}"
    );
}
