//! The dashboard grid's rules, used by the server (checking and placing tiles) and the browser
//! (moving and resizing them): 12 columns, tiles 1 to 24 rows tall, no tile ever hides
//! another — a tile moved or resized onto others moves them out of its way — and tiles rise as
//! far as they can, so a layout has no gaps (vertical compaction, as react-grid-layout's).

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

/// The lowest top row a tile may have: below every possible tile of a full dashboard. Keeps
/// `y + h` (and every scan of the grid's rows) small.
pub const MAX_TILE_TOP: u32 = MAX_TILES as u32 * MAX_TILE_HEIGHT;

/// Whether `l` lies inside the grid: at least one cell, within the columns, not too tall, not
/// below [`MAX_TILE_TOP`].
pub fn fits(l: Layout) -> bool {
    l.w > 0
        && l.h > 0
        && l.x
            .checked_add(l.w)
            .is_some_and(|right| right <= GRID_COLUMNS)
        && l.h <= MAX_TILE_HEIGHT
        && l.y <= MAX_TILE_TOP
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

/// Put tile `i` at `to` (made to fit) and make room for it: a tile it would cover goes just
/// above it when there is room there, else below it (pushing what that covers down in turn);
/// then every other tile rises as far as it can. Tile `i` stays at `to` (as while the pointer
/// drags it); [`arrange`] lets it rise too. Returns whether anything changed.
pub fn place(layouts: &mut [Layout], i: usize, to: Layout) -> bool {
    let before = layouts.to_vec();
    layouts[i] = fit(to);
    let moved = layouts[i];
    let mut order: Vec<usize> = (0..layouts.len()).filter(|&j| j != i).collect();
    order.sort_by_key(|&j| (layouts[j].y, layouts[j].x, j));
    // a covered tile that fits just above the moved one goes there (the two swap places)
    for &j in &order {
        if !overlaps(&layouts[j], &moved) || moved.y < layouts[j].h {
            continue;
        }
        let above = Layout {
            y: moved.y - layouts[j].h,
            ..layouts[j]
        };
        if !(0..layouts.len()).any(|k| k != j && overlaps(&above, &layouts[k])) {
            layouts[j] = above;
        }
    }
    // the others go below whatever they would cover, in reading order
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
    compact(layouts, Some(i));
    layouts != before.as_slice()
}

/// Vertical compaction: in reading order, every tile (but `fixed`, which stays put) rises as far
/// as it can without covering another, so no empty row is left above a tile that could use it.
/// Returns whether anything changed.
pub fn compact(layouts: &mut [Layout], fixed: Option<usize>) -> bool {
    let before = layouts.to_vec();
    let mut order: Vec<usize> = (0..layouts.len()).filter(|&j| Some(j) != fixed).collect();
    order.sort_by_key(|&j| (layouts[j].y, layouts[j].x, j));
    let mut settled: Vec<usize> = fixed.into_iter().collect();
    for j in order {
        let free =
            |l: &Layout, settled: &[usize]| !settled.iter().any(|&k| overlaps(l, &layouts[k]));
        let mut l = layouts[j];
        // down past whatever it covers (never needed after `place`; kept for any input)
        while let Some(&k) = settled.iter().find(|&&k| overlaps(&l, &layouts[k])) {
            l.y = layouts[k].y + layouts[k].h;
        }
        while l.y > 0 && free(&Layout { y: l.y - 1, ..l }, &settled) {
            l.y -= 1;
        }
        layouts[j] = l;
        settled.push(j);
    }
    layouts != before.as_slice()
}

/// [`place`], then every tile compacted upward, tile `i` included: where a move or resize ends.
pub fn arrange(layouts: &mut [Layout], i: usize, to: Layout) -> bool {
    let before = layouts.to_vec();
    place(layouts, i, to);
    compact(layouts, None);
    layouts != before.as_slice()
}

/// Tile `i` moved (or, with `resize`, resized) by one cell towards (`dx`, `dy`) and arranged;
/// when one cell changes nothing (the tile would rise back where it was), by as many cells as
/// it takes to pass the tile below, up to the bottom of the grid. Keyboard and buttons move
/// tiles with it. Returns whether anything changed.
pub fn nudge(layouts: &mut [Layout], i: usize, dx: i64, dy: i64, resize: bool) -> bool {
    let Some(&from) = layouts.get(i) else {
        return false;
    };
    let bottom = layouts.iter().map(|l| l.y + l.h).max().unwrap_or(0);
    for step in 1..=i64::from(bottom.max(1)) {
        let to = if resize {
            resized(from, dx * step, dy * step)
        } else {
            moved(from, dx * step, dy * step)
        };
        let mut tried = layouts.to_vec();
        if arrange(&mut tried, i, to) {
            layouts.copy_from_slice(&tried);
            return true;
        }
        if resize || dx != 0 {
            // a width or height, or a column, that changes nothing will not by going further
            break;
        }
    }
    false
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

    /// No tile could rise a row without covering another.
    fn no_gaps(ls: &[Layout]) -> bool {
        ls.iter().enumerate().all(|(i, l)| {
            l.y == 0 || {
                let up = Layout { y: l.y - 1, ..*l };
                ls.iter()
                    .enumerate()
                    .any(|(j, k)| j != i && overlaps(&up, k))
            }
        })
    }

    #[test]
    fn a_tile_moved_onto_one_below_swaps_with_it_when_there_is_room() {
        let start = vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(0, 4, 6, 3)];
        // one or two rows down: the tile below is pushed, then everything rises back
        for dy in 1..3 {
            let mut ls = start.clone();
            assert!(!arrange(&mut ls, 0, l(0, dy, 6, 4)), "{dy}");
            assert_eq!(ls, start);
        }
        // three rows down: the tile below fits above it, and they swap
        let mut ls = start.clone();
        assert!(arrange(&mut ls, 0, l(0, 3, 6, 4)));
        assert_eq!(ls, vec![l(0, 3, 6, 4), l(6, 0, 6, 4), l(0, 0, 6, 3)]);
        assert!(no_overlaps(&ls) && no_gaps(&ls));
    }

    #[test]
    fn while_dragging_the_tile_stays_under_the_pointer_and_the_others_rise() {
        let mut ls = vec![l(0, 0, 6, 4), l(0, 4, 6, 3), l(6, 0, 6, 2)];
        assert!(place(&mut ls, 0, l(0, 9, 6, 4)));
        assert_eq!(ls, vec![l(0, 9, 6, 4), l(0, 0, 6, 3), l(6, 0, 6, 2)]);
        // on release it rises too
        assert!(compact(&mut ls, None));
        assert_eq!(ls[0], l(0, 3, 6, 4));
        assert!(no_gaps(&ls));
    }

    #[test]
    fn shrinking_a_tile_lets_the_tiles_below_rise() {
        let mut ls = vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(0, 4, 6, 3), l(0, 7, 12, 2)];
        assert!(arrange(&mut ls, 0, l(0, 0, 4, 3)));
        assert_eq!(
            ls,
            vec![l(0, 0, 4, 3), l(6, 0, 6, 4), l(0, 3, 6, 3), l(0, 6, 12, 2)]
        );
        assert!(no_gaps(&ls));
    }

    #[test]
    fn compaction_closes_every_gap_in_reading_order() {
        let mut ls = vec![l(0, 2, 6, 4), l(6, 5, 6, 4), l(0, 12, 12, 1)];
        assert!(compact(&mut ls, None));
        assert_eq!(ls, vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(0, 4, 12, 1)]);
        assert!(!compact(&mut ls, None));
        // overlapping input is pulled apart, never left overlapping
        let mut ls = vec![l(0, 0, 6, 4), l(0, 1, 6, 4)];
        compact(&mut ls, None);
        assert_eq!(ls[1], l(0, 4, 6, 4));
    }

    #[test]
    fn keyboard_nudges_pass_the_neighbour_and_stop_at_the_edges() {
        let start = vec![l(0, 0, 6, 4), l(6, 0, 6, 4), l(0, 4, 6, 3)];
        let mut ls = start.clone();
        // down: as far as it takes to pass the tile below
        assert!(nudge(&mut ls, 0, 0, 1, false));
        assert_eq!(ls, vec![l(0, 3, 6, 4), l(6, 0, 6, 4), l(0, 0, 6, 3)]);
        // up again: back where it was
        assert!(nudge(&mut ls, 0, 0, -1, false));
        assert_eq!(ls, start);
        // nothing above, nothing to the left, the last tile of its column cannot go lower
        assert!(!nudge(&mut ls, 0, 0, -1, false));
        assert!(!nudge(&mut ls, 0, -1, 0, false));
        assert!(!nudge(&mut ls, 2, 0, 1, false));
        assert_eq!(ls, start);
        // resizing: one cell at a time, the tile below follows
        assert!(nudge(&mut ls, 0, 0, -1, true));
        assert_eq!(ls[0], l(0, 0, 6, 3));
        assert_eq!(ls[2], l(0, 3, 6, 3));
        assert!(nudge(&mut ls, 0, -1, 0, true));
        assert_eq!(ls[0], l(0, 0, 5, 3));
        assert!(no_overlaps(&ls) && no_gaps(&ls));
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
