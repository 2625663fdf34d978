//! The dashboard grid's rules, used by the server (checking and placing tiles) and the browser
//! (moving and resizing them): 12 columns, tiles 1 to 24 rows tall, and no tile ever hides
//! another — a tile moved or resized onto others pushes them down.

use serde::{Deserialize, Serialize};

/// A tile's place: column `x` (0-based, of [`GRID_COLUMNS`]), row `y`, width and height in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Column, 0-based.
    pub x: u32,
    /// Row, 0-based.
    pub y: u32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

/// Columns of the dashboard grid.
pub const GRID_COLUMNS: u32 = 12;
/// Tallest tile, in grid rows.
pub const MAX_TILE_HEIGHT: u32 = 24;
/// Most tiles on one dashboard.
pub const MAX_TILES: usize = 100;

/// Whether `l` lies inside the grid: at least one cell, within the columns, not too tall.
pub fn fits(l: Layout) -> bool {
    l.w > 0
        && l.h > 0
        && l.x
            .checked_add(l.w)
            .is_some_and(|right| right <= GRID_COLUMNS)
        && l.h <= MAX_TILE_HEIGHT
}

/// Whether two tiles share a cell.
pub fn overlaps(a: &Layout, b: &Layout) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// Finds free places for new tiles among those already placed.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    taken: Vec<Layout>,
}

impl Placement {
    /// The grid with `taken` places already used.
    pub fn new(taken: impl IntoIterator<Item = Layout>) -> Self {
        Placement {
            taken: taken.into_iter().collect(),
        }
    }

    /// The first free half-width, four-row place, scanning rows from the top and columns from
    /// the left (below every tile when none is free); it is taken from then on.
    pub fn next_free(&mut self) -> Layout {
        const W: u32 = GRID_COLUMNS / 2;
        const H: u32 = 4;
        let bottom = self.taken.iter().map(|l| l.y + l.h).max().unwrap_or(0);
        let free = (0..=bottom)
            .flat_map(|y| (0..=GRID_COLUMNS - W).map(move |x| Layout { x, y, w: W, h: H }))
            .find(|c| !self.taken.iter().any(|l| overlaps(c, l)))
            .unwrap_or(Layout {
                x: 0,
                y: bottom,
                w: W,
                h: H,
            });
        self.taken.push(free);
        free
    }
}

/// `l` made to fit: 1..=12 columns wide, inside the grid, 1..=24 rows tall.
pub fn fit(l: Layout) -> Layout {
    let w = l.w.clamp(1, GRID_COLUMNS);
    Layout {
        x: l.x.min(GRID_COLUMNS - w),
        y: l.y,
        w,
        h: l.h.clamp(1, MAX_TILE_HEIGHT),
    }
}

/// Put tile `i` at `to` (made to fit) and push every tile it would cover down, in reading
/// order, until no two tiles overlap. Returns whether anything changed.
pub fn place(layouts: &mut [Layout], i: usize, to: Layout) -> bool {
    let before = layouts.to_vec();
    layouts[i] = fit(to);
    let mut order: Vec<usize> = (0..layouts.len()).filter(|&j| j != i).collect();
    order.sort_by_key(|&j| (layouts[j].y, layouts[j].x, j));
    let mut fixed = vec![i];
    for j in order {
        while let Some(k) = fixed
            .iter()
            .copied()
            .find(|&k| overlaps(&layouts[j], &layouts[k]))
        {
            layouts[j].y = layouts[k].y + layouts[k].h;
        }
        fixed.push(j);
    }
    layouts != before.as_slice()
}

/// `l` moved by whole cells (clamped at the top and left edges).
pub fn moved(l: Layout, dx: i64, dy: i64) -> Layout {
    let shift = |v: u32, d: i64| (i64::from(v) + d).max(0) as u32;
    Layout {
        x: shift(l.x, dx),
        y: shift(l.y, dy),
        ..l
    }
}

/// `l` resized by whole cells (at least one cell).
pub fn resized(l: Layout, dw: i64, dh: i64) -> Layout {
    let grow = |v: u32, d: i64| (i64::from(v) + d).max(1) as u32;
    Layout {
        w: grow(l.w, dw),
        h: grow(l.h, dh),
        ..l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(x: u32, y: u32, w: u32, h: u32) -> Layout {
        Layout { x, y, w, h }
    }

    fn no_overlaps(ls: &[Layout]) -> bool {
        ls.iter()
            .enumerate()
            .all(|(i, a)| ls.iter().skip(i + 1).all(|b| !overlaps(a, b)))
    }

    #[test]
    fn tiles_stay_inside_the_grid() {
        assert_eq!(fit(l(10, 0, 6, 4)), l(6, 0, 6, 4));
        assert_eq!(fit(l(0, 0, 20, 40)), l(0, 0, 12, 24));
        assert_eq!(fit(l(3, 2, 0, 0)), l(3, 2, 1, 1));
        assert_eq!(moved(l(0, 0, 6, 4), -3, -1), l(0, 0, 6, 4));
        assert_eq!(resized(l(0, 0, 6, 4), -9, 2), l(0, 0, 1, 6));
    }

    #[test]
    fn moving_onto_a_tile_pushes_it_and_those_below_down() {
        let mut ls = vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(6, 4, 6, 2)];
        // tile 0 moves right, onto tile 1: tile 1 goes below it, tile 2 below tile 1
        assert!(place(&mut ls, 0, l(6, 0, 6, 4)));
        assert_eq!(ls, vec![l(6, 0, 6, 4), l(6, 4, 6, 4), l(6, 8, 6, 2)]);
        assert!(no_overlaps(&ls));
        // moving to where it is changes nothing
        assert!(!place(&mut ls, 0, l(6, 0, 6, 4)));
    }

    #[test]
    fn growing_a_tile_pushes_only_what_it_covers() {
        let mut ls = vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(0, 4, 12, 3)];
        let taller = resized(ls[0], 0, 2);
        place(&mut ls, 0, taller);
        assert_eq!(ls, vec![l(0, 0, 6, 6), l(6, 0, 6, 4), l(0, 6, 12, 3)]);
        let wider = resized(ls[0], 6, 0);
        place(&mut ls, 0, wider);
        assert_eq!(ls[0], l(0, 0, 12, 6));
        assert!(no_overlaps(&ls));
    }

    #[test]
    fn fits_rejects_what_place_would_fix_and_never_overflows() {
        assert!(fits(l(6, 0, 6, 4)));
        assert!(!fits(l(7, 0, 6, 4)));
        assert!(!fits(l(0, 0, 0, 4)));
        assert!(!fits(l(0, 0, 6, 25)));
        assert!(!fits(l(u32::MAX, 0, 1, 1)));
        assert!(fits(fit(l(u32::MAX, 0, 40, 0))));
    }

    #[test]
    fn new_tiles_take_the_first_free_half_width_place() {
        let mut p = Placement::new([l(0, 0, 6, 4)]);
        assert_eq!(p.next_free(), l(6, 0, 6, 4));
        assert_eq!(p.next_free(), l(0, 4, 6, 4));
    }
}
