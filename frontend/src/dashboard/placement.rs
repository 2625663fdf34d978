//! Where a dashboard's tiles sit: every tile's layout (a default for tiles without one), a tile
//! placed while dragged, nudged by the keyboard or buttons, and the whole layout compacted
//! upward. The grid's rules themselves are in [`crate::grid`].

use crate::api::{DashboardResponse, Layout};
use crate::grid;

/// A change to a tile's place or size by one cell: (columns, rows, whether it resizes).
pub(super) type LayoutEdit = (i64, i64, bool);

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

fn tile_index(d: &DashboardResponse, name: &str) -> Option<usize> {
    d.tiles.iter().position(|t| t.name == name)
}

/// Give the tiles the layouts `ls` (in the dashboard's order); whether any changed.
pub(super) fn set_layouts(d: &mut DashboardResponse, ls: &[Layout]) -> bool {
    let changed = layouts(d) != ls;
    for (t, l) in d.tiles.iter_mut().zip(ls) {
        t.layout = Some(*l);
    }
    changed
}

/// The layouts `start` with tile `name` dragged to `to`: the others make room and rise, the
/// dragged one stays under the pointer.
pub(super) fn dragged(
    d: &DashboardResponse,
    start: &[Layout],
    name: &str,
    to: Layout,
) -> Option<Vec<Layout>> {
    let i = tile_index(d, name)?;
    let mut ls = start.to_vec();
    grid::place(&mut ls, i, to);
    Some(ls)
}

/// Every tile risen as far as it can (where a drag ends).
pub(super) fn compact_tiles(d: &mut DashboardResponse) -> bool {
    let mut ls = layouts(d);
    grid::compact(&mut ls, None);
    set_layouts(d, &ls)
}

/// Move or resize tile `name` by one cell (or as many as it takes to change the layout).
pub(super) fn nudge_tile(d: &mut DashboardResponse, name: &str, edit: LayoutEdit) -> bool {
    let Some(i) = tile_index(d, name) else {
        return false;
    };
    let mut ls = layouts(d);
    let (dx, dy, resize) = edit;
    grid::nudge(&mut ls, i, dx, dy, resize) && set_layouts(d, &ls)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::api::{ChartType, DashboardSource, Tile};
    use boltic_types::Dashboard;

    #[test]
    fn a_wider_tile_pushes_its_neighbour_down_and_a_narrower_lets_it_rise() {
        let tile = |name: &str, x, y| Tile {
            name: name.into(),
            title: name.into(),
            chart: ChartType::Auto,
            query: Some(serde_json::json!({"explore": "orders"})),
            text: None,
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
            default_timezone: None,
            text_html: Default::default(),
        };
        assert!(nudge_tile(&mut d, "a", (1, 0, true)));
        assert_eq!(
            d.tiles[0].layout,
            Some(Layout {
                x: 0,
                y: 0,
                w: 7,
                h: 4
            })
        );
        assert_eq!(
            d.tiles[1].layout,
            Some(Layout {
                x: 6,
                y: 4,
                w: 6,
                h: 4
            })
        );
        assert!(!nudge_tile(&mut d, "nope", (1, 0, false)));
        // shrinking it back: the other tile rises to the top again
        assert!(nudge_tile(&mut d, "a", (-1, 0, true)));
        assert_eq!(d.tiles[1].layout.map(|l| l.y), Some(0));
    }
}
