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

/// Reads an answer that writes a `#[serde(flatten)]`ed `T` beside string fields `extra`: the
/// object as a JSON value, the `extra` fields taken out, the rest read as `T`. Serde's own
/// reading of `flatten` buffers the input in a decoder of its own (`Content`), instanced for
/// every type inside, which the browser app would carry only for these answers.
fn read_flat<'de, D, T, const N: usize>(
    deserializer: D,
    extra: [&str; N],
) -> Result<(T, [String; N]), D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error;
    let mut object = match serde::Deserialize::deserialize(deserializer)? {
        serde_json::Value::Object(map) => map,
        other => {
            return Err(D::Error::custom(format!(
                "expected an object, found {other}"
            )));
        }
    };
    let mut taken = [const { String::new() }; N];
    for (slot, key) in taken.iter_mut().zip(extra) {
        *slot = match object.remove(key) {
            Some(serde_json::Value::String(text)) => text,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "\"{key}\" is {other}, expected a string"
                )));
            }
            None => return Err(D::Error::custom(format!("missing field `{key}`"))),
        };
    }
    let inner = T::deserialize(serde_json::Value::Object(object)).map_err(D::Error::custom)?;
    Ok((inner, taken))
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
pub mod timestamp;
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
pub use ops::{
    ClusterStatus, ModelProblem, ReadyResponse, VersionHead, WarehouseVersion, WarehouseVersions,
};
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

#[cfg(test)]
mod flat_tests {
    use serde_json::json;

    use crate::{KeyCreated, ShareCreated};

    /// The answers that write a flattened part read back as written, without serde's buffering.
    #[test]
    fn flattened_answers_read_back_as_written() {
        let share = json!({
            "id": "s1", "dashboard": "fleet", "created_at": "2026-12-07T18:33:00.500Z",
            "expires_at": "2027-01-01T00:00:00Z", "revoked_at": null, "status": "active",
            "created_by": "a@example.com", "locked_filters": {"orders.status": "Finished"},
            "token": "t0k", "path": "/s/t0k",
        });
        let read: ShareCreated = serde_json::from_value(share.clone()).unwrap();
        assert_eq!((read.token.as_str(), read.path.as_str()), ("t0k", "/s/t0k"));
        assert_eq!(read.link.locked_filters["orders.status"], "Finished");
        assert_eq!(serde_json::to_value(&read).unwrap(), share);
        let key = json!({
            "id": "k1", "user": "a@example.com", "name": "ci", "created_at": "2026-12-07T18:33:00Z",
            "expires_at": null, "revoked_at": null, "last_used_at": "2026-12-07T19:00:00.123456Z",
            "active": true, "secret": "bk_secret",
        });
        let read: KeyCreated = serde_json::from_str(&key.to_string()).unwrap();
        assert_eq!(read.secret, "bk_secret");
        // their Debug (what a log would show) leaves the secrets out
        assert!(!format!("{read:?}").contains("bk_secret"), "{read:?}");
        let share: ShareCreated = serde_json::from_value(share).unwrap();
        assert!(!format!("{share:?}").contains("t0k"), "{share:?}");
        assert_eq!(serde_json::to_value(&read).unwrap(), key);
    }

    #[test]
    fn a_flattened_answer_missing_its_own_field_or_part_says_which() {
        let err = |v: serde_json::Value| {
            serde_json::from_value::<KeyCreated>(v)
                .unwrap_err()
                .to_string()
        };
        let full = json!({"id": "k", "user": "u", "name": "n", "created_at": "2026-12-07T18:33:00Z",
                          "active": true, "secret": "s"});
        let mut no_secret = full.clone();
        no_secret.as_object_mut().unwrap().remove("secret");
        assert!(err(no_secret).contains("missing field `secret`"));
        let mut no_id = full.clone();
        no_id.as_object_mut().unwrap().remove("id");
        assert!(err(no_id).contains("missing field `id`"));
        let mut number = full;
        number["secret"] = json!(5);
        assert!(err(number).contains("\"secret\" is 5, expected a string"));
        assert!(err(json!([1])).contains("expected an object, found [1]"));
    }
}
