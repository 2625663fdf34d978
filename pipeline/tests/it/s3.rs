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

    // The tables in S3 are Delta tables: delta-rs, through the same store, reads each at the
    // version a manifest names, and the first version is still there beside the second.
    let published = boltic_pipeline::Warehouse::new(warehouse.clone());
    for sequence in [1, 2] {
        let m = published.entry(sequence).await.unwrap().manifest.unwrap();
        let commit = m.tables["fact_orders"]
            .delta
            .clone()
            .expect("a delta version");
        assert_eq!(commit.version, sequence - 1);
        let mut table = boltic_pipeline::delta::open(&warehouse, &commit.root)
            .await
            .unwrap();
        table.load_version(commit.version).await.unwrap();
        let ctx = datafusion::prelude::SessionContext::new();
        ctx.register_table("t", table.table_provider().await.unwrap())
            .unwrap();
        assert_eq!(one(query_in(&ctx, "select count(*) from t").await), "3000");
        let files: Vec<String> = table.get_file_uris().unwrap().collect();
        assert!(
            files
                .iter()
                .all(|f| f.contains(&format!("/{}/", m.version))),
            "version {sequence}'s files are its own: {files:?}"
        );
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_slow_store_never_ends_with_a_broken_version() {
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::Duration;

    use boltic_pipeline::Warehouse;
    use boltic_pipeline::testing::{Faults, FaultyProxy};

    let moto = Moto::start();
    moto.create_bucket("flaky");
    let direct = moto.location("s3://flaky/warehouse");
    let raw = local(&seed_raw());
    let project = Project::load(&demo_project()).unwrap();

    // Every third request answered 503 and every fifth slowed down: retried, published whole.
    let shedding = FaultyProxy::start(
        &moto.endpoint,
        Faults {
            unavailable_every: Some(3),
            slow_every: Some((5, Duration::from_millis(300))),
            ..Faults::default()
        },
    )
    .await;
    let through = shedding.location(&moto, "s3://flaky/warehouse");
    let first = run(&raw, &through, &project, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Published);
    let counts = shedding.counts();
    assert!(
        counts.unavailable.load(Relaxed) >= 5 && counts.slow.load(Relaxed) >= 3,
        "faults were injected: {counts:?}"
    );
    let published = Warehouse::new(direct.clone()).published().await.unwrap();
    assert!(published.skipped.is_empty(), "{:?}", published.skipped);
    assert_eq!(published.manifest.unwrap().version, first.version);
    assert_eq!(
        one(query(&direct, "select count(*) from fact_orders").await),
        "20"
    );
    // Reading through the failing store answers the same.
    assert_eq!(
        one(query(&through, "select count(*) from fact_orders").await),
        "20"
    );

    // Every fourth answer lost after the store did the work: the client cannot know whether a
    // write happened. The run publishes a whole version or fails with a clear error and leaves
    // the previous one current; never a manifest naming missing files, never a stuck lease.
    let lossy = FaultyProxy::start(
        &moto.endpoint,
        Faults {
            lost_answer_every: Some(4),
            ..Faults::default()
        },
    )
    .await;
    let through = lossy.location(&moto, "s3://flaky/warehouse");
    let outcome = run(&raw, &through, &project, &forced()).await;
    assert!(
        lossy.counts().lost.load(Relaxed) >= 3,
        "{:?}",
        lossy.counts()
    );
    let published = Warehouse::new(direct.clone()).published().await.unwrap();
    assert!(published.skipped.is_empty(), "{:?}", published.skipped);
    let current = published.manifest.unwrap();
    match &outcome {
        Ok(report) => assert_eq!(current.version, report.version),
        Err(e) => {
            // A lost answer to a write (storage error), or to a Delta commit (delta-rs then sees
            // a commit it cannot tell from another writer's, and refuses to go on).
            assert_eq!(current.version, first.version, "{e}");
            let message = e.to_string();
            assert!(
                message.starts_with("storage error:")
                    || (message.starts_with("delta table 's3://flaky/warehouse/")
                        && message.ends_with("nothing was published: run again")),
                "{e}"
            );
        }
    }
    assert_eq!(
        one(query(&direct, "select count(*) from fact_orders").await),
        "20"
    );
    let next = run(&raw, &direct, &project, &forced()).await.unwrap();
    assert_eq!(next.outcome, Outcome::Published, "the lease was released");
}
