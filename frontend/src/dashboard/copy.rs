//! Copying a dashboard (a project's, which is read-only) into a new app dashboard of the
//! caller's, which they may then change: its filters, tiles and layout as they are.
//!
//! The explore page's "Save to dashboard" uses this too, so it reads a dashboard as JSON (and
//! sends its tiles and filters back as the server gave them) and the answer as a
//! [`DashboardHead`], never as the typed [`crate::api::DashboardResponse`]: a dashboard's typed
//! decoders (tiles, queries, filters, layout, timestamps) are about 40 KiB gzip of wasm that the
//! explore page would otherwise download.

use serde_json::{Value, json};

use crate::api::{self, DashboardHead, ErrorBody};

/// Copy dashboard `name` into a new app dashboard titled "<title> (copy)", with `extra` (a new
/// tile, placed by the server in the first free place) added when given.
pub(super) async fn copy_dashboard(
    name: &str,
    extra: Option<Value>,
) -> Result<DashboardHead, ErrorBody> {
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
    api::post::<DashboardHead>("/api/v1/dashboards", &body, None).await
}
