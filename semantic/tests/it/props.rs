//! Random valid queries over the demo model: compiling never panics, the SQL re-parses, and it
//! runs on DataFusion over the fixture warehouse.

use boltic_semantic::{
    CompileOptions, Error, FieldKind, Filter, Filters, Model, Query, Sort, compile, load,
};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::cases::{demo, now};
use crate::warehouse::{run, warehouse};

fn model() -> Model {
    load(&demo()).0.expect("demo model loads")
}

/// A queryable field: name, is a dimension, filter expressions that fit its type.
type FieldInfo = (String, bool, &'static [&'static str]);

/// (explore, its fields)
fn catalogue(model: &Model) -> Vec<(String, Vec<FieldInfo>)> {
    const STRINGS: &[&str] = &[
        "Finished",
        "New%",
        "-Cancelled,-NULL",
        "a^,b,c",
        "EMPTY",
        "%o%",
    ];
    const NUMBERS: &[&str] = &["5", ">=100", "[5,90]", "(1,2),NOT 3", ">5 AND <10", "NULL"];
    const TIMES: &[&str] = &[
        "last 7 days",
        "this month",
        "2024-08-01 to 2024-09-01",
        "before 2024-08-10",
        "7 days ago",
        "today,yesterday",
    ];
    const BOOLS: &[&str] = &["yes", "no", "NULL"];
    model
        .explores
        .values()
        .map(|e| {
            let mut fields = Vec::new();
            for alias in e.aliases() {
                let view = &model.views[e.view_of(alias).expect("alias")];
                for f in view.fields.values() {
                    if !e.allows(alias, &f.name) {
                        continue;
                    }
                    let exprs = match &f.kind {
                        FieldKind::Measure(_) => NUMBERS,
                        FieldKind::Dimension(_) => match f.type_name() {
                            "number" => NUMBERS,
                            "time" | "date" => TIMES,
                            "boolean" => BOOLS,
                            _ => STRINGS,
                        },
                    };
                    fields.push((format!("{alias}.{}", f.name), f.is_dimension(), exprs));
                }
            }
            (e.name.clone(), fields)
        })
        .collect()
}

/// A random query over the demo model (valid field names, filters that fit the field types; it
/// may still be an invalid query, e.g. a pivot that is not a selected dimension), and whether to
/// compile it with the naive fan-out strategy.
fn queries() -> impl Strategy<Value = (Query, bool)> {
    let cat = catalogue(&model());
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..6),
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
            0..4,
        ),
        prop::collection::vec(any::<bool>(), 0..3),
        prop::option::of(0u64..1000),
        prop::option::of(0u64..1000),
        any::<Option<prop::sample::Index>>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            move |(
                explore_pick,
                field_picks,
                filter_picks,
                sort_desc,
                limit,
                offset,
                pivot,
                totals,
                tallinn,
                naive,
            )| {
                let (explore, fields) = &cat[explore_pick.index(cat.len())];
                let mut chosen: Vec<String> = field_picks
                    .iter()
                    .map(|i| fields[i.index(fields.len())].0.clone())
                    .collect();
                chosen.dedup();
                let filters: Vec<Filter> = filter_picks
                    .iter()
                    .map(|(f, e)| {
                        let (name, _, exprs) = &fields[f.index(fields.len())];
                        Filter::Expressions(
                            [(name.clone(), exprs[e.index(exprs.len())].to_string())].into(),
                        )
                    })
                    .collect();
                let sorts = chosen
                    .iter()
                    .zip(&sort_desc)
                    .map(|(f, d)| Sort {
                        field: f.clone(),
                        desc: *d,
                    })
                    .collect();
                let dims: Vec<&FieldInfo> = fields.iter().filter(|f| f.1).collect();
                let pivots = pivot
                    .map(|p| vec![dims[p.index(dims.len())].0.clone()])
                    .unwrap_or_default();
                let query = Query {
                    explore: explore.clone(),
                    fields: chosen,
                    filters: Filters::List(filters),
                    sorts,
                    limit,
                    offset,
                    pivots,
                    totals,
                    timezone: tallinn.then(|| "Europe/Tallinn".to_string()),
                };
                (query, naive)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_queries_compile_to_parseable_sql((query, naive) in queries()) {
        let model = model();
        let mut opts = CompileOptions::new(now());
        opts.naive_fanout = naive;
        match compile(&model, &query, &opts) {
            Ok(out) => {
                for sql in std::iter::once(&out.sql).chain(out.totals_sql.iter()) {
                    let parsed = Parser::parse_sql(&GenericDialect {}, sql);
                    prop_assert!(parsed.is_ok(), "{sql}\n{parsed:?}");
                    // laid out exactly as sqlparser prints it
                    if let Ok([stmt]) = parsed.as_deref() {
                        prop_assert_eq!(&format!("{stmt:#}"), sql);
                    } else {
                        prop_assert!(false, "not one statement: {sql}");
                    }
                }
            }
            Err(Error::Internal(e)) => prop_assert!(false, "internal error: {e}\n{query:?}"),
            Err(_) => {}
        }
    }
}

/// Random queries (as above; 64, or `PROPTEST_CASES`) compiled and run by DataFusion on the fixture warehouse: every
/// query that compiles plans and executes, and so does its totals query.
#[test]
fn random_queries_run_on_datafusion() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let wh = rt.block_on(warehouse()).expect("fixture");
    let model = model();
    let compiled = AtomicUsize::new(0);
    let executed = AtomicUsize::new(0);
    // 64 by default so the test takes seconds; PROPTEST_CASES=2000 for a deeper run
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&queries(), |(query, naive)| {
        let mut opts = CompileOptions::new(now());
        opts.naive_fanout = naive;
        let out = match compile(&model, &query, &opts) {
            Ok(out) => out,
            Err(Error::Internal(e)) => {
                return Err(TestCaseError::fail(format!(
                    "internal error: {e}\n{query:?}"
                )));
            }
            Err(_) => return Ok(()),
        };
        compiled.fetch_add(1, Ordering::Relaxed);
        for sql in std::iter::once(&out.sql).chain(out.totals_sql.iter()) {
            if let Err(e) = rt.block_on(run(&wh.ctx, sql)) {
                return Err(TestCaseError::fail(format!(
                    "DataFusion: {e}\nquery: {}\nnaive: {naive}\nsql:\n{sql}",
                    serde_json::to_string(&query).unwrap_or_else(|_| format!("{query:?}"))
                )));
            }
            executed.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let executed = executed.into_inner();
    let compiled = compiled.into_inner();
    println!(
        "random queries: {compiled} of {cases} compiled, {executed} statements ran on DataFusion"
    );
    assert!(executed > 0, "no generated query compiled");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn filter_parser_never_panics(expr in "[ -~]{0,24}|(last|this|next|NOT|NULL|-|\\[|\\]|,|5|2024-08-01| |days|to|before|%|\\^)*") {
        use boltic_semantic::filter::{FilterKind, parse};
        for kind in [FilterKind::String, FilterKind::Number, FilterKind::Boolean, FilterKind::Time] {
            if let Err(e) = parse(kind, &expr, now()) {
                prop_assert!(e.offset <= expr.chars().count(), "{kind:?} {expr:?} {e:?}");
            }
        }
    }

    #[test]
    fn damaged_models_never_panic(cut in 0usize..6000, insert in "[ a-z:${}\\-\\[\\]\\n]{0,8}") {
        let files = demo();
        let text = &files[0].text;
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
        let damaged = format!("{}{insert}{}", &text[..at], &text[at..]);
        let mut files = files.clone();
        files[0] = boltic_semantic::SourceFile::new("views.yml", damaged.clone());
        let (model, diags) = load(&files);
        prop_assert!(model.is_some() || !diags.is_empty());
        for d in &diags {
            // serde_yaml may point just past the last line (end of input)
            prop_assert!(d.line >= 1 && d.line <= damaged.lines().count() + 1, "{d}");
            prop_assert!(d.column >= 1, "{d}");
        }
    }
}
