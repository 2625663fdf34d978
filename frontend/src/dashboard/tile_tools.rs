//! A tile's edit toolbar (edit mode): move and resize buttons (the arrow keys on a focused
//! tile do the same), the chart type, and removal.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::placement::LayoutEdit;
use crate::api::ChartType;
use crate::widgets::ChartTypeSelect;

/// The move and resize buttons: text, label, and the edit.
const MOVES: [(&str, &str, LayoutEdit); 8] = [
    ("◀", "move left", (-1, 0, false)),
    ("▶", "move right", (1, 0, false)),
    ("▲", "move up", (0, -1, false)),
    ("▼", "move down", (0, 1, false)),
    ("−W", "narrower", (-1, 0, true)),
    ("+W", "wider", (1, 0, true)),
    ("−H", "shorter", (0, -1, true)),
    ("+H", "taller", (0, 1, true)),
];

/// The edit toolbar of tile `name`, whose chart type is `chart` (none for a text tile).
#[component]
pub(super) fn TileTools(board: BoardState, name: String, chart: Option<String>) -> impl IntoView {
    let has_chart = chart.is_some();
    let chosen = Signal::stored(chart.filter(|c| c != "auto"));
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
            {has_chart.then(|| view! { <ChartTypeSelect chosen=chosen on_change=on_chart/> })}
            <button class="danger" aria-label="remove tile" on:click=move |_| {
                board.dash.update(|d| d.tiles.retain(|t| t.name != n_remove));
                board.save();
            }>"Remove"</button>
        </div>
    }
}
