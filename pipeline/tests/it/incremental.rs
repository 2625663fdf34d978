//! Runs over load folders: an initial load plus daily batches applied one run at a time give the
//! tables a single full build over every batch gives; a run reads only the loads no published
//! version applied, upserts them by key with Delta MERGE, and a re-delivered file or a run with
//! nothing new changes no table.

use std::collections::BTreeMap;
use std::path::Path;

use boltic_pipeline::checks::TestScope;
use boltic_pipeline::generate::{generate_loads, list_loads};
use boltic_pipeline::{Location, Outcome, PipelineError, Progress, Project, RunOptions};
use chrono::NaiveDate;

use crate::support::*;

const ORDERS: u64 = 3_000;
const BATCHES: u32 = 10;
const SEED: u64 = 21;

const NORMALIZED: [(&str, &str); 6] = [
    ("aeroplane_models", "manufacturer, model"),
    ("customer_groups", "customer_group_id"),
    ("aeroplanes", "aeroplane_id"),
    ("customers", "customer_id"),
    ("trips", "trip_id"),
    ("orders", "order_id"),
];

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()
}

/// Generate the initial load and [`BATCHES`] batches in `dir`; the load dates, oldest first.
pub(crate) async fn generated(dir: &Path) -> Vec<NaiveDate> {
    generate_loads(
        &local(dir),
        ORDERS,
        SEED,
        last_day(),
        BATCHES,
        &Progress::hidden(),
    )
    .await
    .unwrap();
    let mut dates: Vec<NaiveDate> = list_loads(&local(dir))
        .await
        .unwrap()
        .iter()
        .map(|l| l.load_date)
        .collect();
    dates.sort();
    dates.dedup();
    assert_eq!(dates.len(), BATCHES as usize + 1);
    dates
}

/// Copy the files of the loads of `date` from `all` into `raw`; their paths.
pub(crate) fn deliver(all: &Path, raw: &Path, date: NaiveDate) -> Vec<String> {
    let folder = format!("load_date={date}");
    let mut copied = Vec::new();
    for table in std::fs::read_dir(all).unwrap() {
        let table = table.unwrap().path();
        let from = table.join(&folder);
        if !from.is_dir() {
            continue;
        }
        let name = table.file_name().unwrap().to_str().unwrap().to_string();
        let to = raw.join(&name).join(&folder);
        std::fs::create_dir_all(&to).unwrap();
        for file in std::fs::read_dir(&from).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
            copied.push(format!(
                "{name}/{folder}/{}",
                file.file_name().to_str().unwrap()
            ));
        }
    }
    copied.sort();
    copied
}

/// Every row of every table (normalized and models), sorted, as text.
pub(crate) async fn contents(warehouse: &Location) -> BTreeMap<String, Vec<Vec<String>>> {
    let manifest = manifest(warehouse).await;
    let mut tables = BTreeMap::new();
    for name in manifest.tables.keys() {
        let mut rows = query(warehouse, &format!("SELECT * FROM {name}")).await;
        rows.sort();
        tables.insert(name.clone(), rows);
    }
    tables
}

#[tokio::test]
async fn batches_applied_one_run_at_a_time_equal_a_full_build_over_all_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    let dates = generated(&all).await;
    let project = Project::load(&demo_project()).unwrap();
    let options = RunOptions::default();

    // One run per load, each reading only what it has not seen.
    let raw_dir = dir.path().join("raw");
    let raw = local(&raw_dir);
    let warehouse = local(&dir.path().join("daily"));
    let mut updated_orders = 0;
    let mut unchanged_orders = 0;
    for (i, date) in dates.iter().enumerate() {
        let delivered = deliver(&all, &raw_dir, *date);
        let report = run(&raw, &warehouse, &project, &options).await.unwrap();
        let failed: Vec<String> = report
            .failed_tests()
            .map(|t| format!("{}: {} rows", t.test.name, t.failing_rows))
            .collect();
        assert_eq!(
            report.outcome,
            Outcome::Published,
            "load {date}: {failed:?}"
        );
        assert_eq!(report.loads_read, delivered, "load {date}");
        assert_eq!(report.incremental, i > 0, "load {date}");
        if i > 0 {
            let orders = report
                .changes
                .iter()
                .find(|c| c.name == "orders")
                .expect("every batch has orders");
            assert!(orders.inserted > 0, "load {date}: {orders:?}");
            updated_orders += orders.updated;
            unchanged_orders += orders.unchanged;
            // A batch's status changes are neighbours in id order, the table's files runs of
            // ids with their ranges in the Delta log: the MERGE rewrites one file, the new
            // orders are appended.
            assert_eq!(orders.files_removed, 1, "load {date}: {orders:?}");
            let customers = report.changes.iter().find(|c| c.name == "customers");
            assert!(customers.is_some_and(|c| c.inserted > 0), "load {date}");
            // The incremental model took only the new and changed orders, and its column tests
            // looked at those rows (with `unique` against the whole table).
            let facts = report.changes.iter().find(|c| c.name == "fact_orders");
            let changed = facts.map(|f| f.inserted + f.updated);
            for test in report
                .tests
                .iter()
                .filter(|t| t.test.table.as_deref() == Some("fact_orders"))
            {
                assert_eq!(
                    test.scope,
                    TestScope::Changed,
                    "load {date}: {}",
                    test.test.name
                );
                assert_eq!(
                    test.checked_rows, changed,
                    "load {date}: {}",
                    test.test.name
                );
            }
            assert!(
                facts.is_some_and(|f| f.inserted == orders.inserted
                    && f.updated >= orders.updated
                    && f.inserted + f.updated + f.unchanged
                        < 2 * (orders.inserted + orders.updated) + 100),
                "load {date}: {facts:?} for {orders:?}"
            );
        }
        if i == 0 {
            assert!(report.tests.iter().all(|t| t.scope == TestScope::Table));
            // Every file's key range is in its Delta statistics.
            let log = dir
                .path()
                .join("daily/normalized/orders/_delta_log/00000000000000000000.json");
            let mut ranges = 0;
            for line in std::fs::read_to_string(log).unwrap().lines() {
                let action: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(stats) = action.pointer("/add/stats").and_then(|s| s.as_str()) {
                    let stats: serde_json::Value = serde_json::from_str(stats).unwrap();
                    let (lo, hi) = (
                        &stats["minValues"]["order_id"],
                        &stats["maxValues"]["order_id"],
                    );
                    assert!(lo.as_i64().unwrap() <= hi.as_i64().unwrap(), "{stats}");
                    assert_eq!(stats["nullCount"]["order_id"], 0, "{stats}");
                    ranges += 1;
                }
            }
            assert!(ranges > 0);
        }
        let manifest = manifest(&warehouse).await;
        let applied: Vec<&str> = manifest.loads.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            applied.len(),
            list_loads(&raw)
                .await
                .unwrap()
                .iter()
                .map(|l| l.files.len())
                .sum::<usize>()
        );
    }
    // Statuses moved on, and the re-delivered file's rows changed nothing.
    assert!(updated_orders > 0);
    assert!(unchanged_orders > 0);
    // An independent reader sees the merged Delta tables as Boltic does, at each kept version.
    let last = manifest(&warehouse).await.sequence;
    for sequence in last - 2..=last {
        crate::delta::python_reads_what_boltic_reads(&dir.path().join("daily"), sequence).await;
    }

    // The same batches in one full build.
    let full = local(&dir.path().join("full"));
    let report = run(&local(&all), &full, &project, &options).await.unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    assert!(!report.incremental);
    // Orders were cleaned newest load first, each superseded delivery left out, written once.
    let orders: Vec<_> = report
        .cleaning
        .iter()
        .filter(|c| c.source.contains("order/load_date="))
        .collect();
    assert_eq!(
        orders.len(),
        list_loads(&local(&all))
            .await
            .unwrap()
            .iter()
            .filter(|l| l.table == "order")
            .map(|l| l.files.len())
            .sum::<usize>()
    );
    assert!(orders.iter().map(|c| c.rows_replaced).sum::<u64>() >= updated_orders);
    let built = manifest(&full).await.tables["orders"].rows;
    assert_eq!(orders.iter().map(|c| c.rows_written).sum::<u64>(), built);
    assert!(report.to_string().contains("replaced by later loads"));
    let daily = contents(&warehouse).await;
    let once = contents(&full).await;
    assert_eq!(
        daily.keys().collect::<Vec<_>>(),
        once.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &once {
        assert!(!rows.is_empty(), "{table}");
        assert!(
            daily[table] == *rows,
            "table '{table}' differs between daily runs and one build"
        );
    }
    // Each key once: the last delivered version of the row.
    for (table, key) in NORMALIZED {
        let dupes = query(
            &warehouse,
            &format!("SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1"),
        )
        .await;
        assert!(dupes.is_empty(), "{table}: {dupes:?}");
    }

    // The customers' history: every change with the load date it came in, one version in force.
    let history = |sql: &'static str| query(&warehouse, sql);
    let changed = history(
        "SELECT count(*) FROM (SELECT customer_id FROM dim_customers_history \
         GROUP BY customer_id HAVING count(*) > 1)",
    )
    .await;
    assert_ne!(
        changed,
        vec![vec!["0".to_string()]],
        "some customers changed"
    );
    let current = history(
        "SELECT count(*) FROM dim_customers_history h JOIN customers c \
         ON h.customer_id = c.customer_id AND (h.email IS NOT DISTINCT FROM c.email) \
         AND (h.phone IS NOT DISTINCT FROM c.phone) \
         AND (h.customer_group_id IS NOT DISTINCT FROM c.customer_group_id) WHERE h.is_current",
    )
    .await;
    let customers = history("SELECT count(*) FROM customers").await;
    assert_eq!(
        current, customers,
        "the version in force is the customer's row"
    );
    let gaps = history(
        "SELECT count(*) FROM (SELECT valid_to, lead(valid_from) OVER \
         (PARTITION BY customer_id ORDER BY valid_from) AS next FROM dim_customers_history) \
         WHERE valid_to IS DISTINCT FROM next",
    )
    .await;
    assert_eq!(
        gaps,
        vec![vec!["0".to_string()]],
        "each version ends when the next starts"
    );
    let first = history("SELECT min(valid_from) FROM dim_customers_history").await;
    assert_eq!(first, vec![vec![dates[0].to_string()]]);

    // Nothing new: up to date; forced, it publishes without a new Delta version of any table.
    let before = manifest(&warehouse).await;
    let report = run(&raw, &warehouse, &project, &options).await.unwrap();
    assert_eq!(report.outcome, Outcome::UpToDate);
    let report = run(&raw, &warehouse, &project, &forced()).await.unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    assert!(report.loads_read.is_empty());
    let after = manifest(&warehouse).await;
    for (name, table) in &before.tables {
        assert_eq!(after.tables[name].delta, table.delta, "{name}");
        assert_eq!(after.tables[name].files, table.files, "{name}");
    }
    assert_eq!(contents(&warehouse).await, daily);
}

/// A full build writes a snapshot's source from the history's versions in force only when the
/// history is keyed as the table: a history of each customer's emails (in force: one row per
/// customer and email ever delivered) leaves `customers` one row per customer.
#[tokio::test]
async fn a_snapshot_keyed_otherwise_than_its_source_leaves_the_source_one_row_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    generated(&all).await;
    let models = dir.path().join("project/models");
    std::fs::create_dir_all(&models).unwrap();
    for file in std::fs::read_dir(demo_project().join("models")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), models.join(file.file_name())).unwrap();
    }
    // Read before schema.yml: the first snapshot of `customers`.
    std::fs::write(
        models.join("a_emails.yml"),
        "snapshots:\n  - name: customer_emails\n    source: customers\n    unique_key: [customer_id, email]\n",
    )
    .unwrap();
    let project = Project::load(&dir.path().join("project")).unwrap();
    let warehouse = local(&dir.path().join("warehouse"));
    let report = run(&local(&all), &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    let count = |sql: &'static str| {
        let warehouse = warehouse.clone();
        async move { one(query(&warehouse, sql).await) }
    };
    let customers = count("SELECT count(*) FROM customers").await;
    assert_eq!(
        customers,
        count("SELECT count(DISTINCT customer_id) FROM customers").await
    );
    assert_eq!(
        customers,
        count("SELECT count(*) FROM dim_customers_history WHERE is_current").await
    );
    let emails: u64 = count("SELECT count(*) FROM customer_emails WHERE is_current")
        .await
        .parse()
        .unwrap();
    assert!(
        emails > customers.parse().unwrap(),
        "some customers changed their email: {emails} versions in force for {customers}"
    );
}

#[tokio::test]
async fn a_re_delivered_file_changes_no_table_and_a_changed_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    let dates = generated(&all).await;
    let project = Project::load(&demo_project()).unwrap();
    let raw_dir = dir.path().join("raw");
    let raw = local(&raw_dir);
    let warehouse = local(&dir.path().join("wh"));
    for date in &dates[..3] {
        deliver(&all, &raw_dir, *date);
    }
    run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    let before = manifest(&warehouse).await;

    // Yesterday's orders again, under a new name in a new load folder.
    let old = raw_dir.join(format!("order/load_date={}/order.csv", dates[2]));
    let again = raw_dir.join(format!("order/load_date={}", dates[3]));
    std::fs::create_dir_all(&again).unwrap();
    std::fs::copy(&old, again.join("order-again.csv")).unwrap();
    let report = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    let orders = &report.changes[0];
    assert_eq!(
        (orders.name.as_str(), orders.inserted, orders.updated),
        ("orders", 0, 0)
    );
    assert!(orders.unchanged > 0);
    let after = manifest(&warehouse).await;
    for (name, table) in &before.tables {
        assert_eq!(after.tables[name].delta, table.delta, "{name}");
    }

    // An applied file that changed is refused, naming it; a full refresh reads it again.
    let mut bytes = std::fs::read(&old).unwrap();
    bytes.extend_from_slice(b"999999,1,1,100,1A,Booked\n");
    std::fs::write(&old, bytes).unwrap();
    let error = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, PipelineError::ChangedLoad { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("load_date={}/order.csv", dates[2])),
        "{message}"
    );
    assert!(message.contains("--full-refresh"), "{message}");
    let options = RunOptions {
        full_refresh: true,
        ..RunOptions::default()
    };
    let report = run(&raw, &warehouse, &project, &options).await.unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    let found = query(
        &warehouse,
        "SELECT status FROM orders WHERE order_id = 999999",
    )
    .await;
    assert_eq!(found, vec![vec!["Booked".to_string()]]);
}
