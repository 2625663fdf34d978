//! Any JSON as an app dashboard: checking it against the demo model never panics, and for one
//! without problems, the tiles placed for it (those without a layout) land inside the grid,
//! on no other tile. (Layouts given may overlap: the server checks only that they fit.)
#![no_main]

use boltic_semantic::{Dashboard, DashboardExt, GRID_COLUMNS, MAX_TILE_HEIGHT};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(mut dashboard) = serde_json::from_slice::<Dashboard>(data) else {
        return;
    };
    if !dashboard.check(common::demo()).is_empty() {
        return;
    }
    let unplaced: Vec<bool> = dashboard.tiles.iter().map(|t| t.layout.is_none()).collect();
    dashboard.place_tiles();
    let layouts: Vec<_> = dashboard.tiles.iter().filter_map(|t| t.layout).collect();
    assert_eq!(layouts.len(), dashboard.tiles.len());
    for (i, a) in layouts.iter().enumerate() {
        assert!(a.x + a.w <= GRID_COLUMNS && a.h <= MAX_TILE_HEIGHT, "{a:?}");
        if !unplaced[i] {
            continue;
        }
        for (j, b) in layouts.iter().enumerate() {
            let apart =
                a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(i == j || apart, "placed {a:?} on {b:?}");
        }
    }
});
