//! Copying a dashboard (a project's, which is read-only) into a new app dashboard of the
//! caller's, which they may then change: its filters, tiles and layout as they are.
//!
//! The explore page's "Save to dashboard" uses this too, so it reads the dashboards as JSON and
//! as [`Made`] rather than as the typed [`crate::api::DashboardResponse`]: the typed decoders of
//! a dashboard (its tiles, queries, filters, layout, timestamps) are about 40 KiB gzip of wasm
//! that the explore page would otherwise download. The dashboard is sent back as the server
//! gave it.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, DashboardSource, ErrorBody};

/// The dashboard a save or copy made (or changed): the part of the server's answer (a
/// `DashboardResponse`) the explore page and the copy button show or go to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Made {
    /// Identifier (in URLs).
    pub name: String,
    /// Title.
    pub title: String,
}

/// A dashboard of the list (`GET /api/v1/dashboards`) as "Save to dashboard" offers it: the
/// part of a `DashboardSummary` it needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Listed {
    /// Identifier (in URLs).
    pub name: String,
    /// Title.
    pub title: String,
    /// `project` or `app`.
    pub source: DashboardSource,
    /// Whether the app may change it.
    pub editable: bool,
}

/// Copy dashboard `name` into a new app dashboard titled "<title> (copy)", with `extra` (a new
/// tile, placed by the server in the first free place) added when given.
pub(crate) async fn copy_dashboard(name: &str, extra: Option<Value>) -> Result<Made, ErrorBody> {
    let from = api::get::<Value>(&format!("/api/v1/dashboards/{name}")).await?;
    let mut tiles = from.get("tiles").cloned().unwrap_or_else(|| json!([]));
    if let (Some(list), Some(mut tile)) = (tiles.as_array_mut(), extra) {
        let taken = |n: &str| list.iter().any(|t| t["name"] == n);
        let tile_name = (1..)
            .map(|i| format!("tile-{i}"))
            .find(|n| !taken(n))
            .unwrap_or_default();
        tile["name"] = json!(tile_name);
        list.push(tile);
    }
    let title = from["title"].as_str().unwrap_or(name);
    let body = json!({
        "title": format!("{title} (copy)"),
        "description": from["description"],
        "filters": from.get("filters").cloned().unwrap_or_else(|| json!([])),
        "tiles": tiles,
    });
    api::post::<Made>("/api/v1/dashboards", &body, None).await
}
