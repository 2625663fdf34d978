//! A tile's edit toolbar (edit mode): move and resize buttons, the chart type, and removal.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::placement::LayoutEdit;
use crate::api::ChartType;
use crate::grid;
use crate::widgets::ChartTypeSelect;

/// The move and resize buttons: text, label, and the edit.
const MOVES: [(&str, &str, LayoutEdit); 8] = [
    ("◀", "move left", |l| grid::moved(l, -1, 0)),
    ("▶", "move right", |l| grid::moved(l, 1, 0)),
    ("▲", "move up", |l| grid::moved(l, 0, -1)),
    ("▼", "move down", |l| grid::moved(l, 0, 1)),
    ("−W", "narrower", |l| grid::resized(l, -1, 0)),
    ("+W", "wider", |l| grid::resized(l, 1, 0)),
    ("−H", "shorter", |l| grid::resized(l, 0, -1)),
    ("+H", "taller", |l| grid::resized(l, 0, 1)),
];

/// The edit toolbar of tile `name`, whose chart type is `chart`.
#[component]
pub(super) fn TileTools(board: BoardState, name: String, chart: String) -> impl IntoView {
    let chosen = Signal::stored((chart != "auto").then_some(chart));
    let n_chart = name.clone();
    let n_remove = name.clone();
    let on_chart = Callback::new(move |v: String| {
        board.edit_tile(&n_chart, |t| {
            t.chart = ChartType::from_name(&v).unwrap_or_default();
        })
    });
    view! {
        <div class="tile-tools" on:pointerdown=|ev| ev.stop_propagation()>
            {MOVES.iter().map(|(text, label, edit)| {
                let (name, edit) = (name.clone(), *edit);
                view! { <button aria-label=format!("{label}") title=*label on:click=move |_| board.nudge(&name, edit)>{*text}</button> }
            }).collect_view()}
            <ChartTypeSelect chosen=chosen on_change=on_chart/>
            <button class="danger" aria-label="remove tile" on:click=move |_| {
                board.dash.update(|d| d.tiles.retain(|t| t.name != n_remove));
                board.save();
            }>"Remove"</button>
        </div>
    }
}
