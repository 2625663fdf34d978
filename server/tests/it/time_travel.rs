//! Time travel: queries and tile runs on an earlier published warehouse version (`as_of`), and
//! the list of versions one can ask for.

use std::time::Duration;

use axum::http::StatusCode;
use boltic_pipeline::Progress;
use boltic_server::api::AppState;
use boltic_server::api::config::ServeConfig;
use serde_json::{Value, json};

use crate::support::*;

async fn order_count(state: &AppState, as_of: Option<&str>) -> Reply {
    let uri = match as_of {
        Some(v) => format!("/api/v1/query?as_of={v}"),
        None => "/api/v1/query".to_string(),
    };
    post(
        state,
        &uri,
        json!({"explore": "orders", "fields": ["orders.order_count", "orders.revenue"]})
            .to_string(),
    )
    .await
}

/// `sql` over table `t`, the Delta table `table` of warehouse `wh` at the Delta version the
/// manifest of warehouse version `version` names, run by the Python `deltalake` package (an
/// independent reader); the first row's values joined by `|`.
async fn python_reads(
    wh: &boltic_pipeline::Location,
    dir: &std::path::Path,
    version: &str,
    table: &str,
    sql: &str,
) -> String {
    let warehouse = boltic_pipeline::Warehouse::new(wh.clone());
    let mut manifest = None;
    for sequence in warehouse.sequences().await.unwrap() {
        if let Ok(m) = warehouse.entry(sequence).await.unwrap().manifest
            && m.version == version
        {
            manifest = Some(m);
        }
    }
    let manifest = manifest.expect("a manifest of that version");
    let commit = manifest.tables[table]
        .delta
        .clone()
        .expect("a delta version");
    let script = r#"
import sys
from deltalake import DeltaTable, QueryBuilder
table = DeltaTable(sys.argv[1], version=int(sys.argv[2]))
result = QueryBuilder().register("t", table).execute(sys.argv[3]).read_all()
print("|".join(str(result.column(i).to_pylist()[0]) for i in range(result.num_columns)))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("wh").join(&commit.root))
        .arg(commit.version.to_string())
        .arg(sql)
        .output()
        .expect("python3 runs (scripts/setup.sh installs it and the deltalake package)");
    assert!(
        output.status.success(),
        "the Python reader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn a_query_as_of_an_earlier_version_gets_that_versions_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let wh = seed_warehouse(dir.path()).await;
    let mut config = ServeConfig::new(project(), dir.path().join("wh").to_str().unwrap());
    config.poll_interval = Duration::ZERO;
    config.database = ":memory:".into();
    let state = AppState::new(config).await.expect("state");
    let first = order_count(&state, None).await.json();
    let first_version = first["warehouse_version"].as_str().unwrap().to_string();
    assert_eq!(first["rows"][0]["orders.order_count"], 20);

    // A later run changes every number.
    let raw = local(&dir.path().join("raw2"));
    boltic_pipeline::generate::generate(&raw, 500, 1, &Progress::hidden())
        .await
        .unwrap();
    build(&raw, &wh).await;
    state.reload_warehouse().await.unwrap();
    let now = order_count(&state, None).await.json();
    assert_eq!(now["rows"][0]["orders.order_count"], 500);
    let now_version = now["warehouse_version"].as_str().unwrap().to_string();
    assert_ne!(now_version, first_version);

    // The versions one can ask for, newest first, with their row counts.
    let listed = get(&state, "/api/v1/warehouse/versions").await;
    assert_eq!(listed.status, StatusCode::OK);
    let versions = listed.json()["versions"].as_array().unwrap().clone();
    let names: Vec<&str> = versions
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(names, [now_version.as_str(), first_version.as_str()]);
    assert_eq!(versions[0]["current"], true);
    assert_eq!(versions[1]["current"], false);
    assert_eq!(versions[1]["tables"]["orders"], 20);
    assert_eq!(versions[0]["tables"]["orders"], 500);

    // As of the first version: its numbers, said to be from it, cached apart from today's.
    let then = order_count(&state, Some(&first_version)).await;
    assert_eq!(then.status, StatusCode::OK, "{}", then.json());
    assert_eq!(then.header("boltic-cache"), "miss");
    let then = then.json();
    assert_eq!(then["warehouse_version"], first_version.as_str());
    assert_eq!(then["rows"], first["rows"]);
    let again = order_count(&state, Some(&first_version)).await;
    assert_eq!(again.header("boltic-cache"), "hit");
    assert_eq!(again.json()["rows"], first["rows"]);
    assert_eq!(
        order_count(&state, Some(&now_version)).await.json()["rows"],
        now["rows"],
        "as of the current version is the current version"
    );

    // An independent Delta reader sees the same numbers in each version's tables.
    let sql = "select count(*), sum(price_eur) from t";
    for (version, answer) in [(&first_version, &first), (&now_version, &now)] {
        let row = &answer["rows"][0];
        let python = python_reads(&wh, dir.path(), version, "fact_orders", sql).await;
        let (count, revenue) = python.split_once('|').expect("two values");
        assert_eq!(
            count,
            row["orders.order_count"].to_string(),
            "version {version}"
        );
        let revenue: f64 = revenue.parse().expect("a number");
        let ours = row["orders.revenue"].as_f64().expect("a number");
        assert!(
            (revenue - ours).abs() <= 1e-9 * ours.abs(),
            "version {version}: {revenue} against {ours}"
        );
    }

    // A dashboard tile as of the first version.
    let tile = post(
        &state,
        &format!(
            "/api/v1/dashboards/revenue_overview/tiles/order_count/query?as_of={first_version}"
        ),
        "{}",
    )
    .await
    .json();
    assert_eq!(tile["rows"][0]["orders.order_count"], 20);
    assert_eq!(tile["warehouse_version"], first_version.as_str());

    // A version that was never published is named, with where to look.
    let unknown = order_count(&state, Some("19990101T000000000Z-dead")).await;
    let body: Value = unknown.error_saying(
        StatusCode::NOT_FOUND,
        "unknown_version",
        "'19990101T000000000Z-dead'",
    );
    assert!(
        body["hint"]
            .as_str()
            .unwrap()
            .contains("/api/v1/warehouse/versions"),
        "{body}"
    );

    // Once retention removed it, the first version can no longer be asked for.
    let keep_one = boltic_pipeline::RunOptions {
        force: true,
        keep_versions: 1,
        ..boltic_pipeline::RunOptions::default()
    };
    let project = boltic_pipeline::Project::load(&project()).unwrap();
    // The server holds the first version in its reader lease while it has it open: release it
    // (as a server that stopped), so the clean-up may remove it.
    state.release_reader().await;
    boltic_pipeline::run::run(&raw, &wh, &project, &keep_one, &Progress::hidden())
        .await
        .unwrap();
    let listed = get(&state, "/api/v1/warehouse/versions").await.json();
    assert!(
        !listed.to_string().contains(&first_version),
        "removed versions are not listed: {listed}"
    );
}
