//! Dashboards on the wire: the definition (tiles with a saved [`Query`] and a chart type, or
//! with markdown text, each with a place on the grid; dashboard filters), the bodies that
//! create and change one, and share links.
//!
//! The same [`Dashboard`] is read from the project's YAML (`dashboards:` in any model file;
//! read-only in the app) and from JSON (dashboards made in the app, stored by the server). The
//! semantic layer checks it against a model; [`crate::grid`] keeps tiles inside the grid.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::grid::{Layout, Placement};
use crate::query::Query;

// `Q` is the form the tiles' queries take: a `Query` wherever they are checked or run; a client
// that only passes them on (the web app links to them and sends them back) keeps the JSON it was
// given (`Dashboard<serde_json::Value>`) and so carries no decoder of queries (about 20 KiB of the
// web app's dashboard page). The JSON is the same. (Comments, not docs: the doc comments are the
// API document's descriptions.)
/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(bound = ""))]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "Q: Deserialize<'de>"))]
pub struct Dashboard<Q = Query> {
    /// Identifier used in URLs: lowercase letters, digits, `_` and `-`.
    pub name: String,
    /// Title shown on the page.
    pub title: String,
    /// What the dashboard is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Filters that apply to every tile whose explore has the field.
    #[serde(default)]
    pub filters: Vec<DashboardFilter>,
    /// The tiles, in reading order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tile>))]
    pub tiles: Vec<Tile<Q>>,
}

/// A dashboard filter on one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DashboardFilter {
    /// The filtered dimension, `view.field` (the alias as the tiles' explores name it).
    pub field: String,
    /// Label on the filter bar (default: the field's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Looker-style filter expression applied until the viewer changes it; none or empty = no filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

// `Q` as in `Dashboard`.
/// A tile: a query shown as a chart, or a text. A tile has either `query` or `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(bound = ""))]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "Q: Deserialize<'de>"))]
pub struct Tile<Q = Query> {
    /// Identifier within the dashboard: lowercase letters, digits, `_` and `-`.
    pub name: String,
    /// Title shown on the tile.
    pub title: String,
    /// How the result is drawn (query tiles).
    #[serde(default)]
    pub chart: ChartType,
    /// The question (a query tile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Query>))]
    pub query: Option<Q>,
    /// Markdown shown on the tile (a text tile): CommonMark with tables and strikethrough; raw
    /// HTML is shown as text, links and images only to `http(s)`, `mailto` or relative
    /// addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Place on the grid; tiles without one are placed after the others, two per row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
}

/// Chart types of tiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartType {
    /// Chosen from the result: time → line, one category → bar, a lone measure → single value.
    #[default]
    Auto,
    /// Table.
    Table,
    /// Horizontal bars.
    Bar,
    /// Vertical bars.
    Column,
    /// Line.
    Line,
    /// Area.
    Area,
    /// Scatter.
    Scatter,
    /// Pie.
    Pie,
    /// One big number.
    Single,
}

impl ChartType {
    /// Every chart type, in menu order.
    pub const ALL: [ChartType; 9] = [
        ChartType::Auto,
        ChartType::Table,
        ChartType::Bar,
        ChartType::Column,
        ChartType::Line,
        ChartType::Area,
        ChartType::Scatter,
        ChartType::Pie,
        ChartType::Single,
    ];

    /// The name on the wire: `auto`, `table`, … `single`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartType::Auto => "auto",
            ChartType::Table => "table",
            ChartType::Bar => "bar",
            ChartType::Column => "column",
            ChartType::Line => "line",
            ChartType::Area => "area",
            ChartType::Scatter => "scatter",
            ChartType::Pie => "pie",
            ChartType::Single => "single",
        }
    }

    /// The chart type called `name` (as [`ChartType::as_str`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl<Q> Dashboard<Q> {
    /// The tile called `name`.
    pub fn tile(&self, name: &str) -> Option<&Tile<Q>> {
        self.tiles.iter().find(|t| t.name == name)
    }

    /// Give every tile a layout: each tile without one takes the first free half-width,
    /// four-row place, scanning rows from the top and columns from the left.
    pub fn place_tiles(&mut self) {
        let mut placement = Placement::new(self.tiles.iter().filter_map(|t| t.layout));
        for t in self.tiles.iter_mut().filter(|t| t.layout.is_none()) {
            t.layout = Some(placement.next_free());
        }
    }
}

impl DashboardSource {
    /// `project` or `app`.
    pub fn as_str(self) -> &'static str {
        match self {
            DashboardSource::Project => "project",
            DashboardSource::App => "app",
        }
    }
}

/// Where a dashboard is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DashboardSource {
    /// YAML in the project folder: read-only in the app.
    Project,
    /// Made in the app (the server's app database).
    App,
}

/// A dashboard in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardSummary {
    /// Identifier (in URLs).
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `project` (YAML in the project folder, read-only) or `app` (made in the app).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub source: DashboardSource,
    /// Whether the app may change it.
    pub editable: bool,
    /// Number of tiles.
    pub tiles: usize,
    /// Last change (app dashboards).
    #[serde(default, with = "crate::timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
}

// Read through `ResponseFields`, which names the definition's fields itself: serde reads a
// `flatten`ed field by buffering the whole answer first (its `Content` decoder, instanced for
// every type inside: tiles, queries, filters, layouts), which made this one decoder about a
// tenth of the web app's dashboard page. `Q` as in `Dashboard`.
/// A dashboard with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(bound = ""))]
#[serde(from = "ResponseFields<Q>")]
#[serde(bound(deserialize = "Q: Deserialize<'de>"))]
pub struct DashboardResponse<Q = Query> {
    /// The definition.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Dashboard))]
    pub dashboard: Dashboard<Q>,
    /// `project` or `app`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub source: DashboardSource,
    /// Whether the app may change it (false for project dashboards and share-link visitors).
    pub editable: bool,
    /// Version to send back with changes (app dashboards).
    pub version: Option<i64>,
    /// Last change (app dashboards).
    pub updated_at: Option<DateTime<Utc>>,
    /// Who made it (email; app dashboards made by a user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Whether the caller may make share links to it (a link runs as its maker, so only to
    /// project dashboards and one's own); left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shareable: bool,
    /// For a share link's visitor: the filter values the link fixes (filter field →
    /// expression), shown and not changeable.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locked_filters: BTreeMap<String, String>,
    /// The time zone tiles run in unless a tile query names another: the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_timezone: Option<String>,
    /// The text tiles' markdown as HTML that is safe to put in a page (tile name → HTML):
    /// raw HTML shown as text, links and images only to `http(s)`, `mailto` or relative
    /// addresses. Left out when the dashboard has no text tile.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub text_html: BTreeMap<String, String>,
}

/// [`DashboardResponse`] as read: the definition's fields ([`Dashboard`]'s, which its
/// `flatten` writes beside the others) named here. A test checks that every answer reads back
/// as written.
#[derive(Deserialize)]
#[serde(bound(deserialize = "Q: Deserialize<'de>"))]
struct ResponseFields<Q> {
    name: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    filters: Vec<DashboardFilter>,
    #[serde(default)]
    tiles: Vec<Tile<Q>>,
    source: DashboardSource,
    editable: bool,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default, with = "crate::timestamp::option")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    shareable: bool,
    #[serde(default)]
    locked_filters: BTreeMap<String, String>,
    #[serde(default)]
    default_timezone: Option<String>,
    #[serde(default)]
    text_html: BTreeMap<String, String>,
}

impl<Q> From<ResponseFields<Q>> for DashboardResponse<Q> {
    // (a field added to either side and not carried over fails to build: unread, or missing)
    fn from(read: ResponseFields<Q>) -> Self {
        DashboardResponse {
            dashboard: Dashboard {
                name: read.name,
                title: read.title,
                description: read.description,
                filters: read.filters,
                tiles: read.tiles,
            },
            source: read.source,
            editable: read.editable,
            version: read.version,
            updated_at: read.updated_at,
            owner: read.owner,
            shareable: read.shareable,
            locked_filters: read.locked_filters,
            default_timezone: read.default_timezone,
            text_html: read.text_html,
        }
    }
}

/// The head of a dashboard answer, [`DashboardSummary`] or [`DashboardResponse`] alike: what a
/// client that names, links to or picks dashboards reads of either. Decoding it skips the rest
/// of the answer, so such a client carries no decoder of tiles, queries, filters or timestamps
/// (the web app's explore page, which saves tiles to dashboards, downloads about 40 KiB gzip
/// less wasm for it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DashboardHead {
    /// Identifier (in URLs).
    pub name: String,
    /// Title.
    pub title: String,
    /// `project` or `app`.
    pub source: DashboardSource,
    /// Whether the app may change it.
    pub editable: bool,
}

impl<Q> std::ops::Deref for DashboardResponse<Q> {
    type Target = Dashboard<Q>;

    /// The definition (its fields are the response's own on the wire).
    fn deref(&self) -> &Dashboard<Q> {
        &self.dashboard
    }
}

impl<Q> std::ops::DerefMut for DashboardResponse<Q> {
    fn deref_mut(&mut self) -> &mut Dashboard<Q> {
        &mut self.dashboard
    }
}

impl<Q: Clone> DashboardResponse<Q> {
    /// The body of a `PUT` that replaces this dashboard with its current definition.
    pub fn to_update(&self) -> DashboardBody<Q> {
        DashboardBody {
            title: self.dashboard.title.clone(),
            description: self.dashboard.description.clone(),
            filters: self.dashboard.filters.clone(),
            tiles: self.dashboard.tiles.clone(),
            version: self.version,
        }
    }
}

// `Q` as in `Dashboard`.
/// A dashboard as sent to create (`POST`) or replace (`PUT`) it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(bound = ""))]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "Q: Deserialize<'de>"))]
pub struct DashboardBody<Q = Query> {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Dashboard filters.
    #[serde(default)]
    pub filters: Vec<DashboardFilter>,
    /// Tiles (placed in the first free spot when they have no layout).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Tile>))]
    pub tiles: Vec<Tile<Q>>,
    /// For `PUT`: the `version` read; a dashboard changed since answers 409 `conflict`.
    #[serde(default)]
    pub version: Option<i64>,
}

impl<Q> DashboardBody<Q> {
    /// The dashboard this body describes, under `name`.
    pub fn into_dashboard(self, name: String) -> Dashboard<Q> {
        Dashboard {
            name,
            title: self.title,
            description: self.description,
            filters: self.filters,
            tiles: self.tiles,
        }
    }
}

/// A tile to add (an explore saved to a dashboard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTile {
    /// Title.
    pub title: String,
    /// Chart type.
    #[serde(default)]
    pub chart: ChartType,
    /// The question.
    pub query: Query,
}

/// Dashboard filter values for a tile query: field → Looker-style expression. Filters left
/// out take their default; an empty expression turns a filter off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TileQueryRequest {
    /// Values by filter field.
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// Time zone the tile's query runs in (an IANA name, e.g. `Europe/Tallinn`); none = the
    /// tile's own, else the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A share link to make.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// When the link stops working (RFC 3339); none = until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Dashboard filter values the link fixes (filter field → expression): its visitors see
    /// them and cannot change them.
    #[serde(default)]
    pub locked_filters: BTreeMap<String, String>,
}

/// State of a share link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareStatus {
    /// Works.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked by its owner.
    Revoked,
}

impl ShareStatus {
    /// `active`, `expired` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareStatus::Active => "active",
            ShareStatus::Expired => "expired",
            ShareStatus::Revoked => "revoked",
        }
    }
}

/// A share link as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareInfo {
    /// Public id (for revoking).
    pub id: String,
    /// Dashboard.
    pub dashboard: String,
    /// Made.
    #[serde(with = "crate::timestamp")]
    pub created_at: DateTime<Utc>,
    /// Expiry.
    #[serde(default, with = "crate::timestamp::option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked.
    #[serde(default, with = "crate::timestamp::option")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// `active`, `expired` or `revoked`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ShareStatus,
    /// Who made it (email), whose rights its visitors have.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Dashboard filter values its visitors cannot change.
    #[serde(default)]
    pub locked_filters: BTreeMap<String, String>,
}

/// A share link just made: the only time its token is shown.
#[derive(Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareCreated {
    /// The link.
    #[serde(flatten)]
    pub link: ShareInfo,
    /// The secret token.
    pub token: String,
    /// The path to share: `/s/<token>`.
    pub path: String,
}

impl std::fmt::Debug for ShareCreated {
    /// Without the token (the path holds it too).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareCreated")
            .field("link", &self.link)
            .field("token", &"…")
            .field("path", &"/s/…")
            .finish()
    }
}

impl<'de> Deserialize<'de> for ShareCreated {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (link, [token, path]) = crate::read_flat(deserializer, ["token", "path"])?;
        Ok(ShareCreated { link, token, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head reads both answers it names, as the server writes them.
    #[test]
    fn a_dashboard_head_reads_the_list_and_the_dashboard_answers() {
        let summary = DashboardSummary {
            name: "fleet".into(),
            title: "Fleet".into(),
            description: Some("planes".into()),
            source: DashboardSource::Project,
            editable: false,
            tiles: 3,
            updated_at: None,
        };
        let response: DashboardResponse = DashboardResponse {
            dashboard: Dashboard {
                name: "mine".into(),
                title: "Mine (copy)".into(),
                description: None,
                filters: Vec::new(),
                tiles: Vec::new(),
            },
            source: DashboardSource::App,
            editable: true,
            version: Some(4),
            updated_at: Some(chrono::DateTime::UNIX_EPOCH),
            owner: Some("a@example.com".into()),
            shareable: true,
            locked_filters: BTreeMap::from([("orders.status".into(), "Finished".into())]),
            default_timezone: Some("Europe/Tallinn".into()),
            text_html: BTreeMap::new(),
        };
        let head = |v: serde_json::Value| serde_json::from_value::<DashboardHead>(v).unwrap();
        assert_eq!(
            head(serde_json::to_value(&summary).unwrap()),
            DashboardHead {
                name: "fleet".into(),
                title: "Fleet".into(),
                source: DashboardSource::Project,
                editable: false,
            }
        );
        assert_eq!(
            head(serde_json::to_value(&response).unwrap()),
            DashboardHead {
                name: "mine".into(),
                title: "Mine (copy)".into(),
                source: DashboardSource::App,
                editable: true,
            }
        );
    }

    /// Every field of an answer reads back as the server wrote it (the reading names the
    /// definition's fields itself, [`ResponseFields`]), the ones left out when empty too.
    #[test]
    fn a_dashboard_answer_reads_back_as_written() {
        let tiles: Vec<Tile> = serde_json::from_value(serde_json::json!([
            {"name": "revenue", "title": "Revenue", "chart": "line",
             "query": {"explore": "orders", "fields": ["orders.month", "orders.revenue"],
                       "filters": {"orders.status": "Finished"},
                       "sorts": [{"field": "orders.month", "desc": true}], "limit": 12},
             "layout": {"x": 0, "y": 0, "w": 6, "h": 3}},
            {"name": "note", "title": "Note", "text": "**hi**"},
        ]))
        .unwrap();
        let full = DashboardResponse {
            dashboard: Dashboard {
                name: "mine".into(),
                title: "Mine".into(),
                description: Some("all of it".into()),
                filters: vec![DashboardFilter {
                    field: "orders.status".into(),
                    title: Some("Status".into()),
                    default: Some("Finished".into()),
                }],
                tiles,
            },
            source: DashboardSource::App,
            editable: true,
            version: Some(7),
            updated_at: Some(
                chrono::DateTime::parse_from_rfc3339("2026-12-07T18:33:00.123456789Z")
                    .unwrap()
                    .to_utc(),
            ),
            owner: Some("a@example.com".into()),
            shareable: true,
            locked_filters: BTreeMap::from([("orders.status".into(), "Booked".into())]),
            default_timezone: Some("Europe/Tallinn".into()),
            text_html: BTreeMap::from([("note".into(), "<p><strong>hi</strong></p>".into())]),
        };
        let empty: DashboardResponse = DashboardResponse {
            dashboard: Dashboard {
                name: "bare".into(),
                title: "Bare".into(),
                description: None,
                filters: Vec::new(),
                tiles: Vec::new(),
            },
            source: DashboardSource::Project,
            editable: false,
            version: None,
            updated_at: None,
            owner: None,
            shareable: false,
            locked_filters: BTreeMap::new(),
            default_timezone: None,
            text_html: BTreeMap::new(),
        };
        for answer in [full, empty] {
            let text = serde_json::to_string(&answer).unwrap();
            assert_eq!(
                serde_json::from_str::<DashboardResponse>(&text).unwrap(),
                answer
            );
            let value = serde_json::to_value(&answer).unwrap();
            assert_eq!(
                serde_json::from_value::<DashboardResponse>(value.clone()).unwrap(),
                answer
            );
            // a client that keeps the queries as JSON reads and writes the same answer, and
            // sends back the body the server reads
            let kept: DashboardResponse<serde_json::Value> =
                serde_json::from_value(value.clone()).unwrap();
            assert_eq!(serde_json::to_value(&kept).unwrap(), value);
            let body = serde_json::to_string(&kept.to_update()).unwrap();
            assert_eq!(
                serde_json::from_str::<DashboardBody>(&body).unwrap(),
                answer.to_update()
            );
        }
    }
}
