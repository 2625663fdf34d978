//! The raw data generator: formats, determinism, dirt and skew; daily batches in load folders.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use boltic_pipeline::Progress;
use boltic_pipeline::generate::{
    GenerateSummary, Scale, generate, generate_loads, generate_until, list_loads,
};
use chrono::NaiveDate;

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

// ---- daily batches ----

const ORDERS: u64 = 2_000;
const BATCHES: u32 = 4;
const FLAT_FILES: [&str; 6] = [
    "customer_group.csv",
    "customer.csv",
    "aeroplane.csv",
    "aeroplane_model.json",
    "trip.csv",
    "order.csv",
];

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()
}

/// The load dates of [`BATCHES`] batches ending on [`last_day`]: the initial load first.
fn load_dates() -> Vec<String> {
    (0..=BATCHES)
        .map(|i| (last_day() - chrono::Days::new(u64::from(BATCHES - i))).to_string())
        .collect()
}

async fn batched(dir: &Path, seed: u64) -> GenerateSummary {
    generate_loads(
        &local(dir),
        ORDERS,
        seed,
        last_day(),
        BATCHES,
        &Progress::hidden(),
    )
    .await
    .unwrap()
}

/// Every file under `dir`, slash-separated and relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                files.push(relative.to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

/// The data rows of a CSV file.
fn records(path: &Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// `table`'s rows per load (the re-sent file left out), the initial load first.
fn rows_per_load(dir: &Path, table: &str) -> Vec<Vec<Vec<String>>> {
    load_dates()
        .iter()
        .map(|date| {
            // A batch's orders whose status changed come in a file of their own, before its
            // new orders.
            let mut rows = Vec::new();
            for file in [format!("{table}-status.csv"), format!("{table}.csv")] {
                let path = dir.join(format!("{table}/load_date={date}/{file}"));
                if path.exists() {
                    rows.extend(records(&path));
                }
            }
            rows
        })
        .collect()
}

/// The load that first delivers each id of `table`.
fn first_load(dir: &Path, table: &str) -> BTreeMap<u64, usize> {
    let mut first = BTreeMap::new();
    for (load, rows) in rows_per_load(dir, table).iter().enumerate() {
        for row in rows {
            first.entry(row[0].parse::<u64>().unwrap()).or_insert(load);
        }
    }
    first
}

#[tokio::test]
async fn batches_write_one_hive_folder_per_table_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let summary = batched(dir.path(), 1).await;
    let dates = load_dates();
    assert_eq!(dates.first().unwrap(), "2024-12-26");

    let mut expected: Vec<String> = FLAT_FILES
        .iter()
        .map(|file| {
            let table = file.split('.').next().unwrap();
            format!("{table}/load_date={}/{file}", dates[0])
        })
        .collect();
    for date in &dates[1..] {
        for table in ["customer", "trip", "order"] {
            expected.push(format!("{table}/load_date={date}/{table}.csv"));
        }
        expected.push(format!("order/load_date={date}/order-status.csv"));
    }
    // batch 2 of 4 is delivered again by batch 3
    expected.push("order/load_date=2024-12-29/order-resent-2024-12-28.csv".into());
    expected.sort();
    assert_eq!(tree(dir.path()), expected);

    // The summary lists every file with its load, size and rows.
    let mut listed: Vec<String> = summary.files.iter().map(|f| f.path.clone()).collect();
    listed.sort();
    assert_eq!(listed, expected);
    for file in &summary.files {
        let bytes = read(dir.path(), &file.path);
        assert_eq!(file.bytes, bytes.len() as u64, "bytes of {}", file.path);
        assert_eq!(
            file.load_date.map(|d| d.to_string()).as_deref(),
            file.path.split("load_date=").nth(1).map(|rest| &rest[..10]),
            "load of {}",
            file.path
        );
        if file.path.ends_with(".csv") {
            let lines = String::from_utf8(bytes).unwrap().lines().count() as u64;
            assert_eq!(file.rows, lines - 1, "rows of {}", file.path);
        }
    }
    let loads: Vec<String> = summary.loads().iter().map(|d| d.to_string()).collect();
    assert_eq!(loads, dates);
    assert_eq!(
        (summary.batches, summary.scale),
        (BATCHES, Scale::for_orders(ORDERS))
    );

    // The original formats: the same headers as the original files, the same catalogue.
    for path in &expected {
        let name = path.rsplit('/').next().unwrap();
        let original = if name.starts_with("order") && name.ends_with(".csv") {
            "order.csv"
        } else {
            name
        };
        if name.ends_with(".csv") {
            assert_eq!(
                header(&read(dir.path(), path)),
                header(&read(&seed_raw(), original)),
                "header of {path}"
            );
        } else {
            let written: serde_json::Value =
                serde_json::from_slice(&read(dir.path(), path)).unwrap();
            let original: serde_json::Value =
                serde_json::from_slice(&read(&seed_raw(), original)).unwrap();
            assert_eq!(written, original, "{path}");
        }
    }
}

#[tokio::test]
async fn batches_are_a_function_of_the_seed() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    batched(a.path(), 9).await;
    batched(b.path(), 9).await;
    batched(c.path(), 10).await;
    let files = tree(a.path());
    assert_eq!(files, tree(b.path()));
    for file in &files {
        assert!(
            read(a.path(), file) == read(b.path(), file),
            "{file} differs for the same seed"
        );
    }
    let last = "order/load_date=2024-12-30/order.csv";
    assert!(
        read(a.path(), last) != read(c.path(), last),
        "another seed gives other batches"
    );
}

#[tokio::test]
async fn no_batches_write_the_flat_files_unchanged() {
    let (flat, zero) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let summary = generate_until(
        &local(flat.path()),
        5_000,
        9,
        last_day(),
        &Progress::hidden(),
    )
    .await
    .unwrap();
    let zero_summary = generate_loads(
        &local(zero.path()),
        5_000,
        9,
        last_day(),
        0,
        &Progress::hidden(),
    )
    .await
    .unwrap();
    let mut names: Vec<String> = FLAT_FILES.iter().map(|f| f.to_string()).collect();
    names.sort();
    assert_eq!(tree(zero.path()), names);
    for file in FLAT_FILES {
        assert!(
            read(flat.path(), file) == read(zero.path(), file),
            "{file} differs with 0 batches"
        );
    }
    assert!(zero_summary.loads().is_empty() && zero_summary.batches == 0);
    assert_eq!(zero_summary.files, summary.files);
    let rows: HashMap<&str, u64> = summary
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.rows))
        .collect();
    assert_eq!((rows["order.csv"], rows["trip.csv"]), (5_000, 250));
    assert!(list_loads(&local(zero.path())).await.unwrap().is_empty());
}

#[tokio::test]
async fn every_load_together_holds_the_scale() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 2).await;
    let scale = Scale::for_orders(ORDERS);
    for (table, count, per_batch) in [
        ("customer_group", scale.customer_groups, 0),
        ("aeroplane", scale.aeroplanes, 0),
        ("customer", scale.customers, scale.customers / 100),
        ("trip", scale.trips, scale.trips / 100),
        ("order", scale.orders, scale.orders / 100),
    ] {
        let first = first_load(dir.path(), table);
        let ids: Vec<u64> = first.keys().copied().collect();
        assert_eq!(ids, (1..=count).collect::<Vec<_>>(), "{table} ids");
        // Each batch delivers the next 1% of the ids.
        let mut per_load = vec![0u64; BATCHES as usize + 1];
        let mut last_load = 0;
        for (&id, &load) in &first {
            assert!(load >= last_load, "{table} {id}: ids continue over loads");
            last_load = load;
            per_load[load] += 1;
        }
        assert_eq!(
            per_load[1..],
            vec![per_batch; BATCHES as usize],
            "{table} new rows per batch"
        );
    }
}

#[tokio::test]
async fn an_order_changes_status_once_from_booked_to_finished_or_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 3).await;
    let mut history: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    for (load, rows) in rows_per_load(dir.path(), "order").into_iter().enumerate() {
        for row in rows {
            history.entry(row[0].clone()).or_default().push((load, row));
        }
    }
    let mut changes = vec![0u32; BATCHES as usize + 1];
    for (id, deliveries) in &history {
        match &deliveries[..] {
            [_] => {}
            [(first_load, first), (then, again)] => {
                assert!(then > first_load, "order {id} changes in a later load");
                assert_eq!(first[5], "Booked", "order {id} was first booked");
                assert!(
                    again[5] == "Finished" || again[5] == "Cancelled",
                    "order {id} became {}",
                    again[5]
                );
                assert_eq!(
                    first[..5],
                    again[..5],
                    "order {id}: only the status changes"
                );
                changes[*then] += 1;
            }
            more => panic!("order {id} delivered {} times", more.len()),
        }
    }
    // About 1% of 2,000 orders per batch.
    for (batch, n) in changes.iter().enumerate().skip(1) {
        assert!((8..=40).contains(n), "batch {batch}: {n} status changes");
    }

    // New orders of a batch are mostly booked; the initial load has the usual mix.
    let first = first_load(dir.path(), "order");
    let share = |load: usize, status: &str| {
        let mine: Vec<_> = history
            .values()
            .filter(|d| first[&d[0].1[0].parse::<u64>().unwrap()] == load)
            .collect();
        mine.iter().filter(|d| d[0].1[5] == status).count() as f64 / mine.len() as f64
    };
    let booked_new = (1..=BATCHES as usize)
        .map(|load| share(load, "Booked"))
        .sum::<f64>()
        / f64::from(BATCHES);
    assert!(booked_new > 0.5, "new orders booked: {booked_new}");
    assert!(
        (0.6..0.8).contains(&share(0, "Finished")),
        "initial orders finished: {}",
        share(0, "Finished")
    );
}

#[tokio::test]
async fn changed_customers_differ_in_email_phone_or_group_only() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 4).await;
    let mut versions: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    for (load, rows) in rows_per_load(dir.path(), "customer")
        .into_iter()
        .enumerate()
    {
        for row in rows {
            versions
                .entry(row[0].clone())
                .or_default()
                .push((load, row));
        }
    }
    let mut changes_per_batch = vec![0u32; BATCHES as usize + 1];
    for (id, rows) in &versions {
        for pair in rows.windows(2) {
            let ((before_load, before), (load, after)) = (&pair[0], &pair[1]);
            assert!(load > before_load, "customer {id} changes in a later load");
            assert_eq!(before[..2], after[..2], "customer {id}: id and name stay");
            assert_ne!(before[2..], after[2..], "customer {id}: re-sent unchanged");
            changes_per_batch[*load] += 1;
        }
    }
    // About 0.5% of 200 customers, at least one, per batch.
    for (batch, n) in changes_per_batch.iter().enumerate().skip(1) {
        assert!((1..=6).contains(n), "batch {batch}: {n} changed customers");
    }
}

#[tokio::test]
async fn late_orders_book_a_trip_first_delivered_in_the_next_load() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 5).await;
    let trips = first_load(dir.path(), "trip");
    let customers = first_load(dir.path(), "customer");
    let mut late = vec![0u32; BATCHES as usize + 1];
    let mut seen = std::collections::HashSet::new();
    for (load, rows) in rows_per_load(dir.path(), "order").into_iter().enumerate() {
        for row in rows {
            if !seen.insert(row[0].clone()) {
                continue; // a status change: the row as first delivered
            }
            let customer = customers[&row[1].parse::<u64>().unwrap()];
            let trip = trips[&row[2].parse::<u64>().unwrap()];
            for (what, of) in [("customer", customer), ("trip", trip)] {
                assert!(
                    of <= load + 1 && (load > 0 || of == 0),
                    "order {} of load {load} books a {what} of load {of}",
                    row[0]
                );
            }
            if trip == load + 1 || customer == load + 1 {
                late[load] += 1;
                assert_eq!(trip, load + 1, "late order {} books a late trip", row[0]);
            }
        }
    }
    assert_eq!(late[0], 0, "{late:?}");
    assert_eq!(
        late[BATCHES as usize], 0,
        "the last batch has no next: {late:?}"
    );
    assert!(
        late[1..BATCHES as usize]
            .iter()
            .all(|&n| (1..=3).contains(&n)),
        "a few late orders per batch: {late:?}"
    );
}

#[tokio::test]
async fn a_batch_is_delivered_again_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 6).await;
    let original = read(dir.path(), "order/load_date=2024-12-28/order.csv");
    let resent = read(
        dir.path(),
        "order/load_date=2024-12-29/order-resent-2024-12-28.csv",
    );
    assert!(original.len() > 100 && original == resent);
    assert!("order-resent-2024-12-28.csv" < "order.csv");
}

#[tokio::test]
async fn list_loads_finds_every_load_in_order() {
    let dir = tempfile::tempdir().unwrap();
    batched(dir.path(), 7).await;
    // Neither flat files nor hidden files nor deeper folders are loads.
    std::fs::write(dir.path().join("order.csv"), "x").unwrap();
    std::fs::write(dir.path().join("order/load_date=2024-12-27/_SUCCESS"), "").unwrap();
    std::fs::create_dir_all(dir.path().join("order/load_date=2024-12-27/part")).unwrap();
    std::fs::write(
        dir.path().join("order/load_date=2024-12-27/part/a.csv"),
        "x",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("order/load_date=latest")).unwrap();
    std::fs::write(dir.path().join("order/load_date=latest/order.csv"), "x").unwrap();

    let loads = list_loads(&local(dir.path())).await.unwrap();
    let listed: Vec<(String, String, Vec<String>)> = loads
        .iter()
        .map(|load| {
            let names = load
                .files
                .iter()
                .map(|f| f.path.rsplit('/').next().unwrap().to_string())
                .collect();
            (load.table.clone(), load.load_date.to_string(), names)
        })
        .collect();
    let dates = load_dates();
    let mut expected = Vec::new();
    for table in [
        "aeroplane",
        "aeroplane_model",
        "customer",
        "customer_group",
        "order",
        "trip",
    ] {
        let extension = if table == "aeroplane_model" {
            "json"
        } else {
            "csv"
        };
        let days = match table {
            "customer" | "order" | "trip" => &dates[..],
            _ => &dates[..1],
        };
        for date in days {
            let mut files = vec![format!("{table}.{extension}")];
            if table == "order" && date != &dates[0] {
                files.insert(0, "order-status.csv".into());
            }
            if table == "order" && date == "2024-12-29" {
                files.insert(0, "order-resent-2024-12-28.csv".into());
            }
            expected.push((table.to_string(), date.clone(), files));
        }
    }
    assert_eq!(listed, expected);
    for load in &loads {
        for file in &load.files {
            assert_eq!(
                file.size,
                read(dir.path(), &file.path).len() as u64,
                "{}",
                file.path
            );
        }
    }
    let missing = dir.path().join("nothing-here");
    assert!(list_loads(&local(&missing)).await.unwrap().is_empty());
}
