//! The dashboard grid's rules (pure, tested on the host): a tile moved or resized stays inside
//! the 12 columns, and the tiles it would cover are pushed down — no tile ever hides another.

use crate::api::Layout;

/// Columns of the grid (as the server's `GRID_COLUMNS`).
pub const COLUMNS: u32 = 12;
/// Tallest tile in rows (as the server's `MAX_TILE_HEIGHT`).
pub const MAX_HEIGHT: u32 = 24;

/// `l` made to fit: 1..=12 columns wide, inside the grid, 1..=24 rows tall.
pub fn fit(l: Layout) -> Layout {
    let w = l.w.clamp(1, COLUMNS);
    Layout {
        x: l.x.min(COLUMNS - w),
        y: l.y,
        w,
        h: l.h.clamp(1, MAX_HEIGHT),
    }
}

fn overlaps(a: &Layout, b: &Layout) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
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
}
