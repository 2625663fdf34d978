//! The dashboard's 12-column grid of tiles, in reading order, with pointer dragging.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::drag::TileDrag;
use super::tile::TileCard;
use crate::api::Tile;

/// The grid of tiles.
#[component]
pub(super) fn TileGrid(board: BoardState) -> impl IntoView {
    let grid_ref = NodeRef::<leptos::html::Div>::new();
    let drag = TileDrag::new(board, grid_ref);
    // Tiles in reading order; a tile is rebuilt when its size, title, chart or text changes
    // (its chart then fits the new size), only repositioned when it moves.
    let tiles = Memo::new(move |_| {
        let mut t: Vec<Tile> = board.dash.with(|d| d.tiles.clone());
        t.sort_by_key(|t| t.layout.map(|l| (l.y, l.x)));
        t.into_iter()
            .map(|t| {
                let size = t.layout.map(|l| (l.w, l.h));
                (
                    format!("{}|{size:?}|{}|{}|{:?}", t.name, t.title, t.chart, t.text),
                    t.name,
                )
            })
            .collect::<Vec<_>>()
    });
    view! {
        <div class="grid" node_ref=grid_ref>
            <For each=move || tiles.get() key=|(key, _)| key.clone() let((_, name))>
                <TileCard board=board drag=drag name=name/>
            </For>
        </div>
    }
}
