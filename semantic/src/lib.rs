//! Boltic's semantic layer: YAML model -> validated [`Model`] -> SQL for Apache DataFusion.
//!
//! Pure: text in, model and diagnostics out; a query in, SQL out. No IO, no async, no HTTP.
//! The reference of every YAML key with examples is `docs/semantic.md`.
//!
//! # Entry points
//!
//! - [`load`]`(&[SourceFile]) -> (Option<Model>, Vec<Diagnostic>)`: parse and validate all model
//!   files at once. Every problem is reported (not only the first), each with file, 1-based line
//!   and column, a stable `code`, a lowercase message and usually a hint. The model is returned
//!   only when there is no error.
//! - [`compile`]`(&Model, &Query, &CompileOptions) -> Result<CompiledQuery>`: SQL text (plus an
//!   optional totals query) and the result columns. [`CompileOptions::now`] is the wall-clock time
//!   in the query time zone ([`query_timezone`]) so relative date filters are deterministic.
//! - [`Model::physical_columns`]: each view's warehouse table and the `${TABLE}.column`s it uses,
//!   for checking the model against the warehouse schema.
//! - [`filter::parse`]: the Looker-style filter expression language.
//!
//! # Format (short)
//!
//! ```yaml
//! timezone: UTC                      # default query time zone
//! views:
//!   - name: orders
//!     sql_table_name: fact_orders    # or derived_table: {sql: SELECT ...}
//!     primary_key: order_id
//!     dimensions:
//!       - name: status               # type string by default, sql ${TABLE}.status by default
//!       - name: price_eur
//!         type: number
//!       - name: price_tier
//!         type: tier
//!         tiers: [500, 1000]
//!         sql: ${price_eur}
//!       - name: created              # fields created_date, created_month, ...
//!         type: time
//!         sql: ${TABLE}.created_at
//!         timeframes: [raw, hour, date, week, month, quarter, year, day_of_week, hour_of_day, month_name]
//!     measures:
//!       - name: revenue
//!         type: sum
//!         sql: ${price_eur}
//!       - name: finished_revenue
//!         type: sum
//!         sql: ${price_eur}
//!         filters: [{field: status, value: Finished}]
//!       - name: revenue_per_order
//!         type: number
//!         sql: ${revenue} / NULLIF(${order_count}, 0)
//! explores:
//!   - name: orders                   # base view = name unless `view:` is given
//!     joins:
//!       - name: customers            # alias; `from: <view>` to join a view under another name
//!         sql_on: ${orders.customer_id} = ${customers.customer_id}
//!         relationship: many_to_one  # required: many_to_one, one_to_many, one_to_one, many_to_many
//!         type: left                 # left (default), inner, full
//! dashboards:                        # see [`Dashboard`]; checked against the model at load
//!   - name: revenue_overview
//!     title: Revenue overview
//!     filters:                       # apply to every tile whose explore has the field
//!       - {field: orders.status, title: Status, default: Finished}
//!     tiles:
//!       - name: by_month
//!         title: Revenue by month
//!         chart: line                # auto (default), table, bar, column, line, area, scatter, pie, single
//!         query: {explore: orders, fields: [trips.start_month, orders.revenue]}
//!         layout: {x: 0, y: 0, w: 6, h: 4}   # 12-column grid; placed automatically if left out
//! ```
//!
//! # How SQL is built
//!
//! [`load`] parses every model `sql:` snippet once with `sqlparser` (GenericDialect), its
//! `${...}` references as placeholder identifiers, and keeps the snippet as `sqlparser` prints
//! it, with holes for the references; a snippet that does not parse is a model error. The
//! compiler fills the holes (quoted identifiers, other snippets in parentheses) and lays out the
//! statement exactly as `sqlparser` pretty-prints it (`{:#}`), without parsing anything per query.
//! Every value that comes from the query (filter values, the time zone) is written as a SQL
//! literal by the compiler: strings single-quoted with every `'` doubled, numbers only as
//! checked by the filter parser, so a query value never becomes SQL syntax.
//!
//! Only the views a query needs are joined (those of its fields, filters, `sql_always_where`, and
//! the views their `sql_on` depends on). Dimension filters go to `WHERE`, measure filters to
//! `HAVING`. Dimensions that are more than a bare column (timeframes, tiers, expressions) are
//! computed in a subquery on the view's side before the join
//! (`(SELECT "trips".*, date_trunc('month', ...) AS "__start_month" FROM fact_trips AS "trips")`),
//! so the outer query joins and groups on ready columns.
//!
//! # Time zones
//!
//! Time columns are taken to be UTC instants (`TIMESTAMP(us, 'UTC')` in the warehouse). With the
//! query time zone `UTC` there is no conversion at all: `date_trunc('month', ts)`,
//! `date_part('dow', ts)`, `to_char(ts, '%B')`, and range filters compare the raw column with
//! RFC 3339 literals (`ts >= '2024-08-01T00:00:00Z'`), which DataFusion can push into the Parquet
//! scan. For any other zone the value is `ts AT TIME ZONE 'Europe/Tallinn'` (DataFusion plans it as
//! a cast to `Timestamp(ns, 'Europe/Tallinn')`: same instant, local calendar for `date_trunc` and
//! `date_part`), and filter literals are local wall-clock times without offset, which DataFusion
//! reads in that zone. `date` dimensions are calendar dates and never converted.
//!
//! # Fan-out
//!
//! A join can repeat the rows of a view: in explore `trips`, `orders` is joined one_to_many, so a
//! trip with three orders appears three times and `SUM(max_seats)` counts its seats three times.
//! A view is fanned out when some join in the query, seen from that view, goes to "many"
//! (one_to_many away from it, many_to_one towards it, or many_to_many).
//!
//! We use the Cube/Lightdash technique rather than Looker's symmetric aggregates: for each view
//! whose fan-out-sensitive measures (count, sum, average, median, percentile) are fanned out,
//! a CTE `__keys_<view>` selects `DISTINCT` the query's dimensions and that view's primary key over
//! the same join tree and `WHERE`; `__agg_<view>` joins those keys back to the view on its primary
//! key and aggregates at the dimensions' grain, so each row of the view counts once per group.
//! Measures of views that are not fanned out are aggregated directly in `__agg`. The per-view
//! aggregates are joined on the dimensions with `IS NOT DISTINCT FROM` (NULL groups match), then
//! `number` measures are computed from the aggregated columns and measure filters apply. It needs
//! only a primary key (validated per explore: code `fanout-without-primary-key`), uses plain
//! `DISTINCT`/`GROUP BY` that DataFusion does well, and avoids the hash arithmetic of symmetric
//! aggregates, which the anchors report as up to 100x slower. count_distinct, min and max are not
//! affected by duplicates; they stay in the fanned view's aggregate anyway.
//! [`CompileOptions::naive_fanout`] compiles the plain join-then-aggregate SQL instead, so tests
//! can show that it gives inflated numbers on real data.
//!
//! # Diagnostic codes
//!
//! Every diagnostic, dashboard problem and query error carries a [`Code`] (written
//! `unknown-field`): `syntax` (YAML syntax or shape, unknown keys), `duplicate-name`,
//! `unknown-view`, `unknown-field`, `invalid-type`, `invalid-source`, `invalid-sql`,
//! `invalid-reference`, `reference-cycle`, `type-mismatch`, `missing-sql`, `invalid-percentile`,
//! `invalid-tiers`, `invalid-timeframe`, `invalid-filter`, `invalid-timezone`,
//! `missing-relationship`, `missing-sql-on`, `invalid-join`, `ambiguous-join`,
//! `fanout-without-primary-key`, `invalid-access-grant`, `unknown-access-grant`,
//! `invalid-value-format`; for dashboards also `invalid-name`, `invalid-tile-query`,
//! `invalid-layout`, `too-many-tiles`. Query errors ([`Error::Query`]) use `unknown-explore`,
//! `unknown-field`, `field-not-allowed`, `view-not-joined`, `invalid-pivot`, `invalid-sort`,
//! `mixed-filter`, `empty-query`, `invalid-timezone`, `fanout-without-primary-key`.
//! `boltic validate` adds `sql-model`, `unknown-table` and `warehouse-mismatch` for what only
//! the project's SQL models and the warehouse can tell.
// Nested `if let` blocks are kept where they read better than long let-chains.
#![allow(clippy::collapsible_if)]

mod compile;
mod dashboard;
mod drill;
mod error;
pub mod filter;
mod load;
mod model;
mod refs;
mod timezone;
mod yaml_pos;

pub use boltic_types::{
    ChartType, Condition, Dashboard, DashboardFilter, Filter, Filters, GRID_COLUMNS, Layout,
    MAX_TILE_HEIGHT, MAX_TILES, Op, Query, Sort, Tile,
};
pub use compile::{Column, CompileOptions, CompiledQuery, compile, limits, query_timezone};
pub use dashboard::{DashboardExt, DashboardProblem, PathSeg, valid_name};
pub use drill::{drill, drill_targets};
pub use error::{Code, Diagnostic, Error, FilterError, Result, Severity};
pub use load::load;
pub use model::{
    Access, AccessFilter, AccessGrant, Dimension, DimensionType, Explore, Field, FieldKind, Join,
    JoinType, Measure, MeasureType, Model, Relationship, SourceFile, Timeframe, UserAttributes,
    View, ViewSource,
};
