//! Where a dashboard's tiles sit: every tile's layout (a default for tiles without one) and
//! placing one tile, pushing the tiles it covers down. The grid's rules themselves are in
//! [`crate::grid`].

use crate::api::{DashboardResponse, Layout};
use crate::grid;

/// A change to a tile's place or size.
pub(super) type LayoutEdit = fn(Layout) -> Layout;

/// Every tile's layout, in the dashboard's order; a tile without one gets 6×4 at the top left.
pub(super) fn layouts(d: &DashboardResponse) -> Vec<Layout> {
    d.tiles
        .iter()
        .map(|t| {
            t.layout.unwrap_or(Layout {
                x: 0,
                y: 0,
                w: 6,
                h: 4,
            })
        })
        .collect()
}

/// The layout of tile `name`, if there is such a tile and it has one.
pub(super) fn tile_layout(d: &DashboardResponse, name: &str) -> Option<Layout> {
    d.tiles
        .iter()
        .find(|t| t.name == name)
        .and_then(|t| t.layout)
}

/// Put tile `name` at `to`, pushing the tiles it covers down.
pub(super) fn place_tile(d: &mut DashboardResponse, name: &str, to: Layout) -> bool {
    let Some(i) = d.tiles.iter().position(|t| t.name == name) else {
        return false;
    };
    let mut ls = layouts(d);
    let changed = grid::place(&mut ls, i, to);
    for (t, l) in d.tiles.iter_mut().zip(ls) {
        t.layout = Some(l);
    }
    changed
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::api::{ChartType, DashboardSource, Query, Tile};
    use boltic_types::Dashboard;

    #[test]
    fn placing_a_tile_pushes_the_others_down() {
        let tile = |name: &str, x, y| Tile {
            name: name.into(),
            title: name.into(),
            chart: ChartType::Auto,
            query: Query::default(),
            layout: Some(Layout { x, y, w: 6, h: 4 }),
        };
        let mut d = DashboardResponse {
            dashboard: Dashboard {
                name: "d".into(),
                title: "D".into(),
                description: None,
                filters: vec![],
                tiles: vec![tile("a", 0, 0), tile("b", 6, 0)],
            },
            source: DashboardSource::App,
            editable: true,
            version: Some(1),
            updated_at: None,
            owner: None,
            shareable: true,
            locked_filters: Default::default(),
        };
        assert!(place_tile(
            &mut d,
            "a",
            Layout {
                x: 6,
                y: 0,
                w: 6,
                h: 4
            }
        ));
        assert_eq!(
            d.tiles[1].layout,
            Some(Layout {
                x: 6,
                y: 4,
                w: 6,
                h: 4
            })
        );
        assert!(!place_tile(
            &mut d,
            "nope",
            Layout {
                x: 0,
                y: 0,
                w: 1,
                h: 1
            }
        ));
    }
}
