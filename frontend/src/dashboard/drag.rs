//! Moving and resizing tiles with the pointer: a drag starts on a tile's header (move) or its
//! corner handle (resize) and follows the pointer in whole grid cells, the other tiles making
//! room and rising; on release every tile rises as far as it can (no gaps) and the layout is
//! saved if any tile moved.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::editing::{drag_end, drag_to, run};
use super::placement::{compact_tiles, dragged, layouts, set_layouts, tile_layout};
use crate::api::Layout;
use crate::grid;

/// Height of a grid row and the gap between cells, in CSS pixels (as in boltic.css).
const ROW_PX: f64 = 72.0;
const GAP_PX: f64 = 12.0;

/// Where a drag began.
#[derive(Debug, Clone)]
struct DragStart {
    tile: String,
    resize: bool,
    x: f64,
    y: f64,
    layout: Layout,
}

/// The pointer drags of one dashboard's grid.
#[derive(Clone, Copy)]
pub(super) struct TileDrag {
    board: BoardState,
    current: StoredValue<Option<DragStart>>,
    /// Every tile's place when the drag began: saved only if something moved.
    before: StoredValue<Vec<Layout>>,
}

impl TileDrag {
    /// Follow drags over the grid `grid_ref` (window listeners, removed with the owner).
    pub(super) fn new(board: BoardState, grid_ref: NodeRef<leptos::html::Div>) -> Self {
        let drag = TileDrag {
            board,
            current: StoredValue::new(None),
            before: StoredValue::new(Vec::new()),
        };
        let on_move = window_event_listener(leptos::ev::pointermove, move |ev| {
            drag.follow(grid_ref, &ev);
        });
        let on_up = window_event_listener(leptos::ev::pointerup, move |_| drag.end());
        on_cleanup(move || {
            on_move.remove();
            on_up.remove();
        });
        drag
    }

    /// A pointer went down on tile `tile`'s header (`resize` false) or resize handle.
    pub(super) fn start(self, tile: String, resize: bool, ev: &leptos::ev::PointerEvent) {
        let dash = self.board.dash;
        if !self.board.editing.get_untracked() || ev.button() != 0 {
            return;
        }
        let Some(layout) = dash.with_untracked(|d| tile_layout(d, &tile)) else {
            return;
        };
        ev.prevent_default();
        self.before.set_value(dash.with_untracked(layouts));
        self.current.set_value(Some(DragStart {
            tile,
            resize,
            x: f64::from(ev.client_x()),
            y: f64::from(ev.client_y()),
            layout,
        }));
    }

    fn follow(self, grid_ref: NodeRef<leptos::html::Div>, ev: &leptos::ev::PointerEvent) {
        let Some(start) = self.current.get_value() else {
            return;
        };
        let Some(el) = grid_ref.get_untracked() else {
            return;
        };
        let width = el.get_bounding_client_rect().width();
        let cell = (width + GAP_PX) / f64::from(grid::COLUMNS);
        let dx = ((f64::from(ev.client_x()) - start.x) / cell).round() as i64;
        let dy = ((f64::from(ev.client_y()) - start.y) / (ROW_PX + GAP_PX)).round() as i64;
        let to = if start.resize {
            grid::resized(start.layout, dx, dy)
        } else {
            grid::moved(start.layout, dx, dy)
        };
        run(drag_to(self, start.tile, to));
    }

    /// Tile `tile` dragged to `to`: the others make room, always from the layout the drag
    /// began with (where the pointer is decides, not the path).
    pub(super) fn place(self, tile: &str, to: Layout) {
        let dash = self.board.dash;
        let before = self.before.get_value();
        let Some(ls) = dash.with_untracked(|d| dragged(d, &before, tile, to)) else {
            return;
        };
        if dash.with_untracked(layouts) != ls {
            dash.update(|d| {
                set_layouts(d, &ls);
            });
        }
    }

    fn end(self) {
        if self.current.with_value(Option::is_some) {
            self.current.set_value(None);
            run(drag_end(self));
        }
    }

    /// The drag has ended: every tile rises as far as it can; saved if anything moved.
    pub(super) fn settle(self) {
        let dash = self.board.dash;
        dash.update(|d| {
            compact_tiles(d);
        });
        if dash.with_untracked(layouts) != self.before.get_value() {
            self.board.save();
        }
    }
}
