//! The golden cases as one table: name, model files, query JSON.
//! `golden.rs` snapshots the SQL; a DataFusion run can iterate over the same table.

use boltic_semantic::SourceFile;

/// One golden case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Snapshot name.
    pub name: &'static str,
    /// Model files.
    pub model: Vec<SourceFile>,
    /// Query JSON.
    pub query: &'static str,
    /// Compile with the naive (fan-out unsafe) strategy.
    pub naive: bool,
}

/// The Air Boltic demo model files.
pub fn demo() -> Vec<SourceFile> {
    vec![
        SourceFile::new(
            "views.yml",
            include_str!("../../../demo/air_boltic/semantic/views.yml"),
        ),
        SourceFile::new(
            "explores.yml",
            include_str!("../../../demo/air_boltic/semantic/explores.yml"),
        ),
        SourceFile::new(
            "dashboards.yml",
            include_str!("../../../demo/air_boltic/semantic/dashboards.yml"),
        ),
    ]
}

/// "now" used by all golden cases: 2024-08-15 10:30:00 (a Thursday) in the query time zone.
pub fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 8, 15)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("valid date")
}

fn d(name: &'static str, query: &'static str) -> Case {
    Case {
        name,
        model: demo(),
        query,
        naive: false,
    }
}

fn inline(name: &'static str, yaml: &'static str, query: &'static str) -> Case {
    Case {
        name,
        model: vec![SourceFile::new("model.yml", yaml)],
        query,
        naive: false,
    }
}

const EVENTS: &str = r#"
timezone: Europe/Tallinn
views:
  - name: events
    sql_table_name: analytics.events
    primary_key: id
    dimensions:
      - name: id
        type: number
      - name: kind
      - name: happened
        type: time
        sql: ${TABLE}.happened_at
      - name: day
        type: date
        sql: ${TABLE}.event_day
        timeframes: [date, week, month, year, day_of_week, month_name]
      - name: amount
        type: number
      - name: amount_tier
        type: tier
        tiers: [0, 10, 100]
        sql: ${amount}
      - name: is_big
        type: boolean
        sql: ${amount} > 100
    measures:
      - name: event_count
        type: count
      - name: p95_amount
        type: percentile
        percentile: 95
        sql: ${amount}
explores:
  - name: events
"#;

const DERIVED: &str = r#"
views:
  - name: daily
    derived_table:
      sql: SELECT customer_id, count(*) AS n FROM fact_orders GROUP BY customer_id
    primary_key: customer_id
    dimensions:
      - name: customer_id
        type: number
      - name: n
        type: number
    measures:
      - name: avg_orders
        type: average
        sql: ${n}
explores:
  - name: daily
"#;

const ROUTES: &str = r#"
views:
  - name: airports
    sql_table_name: dim_airports
    primary_key: code
    dimensions:
      - name: code
      - name: city
      - name: country
  - name: flights
    sql_table_name: fact_flights
    primary_key: id
    dimensions:
      - name: id
        type: number
      - name: origin
      - name: destination
    measures:
      - name: flight_count
        type: count
explores:
  - name: flights
    joins:
      - name: origin_airport
        from: airports
        sql_on: ${flights.origin} = ${origin_airport.code}
        relationship: many_to_one
        type: inner
      - name: destination_airport
        from: airports
        sql_on: ${flights.destination} = ${destination_airport.code}
        relationship: many_to_one
"#;

/// All golden cases.
pub fn golden_cases() -> Vec<Case> {
    let cases = vec![
        // dimensions and measures of each type
        d(
            "string_dimension_count",
            r#"{"explore":"orders","fields":["orders.status","orders.order_count"]}"#,
        ),
        d(
            "number_dimension",
            r#"{"explore":"orders","fields":["orders.price_eur","orders.order_count"],"sorts":[{"field":"orders.price_eur"}]}"#,
        ),
        d(
            "yesno_dimension",
            r#"{"explore":"orders","fields":["orders.is_finished","orders.revenue"]}"#,
        ),
        d(
            "derived_dimension_reference",
            r#"{"explore":"orders","fields":["orders.route","orders.order_count"],"limit":10}"#,
        ),
        d(
            "tier_dimension",
            r#"{"explore":"orders","fields":["orders.price_tier","orders.order_count"]}"#,
        ),
        // a keyed dimension sorts by its key and is filtered by its label
        d(
            "tier_filtered_sorted",
            r#"{"explore":"orders","fields":["orders.price_tier","orders.revenue"],"filters":[{"field":"orders.price_tier","op":"not_equals","values":["< 500"]}],"sorts":[{"field":"orders.price_tier","desc":true}],"limit":2}"#,
        ),
        d(
            "fanout_tier_sorted",
            r#"{"explore":"trips","fields":["orders.price_tier","trips.seats_offered","orders.revenue"],"sorts":[{"field":"orders.price_tier"}]}"#,
        ),
        d(
            "measure_types",
            r#"{"explore":"orders","fields":["orders.order_count","orders.distinct_customers","orders.revenue","orders.average_price","orders.min_price","orders.max_price","orders.median_price","orders.p90_price"]}"#,
        ),
        d(
            "derived_number_measure",
            r#"{"explore":"orders","fields":["orders.status","orders.revenue_per_order"]}"#,
        ),
        d(
            "filtered_measures",
            r#"{"explore":"orders","fields":["orders.origin_city","orders.finished_revenue","orders.finished_order_count","orders.revenue"]}"#,
        ),
        // timeframes
        d(
            "timeframe_raw",
            r#"{"explore":"trips","fields":["trips.start_raw","trips.trip_id"],"limit":5}"#,
        ),
        d(
            "timeframe_minute_hour",
            r#"{"explore":"trips","fields":["trips.start_minute","trips.start_hour","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_date",
            r#"{"explore":"trips","fields":["trips.start_date","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_week",
            r#"{"explore":"trips","fields":["trips.start_week","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_month",
            r#"{"explore":"trips","fields":["trips.start_month","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_quarter_year",
            r#"{"explore":"trips","fields":["trips.start_quarter","trips.start_year","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_day_of_week",
            r#"{"explore":"trips","fields":["trips.start_day_of_week","trips.trip_count"],"sorts":[{"field":"trips.start_day_of_week"}]}"#,
        ),
        d(
            "timeframe_hour_of_day",
            r#"{"explore":"trips","fields":["trips.start_hour_of_day","trips.trip_count"]}"#,
        ),
        d(
            "timeframe_month_name_num",
            r#"{"explore":"trips","fields":["trips.start_month_name","trips.start_month_num","trips.start_day_of_month","trips.trip_count"]}"#,
        ),
        d(
            "timezone_tallinn",
            r#"{"explore":"trips","fields":["trips.start_date","trips.start_hour_of_day","trips.trip_count"],"timezone":"Europe/Tallinn"}"#,
        ),
        d(
            "timezone_filter_tallinn",
            r#"{"explore":"trips","fields":["trips.start_date","trips.trip_count"],"filters":{"trips.start_date":"this month"},"timezone":"Europe/Tallinn"}"#,
        ),
        // string filters
        d(
            "filter_string_equals",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.status":"Finished"}}"#,
        ),
        d(
            "filter_string_list",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.status":"Finished,Booked"}}"#,
        ),
        d(
            "filter_string_patterns",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.origin_city":"New%","orders.destination_city":"%o%"}}"#,
        ),
        d(
            "filter_string_negations",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.status":"-Cancelled,-NULL"}}"#,
        ),
        d(
            "filter_string_null_empty",
            r#"{"explore":"customers","fields":["customers.customer_count"],"filters":{"customers.email":"NULL,EMPTY"}}"#,
        ),
        d(
            "filter_string_escaped_quote",
            r#"{"explore":"customers","fields":["customers.customer_count"],"filters":{"customers.name":"O'Brien^, Pat"}}"#,
        ),
        // number filters
        d(
            "filter_number_equals",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.price_eur":"5"}}"#,
        ),
        d(
            "filter_number_comparison",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.price_eur":">=100"}}"#,
        ),
        d(
            "filter_number_intervals",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.price_eur":"[5,90],(100,200]"}}"#,
        ),
        d(
            "filter_number_not_and",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.price_eur":"NOT 3","orders.order_id":">5 AND <10"}}"#,
        ),
        d(
            "filter_number_null",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.max_seats":"NULL,-NULL"}}"#,
        ),
        // date filters
        d(
            "filter_date_last_7_days",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_date":"last 7 days"}}"#,
        ),
        d(
            "filter_date_this_month",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_month":"this month"}}"#,
        ),
        d(
            "filter_date_range",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_date":"2024-08-01 to 2024-09-01"}}"#,
        ),
        d(
            "filter_date_before_after",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_date":"after 2024-08-10","trips.end_date":"before 2024-08-20"}}"#,
        ),
        d(
            "filter_date_relative_days",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_date":"7 days ago,today,yesterday"}}"#,
        ),
        d(
            "filter_date_timestamp",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_raw":"after 2024-08-01 14:30"}}"#,
        ),
        d(
            "filter_day_of_week_number",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":{"trips.start_day_of_week":"0,6"}}"#,
        ),
        d(
            "filter_yesno",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.is_finished":"yes"}}"#,
        ),
        // structured filters
        d(
            "structured_filter_and_or",
            r#"{"explore":"orders","fields":["orders.status","orders.revenue"],"filters":[{"or":[{"field":"orders.status","op":"equals","values":["Finished","Booked"]},{"and":[{"field":"orders.price_eur","op":"between","values":[100,200]},{"field":"orders.origin_city","op":"starts_with","values":["New"]}]}]}]}"#,
        ),
        d(
            "structured_filter_ops",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":[{"field":"orders.destination_city","op":"not_equals","values":["Paris"]},{"field":"orders.seat_no","op":"is_not_null"},{"field":"orders.origin_city","op":"contains","values":["ondo"]},{"field":"orders.status","op":"matches","values":["-Cancelled"]}]}"#,
        ),
        d(
            "structured_filter_time",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":[{"field":"trips.start_raw","op":"gte","values":["2024-08-01"]},{"field":"trips.start_raw","op":"lt","values":["2024-08-02T12:00:00"]}]}"#,
        ),
        // WHERE vs HAVING
        d(
            "measure_filter_having",
            r#"{"explore":"orders","fields":["orders.origin_city","orders.revenue"],"filters":{"orders.status":"Finished","orders.revenue":">1000","orders.order_count":">=2"}}"#,
        ),
        // sorts, limit, offset, pivots, totals
        d(
            "sorts_limit_offset",
            r#"{"explore":"orders","fields":["orders.origin_city","orders.destination_city","orders.revenue"],"sorts":[{"field":"orders.revenue","desc":true},{"field":"orders.origin_city"}],"limit":20,"offset":40}"#,
        ),
        d(
            "pivots",
            r#"{"explore":"orders","fields":["orders.origin_city","orders.revenue"],"pivots":["orders.status"]}"#,
        ),
        d(
            "totals",
            r#"{"explore":"orders","fields":["orders.status","orders.revenue","orders.order_count"],"totals":true,"filters":{"orders.origin_city":"London"}}"#,
        ),
        // joins: pruning, many_to_one chains, fan-out
        d(
            "join_pruning_customers_only",
            r#"{"explore":"orders","fields":["customers.customer_group_type","orders.revenue"]}"#,
        ),
        d(
            "join_chain_aeroplanes",
            r#"{"explore":"orders","fields":["aeroplanes.manufacturer","aeroplanes.model","orders.order_count","orders.revenue"]}"#,
        ),
        d(
            "join_needed_by_filter_only",
            r#"{"explore":"orders","fields":["orders.revenue"],"filters":{"aeroplanes.size":"big"}}"#,
        ),
        d(
            "fanout_trips_orders",
            r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue"]}"#,
        ),
        d(
            "fanout_load_factor",
            r#"{"explore":"trips","fields":["aeroplanes.model","trips.seats_offered","orders.order_count","trips.load_factor"],"sorts":[{"field":"trips.load_factor","desc":true}]}"#,
        ),
        d(
            "fanout_many_to_one_side",
            r#"{"explore":"orders","fields":["customers.name","orders.order_count","trips.seats_offered","trips.trip_hours"]}"#,
        ),
        d(
            "fanout_no_dimensions",
            r#"{"explore":"trips","fields":["trips.seats_offered","orders.revenue"]}"#,
        ),
        d(
            "fanout_with_having",
            r#"{"explore":"trips","fields":["trips.origin_city","trips.seats_offered","orders.revenue"],"filters":{"orders.status":"Finished","trips.seats_offered":">100"}}"#,
        ),
        d(
            "fanout_safe_measures_direct",
            r#"{"explore":"trips","fields":["trips.manufacturer","trips.last_flight","orders.revenue"]}"#,
        ),
        Case {
            name: "fanout_naive_for_comparison",
            model: demo(),
            query: r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue"]}"#,
            naive: true,
        },
        // the original reporting script's questions
        d(
            "report_orders_per_customer_incl_none",
            r#"{"explore":"customers","fields":["customers.customer_id","customers.name","orders.order_count","orders.revenue"],"sorts":[{"field":"customers.customer_id"}]}"#,
        ),
        d(
            "report_orders_per_aeroplane",
            r#"{"explore":"orders","fields":["aeroplanes.aeroplane_id","aeroplanes.model","orders.order_count","orders.revenue"],"sorts":[{"field":"aeroplanes.aeroplane_id"}]}"#,
        ),
        d(
            "report_last_flight_per_customer",
            r#"{"explore":"customers","fields":["customers.name","trips.last_flight","trips.trip_count"]}"#,
        ),
        // explore options
        d(
            "always_filter_and_sql_always_where",
            r#"{"explore":"finished_orders","fields":["trips.start_month","orders.revenue"]}"#,
        ),
        d(
            "always_filter_overridden",
            r#"{"explore":"finished_orders","fields":["orders.revenue"],"filters":{"trips.start_date":"2024"}}"#,
        ),
        // inline models
        inline(
            "inline_timezone_date_type",
            EVENTS,
            r#"{"explore":"events","fields":["events.happened_date","events.day_month","events.day_day_of_week","events.day_month_name","events.event_count"]}"#,
        ),
        inline(
            "inline_date_filter_and_tier",
            EVENTS,
            r#"{"explore":"events","fields":["events.amount_tier","events.is_big","events.p95_amount"],"filters":{"events.day_date":"last 3 months","events.kind":"-test%"}}"#,
        ),
        inline(
            "inline_utc_override",
            EVENTS,
            r#"{"explore":"events","fields":["events.happened_hour","events.event_count"],"timezone":"UTC"}"#,
        ),
        inline(
            "derived_table",
            DERIVED,
            r#"{"explore":"daily","fields":["daily.n","daily.avg_orders"]}"#,
        ),
        inline(
            "join_same_view_twice_with_aliases_inner",
            ROUTES,
            r#"{"explore":"flights","fields":["origin_airport.country","destination_airport.country","flights.flight_count"],"filters":{"origin_airport.city":"Tallinn"}}"#,
        ),
        d(
            "structured_filter_time_equals",
            r#"{"explore":"trips","fields":["trips.trip_count"],"filters":[{"field":"trips.start_date","op":"equals","values":["2024-08-01","yesterday"]}]}"#,
        ),
        d(
            "injection_attempt_is_a_literal",
            r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.status":"x'; DROP TABLE fact_orders; --","orders.origin_city":"\" OR 1=1 --%"}}"#,
        ),
        d(
            "fanout_customers_count_with_orders",
            r#"{"explore":"customers","fields":["customers.customer_group_type","customers.customer_count","orders.order_count","orders.revenue"]}"#,
        ),
        d(
            "fanout_two_dimensions",
            r#"{"explore":"trips","fields":["trips.manufacturer","trips.start_year","trips.seats_offered","orders.revenue"]}"#,
        ),
        d(
            "only_dimensions",
            r#"{"explore":"orders","fields":["orders.origin_city","orders.destination_city"]}"#,
        ),
    ];
    cases
}
