//! The same pipeline against a real S3-compatible server (moto) on 127.0.0.1.

use boltic_pipeline::generate::generate;
use boltic_pipeline::{Outcome, Progress, Project, RunOptions};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_and_build_in_s3() {
    let moto = Moto::start();
    moto.create_bucket("air-boltic");
    let raw = moto.location("s3://air-boltic/raw");
    let warehouse = moto.location("s3://air-boltic/warehouse");

    let summary = generate(&raw, 3_000, 5, &Progress::hidden()).await.unwrap();
    assert_eq!(summary.scale.trips, 150);
    let project = Project::load(&demo_project()).unwrap();
    let report = run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Published, "{report}");
    assert_eq!(
        one(query(&warehouse, "select count(*) from fact_orders").await),
        "3000"
    );
    assert_eq!(
        one(query(&warehouse, "select count(*) from fact_trips").await),
        "150"
    );

    // The same raw files built locally give the same star schema.
    let dir = tempfile::tempdir().unwrap();
    let local_raw = local(&dir.path().join("raw"));
    generate(&local_raw, 3_000, 5, &Progress::hidden())
        .await
        .unwrap();
    let local_wh = local(&dir.path().join("wh"));
    run(&local_raw, &local_wh, &project, &RunOptions::default())
        .await
        .unwrap();
    let sql =
        "select status, count(*), sum(price_eur) from fact_orders group by status order by status";
    assert_eq!(query(&warehouse, sql).await, query(&local_wh, sql).await);

    // A second, forced run publishes a new version and the manifest in S3 switches to it.
    let second = run(&raw, &warehouse, &project, &forced()).await.unwrap();
    assert_eq!(manifest(&warehouse).await.version, second.version);
    assert_eq!(manifest(&warehouse).await.history.len(), 2);
}

#[tokio::test]
async fn a_missing_bucket_is_a_clear_error() {
    let moto = Moto::start();
    let raw = moto.location("s3://no-such-bucket/raw");
    let err = generate(&raw, 100, 1, &Progress::hidden())
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("storage error:"), "{err}");
}
