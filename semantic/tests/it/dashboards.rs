//! Dashboards: loading from YAML with positioned diagnostics, checks of app-made dashboards,
//! and dashboard filters reaching exactly the tiles whose explore has the field.

use std::collections::BTreeMap;

use boltic_semantic::{Dashboard, DashboardExt, Filter, Model, SourceFile, load};

use crate::cases::demo;

fn demo_model() -> Model {
    let (model, diags) = load(&demo());
    assert!(diags.is_empty(), "{diags:#?}");
    model.expect("demo model")
}

#[test]
fn demo_dashboards_load_with_every_tile_placed() {
    let model = demo_model();
    let names: Vec<_> = model.dashboards.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["customer_activity", "fleet_utilisation", "revenue_overview"]
    );
    for d in model.dashboards.values() {
        assert!(d.tiles.len() >= 4, "{}", d.name);
        assert!(d.tiles.iter().all(|t| t.layout.is_some()));
        assert!(d.check(&model).is_empty());
    }
}

fn with_dashboard(yaml: &str) -> Vec<SourceFile> {
    let mut files = demo();
    files.retain(|f| f.name != "dashboards.yml");
    files.push(SourceFile::new("boards.yml", yaml));
    files
}

#[test]
fn broken_dashboards_are_reported_where_they_are() {
    let yaml = "dashboards:
  - name: sales
    title: Sales
    filters:
      - field: orders.statuss
      - field: trips.start_date
        default: last banana days
    tiles:
      - name: a
        title: A
        query:
          explore: orders
          fields: [orders.revenue, orders.revenu]
      - name: a
        title: Again
        query: {explore: orders, fields: [orders.revenue]}
        layout: {x: 10, y: 0, w: 4, h: 3}
  - name: Bad Name
    title: ''
";
    let (model, diags) = load(&with_dashboard(yaml));
    assert!(model.is_none());
    let got: Vec<_> = diags
        .iter()
        .map(|d| (d.file.as_str(), d.line, d.column, d.code.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("boards.yml", 13, 36, "invalid-tile-query"),
            ("boards.yml", 14, 15, "duplicate-name"),
            ("boards.yml", 17, 17, "invalid-layout"),
            ("boards.yml", 5, 16, "unknown-field"),
            ("boards.yml", 7, 18, "invalid-filter"),
            ("boards.yml", 18, 11, "invalid-name"),
            ("boards.yml", 19, 12, "invalid-name"),
        ],
        "{diags:#?}"
    );
    assert!(diags[0].message.contains("'orders.revenu'"), "{}", diags[0]);
    assert_eq!(
        diags[0].hint.as_deref(),
        Some("did you mean 'orders.revenue'?")
    );
    assert!(diags[3].hint.as_deref().unwrap_or("").contains("dimension"));
}

#[test]
fn a_dashboard_defined_twice_is_an_error() {
    let one = "dashboards:\n  - name: x\n    title: X\n";
    let mut files = with_dashboard(one);
    files.push(SourceFile::new("more.yml", one));
    let (model, diags) = load(&files);
    assert!(model.is_none());
    assert_eq!(diags.len(), 1);
    assert_eq!(
        (
            diags[0].file.as_str(),
            diags[0].line,
            diags[0].code.as_str()
        ),
        ("more.yml", 2, "duplicate-name")
    );
    assert!(
        diags[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("boards.yml")
    );
}

fn expressions(q: &boltic_semantic::Query) -> Vec<(String, String)> {
    q.filters
        .to_list()
        .into_iter()
        .flat_map(|f| match f {
            Filter::Expressions(m) => m.into_iter().collect::<Vec<_>>(),
            other => panic!("unexpected filter {other:?}"),
        })
        .collect()
}

#[test]
fn dashboard_filters_reach_every_tile_whose_explore_has_the_field() {
    let model = demo_model();
    let d = &model.dashboards["fleet_utilisation"];
    let values = BTreeMap::from([
        ("aeroplanes.manufacturer".to_string(), "Boeing".to_string()),
        // not a filter of this dashboard: ignored, a viewer cannot add filters of their own
        ("orders.status".to_string(), "Cancelled".to_string()),
    ]);
    for t in &d.tiles {
        let q = d
            .tile_query(&model, t, &values, None)
            .expect("a query tile");
        assert_eq!(
            expressions(&q),
            [("aeroplanes.manufacturer".to_string(), "Boeing".to_string())],
            "{}",
            t.name
        );
    }
    // a single-value tile gets the date filter like any other
    let d = &model.dashboards["revenue_overview"];
    let values = BTreeMap::from([("trips.start_date".to_string(), "last 30 days".to_string())]);
    let q = d
        .tile_query(&model, &d.tiles[0], &values, None)
        .expect("a query tile");
    assert_eq!(
        expressions(&q),
        [("trips.start_date".to_string(), "last 30 days".to_string())]
    );
    // an empty value means no filter
    let values = BTreeMap::from([("trips.start_date".to_string(), " ".to_string())]);
    assert!(
        expressions(
            &d.tile_query(&model, &d.tiles[0], &values, None)
                .expect("a query tile")
        )
        .is_empty()
    );
}

#[test]
fn filters_skip_tiles_whose_explore_lacks_the_field_and_defaults_apply() {
    let model = demo_model();
    let json = r#"{"name": "mixed", "title": "Mixed",
        "filters": [{"field": "aeroplanes.manufacturer"},
                    {"field": "orders.status", "default": "Finished"}],
        "tiles": [
          {"name": "t", "title": "Trips", "query": {"explore": "trips", "fields": ["trips.trip_count"]}},
          {"name": "c", "title": "Customers", "query": {"explore": "customers", "fields": ["customers.customer_count"]}}
        ]}"#;
    let mut d: Dashboard = serde_json::from_str(json).expect("dashboard json");
    assert!(d.check(&model).is_empty(), "{:?}", d.check(&model));
    let values = BTreeMap::from([("aeroplanes.manufacturer".to_string(), "Airbus".to_string())]);
    // trips explore has aeroplanes and orders; customers explore has orders but no aeroplanes
    assert_eq!(
        expressions(
            &d.tile_query(&model, &d.tiles[0], &values, None)
                .expect("a query tile")
        ),
        [
            ("aeroplanes.manufacturer".to_string(), "Airbus".to_string()),
            ("orders.status".to_string(), "Finished".to_string())
        ]
    );
    assert_eq!(
        expressions(
            &d.tile_query(&model, &d.tiles[1], &values, None)
                .expect("a query tile")
        ),
        [("orders.status".to_string(), "Finished".to_string())]
    );
    d.place_tiles();
    let layouts: Vec<_> = d.tiles.iter().map(|t| t.layout.expect("placed")).collect();
    assert_eq!((layouts[0].x, layouts[0].y, layouts[0].w), (0, 0, 6));
    assert_eq!((layouts[1].x, layouts[1].y, layouts[1].w), (6, 0, 6));
}

#[test]
fn measures_cannot_be_dashboard_filters_and_json_rejects_unknown_keys() {
    let model = demo_model();
    let json = r#"{"name": "m", "title": "M", "filters": [{"field": "orders.revenue"}],
        "tiles": [{"name": "t", "title": "T", "query": {"explore": "orders", "fields": ["orders.revenue"]}}]}"#;
    let d: Dashboard = serde_json::from_str(json).expect("dashboard json");
    let p = d.check(&model);
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].code.as_str(), p[0].location().as_str()),
        ("unknown-field", "filters.0.field")
    );
    let bad = r#"{"name": "m", "title": "M", "tilez": []}"#;
    let e = serde_json::from_str::<Dashboard>(bad).expect_err("unknown key");
    assert!(e.to_string().contains("unknown field `tilez`"), "{e}");
}

#[test]
fn text_tiles_load_from_yaml_and_a_tile_needs_a_query_or_a_text_not_both() {
    let good = "dashboards:
  - name: notes
    title: Notes
    filters:
      - field: orders.status
    tiles:
      - name: about
        title: About
        text: |
          ## Read me
          Revenue is in **EUR**.
      - name: revenue
        title: Revenue
        query: {explore: orders, fields: [orders.revenue]}
";
    let (model, diags) = load(&with_dashboard(good));
    assert!(diags.is_empty(), "{diags:#?}");
    let model = model.expect("model");
    let d = &model.dashboards["notes"];
    assert_eq!(
        d.tiles[0].text.as_deref(),
        Some("## Read me\nRevenue is in **EUR**.\n")
    );
    assert!(d.tiles[0].query.is_none());
    assert!(d.tiles.iter().all(|t| t.layout.is_some()));
    // a text tile runs nothing; a query tile gets the filters as before
    let values = BTreeMap::from([("orders.status".to_string(), "Finished".to_string())]);
    assert_eq!(d.tile_query(&model, &d.tiles[0], &values, None), None);
    let q = d
        .tile_query(&model, &d.tiles[1], &values, None)
        .expect("a query tile");
    assert_eq!(
        expressions(&q),
        [("orders.status".to_string(), "Finished".to_string())]
    );

    let bad = "dashboards:
  - name: notes
    title: Notes
    tiles:
      - name: both
        title: Both
        text: hello
        query: {explore: orders, fields: [orders.revenue]}
      - name: neither
        title: Neither
";
    let (model, diags) = load(&with_dashboard(bad));
    assert!(model.is_none());
    let got: Vec<_> = diags
        .iter()
        .map(|d| (d.line, d.column, d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                7,
                15,
                "invalid-tile-query",
                "tile 'both' has both a 'text' and a 'query'"
            ),
            (
                9,
                15,
                "invalid-tile-query",
                "tile 'neither' has neither a 'query' nor a 'text'"
            ),
        ],
        "{diags:#?}"
    );
    assert!(
        diags[1]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("'text' (markdown)")
    );
}

#[test]
fn the_time_zone_chosen_on_a_dashboard_reaches_its_tile_queries() {
    let model = demo_model();
    let d = &model.dashboards["revenue_overview"];
    let none = BTreeMap::new();
    let q = d
        .tile_query(&model, &d.tiles[0], &none, None)
        .expect("a query tile");
    assert_eq!(q.timezone, None);
    let q = d
        .tile_query(&model, &d.tiles[0], &none, Some("Europe/Tallinn"))
        .expect("a query tile");
    assert_eq!(q.timezone.as_deref(), Some("Europe/Tallinn"));
}
