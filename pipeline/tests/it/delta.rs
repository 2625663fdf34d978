//! Every table of the warehouse is a Delta table: each run commits a new Delta version of each,
//! the manifest names those versions, and the Delta log agrees with the manifest's files.

use std::collections::BTreeSet;

use boltic_pipeline::warehouse::Manifest;
use boltic_pipeline::{Location, Project, RunOptions, delta};
use datafusion::prelude::SessionContext;

use crate::support::*;

/// The files of the Delta table at `root` at `version`, relative to the warehouse.
async fn delta_files(warehouse: &Location, root: &str, version: u64) -> BTreeSet<String> {
    let mut table = delta::open(warehouse, root).await.expect("a delta table");
    table.load_version(version).await.expect("that version");
    // URIs (local paths for a local warehouse) that end in the path below the warehouse.
    table
        .get_file_uris()
        .expect("its files")
        .map(|uri| {
            let at = uri
                .find(&format!("/{root}"))
                .unwrap_or_else(|| panic!("file '{uri}' is outside the table's root '{root}'"));
            uri[at + 1..].to_string()
        })
        .collect()
}

fn manifest_files(manifest: &Manifest, table: &str) -> BTreeSet<String> {
    manifest.tables[table]
        .files
        .iter()
        .flatten()
        .map(|f| f.path.clone())
        .collect()
}

/// Rows of `table` read through delta-rs's own DataFusion provider at `version`.
async fn delta_rows(warehouse: &Location, root: &str, version: u64) -> usize {
    let mut table = delta::open(warehouse, root).await.expect("a delta table");
    table.load_version(version).await.expect("that version");
    let ctx = SessionContext::new();
    ctx.register_table("t", table.table_provider().await.expect("a provider"))
        .expect("register");
    let batches = ctx
        .sql("select * from t")
        .await
        .expect("plan")
        .collect()
        .await
        .expect("read");
    batches.iter().map(|b| b.num_rows()).sum()
}

#[tokio::test]
async fn each_run_commits_a_delta_version_of_every_table_that_the_manifest_names() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let raw = local(&seed_raw());
    let project = Project::load(&demo_project()).unwrap();

    run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    let first = manifest(&warehouse).await;
    assert_eq!(first.format, 3);
    assert!(first.tables.contains_key("orders") && first.tables.contains_key("fact_orders"));
    for (name, entry) in &first.tables {
        let commit = entry
            .delta
            .as_ref()
            .unwrap_or_else(|| panic!("table '{name}' names no delta version"));
        assert_eq!(
            commit.version, 0,
            "'{name}' is new: its first delta version"
        );
        assert_eq!(
            delta_files(&warehouse, &commit.root, commit.version).await,
            manifest_files(&first, name),
            "the delta log of '{name}' holds exactly the manifest's files"
        );
        assert_eq!(
            delta_rows(&warehouse, &commit.root, commit.version).await as u64,
            entry.rows,
            "delta-rs reads the rows the run wrote into '{name}'"
        );
        // MERGEs and appends into it write files of the size runs write (not delta-rs' 100 MiB)
        let table = delta::open(&warehouse, &commit.root).await.unwrap();
        let configuration = table.snapshot().unwrap().metadata().configuration();
        assert_eq!(
            configuration.get("delta.targetFileSize"),
            Some(&delta::TARGET_FILE_BYTES.to_string()),
            "'{name}'"
        );
    }

    // A second run replaces each table's files in a new delta version; the first stays readable
    // at its own version while it is kept.
    run(&raw, &warehouse, &project, &forced()).await.unwrap();
    let second = manifest(&warehouse).await;
    for (name, entry) in &second.tables {
        let commit = entry.delta.as_ref().expect("a delta version");
        assert_eq!(commit.version, 1, "'{name}' got one more version");
        assert_eq!(
            delta_files(&warehouse, &commit.root, 1).await,
            manifest_files(&second, name)
        );
        assert_eq!(
            delta_files(&warehouse, &commit.root, 0).await,
            manifest_files(&first, name),
            "version 0 of '{name}' still holds the first run's files"
        );
        assert!(manifest_files(&first, name).is_disjoint(&manifest_files(&second, name)));
    }
    assert_eq!(
        query(&warehouse, "select count(*) from fact_orders").await,
        vec![vec![first.tables["fact_orders"].rows.to_string()]]
    );

    // With one version kept, the first run's files go, table by table.
    let keep_one = RunOptions {
        keep_versions: 1,
        force: true,
        ..RunOptions::default()
    };
    let third = run(&raw, &warehouse, &project, &keep_one).await.unwrap();
    assert_eq!(
        third.removed_versions,
        vec![first.version.clone(), second.version.clone()]
    );
    for (name, entry) in &first.tables {
        let root = &entry.delta.as_ref().unwrap().root;
        let mut folders = warehouse.list_folders(root).await.unwrap();
        folders.sort();
        assert_eq!(
            folders,
            vec![third.version.clone(), "_delta_log".to_string()],
            "only the kept version's folder (and the log) stay in '{name}'"
        );
    }
}

/// Every table's rows as text lines (`|` between columns), sorted, read in `ctx`.
async fn rows_as_text(ctx: &SessionContext, table: &str) -> Vec<String> {
    let schema = ctx.table_provider(table).await.expect("the table").schema();
    let text = schema
        .fields()
        .iter()
        .map(|f| {
            format!(
                "coalesce(cast(\"{0}\" as varchar), 'NULL') as \"{0}\"",
                f.name()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows: Vec<String> = query_in(ctx, &format!("select {text} from {table}"))
        .await
        .into_iter()
        .map(|row| row.join("|"))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_python_deltalake_package_reads_the_rows_boltic_reads_at_each_version() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let project = Project::load(&demo_project()).unwrap();
    let generated = dir.path().join("raw");
    boltic_pipeline::generate::generate(
        &local(&generated),
        300,
        7,
        &boltic_pipeline::Progress::hidden(),
    )
    .await
    .unwrap();
    // Two versions with different rows: the seed files, then generated ones.
    run(
        &local(&seed_raw()),
        &warehouse,
        &project,
        &RunOptions::default(),
    )
    .await
    .unwrap();
    run(
        &local(&generated),
        &warehouse,
        &project,
        &RunOptions::default(),
    )
    .await
    .unwrap();
    for sequence in [1, 2] {
        python_reads_what_boltic_reads(&dir.path().join("wh"), sequence).await;
    }
}

/// Every table of manifest `sequence` of the local warehouse in `folder`, read by the Python
/// `deltalake` package at the Delta version the manifest names, has the rows Boltic reads from
/// the files the manifest lists.
pub async fn python_reads_what_boltic_reads(folder: &std::path::Path, sequence: u64) {
    let store = boltic_pipeline::Warehouse::new(local(folder));
    let manifest = store.entry(sequence).await.unwrap().manifest.unwrap();
    let ctx = SessionContext::new();
    store.register(&ctx, &manifest).await.unwrap();
    let mut args = Vec::new();
    for entry in manifest.tables.values() {
        let commit = entry.delta.as_ref().expect("a delta version");
        args.push(folder.join(&commit.root).display().to_string());
        args.push(commit.version.to_string());
    }
    let output = std::process::Command::new("python3")
        .arg(repo_root().join("pipeline/tests/python/read_delta.py"))
        .args(&args)
        .output()
        .expect("python3 runs (scripts/setup.sh installs it and the deltalake package)");
    assert!(
        output.status.success(),
        "the Python reader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let mut python = printed.split("== ").filter(|t| !t.is_empty());
    for (name, entry) in &manifest.tables {
        let block = python.next().expect("one block per table");
        let mut lines = block.lines();
        let table_folder = lines.next().unwrap();
        let root = entry.delta.as_ref().unwrap().root.trim_end_matches('/');
        assert!(
            table_folder.trim_end_matches('/').ends_with(root),
            "{table_folder} is '{name}'"
        );
        let theirs: Vec<String> = lines.map(str::to_string).collect();
        let ours = rows_as_text(&ctx, name).await;
        assert_eq!(
            ours.len() as u64,
            entry.rows,
            "'{name}' at manifest {sequence}"
        );
        assert_eq!(
            theirs, ours,
            "Python's deltalake reads the rows Boltic reads in '{name}' at manifest {sequence}"
        );
    }
}

#[tokio::test]
async fn a_model_may_gain_columns_but_not_lose_or_retype_them_without_a_full_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(&dir.path().join("wh"));
    let raw = local(&seed_raw());
    let mut project = Project::load(&demo_project()).unwrap();
    run(&raw, &warehouse, &project, &RunOptions::default())
        .await
        .unwrap();
    let first = manifest(&warehouse).await;
    let model = project
        .models
        .iter()
        .position(|m| m.name == "fact_orders")
        .unwrap();
    let original = project.models[model].sql.clone();

    // A new column evolves the table.
    project.models[model].sql = original.replace(
        "o.status\nfrom",
        "o.status,\n    o.price_eur * 2 as double_price\nfrom",
    );
    assert_ne!(project.models[model].sql, original);
    run(&raw, &warehouse, &project, &forced()).await.unwrap();
    let grown = manifest(&warehouse).await;
    let commit = grown.tables["fact_orders"].delta.clone().unwrap();
    assert_eq!(commit.version, 1);
    let table = delta::open(&warehouse, &commit.root).await.unwrap();
    let columns: Vec<String> = table
        .snapshot()
        .unwrap()
        .schema()
        .fields()
        .map(|f| f.name().to_string())
        .collect();
    assert!(columns.contains(&"double_price".to_string()), "{columns:?}");

    // Dropping a column and retyping another is refused, naming both; nothing is committed.
    project.models[model].sql = original.replace("    o.seat_no,\n", "").replace(
        "o.customer_id,",
        "cast(o.customer_id as int) as customer_id,",
    );
    let refused = run(&raw, &warehouse, &project, &forced())
        .await
        .expect_err("a lost column is refused");
    let message = refused.to_string();
    assert!(
        message.contains("table 'fact_orders' would ")
            && message.contains("drop column 'double_price'")
            && message.contains("drop column 'seat_no'")
            && message.contains("change column 'customer_id' from long to integer")
            && message.contains("--full-refresh"),
        "{message}"
    );
    assert_eq!(manifest(&warehouse).await.version, grown.version);
    let table = delta::open(&warehouse, &commit.root).await.unwrap();
    assert_eq!(
        table.version(),
        Some(1),
        "no delta commit for a refused run"
    );

    // A full refresh rebuilds with the new shape.
    let full = RunOptions {
        full_refresh: true,
        ..RunOptions::default()
    };
    run(&raw, &warehouse, &project, &full).await.unwrap();
    let rebuilt = manifest(&warehouse).await;
    assert_ne!(rebuilt.version, first.version);
    assert_eq!(
        rebuilt.tables["fact_orders"]
            .delta
            .as_ref()
            .unwrap()
            .version,
        2
    );
    let table = delta::open(&warehouse, &commit.root).await.unwrap();
    let schema = table.snapshot().unwrap().schema();
    assert!(schema.field("seat_no").is_none());
    assert_eq!(
        schema.field("customer_id").unwrap().data_type().to_string(),
        "integer"
    );
    assert_eq!(
        one(query(&warehouse, "select count(*) from fact_orders").await),
        first.tables["fact_orders"].rows.to_string()
    );
}

/// A MERGE given the runs of its updated keys reads only the files that hold those runs; without
/// them delta-rs reads every file between the least and the greatest updated key.
#[tokio::test]
async fn a_merge_reads_only_the_files_of_the_runs_of_updated_keys() {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use deltalake::protocol::SaveMode;

    let dir = tempfile::tempdir().unwrap();
    let warehouse = local(dir.path());
    let root = "tables/t/";
    let schema = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Utf8, false),
    ]));
    let rows = |keys: Vec<i64>, value: &str| {
        let values = StringArray::from(vec![value; keys.len()]);
        RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from(keys)), Arc::new(values)],
        )
        .unwrap()
    };
    // three files, each a run of keys
    let mut table = delta::open(&warehouse, root).await.unwrap();
    for part in [0..1_000, 10_000..11_000, 20_000..21_000] {
        table = table
            .write(vec![rows(part.collect(), "old")])
            .with_save_mode(SaveMode::Append)
            .await
            .unwrap();
    }
    let published = table.version().unwrap();
    let ctx = SessionContext::new();
    let merge = |runs: Vec<(i64, i64)>| {
        let updates = delta::Updates {
            rows: ctx.read_batch(rows(vec![5, 20_005], "new")).unwrap(),
            runs,
        };
        let (ctx, warehouse) = (&ctx, &warehouse);
        async move {
            let merged = delta::merge(
                ctx,
                warehouse,
                root,
                published,
                &["k"],
                Some(updates),
                vec![],
            );
            merged.await.unwrap().1
        }
    };
    // delta-rs alone: keys 5 and 20,005 span every file
    let alone = merge(Vec::new()).await;
    assert_eq!(
        (alone.files_scanned, alone.files_removed),
        (3, 2),
        "{alone:?}"
    );
    // the runs (merged again onto the published version, the first MERGE undone)
    let runs = delta::key_runs(vec![20_005, 5], 16);
    assert_eq!(runs, vec![(5, 5), (20_005, 20_005)]);
    let merged = merge(runs).await;
    assert_eq!(
        (merged.files_scanned, merged.files_removed),
        (2, 2),
        "{merged:?}"
    );

    let mut table = delta::open(&warehouse, root).await.unwrap();
    table.load_version(merged.version).await.unwrap();
    let read = SessionContext::new();
    read.register_table("t", table.table_provider().await.unwrap())
        .unwrap();
    let counts = read
        .sql("select v, count(*) as n, sum(k) as keys from t group by v order by v")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let shown = datafusion::arrow::util::pretty::pretty_format_batches(&counts)
        .unwrap()
        .to_string();
    // 2,998 old rows (every key but 5 and 20,005), 2 new ones
    assert!(shown.contains("| new | 2    | 20010    |"), "{shown}");
    assert!(shown.contains("| old | 2998 | 31478490 |"), "{shown}");
}
