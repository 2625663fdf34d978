//! The dashboard's head: its title, a badge for project dashboards, and the Refresh, Edit and
//! Share buttons.

use leptos::prelude::*;

use super::board_state::BoardState;
use crate::api::DashboardSource;

/// The head of a dashboard; `sharing` opens the share panel.
#[component]
pub(super) fn BoardToolbar(
    board: BoardState,
    /// Whether the dashboard can be edited here (an app dashboard, not through a share link).
    editable: bool,
    sharing: RwSignal<bool>,
) -> impl IntoView {
    let (dash, editing, shared) = (board.dash, board.editing, board.shared);
    let title = move || dash.with(|d| d.title.clone());
    let is_project = dash.with_untracked(|d| d.source == DashboardSource::Project);
    view! {
        <div class="dash-head">
            <h1>{title}</h1>
            {(!shared && is_project).then(|| view! { <span class="badge" title="defined in the project's YAML; edit it there">"project · read-only"</span> })}
            <div class="dash-actions">
                <button class="refresh" on:click=move |_| board.run_all(true)>"Refresh"</button>
                {editable.then(|| view! {
                    <button class="edit" aria-pressed=move || editing.get().to_string() on:click=move |_| editing.update(|e| *e = !*e)>
                        {move || if editing.get() { "Done editing" } else { "Edit" }}
                    </button>
                })}
                {(!shared).then(|| view! {
                    <button class="share" aria-expanded=move || sharing.get().to_string() on:click=move |_| sharing.update(|s| *s = !*s)>"Share"</button>
                })}
            </div>
        </div>
    }
}
