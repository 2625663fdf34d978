//! Versions, idempotent re-runs, retention, and data tests that block publishing.

use boltic_pipeline::project::{CustomTest, SchemaFile, Severity};
use boltic_pipeline::{Outcome, Project, RunOptions, Warehouse};

use crate::support::*;

#[tokio::test]
async fn rerunning_on_the_same_input_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let raw = local(&seed_raw());
    let project = Project::load(&demo_project()).unwrap();
    let first = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    let before = query(&warehouse, "select * from fact_orders order by order_id").await;

    let again = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::UpToDate);
    assert_eq!(
        again.version, first.version,
        "no new version for unchanged inputs"
    );

    let forced_run = run(&raw, &warehouse, &project, &forced()).await.unwrap();
    assert_eq!(forced_run.outcome, Outcome::Published);
    assert_ne!(forced_run.version, first.version);
    assert_eq!(
        query(&warehouse, "select * from fact_orders order by order_id").await,
        before,
        "same input, same tables"
    );
    assert_eq!(
        manifest(&warehouse).await.history,
        vec![forced_run.version.clone(), first.version.clone()]
    );
}

#[tokio::test]
async fn old_versions_are_removed_after_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let raw = local(&seed_raw());
    let project = Project::load(&demo_project()).unwrap();
    let options = RunOptions {
        keep_versions: 2,
        force: true,
        ..RunOptions::default()
    };
    let mut versions = Vec::new();
    for _ in 0..4 {
        versions.push(
            run(&raw, &warehouse, &project, &options)
                .await
                .unwrap()
                .version,
        );
    }
    let mut on_disk = warehouse.list_folders("versions").await.unwrap();
    on_disk.sort();
    assert_eq!(
        on_disk,
        versions[2..].to_vec(),
        "only the 2 newest versions stay"
    );
    assert_eq!(
        manifest(&warehouse).await.history,
        vec![versions[3].clone(), versions[2].clone()]
    );
}

#[tokio::test]
async fn a_failing_error_test_blocks_publishing() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let raw = local(&seed_raw());
    let good = Project::load(&demo_project()).unwrap();
    let published = run(&raw, &warehouse, &good, &RunOptions::default())
        .await
        .unwrap();

    // The same project plus a rule the seed data breaks: some orders were cancelled.
    let mut schema = SchemaFile::default();
    schema.tests.push(CustomTest {
        name: "no_cancelled_orders".into(),
        description: None,
        severity: Severity::Error,
        sql: "select order_id from fact_orders where status = 'Cancelled'".into(),
    });
    let mut strict = Project::from_parts(good.root.clone(), good.models.clone(), schema).unwrap();
    strict.tests.extend(good.tests.clone());
    strict.snapshots = good.snapshots.clone();
    let blocked = run(&raw, &warehouse, &strict, &forced()).await.unwrap();
    assert_eq!(blocked.outcome, Outcome::Blocked);
    let failed: Vec<_> = blocked
        .failed_tests()
        .map(|t| (t.test.name.as_str(), t.failing_rows))
        .collect();
    assert_eq!(failed, [("no_cancelled_orders", 2)]);
    assert_eq!(
        blocked.previous_version.as_deref(),
        Some(published.version.as_str())
    );

    // Readers still get the previous version; the blocked run's report is kept for inspection.
    assert_eq!(manifest(&warehouse).await.version, published.version);
    assert_eq!(
        one(query(&warehouse, "select count(*) from fact_orders").await),
        "20"
    );
    let report = warehouse
        .read_optional(&format!("versions/{}/report.json", blocked.version))
        .await
        .unwrap();
    assert!(
        report.is_some_and(|r| String::from_utf8_lossy(&r).contains("\"outcome\": \"blocked\""))
    );

    // A warn-severity version of the same rule does not block.
    let mut lenient = strict.clone();
    for test in &mut lenient.tests {
        test.severity = Severity::Warn;
    }
    let ok = run(&raw, &warehouse, &lenient, &forced()).await.unwrap();
    assert_eq!(ok.outcome, Outcome::Published);
    assert_eq!(
        Warehouse::new(warehouse.clone())
            .current()
            .await
            .unwrap()
            .unwrap()
            .version,
        ok.version
    );
}
