//! Publishing that two writers cannot break, retention that spares what servers read, and a
//! warehouse that stays readable when its newest manifest or files are damaged.

use std::time::Duration;

use boltic_pipeline::warehouse::{ReaderLease, entry_path};
use boltic_pipeline::{
    Location, Outcome, PipelineError, Project, RunOptions, RunReport, Warehouse,
};
use datafusion::prelude::SessionContext;

use crate::support::*;

/// A fresh warehouse folder, the seed's raw files and the demo project.
struct Scene {
    dir: tempfile::TempDir,
    location: Location,
    raw: Location,
    project: Project,
    warehouse: Warehouse,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let location = local(&dir.path().join("wh"));
    Scene {
        warehouse: Warehouse::new(location.clone()),
        location,
        raw: local(&seed_raw()),
        project: Project::load(&demo_project()).unwrap(),
        dir,
    }
}

/// Two published versions of the seed data (entries 1 and 2).
async fn two_versions(
    location: &Location,
    raw: &Location,
    project: &Project,
) -> (RunReport, RunReport) {
    let first = run(raw, location, project, &RunOptions::default())
        .await
        .unwrap();
    let second = run(raw, location, project, &forced()).await.unwrap();
    (first, second)
}

fn keep(n: usize) -> RunOptions {
    RunOptions {
        keep_versions: n,
        force: true,
        ..RunOptions::default()
    }
}

#[tokio::test]
async fn two_runs_at_once_publish_one_version_and_the_other_says_why() {
    let Scene {
        location: warehouse,
        raw,
        project,
        ..
    } = scene();
    let options = RunOptions::default();
    let (a, b) = tokio::join!(
        run(&raw, &warehouse, &project, &options),
        run(&raw, &warehouse, &project, &options)
    );
    let (published, refused) = match (a, b) {
        (Ok(p), Err(e)) | (Err(e), Ok(p)) => (p, e),
        other => panic!("expected one run to publish and one to be refused, got {other:?}"),
    };
    assert_eq!(published.outcome, Outcome::Published);
    assert!(
        matches!(refused, PipelineError::WarehouseBusy { .. }),
        "{refused}"
    );
    let message = refused.to_string();
    assert!(
        message.contains(&format!("process {}", std::process::id()))
            && message.contains("is being built by another run")
            && message.contains("wait for it to finish and run again"),
        "{message}"
    );
    // One version, whole, and the lease is gone: the next run goes ahead.
    assert_eq!(warehouse.list_folders("versions").await.unwrap().len(), 1);
    assert_eq!(manifest(&warehouse).await.version, published.version);
    assert_eq!(
        one(query(&warehouse, "select count(*) from fact_orders").await),
        "20"
    );
    let next = run(&raw, &warehouse, &project, &forced()).await.unwrap();
    assert_eq!(next.outcome, Outcome::Published);
    assert_eq!(manifest(&warehouse).await.sequence, 2);
}

#[tokio::test]
async fn publishing_never_overwrites_a_manifest_entry() {
    let Scene {
        location,
        raw,
        project,
        warehouse,
        ..
    } = scene();
    let first = run(&raw, &location, &project, &RunOptions::default())
        .await
        .unwrap();
    let mut stale = manifest(&location).await;
    assert_eq!(stale.sequence, 1);
    // A run that read the log before `first` was published would try to create entry 1 too.
    stale.version = "20000101T000000000Z-dead".into();
    let err = warehouse.publish(&stale).await.unwrap_err();
    assert!(
        matches!(err, PipelineError::PublishConflict { sequence: 1, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!(
            "another run published version '{}'",
            first.version
        )) && err.to_string().contains("nothing was overwritten"),
        "{err}"
    );
    assert_eq!(manifest(&location).await.version, first.version);
}

#[tokio::test]
async fn a_lease_left_by_a_dead_run_is_taken_over_and_a_live_one_is_respected() {
    let Scene {
        location,
        raw,
        project,
        warehouse,
        ..
    } = scene();

    // Held by a live run (this process): refused, naming it.
    let held = warehouse.lease(Duration::from_secs(60)).await.unwrap();
    let err = run(&raw, &location, &project, &RunOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PipelineError::WarehouseBusy { .. }), "{err}");
    held.release().await.unwrap();
    assert!(
        location
            .read_optional("_boltic/run-lease.json")
            .await
            .unwrap()
            .is_none()
    );

    // Left by a process of this host that no longer exists (pids never reach 2^31).
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let dead = serde_json::json!({
        "id": "0", "host": host.trim(), "pid": 2147483647u32,
        "acquired_at": "2026-01-01T00:00:00Z", "expires_at": "2999-01-01T00:00:00Z"
    });
    location
        .write("_boltic/run-lease.json", dead.to_string())
        .await
        .unwrap();
    let report = run(&raw, &location, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Published);

    // Left by a run on another host, expired: taken over; unexpired: respected.
    let other = |expires: &str| {
        serde_json::json!({
            "id": "1", "host": "elsewhere", "pid": 1,
            "acquired_at": "2026-01-01T00:00:00Z", "expires_at": expires
        })
        .to_string()
    };
    location
        .write("_boltic/run-lease.json", other("2026-01-01T00:01:00Z"))
        .await
        .unwrap();
    run(&raw, &location, &project, &forced()).await.unwrap();
    location
        .write("_boltic/run-lease.json", other("2999-01-01T00:00:00Z"))
        .await
        .unwrap();
    let err = run(&raw, &location, &project, &forced()).await.unwrap_err();
    assert!(
        err.to_string().contains("process 1 on 'elsewhere'")
            && err.to_string().contains("expires at 2999-01-01"),
        "{err}"
    );
}

#[tokio::test]
async fn clean_up_keeps_the_versions_servers_read() {
    let Scene {
        location,
        raw,
        project,
        warehouse,
        ..
    } = scene();
    let first = run(&raw, &location, &project, &keep(1)).await.unwrap();
    let server = ReaderLease::new();
    warehouse
        .hold(
            &server,
            std::slice::from_ref(&first.version),
            Duration::from_secs(300),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        run(&raw, &location, &project, &keep(1)).await.unwrap();
    }
    let on_disk = location.list_folders("versions").await.unwrap();
    assert_eq!(on_disk.len(), 2, "the newest and the one read: {on_disk:?}");
    assert!(on_disk.contains(&first.version));
    // The read version's files are all still there for the server.
    let sequences = warehouse.sequences().await.unwrap();
    assert!(
        sequences.contains(&1),
        "its log entry is kept: {sequences:?}"
    );
    let entry = warehouse.entry(1).await.unwrap().manifest.unwrap();
    assert_eq!(warehouse.check_files(&entry).await.unwrap(), Ok(()));

    // Once the server lets go, the next run's clean-up removes it.
    warehouse.release_reader(&server).await.unwrap();
    let last = run(&raw, &location, &project, &keep(1)).await.unwrap();
    assert_eq!(
        location.list_folders("versions").await.unwrap(),
        vec![last.version.clone()]
    );
    assert_eq!(warehouse.sequences().await.unwrap(), vec![4]);
}

#[tokio::test]
async fn an_expired_reader_lease_protects_nothing() {
    let Scene {
        location,
        raw,
        project,
        warehouse,
        ..
    } = scene();
    let first = run(&raw, &location, &project, &keep(1)).await.unwrap();
    warehouse
        .hold(
            &ReaderLease::new(),
            std::slice::from_ref(&first.version),
            Duration::ZERO,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = run(&raw, &location, &project, &keep(1)).await.unwrap();
    assert_eq!(
        location.list_folders("versions").await.unwrap(),
        vec![second.version]
    );
    assert!(
        location
            .list_files("_boltic/readers")
            .await
            .unwrap()
            .is_empty(),
        "the expired lease is removed"
    );
}

#[tokio::test]
async fn a_damaged_newest_manifest_falls_back_and_the_next_run_repairs_it() {
    let Scene {
        dir,
        location,
        raw,
        project,
        warehouse,
    } = scene();
    let (first, second) = two_versions(&location, &raw, &project).await;
    assert_eq!(manifest(&location).await.version, second.version);

    // A torn write: the newest entry cut in the middle.
    let path = dir.path().join("wh").join(entry_path(2));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();

    let current = manifest(&location).await;
    assert_eq!(
        current.version, first.version,
        "readers fall back to entry 1"
    );
    let published = warehouse.published().await.unwrap();
    assert_eq!(published.manifest.unwrap().version, first.version);
    assert_eq!(published.last_sequence, 2);
    assert!(
        published.skipped[0].contains("is damaged"),
        "{:?}",
        published.skipped
    );
    assert_eq!(
        one(query(&location, "select count(*) from fact_orders").await),
        "20"
    );

    // Same inputs, but not "up to date": the run publishes entry 3 and readers move to it.
    let repair = run(&raw, &location, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(repair.outcome, Outcome::Published);
    let repaired = manifest(&location).await;
    assert_eq!((repaired.sequence, repaired.version), (3, repair.version));
}

#[tokio::test]
async fn readers_read_exactly_the_listed_files_and_skip_an_incomplete_version() {
    let Scene {
        dir,
        location,
        raw,
        project,
        warehouse,
    } = scene();
    let (first, second) = two_versions(&location, &raw, &project).await;
    let listed = manifest(&location).await.tables["fact_orders"]
        .files
        .clone()
        .expect("format 2 lists files");
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|f| f.size > 0));

    // A stray copy of a data file in the table's folder is not read (it would double the rows):
    // neither by a session that registered the tables before it came (the folder's listing is
    // the manifest's) nor by one that registers them after (each listed file on its own).
    let ctx = SessionContext::new();
    warehouse
        .register(&ctx, &manifest(&location).await)
        .await
        .unwrap();
    let folder = dir.path().join("wh").join(&listed[0].path);
    std::fs::copy(&folder, folder.with_file_name("stray.parquet")).unwrap();
    let count = "select count(*) from fact_orders";
    assert_eq!(one(query_in(&ctx, count).await), "20");
    assert_eq!(one(query(&location, count).await), "20");

    // A listed file gone: the version is skipped for the one before it, and named.
    std::fs::remove_file(&folder).unwrap();
    let published = warehouse.published().await.unwrap();
    assert_eq!(published.manifest.unwrap().version, first.version);
    assert!(
        published.skipped[0].contains(&format!(
            "version '{}' (manifest 2) is incomplete",
            second.version
        )) && published.skipped[0].contains("of table 'fact_orders' is missing"),
        "{:?}",
        published.skipped
    );
}

#[tokio::test]
async fn switching_versions_forgets_what_the_runtime_cached_about_the_old_one() {
    let Scene {
        location,
        raw,
        project,
        warehouse,
        ..
    } = scene();
    two_versions(&location, &raw, &project).await;
    let old = warehouse.entry(1).await.unwrap().manifest.unwrap();
    let new = warehouse.entry(2).await.unwrap().manifest.unwrap();
    // Two sessions on one runtime, as the server switches versions: each reads its version.
    let first = SessionContext::new();
    let second =
        SessionContext::new_with_config_rt(Default::default(), first.runtime_env().clone());
    warehouse.register(&first, &old).await.unwrap();
    warehouse.register(&second, &new).await.unwrap();
    let sql = "select count(*) from fact_orders where order_id > 3";
    assert_eq!(query_in(&first, sql).await, query_in(&second, sql).await);
    let runtime = first.runtime_env();
    let footers = || -> Vec<String> {
        let cache = runtime.cache_manager.get_file_metadata_cache();
        cache
            .list_entries()
            .into_keys()
            .map(|p| p.to_string())
            .collect()
    };
    let under = |version: &str| {
        let folder = format!("/{version}/");
        footers().iter().filter(|p| p.contains(&folder)).count()
    };
    assert!(
        under(&old.version) > 0 && under(&new.version) > 0,
        "{:?}",
        footers()
    );

    let before = under(&old.version);
    let dropped = warehouse.forget_other_versions(&runtime, &[&new]);
    assert!(
        dropped >= before,
        "dropped {dropped} of {before} footers and more"
    );
    assert_eq!(under(&old.version), 0, "{:?}", footers());
    assert!(under(&new.version) > 0, "the served version's footers stay");
    let stats = runtime.cache_manager.get_file_statistic_cache().unwrap();
    assert!(
        stats
            .list_entries()
            .keys()
            .all(|k| !k.path.as_ref().contains(&old.version)),
        "statistics of the old version stay cached"
    );
    // The session still answers from the served version.
    assert_eq!(query_in(&second, sql).await, query_in(&first, sql).await);
}

#[tokio::test]
async fn a_warehouse_published_before_the_log_is_read_and_upgraded() {
    let Scene {
        location,
        raw,
        project,
        ..
    } = scene();
    let first = run(&raw, &location, &project, &RunOptions::default())
        .await
        .unwrap();
    // Rewrite it as the format-1 layout: one manifest.json naming folders.
    let mut old: serde_json::Value = serde_json::from_slice(
        &location
            .read_optional(&entry_path(1))
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    old["format"] = 1.into();
    old.as_object_mut().unwrap().remove("sequence");
    for table in old["tables"].as_object_mut().unwrap().values_mut() {
        table.as_object_mut().unwrap().remove("files");
    }
    location
        .write("_boltic/manifest.json", old.to_string())
        .await
        .unwrap();
    location.delete(&entry_path(1)).await.unwrap();

    let legacy = manifest(&location).await;
    assert_eq!(
        (legacy.sequence, legacy.version.as_str()),
        (0, first.version.as_str())
    );
    assert_eq!(
        one(query(&location, "select count(*) from fact_orders").await),
        "20"
    );
    let next = run(&raw, &location, &project, &forced()).await.unwrap();
    let upgraded = manifest(&location).await;
    assert_eq!((upgraded.sequence, upgraded.version), (1, next.version));
    assert_eq!(upgraded.history[1], first.version);
    assert!(
        location
            .read_optional("_boltic/manifest.json")
            .await
            .unwrap()
            .is_none(),
        "the format-1 manifest is gone once the log holds the current version"
    );
}
