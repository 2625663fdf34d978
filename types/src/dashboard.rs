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

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
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
    pub tiles: Vec<Tile>,
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

/// A tile: a query shown as a chart, or a text. A tile has either `query` or `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tile {
    /// Identifier within the dashboard: lowercase letters, digits, `_` and `-`.
    pub name: String,
    /// Title shown on the tile.
    pub title: String,
    /// How the result is drawn (query tiles).
    #[serde(default)]
    pub chart: ChartType,
    /// The question (a query tile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Query>,
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

impl Dashboard {
    /// The tile called `name`.
    pub fn tile(&self, name: &str) -> Option<&Tile> {
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
    pub updated_at: Option<DateTime<Utc>>,
}

/// A dashboard with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardResponse {
    /// The definition.
    #[serde(flatten)]
    pub dashboard: Dashboard,
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

impl std::ops::Deref for DashboardResponse {
    type Target = Dashboard;

    /// The definition (its fields are the response's own on the wire).
    fn deref(&self) -> &Dashboard {
        &self.dashboard
    }
}

impl std::ops::DerefMut for DashboardResponse {
    fn deref_mut(&mut self) -> &mut Dashboard {
        &mut self.dashboard
    }
}

impl DashboardResponse {
    /// The body of a `PUT` that replaces this dashboard with its current definition.
    pub fn to_update(&self) -> DashboardBody {
        DashboardBody {
            title: self.dashboard.title.clone(),
            description: self.dashboard.description.clone(),
            filters: self.dashboard.filters.clone(),
            tiles: self.dashboard.tiles.clone(),
            version: self.version,
        }
    }
}

/// A dashboard as sent to create (`POST`) or replace (`PUT`) it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DashboardBody {
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
    pub tiles: Vec<Tile>,
    /// For `PUT`: the `version` read; a dashboard changed since answers 409 `conflict`.
    #[serde(default)]
    pub version: Option<i64>,
}

impl DashboardBody {
    /// The dashboard this body describes, under `name`.
    pub fn into_dashboard(self, name: String) -> Dashboard {
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
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        let response = DashboardResponse {
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
}
