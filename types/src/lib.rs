//! Boltic's wire protocol: every JSON shape the HTTP API takes or gives, defined once and used by
//! the semantic layer (which compiles [`Query`] and checks [`Dashboard`]), the server (which
//! serves them and describes them in its OpenAPI document, feature `openapi`) and the browser
//! app (which sends and reads them).
//!
//! Pure data: serde shapes, small enums instead of strings ([`FieldKind`], [`CacheStatus`],
//! [`DashboardSource`], [`ShareStatus`]) and the dashboard grid's rules ([`grid`]). No IO, no
//! HTTP, no DataFusion: it builds for `wasm32-unknown-unknown`.
//!
//! `docs/api.md` documents these shapes; the server's golden tests pin their JSON.

/// `Display` as the name on the wire, for enums with an `as_str`.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

mod account;
mod dashboard;
mod drill;
mod error;
mod explore;
pub mod grid;
mod ops;
mod query;
mod result;
pub mod value_format;

pub use account::{
    Attributes, AuditEntry, KeyCreated, KeyInfo, Me, NewKey, NewUser, Permissions, Role,
    UserChange, UserInfo,
};
pub use dashboard::{
    ChartType, Dashboard, DashboardBody, DashboardFilter, DashboardHead, DashboardResponse,
    DashboardSource, DashboardSummary, NewShare, NewTile, ShareCreated, ShareInfo, ShareStatus,
    Tile, TileQueryRequest,
};
pub use drill::{DRILL_ROW_LIMIT, DrillRequest, DrillResponse};
pub use error::ErrorBody;

display_as_str!(
    ChartType,
    DashboardSource,
    ShareStatus,
    FieldKind,
    CacheStatus,
    Role
);
pub use explore::{ExploreDescription, ExploreSummary, FieldInfo, FieldKind, FixedFilter};
pub use grid::{GRID_COLUMNS, Layout, MAX_TILE_HEIGHT, MAX_TILES};
pub use ops::{ClusterStatus, ModelProblem, ReadyResponse, WarehouseVersion, WarehouseVersions};
pub use query::{Condition, Filter, Filters, Op, Query, Sort};
pub use result::{
    CacheStatus, Encoded, FieldMeta, QueryResponse, Row, SqlResponse, Timing, ValuesResponse,
};

/// `s` as a SQL string literal: `'...'` with every `'` doubled, and nothing else changed (a
/// backslash is an ordinary character in DataFusion's SQL). The one quoting of values that
/// the semantic layer's SQL and the pipeline's data tests share.
pub fn sql_string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A name for URLs and files from `text`: lowercase ASCII letters and digits, one `-` for each run
/// of anything else, at most `max` characters, no dash at either end (may be empty).
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if out.len() >= max {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod slug_tests {
    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(super::slug("Sales by month", 40), "sales-by-month");
        assert_eq!(
            super::slug("  Orders / month (EUR) ", 40),
            "orders-month-eur"
        );
        assert_eq!(super::slug("…", 40), "");
        assert_eq!(super::slug("abcdef", 3), "abc");
        assert_eq!(super::slug("ab cd", 3), "ab");
    }
}
