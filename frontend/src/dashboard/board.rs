//! A dashboard: its head, the share panel, the filter bar and the grid of tiles. Every tile
//! runs once when the board opens.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::editing::{later, share_panel};
use super::filter_bar::FilterBar;
use super::tile_grid::TileGrid;
use super::toolbar::BoardToolbar;
use crate::api::DashboardResponse;
use crate::widgets::ErrorBox;

/// A dashboard: filter bar, tiles, and (for app dashboards) editing and sharing.
#[component]
pub(super) fn Board(info: DashboardResponse, shared: bool) -> impl IntoView {
    let editable = info.editable && !shared;
    let board = BoardState::new(info, shared);
    let sharing = RwSignal::new(false);
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            board.run_all(false);
        }
    });
    let dash = board.dash;
    let description = move || dash.with(|d| d.description.clone());
    view! {
        <div class="dashboard" class:editing=move || board.editing.get()>
            <BoardToolbar board=board editable=editable sharing=sharing/>
            {move || description().map(|d| view! { <p class="muted">{d}</p> })}
            {move || board.save_error.get().map(|e| view! { <ErrorBox error=e/> })}
            {move || board.load_error.get().map(|e| view! { <ErrorBox error=e/> })}
            <Show when=move || sharing.get()>
                {move || later(share_panel(dash.with_untracked(|d| d.name.clone()), board))}
            </Show>
            <FilterBar board=board/>
            {move || dash.with(|d| d.tiles.is_empty()).then(|| view! {
                <p class="hint">"No tiles yet. Open an explore, run a question and use “Save to dashboard”."</p>
            })}
            <TileGrid board=board/>
        </div>
    }
}
