//! The `boltic` binary end to end: a run killed mid-publish, exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn boltic(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_boltic"));
    command
        .args(args)
        .env("BOLTIC_QUIET", "1")
        .env_remove("BOLTIC_FAILPOINT");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("boltic runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic")
}

/// The published version of `warehouse` as `boltic pipeline status` prints it.
fn status(warehouse: &Path) -> serde_json::Value {
    let out = boltic(
        &[
            "pipeline",
            "status",
            "--warehouse",
            warehouse.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("status prints the manifest as JSON")
}

/// Read the published version back whole: every listed file there with its size, and the
/// orders table counted by DataFusion. Returns the version and the count.
fn read_back(warehouse: &Path) -> (String, u64) {
    use boltic_pipeline::Warehouse;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let wh =
            Warehouse::new(boltic_pipeline::Location::parse(warehouse.to_str().unwrap()).unwrap());
        let published = wh.published().await.unwrap();
        assert!(published.skipped.is_empty(), "{:?}", published.skipped);
        let manifest = published.manifest.expect("a version reads whole");
        let ctx = datafusion::prelude::SessionContext::new();
        wh.register(&ctx, &manifest).await.unwrap();
        let batches = ctx
            .sql("select count(*) from fact_orders")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let count = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int64Array>()
            .unwrap()
            .value(0) as u64;
        assert_eq!(manifest.tables["fact_orders"].rows, count);
        (manifest.version, count)
    })
}

fn run_pipeline(raw: &Path, warehouse: &Path, env: &[(&str, &str)]) -> Output {
    let project = project();
    boltic(
        &[
            "pipeline",
            "run",
            "--force",
            "--raw",
            raw.to_str().unwrap(),
            "--warehouse",
            warehouse.to_str().unwrap(),
            "--project",
            project.to_str().unwrap(),
        ],
        env,
    )
}

#[test]
fn a_run_killed_at_any_step_leaves_a_readable_warehouse_and_the_next_run_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = dir.path().join("wh");
    let raws: Vec<(PathBuf, u64)> = [(2000, "1"), (3000, "2")]
        .iter()
        .map(|(orders, seed)| {
            let raw = dir.path().join(format!("raw-{seed}"));
            let generated = boltic(
                &[
                    "generate",
                    "--orders",
                    &orders.to_string(),
                    "--seed",
                    seed,
                    "--out",
                    raw.to_str().unwrap(),
                ],
                &[],
            );
            assert!(generated.status.success(), "{}", text(&generated));
            (raw, *orders)
        })
        .collect();
    let keep_one = [("BOLTIC_KEEP_VERSIONS", "1")];
    let first = run_pipeline(&raws[0].0, &warehouse, &keep_one);
    assert!(first.status.success(), "{}", text(&first));
    let (mut version, mut rows) = read_back(&warehouse);
    assert_eq!(rows, 2000);

    let mut points: Vec<String> = [
        "customer_groups",
        "aeroplanes",
        "customers",
        "trips",
        "orders",
    ]
    .iter()
    .chain(&[
        "dim_aeroplane",
        "dim_customers",
        "fact_orders",
        "fact_trips",
    ])
    .map(|table| format!("after_table:{table}"))
    .collect();
    points.extend(boltic_pipeline::FAILPOINTS.iter().map(|p| p.to_string()));
    // Killed between the tables' Delta commits (they go in table-name order): some tables'
    // Delta logs are ahead of the published manifest, which still names the previous version.
    points.extend(
        ["aeroplane_models", "fact_orders", "trips"]
            .iter()
            .map(|table| format!("after_commit:{table}")),
    );
    for (i, point) in points.iter().enumerate() {
        // each round builds the other raw data, so a published version is told by its count
        let (raw, orders) = &raws[(i + 1) % 2];
        let mut env = vec![("BOLTIC_FAILPOINT", point.as_str())];
        env.extend(keep_one);
        let killed = run_pipeline(raw, &warehouse, &env);
        assert!(
            !killed.status.success(),
            "{point}: the failpoint aborts the process"
        );
        assert!(
            text(&killed).contains(&format!("failpoint '{point}' reached")),
            "{point}: {}",
            text(&killed)
        );
        // Killed before the manifest entry exists: the previous version; after: the new one.
        // Either way it reads whole.
        let published_first = matches!(point.as_str(), "after_publish" | "during_clean_up");
        let (now, count) = read_back(&warehouse);
        if published_first {
            assert_ne!(now, version, "{point}");
            assert_eq!(count, *orders, "{point}");
        } else {
            assert_eq!((&now, count), (&version, rows), "{point}");
        }
        assert_eq!(status(&warehouse)["version"], now.as_str(), "{point}");

        // The next run takes over the dead run's lease at once and publishes.
        let next = run_pipeline(raw, &warehouse, &keep_one);
        assert!(next.status.success(), "{point}: {}", text(&next));
        (version, rows) = read_back(&warehouse);
        assert_eq!(rows, *orders, "{point}");
    }
    // Orphans of the killed runs were cleaned up: only the one version kept.
    let left = std::fs::read_dir(warehouse.join("versions"))
        .unwrap()
        .count();
    assert_eq!(left, 1, "one version kept");
    for layer in ["normalized", "tables"] {
        for table in std::fs::read_dir(warehouse.join(layer)).unwrap() {
            let table = table.unwrap().path();
            let mut folders: Vec<String> = std::fs::read_dir(&table)
                .unwrap()
                .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            folders.sort();
            assert_eq!(
                folders,
                [version.clone(), "_delta_log".to_string()],
                "{}: only the kept version's files",
                table.display()
            );
        }
    }
}

/// The published orders by status (count and revenue) and the customers' count and distinct
/// emails, as DataFusion prints them.
fn digest(warehouse: &Path) -> String {
    use boltic_pipeline::Warehouse;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let wh =
            Warehouse::new(boltic_pipeline::Location::parse(warehouse.to_str().unwrap()).unwrap());
        let manifest = wh.current().await.unwrap().expect("a published version");
        let ctx = datafusion::prelude::SessionContext::new();
        wh.register(&ctx, &manifest).await.unwrap();
        let mut out = String::new();
        for sql in [
            "select status, count(*), sum(price_eur) from orders group by status order by status",
            "select count(*), count(distinct email), count(distinct phone) from customers",
            "select count(*), sum(price_eur) from fact_orders",
        ] {
            let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
            let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap();
            out.push_str(&format!("{text}\n"));
        }
        out
    })
}

#[test]
fn incremental_runs_killed_at_any_step_apply_each_load_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    let generated = boltic(
        &[
            "generate",
            "--orders",
            "2000",
            "--seed",
            "5",
            "--batches",
            "8",
            "--last-day",
            "2024-12-30",
            "--out",
            all.to_str().unwrap(),
        ],
        &[],
    );
    assert!(generated.status.success(), "{}", text(&generated));
    let mut dates: Vec<String> = std::fs::read_dir(all.join("order"))
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dates.sort();
    assert_eq!(dates.len(), 9);
    let raw = dir.path().join("raw");
    let deliver = |load: &str| {
        for table in std::fs::read_dir(&all).unwrap() {
            let table = table.unwrap().path();
            let from = table.join(load);
            if from.is_dir() {
                let to = raw.join(table.file_name().unwrap()).join(load);
                std::fs::create_dir_all(&to).unwrap();
                for file in std::fs::read_dir(&from).unwrap() {
                    let file = file.unwrap();
                    std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
                }
            }
        }
    };
    let warehouse = dir.path().join("wh");
    deliver(&dates[0]);
    let first = run_pipeline(&raw, &warehouse, &[]);
    assert!(first.status.success(), "{}", text(&first));

    let points = [
        "after_merge:customers",
        "after_merge:orders",
        // fact_orders is an incremental model: MERGEd while the models are built
        "after_merge:fact_orders",
        "after_models",
        "after_commit:fact_trips",
        "before_publish",
        "after_publish",
        "during_clean_up",
    ];
    for (date, point) in dates[1..].iter().zip(points) {
        deliver(date);
        let (version, _) = read_back(&warehouse);
        let killed = run_pipeline(&raw, &warehouse, &[("BOLTIC_FAILPOINT", point)]);
        assert!(
            text(&killed).contains(&format!("failpoint '{point}' reached")),
            "{point}: {}",
            text(&killed)
        );
        let (now, _) = read_back(&warehouse);
        let published_first = matches!(point, "after_publish" | "during_clean_up");
        assert_eq!(now != version, published_first, "{point}");
        // What a MERGE killed before its commit leaves: a data file at the table's root that
        // no Delta version names.
        let stray = warehouse.join("normalized/orders/part-00000-killed-merge.snappy.parquet");
        std::fs::write(&stray, b"PAR1 half a file").unwrap();

        let next = run_pipeline(&raw, &warehouse, &[]);
        assert!(next.status.success(), "{point}: {}", text(&next));
        read_back(&warehouse);
        assert!(
            !stray.exists(),
            "{point}: clean-up removes the dead MERGE's file"
        );
    }

    // Every load applied exactly once: the same tables as one build over all of them.
    let full = dir.path().join("full");
    let once = run_pipeline(&all, &full, &[]);
    assert!(once.status.success(), "{}", text(&once));
    assert_eq!(digest(&warehouse), digest(&full));
}

#[test]
fn a_failing_error_test_exits_non_zero_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    for entry in std::fs::read_dir(project().join("raw")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), raw.join(entry.file_name())).unwrap();
    }
    // An order with a status outside the accepted values.
    let orders = std::fs::read_to_string(raw.join("order.csv")).unwrap() + "\n21,3,10,100,1A,Lost";
    std::fs::write(raw.join("order.csv"), orders).unwrap();
    let out = run_pipeline(&raw, &dir.path().join("wh"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("NOT published"), "{all}");
    assert!(
        all.contains("FAIL  accepted_values_fact_orders_status: 1 of 21 rows"),
        "{all}"
    );
    assert!(all.contains("error: data tests with severity 'error' failed: accepted_values_fact_orders_status; the warehouse was not changed"), "{all}");
    assert!(!dir.path().join("wh/_boltic/manifest").exists());
}

#[test]
fn bad_input_is_an_error_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_pipeline(&dir.path().join("empty"), &dir.path().join("wh"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(
        all.starts_with("error: raw file 'aeroplane_model.json' not found in '"),
        "{all}"
    );
    assert!(!all.contains("panicked"), "{all}");

    let missing_project = boltic(&["pipeline", "run", "--project", "/nonexistent"], &[]);
    assert_eq!(missing_project.status.code(), Some(1));
    assert!(
        text(&missing_project).contains("cannot read the models folder '/nonexistent/models'"),
        "{}",
        text(&missing_project)
    );
}

/// A copy of the demo project whose `semantic/views.yml` went through `edit`.
fn project_copy(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let copy = dir.join("project");
    for sub in ["models", "semantic"] {
        std::fs::create_dir_all(copy.join(sub)).unwrap();
        for entry in std::fs::read_dir(project().join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), copy.join(sub).join(entry.file_name())).unwrap();
        }
    }
    let views = copy.join("semantic/views.yml");
    std::fs::write(&views, edit(std::fs::read_to_string(&views).unwrap())).unwrap();
    copy
}

#[test]
fn validate_passes_on_the_demo_and_points_at_model_errors() {
    let project = project();
    let ok = boltic(&["validate", "--project", project.to_str().unwrap()], &[]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("0 error(s), 0 warning(s)"),
        "{}",
        text(&ok)
    );

    let dir = tempfile::tempdir().unwrap();
    let broken = project_copy(dir.path(), |views| {
        views.replacen(
            "sql: ${revenue} / NULLIF(${order_count}, 0)",
            "sql: ${revenu} / NULLIF(${order_count}, 0)",
            1,
        )
    });
    let out = boltic(&["validate", "--project", broken.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    let line = std::fs::read_to_string(broken.join("semantic/views.yml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("${revenu}"))
        .unwrap()
        + 1;
    assert!(
        all.contains(&format!("semantic/views.yml:{line}:")),
        "the diagnostic points at line {line}: {all}"
    );
    assert!(
        all.contains("'revenu'") && all.contains("did you mean 'revenue'"),
        "{all}"
    );
}

#[test]
fn validate_with_a_warehouse_checks_tables_columns_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = dir.path().join("wh");
    let built = run_pipeline(&project().join("raw"), &warehouse, &[]);
    assert!(built.status.success(), "{}", text(&built));
    let wh = warehouse.to_str().unwrap();

    let project = project();
    let ok = boltic(
        &[
            "validate",
            "--project",
            project.to_str().unwrap(),
            "--warehouse",
            wh,
        ],
        &[],
    );
    assert!(
        ok.status.success(),
        "the demo model fits the warehouse: {}",
        text(&ok)
    );

    let broken = project_copy(dir.path(), |views| {
        views
            .replacen(
                "sql_table_name: dim_aeroplane",
                "sql_table_name: dim_aeroplanes",
                1,
            )
            .replacen(
                "      - name: seat_no\n",
                "      - name: seat_no\n        type: number\n",
                1,
            )
            .replacen(
                "        type: sum\n        sql: ${price_eur}",
                "        type: sum\n        sql: ${TABLE}.price",
                1,
            )
    });
    let out = boltic(
        &[
            "validate",
            "--project",
            broken.to_str().unwrap(),
            "--warehouse",
            wh,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    let views = std::fs::read_to_string(broken.join("semantic/views.yml")).unwrap();
    let line_of = |needle: &str| views.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(all.contains("error[unknown-table]: view 'aeroplanes' reads table 'dim_aeroplanes', which the published warehouse does not have"), "{all}");
    assert!(
        all.contains(&format!(
            "semantic/views.yml:{}:",
            line_of("- name: aeroplanes")
        )),
        "{all}"
    );
    assert!(all.contains("error[type-mismatch]: dimension 'orders.seat_no' is declared 'number' but the warehouse gives"), "{all}");
    assert!(
        all.contains(&format!(
            "semantic/views.yml:{}:",
            line_of("- name: seat_no")
        )),
        "{all}"
    );
    assert!(
        all.contains(
            "error[warehouse-mismatch]: field 'orders.revenue' does not run on the warehouse"
        ),
        "{all}"
    );
    assert!(all.contains("No field named orders.price"), "{all}");
}

#[test]
fn query_and_sql_print_results_and_compiled_sql() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let out = run_pipeline(&project().join("raw"), &wh, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let query = dir.path().join("q.json");
    std::fs::write(
        &query,
        r#"{"explore": "orders", "fields": ["orders.status", "orders.order_count"],
            "sorts": [{"field": "orders.status"}]}"#,
    )
    .unwrap();
    let project = project();
    let common = [
        "--project",
        project.to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap(),
    ];
    let q = query.to_str().unwrap();
    let table = boltic(&[&["query", q][..], &common].concat(), &[]);
    assert!(table.status.success(), "{}", text(&table));
    let table = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(
        table.contains("| orders.status | orders.order_count |"),
        "{table}"
    );
    assert!(table.contains("| Finished"), "{table}");

    let csv = boltic(
        &[&["query", q, "--format", "csv"][..], &common].concat(),
        &[],
    );
    let csv = String::from_utf8_lossy(&csv.stdout).to_string();
    let counts: u64 = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(counts, 20, "{csv}");

    let json = boltic(
        &[&["query", q, "--format", "json"][..], &common].concat(),
        &[],
    );
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json rows");
    assert_eq!(
        rows.as_array().map(Vec::len),
        csv.lines().count().checked_sub(1)
    );

    let sql = boltic(&["sql", q, "--project", project.to_str().unwrap()], &[]);
    assert!(sql.status.success(), "{}", text(&sql));
    let sql = String::from_utf8_lossy(&sql.stdout).to_string();
    assert!(sql.starts_with("SELECT"), "{sql}");
    assert!(sql.contains("COUNT("), "{sql}");

    std::fs::write(
        &query,
        r#"{"explore": "orders", "fields": ["orders.revnue"]}"#,
    )
    .unwrap();
    let bad = boltic(&["sql", q, "--project", project.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("did you mean 'orders.revenue'?"),
        "{}",
        text(&bad)
    );
    std::fs::write(&query, "{\"explore\": ").unwrap();
    let bad = boltic(&["sql", q, "--project", project.to_str().unwrap()], &[]);
    assert!(text(&bad).contains("line 1 column"), "{}", text(&bad));
}

/// `boltic serve` as a process: settings from a config file, overridden by the environment
/// and flags; a real HTTP request; SIGTERM ends it cleanly.
#[test]
fn serve_reads_its_settings_and_answers_http() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let out = run_pipeline(&project().join("raw"), &wh, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let config = dir.path().join("boltic.yml");
    std::fs::write(
        &config,
        format!(
            "project: {}\nwarehouse: /nonexistent\nmax_rows: 3\nlisten: 127.0.0.1:1\ndatabase: {}\n",
            project().display(),
            dir.path().join("boltic.db").display()
        ),
    )
    .unwrap();
    // an admin and a key, from the CLI, in the server's database
    let db = dir.path().join("boltic.db");
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_boltic"))
            .args(args)
            .args(["--database", db.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    cli(&[
        "users",
        "add",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--role",
        "admin",
        "--no-password",
    ]);
    let key = cli(&[
        "keys",
        "create",
        "--email",
        "ops@example.com",
        "--name",
        "test",
    ]);
    let key = key.trim();
    let mut child = Command::new(env!("CARGO_BIN_EXE_boltic"))
        .args([
            "serve",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("BOLTIC_WAREHOUSE", wh.to_str().unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving http://") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited");
    }
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    let body = r#"{"explore": "orders", "fields": ["orders.order_id"]}"#;
    let response = http(&addr, "POST", "/api/v1/query", Some(key), Some(body));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // max_rows from the file, warehouse from the environment, listen from the flag
    assert!(
        response.contains("\"row_count\":3,\"truncated\":true"),
        "{response}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        child.wait().unwrap().success(),
        "serve did not exit cleanly on SIGTERM"
    );

    std::fs::write(&config, "max_rowz: 3\n").unwrap();
    let bad = boltic(&["serve", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("max_rowz"), "{}", text(&bad));
}

/// `boltic users` and `boltic keys` on an app database: a key's secret is printed once, and
/// no listing shows it again.
#[test]
fn users_and_keys_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let env = [("BOLTIC_DATABASE", db.to_str().unwrap())];
    let ok = |args: &[&str]| {
        let out = boltic(args, &env);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    ok(&[
        "users", "add", "--email", "ann@x.ee", "--name", "Ann", "--role", "editor",
    ]);
    ok(&[
        "users",
        "set-attribute",
        "ann@x.ee",
        "group_type",
        "Company",
        "Private Group",
    ]);
    let listed = ok(&["users", "list"]);
    assert_eq!(
        listed.trim(),
        "ann@x.ee\tAnn\teditor\tgroup_type=Company,Private Group"
    );
    let secret = ok(&["keys", "create", "--email", "ann@x.ee", "--name", "ci"]);
    let secret = secret.trim();
    assert!(secret.starts_with("bk_") && secret.len() > 40, "{secret}");
    let keys = ok(&["keys", "list", "--email", "ann@x.ee"]);
    assert!(
        keys.contains("\tci\tactive\t") && !keys.contains(secret),
        "{keys}"
    );
    let id = keys.split('\t').next().unwrap().to_string();
    ok(&["keys", "revoke", &id]);
    assert!(ok(&["keys", "list", "--email", "ann@x.ee"]).contains("\tinactive\t"));
    ok(&["users", "disable", "ann@x.ee"]);
    assert!(ok(&["users", "list"]).contains("(disabled)"));
    // mistakes say what and how to fix it
    let dup = boltic(
        &["users", "add", "--email", "ANN@x.ee", "--name", "A"],
        &env,
    );
    assert_eq!(dup.status.code(), Some(1));
    assert!(text(&dup).contains("already exists"), "{}", text(&dup));
    let bad_role = boltic(&["users", "set-role", "ann@x.ee", "owner"], &env);
    assert!(
        text(&bad_role).contains("use viewer, editor or admin"),
        "{}",
        text(&bad_role)
    );
    let nobody = boltic(
        &["keys", "create", "--email", "no@x.ee", "--name", "x"],
        &env,
    );
    assert!(
        text(&nobody).contains("'boltic users list'"),
        "{}",
        text(&nobody)
    );
}

/// One HTTP/1.1 request to `addr`; the whole answer as text.
fn http(addr: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<&str>) -> String {
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    http_with(addr, method, path, &auth, "application/json", body)
}

/// An HTTP/1.1 request with extra header lines (`headers`, each ending in CRLF).
fn http_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    content_type: &str,
    body: Option<&str>,
) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The server's log at its most detailed level, over requests made with an API key and a share
/// link (its API, its page), never holds the key or the token.
#[test]
fn secrets_never_reach_the_log() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(
        run_pipeline(&project().join("raw"), &wh, &[])
            .status
            .success()
    );
    let db = dir.path().join("app.db");
    let env = [("BOLTIC_DATABASE", db.to_str().unwrap())];
    let password = "correct horse battery staple";
    let added = {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_boltic"))
            .args([
                "users", "add", "--email", "a@x.ee", "--name", "A", "--role", "editor",
            ])
            .arg("--password-stdin")
            .env("BOLTIC_DATABASE", db.to_str().unwrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(added.status.success(), "{}", text(&added));
    assert!(
        !String::from_utf8_lossy(&added.stdout).contains(password),
        "the CLI does not echo a given password"
    );
    let key = boltic(
        &["keys", "create", "--email", "a@x.ee", "--name", "ci"],
        &env,
    );
    let key = String::from_utf8_lossy(&key.stdout).trim().to_string();
    assert!(key.starts_with("bk_"), "{key}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_boltic"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--poll-interval-ms",
            "0",
        ])
        .args([
            "--project",
            project().to_str().unwrap(),
            "--warehouse",
            wh.to_str().unwrap(),
        ])
        .args(["--database", db.to_str().unwrap()])
        .env("BOLTIC_LOG", "trace")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    while !log.contains("serving http://") {
        assert!(
            stderr.read_line(&mut log).unwrap() > 0,
            "server exited: {log}"
        );
    }
    let addr = log.rsplit("http://").next().unwrap().trim().to_string();
    // drain the log as it comes: a full pipe would stall the server
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).unwrap();
        rest
    });
    let query = r#"{"explore": "orders", "fields": ["orders.order_count"]}"#;
    let answer = http(&addr, "POST", "/api/v1/query", Some(&key), Some(query));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let made = http(
        &addr,
        "POST",
        "/api/v1/dashboards/revenue_overview/shares",
        Some(&key),
        Some("{}"),
    );
    assert!(
        made.starts_with("HTTP/1.1 201") || made.starts_with("HTTP/1.1 200"),
        "{made}"
    );
    let token = made
        .split("\"token\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a token")
        .to_string();
    assert!(http(&addr, "GET", "/api/v1/share", Some(&token), None).starts_with("HTTP/1.1 200"));
    assert!(http(&addr, "GET", &format!("/s/{token}"), None, None).starts_with("HTTP/1.1 200"));
    let wrong = http(&addr, "GET", "/api/v1/explores", Some("bk_wrong-key"), None);
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    // a wrong and a right password, a session cookie in use, logging out
    let form = |p: &str| format!("email=a%40x.ee&password={}&next=%2F", p.replace(' ', "+"));
    let failed = http_with(
        &addr,
        "POST",
        "/login",
        "",
        "application/x-www-form-urlencoded",
        Some(&form("not the password")),
    );
    assert!(failed.starts_with("HTTP/1.1 401"), "{failed}");
    let login = http_with(
        &addr,
        "POST",
        "/login",
        "",
        "application/x-www-form-urlencoded",
        Some(&form(password)),
    );
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let session = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: boltic_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let cookie = format!("Cookie: boltic_session={session}\r\n");
    let mine = http_with(
        &addr,
        "POST",
        "/api/v1/query",
        &cookie,
        "application/json",
        Some(query),
    );
    assert!(mine.starts_with("HTTP/1.1 200"), "{mine}");
    let out = http_with(
        &addr,
        "POST",
        "/logout",
        &cookie,
        "application/x-www-form-urlencoded",
        None,
    );
    assert!(out.starts_with("HTTP/1.1 303"), "{out}");
    let after = http_with(
        &addr,
        "POST",
        "/api/v1/query",
        &cookie,
        "application/json",
        Some(query),
    );
    assert!(
        after.starts_with("HTTP/1.1 401"),
        "logged out at once: {after}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    log.push_str(&drain.join().unwrap());
    assert!(child.wait().unwrap().success());
    assert!(
        log.lines().count() > 10 && log.contains("/api/v1/query"),
        "the log is detailed:\n{log}"
    );
    for secret in [
        key.as_str(),
        token.as_str(),
        "bk_wrong-key",
        password,
        "correct+horse",
        "not the password",
        "not+the+password",
        session.as_str(),
    ] {
        assert!(!log.contains(secret), "a secret is in the log:\n{log}");
    }
}

#[test]
fn warehouse_optimize_and_vacuum_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let warehouse = wh.to_str().unwrap();
    let out = boltic(&["warehouse", "vacuum", "--warehouse", warehouse], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "warehouse '{warehouse}' has no published version yet; build one with 'boltic pipeline run"
        )),
        "{}",
        text(&out)
    );
    assert!(dir.path().is_dir());

    let raw = project().join("raw");
    for _ in 0..2 {
        let out = run_pipeline(&raw, &wh, &[]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let first = status(&wh);
    // The seed's tables are one file each: nothing to compact, no new version.
    let out = boltic(&["warehouse", "optimize", "--warehouse", warehouse], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing to compact"), "{}", text(&out));
    assert_eq!(status(&wh)["version"], first["version"]);

    let out = boltic(
        &[
            "warehouse",
            "vacuum",
            "--warehouse",
            warehouse,
            "--keep-versions",
            "1",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["current_version"], first["version"]);
    assert_eq!(
        report["kept_versions"],
        serde_json::json!([first["version"]])
    );
    assert_eq!(report["removed_versions"].as_array().unwrap().len(), 1);
    assert!(report["files_after"].as_u64() < report["files_before"].as_u64());
    let (version, _) = read_back(&wh);
    assert_eq!(version, first["version"].as_str().unwrap());

    let out = boltic(
        &[
            "warehouse",
            "vacuum",
            "--warehouse",
            warehouse,
            "--keep-versions",
            "0",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--keep-versions"), "{}", text(&out));
}
