//! Copying a dashboard (a project's, which is read-only) into a new app dashboard of the
//! caller's, which they may then change: its filters, tiles and layout as they are.

use serde_json::{Value, json};

use crate::api::{self, DashboardResponse, ErrorBody};

/// Copy dashboard `name` into a new app dashboard titled "<title> (copy)", with `extra` (a new
/// tile, placed by the server in the first free place) added when given.
pub(super) async fn copy_dashboard(
    name: &str,
    extra: Option<Value>,
) -> Result<DashboardResponse, ErrorBody> {
    let from = api::get::<DashboardResponse>(&format!("/api/v1/dashboards/{name}")).await?;
    let mut tiles = serde_json::to_value(&from.tiles).unwrap_or_else(|_| json!([]));
    if let (Some(list), Some(mut tile)) = (tiles.as_array_mut(), extra) {
        let taken = |n: &str| list.iter().any(|t| t["name"] == n);
        let tile_name = (1..)
            .map(|i| format!("tile-{i}"))
            .find(|n| !taken(n))
            .unwrap_or_default();
        tile["name"] = json!(tile_name);
        list.push(tile);
    }
    let body = json!({
        "title": format!("{} (copy)", from.title),
        "description": from.description,
        "filters": from.filters,
        "tiles": tiles,
    });
    api::post::<DashboardResponse>("/api/v1/dashboards", &body, None).await
}
