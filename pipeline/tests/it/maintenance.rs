//! Maintenance of a warehouse that incremental runs MERGEd into: compaction (Delta OPTIMIZE)
//! publishes a version with fewer files and the same rows, earlier versions keep their files
//! until vacuum removes them, vacuum never removes what a kept version or a server reads, and
//! runs compact by policy.

use std::collections::BTreeSet;
use std::time::Duration;

use boltic_pipeline::maintenance::{self, CompactPolicy, MaintenanceOptions};
use boltic_pipeline::warehouse::{ReaderLease, Retention};
use boltic_pipeline::{Outcome, PipelineError, Project, RunOptions, Warehouse};

use crate::incremental::{contents, deliver, generated};
use crate::support::*;

fn keep(versions: usize) -> MaintenanceOptions {
    MaintenanceOptions {
        retention: Retention {
            versions,
            since: None,
        },
        ..MaintenanceOptions::default()
    }
}

/// Every data file under the warehouse folder, relative to it.
fn data_files(dir: &std::path::Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                let relative = path.strip_prefix(dir).unwrap();
                files.insert(relative.to_str().unwrap().to_string());
            }
        }
    }
    files
}

#[tokio::test]
async fn optimize_compacts_without_changing_a_row_and_vacuum_keeps_what_kept_versions_need() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    let dates = generated(&all).await;
    let project = Project::load(&demo_project()).unwrap();
    let raw_dir = dir.path().join("raw");
    let raw = local(&raw_dir);
    let folder = dir.path().join("daily");
    let warehouse = local(&folder);
    let store = Warehouse::new(warehouse.clone());

    // Nothing to optimize or vacuum yet: a clear error.
    let error = maintenance::optimize(&warehouse, &keep(10))
        .await
        .unwrap_err();
    assert!(
        matches!(error, PipelineError::NotPublished { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("boltic pipeline run"), "{error}");

    // Daily runs with compaction off: each MERGE leaves more files.
    let no_policy = RunOptions {
        keep_versions: 10,
        compact: CompactPolicy {
            min_small_files: 0,
            ..CompactPolicy::default()
        },
        ..RunOptions::default()
    };
    for date in &dates[..6] {
        deliver(&all, &raw_dir, *date);
        let report = run(&raw, &warehouse, &project, &no_policy).await.unwrap();
        assert_eq!(report.outcome, Outcome::Published, "load {date}");
        assert!(report.compacted.is_empty());
    }
    let before = manifest(&warehouse).await;
    let rows_before = contents(&warehouse).await;
    let files_of = |m: &boltic_pipeline::Manifest, table: &str| {
        m.tables[table].files.as_ref().map_or(0, Vec::len)
    };
    let counts: Vec<(String, usize)> = before
        .tables
        .keys()
        .map(|t| (t.clone(), files_of(&before, t)))
        .collect();
    assert!(counts.iter().any(|(_, n)| *n > 2), "{counts:?}");

    let report = maintenance::optimize(&warehouse, &keep(10)).await.unwrap();
    let version = report.version.clone().expect("something to compact");
    assert_eq!(report.previous_version, before.version);
    assert!(report.removed_versions.is_empty());
    let after = manifest(&warehouse).await;
    assert_eq!(after.version, version);
    assert_eq!(after.sequence, before.sequence + 1);
    assert_eq!(
        after.history[..2],
        [version.clone(), before.version.clone()]
    );
    assert_eq!(
        after.fingerprint, before.fingerprint,
        "the inputs are the same"
    );
    assert_eq!(after.loads, before.loads);
    let compacted: BTreeSet<&str> = report.compacted.iter().map(|c| c.table.as_str()).collect();
    // Every table with two files or more (all small here), and only those.
    let several: BTreeSet<&str> = counts
        .iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(compacted, several);
    for table in &report.compacted {
        assert!(table.files_after < table.files_before, "{table:?}");
        assert_eq!(files_of(&after, &table.table), table.files_after);
        let delta = after.tables[&table.table].delta.as_ref().unwrap();
        assert_eq!(delta.version, table.delta_version);
        assert!(delta.version > before.tables[&table.table].delta.as_ref().unwrap().version);
        assert_eq!(
            after.tables[&table.table].rows,
            before.tables[&table.table].rows
        );
    }
    for (name, entry) in &after.tables {
        if !compacted.contains(name.as_str()) {
            assert_eq!(entry, &before.tables[name], "{name} was not compacted");
        }
    }
    // The same rows, read by Boltic and by an independent Delta reader; the version before
    // still reads whole from its own files.
    assert_eq!(contents(&warehouse).await, rows_before);
    crate::delta::python_reads_what_boltic_reads(&folder, after.sequence).await;
    assert_eq!(store.check_files(&before).await.unwrap(), Ok(()));
    crate::delta::python_reads_what_boltic_reads(&folder, before.sequence).await;
    // The report is readable beside the version.
    let written = warehouse
        .read_optional(&after.report)
        .await
        .unwrap()
        .unwrap();
    let written: serde_json::Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(written["version"], version.as_str());

    // Compacted once, nothing more to do: no new version.
    let again = maintenance::optimize(&warehouse, &keep(10)).await.unwrap();
    assert_eq!(again.version, None, "{again:?}");
    assert_eq!(manifest(&warehouse).await.sequence, after.sequence);

    // Vacuum keeping two versions, while a server reads the first one: that one stays too.
    let all_files = data_files(&folder);
    let first = store.entry(1).await.unwrap().manifest.unwrap();
    let reader = ReaderLease::new();
    store
        .hold(
            &reader,
            std::slice::from_ref(&first.version),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let vacuumed = maintenance::vacuum(&warehouse, &keep(2)).await.unwrap();
    assert_eq!(vacuumed.current_version, after.version);
    assert_eq!(
        vacuumed.kept_versions,
        [
            after.version.clone(),
            before.version.clone(),
            first.version.clone()
        ]
    );
    assert_eq!(vacuumed.removed_versions.len(), 4, "{vacuumed:?}");
    assert!(vacuumed.files_after < vacuumed.files_before, "{vacuumed:?}");
    assert!(vacuumed.bytes_after < vacuumed.bytes_before, "{vacuumed:?}");
    for manifest in [&after, &before, &first] {
        assert_eq!(store.check_files(manifest).await.unwrap(), Ok(()));
    }
    let remaining = data_files(&folder);
    assert!(remaining.len() < all_files.len());
    // What remains is exactly what the kept versions name.
    let named: BTreeSet<String> = [&after, &before, &first]
        .iter()
        .flat_map(|m| m.tables.values())
        .flat_map(|t| t.files.iter().flatten().map(|f| f.path.clone()))
        .collect();
    assert_eq!(remaining, named);

    // The server stopped reading it: the first version goes.
    store.release_reader(&reader).await.unwrap();
    let vacuumed = maintenance::vacuum(&warehouse, &keep(1)).await.unwrap();
    assert_eq!(
        vacuumed.removed_versions,
        [first.version.clone(), before.version.clone()]
    );
    assert_eq!(vacuumed.kept_versions, std::slice::from_ref(&after.version));
    let named: BTreeSet<String> = after
        .tables
        .values()
        .flat_map(|t| t.files.iter().flatten().map(|f| f.path.clone()))
        .collect();
    assert_eq!(data_files(&folder), named);
    assert_eq!(contents(&warehouse).await, rows_before);

    // The next run MERGEs into the compacted tables; by policy it compacts a table again once
    // it has two small files.
    let policy = RunOptions {
        compact: CompactPolicy {
            min_small_files: 2,
            ..CompactPolicy::default()
        },
        ..RunOptions::default()
    };
    deliver(&all, &raw_dir, dates[6]);
    let report = run(&raw, &warehouse, &project, &policy).await.unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    assert!(report.incremental);
    assert!(!report.compacted.is_empty(), "{report}");
    let latest = manifest(&warehouse).await;
    for table in &report.compacted {
        assert_eq!(files_of(&latest, &table.table), table.files_after);
        let summary = report
            .tables
            .iter()
            .find(|t| t.name == table.table)
            .unwrap();
        assert_eq!(summary.files, table.files_after);
    }
    assert!(report.to_string().contains("compacted"), "{report}");
    crate::delta::python_reads_what_boltic_reads(&folder, latest.sequence).await;
}

#[tokio::test]
async fn vacuum_keeps_versions_inside_the_retention_window() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let project = Project::load(&demo_project()).unwrap();
    let options = RunOptions {
        keep_versions: 10,
        ..forced()
    };
    for _ in 0..3 {
        run(&local(&seed_raw()), &warehouse, &project, &options)
            .await
            .unwrap();
    }
    let window = MaintenanceOptions {
        retention: Retention {
            versions: 1,
            since: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        },
        ..MaintenanceOptions::default()
    };
    let vacuumed = maintenance::vacuum(&warehouse, &window).await.unwrap();
    assert!(vacuumed.removed_versions.is_empty(), "{vacuumed:?}");
    assert_eq!(vacuumed.kept_versions.len(), 3);
    assert_eq!(vacuumed.files_after, vacuumed.files_before);
    let vacuumed = maintenance::vacuum(&warehouse, &keep(1)).await.unwrap();
    assert_eq!(vacuumed.removed_versions.len(), 2);
    assert_eq!(vacuumed.kept_versions.len(), 1);
    // A run holds the lease: maintenance waits for no one and says so.
    let store = Warehouse::new(warehouse.clone());
    let lease = store.lease(Duration::from_secs(30)).await.unwrap();
    let busy = maintenance::vacuum(&warehouse, &keep(1)).await.unwrap_err();
    assert!(
        matches!(busy, PipelineError::WarehouseBusy { .. }),
        "{busy}"
    );
    lease.release().await.unwrap();
}

#[tokio::test]
async fn deleting_never_removes_the_folders_that_hold_the_warehouse() {
    // Deleting a file used to remove every folder it emptied up to the file system root: the
    // lease of a failed first run took the user's empty parent folders with it.
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("projects").join("air");
    std::fs::create_dir_all(&parent).unwrap();
    let warehouse = local(&parent.join("wh"));
    let error = maintenance::vacuum(&warehouse, &keep(1)).await.unwrap_err();
    assert!(
        matches!(error, PipelineError::NotPublished { .. }),
        "{error}"
    );
    let project = Project::load(&demo_project()).unwrap();
    let missing = local(&dir.path().join("no-raw-files"));
    assert!(
        run(&missing, &warehouse, &project, &forced())
            .await
            .is_err()
    );
    assert!(
        parent.is_dir(),
        "the folder above the warehouse is still there"
    );
    assert!(dir.path().join("projects").is_dir());

    // Inside the warehouse, the folders of removed versions go with their files.
    let options = RunOptions {
        keep_versions: 1,
        ..forced()
    };
    for _ in 0..2 {
        run(&local(&seed_raw()), &warehouse, &project, &options)
            .await
            .unwrap();
    }
    let current = manifest(&warehouse).await;
    let versions: Vec<String> = std::fs::read_dir(parent.join("wh/versions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
        .collect();
    assert_eq!(versions, std::slice::from_ref(&current.version));
    let orders: Vec<String> = std::fs::read_dir(parent.join("wh/normalized/orders"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
        .filter(|name| name != "_delta_log")
        .collect();
    assert_eq!(orders, std::slice::from_ref(&current.version));
}
