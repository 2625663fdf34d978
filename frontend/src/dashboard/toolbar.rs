//! The dashboard's head: its title, a badge for project dashboards (or the owner of an app
//! dashboard the caller cannot change), and the Refresh, Edit (with Add text), Share and
//! "Copy to my dashboards" buttons, each shown only to whom may use it.

use leptos::prelude::*;

use super::board_state::BoardState;
use super::copy::copy_dashboard;
use super::editing::{add_text_tile, editing_ready, run, sharing_ready};
use crate::api::{DashboardSource, ErrorBody};
use crate::browser::navigate;
use crate::me::use_me;
use crate::widgets::ErrorBox;

/// The head of a dashboard; `sharing` opens the share panel.
#[component]
pub(super) fn BoardToolbar(
    board: BoardState,
    /// Whether the caller may change the dashboard here (an app dashboard the server says the
    /// caller may edit, not through a share link).
    editable: bool,
    sharing: RwSignal<bool>,
) -> impl IntoView {
    let (dash, editing, shared) = (board.dash, board.editing, board.shared);
    let title = move || dash.with(|d| d.title.clone());
    let is_project = dash.with_untracked(|d| d.source == DashboardSource::Project);
    let owner = dash.with_untracked(|d| d.owner.clone());
    // The server says who may make links (a link runs as its maker: project dashboards and
    // one's own only).
    let shareable = dash.with_untracked(|d| d.shareable);
    let can_share = move || !shared && shareable;
    // a project dashboard is read-only: whoever may make dashboards can copy it into their own
    let me = use_me();
    let can_copy = move || !shared && is_project && me.can_edit();
    let copy_error = RwSignal::new(None::<ErrorBody>);
    let copy = move |_| {
        let name = dash.with_untracked(|d| d.name.clone());
        leptos::task::spawn_local(async move {
            match copy_dashboard(&name, None).await {
                Ok(d) => navigate(&format!("/dashboards/{}", d.name)),
                Err(e) => copy_error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="dash-head">
            <h1>{title}</h1>
            {(!shared && is_project).then(|| view! { <span class="badge" title="defined in the project's YAML; edit it there">"project · read-only"</span> })}
            {(!shared && !is_project && !editable).then(|| view! {
                <span class="badge" title="only its owner or an admin may change it">{format!("read-only · by {}", owner.clone().unwrap_or_else(|| "someone else".into()))}</span>
            })}
            <div class="dash-actions">
                <button class="refresh" on:click=move |_| board.run_all(true)>"Refresh"</button>
                <Show when=can_copy>
                    <button class="copy-dashboard" title="make an app dashboard of your own with these tiles, which you can change" on:click=copy>"Copy to my dashboards"</button>
                </Show>
                {editable.then(|| view! {
                    <Show when=move || editing.get()>
                        <button class="add-text" title="add a tile of markdown text" on:click=move |_| run(add_text_tile(board))>"Add text"</button>
                    </Show>
                })}
                {editable.then(|| view! {
                    <button class="edit" aria-pressed=move || editing.get().to_string() on:click=move |_| run(async move {
                        // edit mode's code first: once on, every edit is a plain call
                        match editing_ready().await {
                            Ok(()) => {
                                board.load_error.set(None);
                                board.toggle_editing();
                            }
                            Err(e) => board.load_error.set(Some(e)),
                        }
                        Ok(())
                    })>
                        {move || if editing.get() { "Done editing" } else { "Edit" }}
                    </button>
                })}
                <Show when=can_share>
                    <button class="share" aria-expanded=move || sharing.get().to_string() on:click=move |_| run(async move {
                        match sharing_ready().await {
                            Ok(()) => {
                                board.load_error.set(None);
                                sharing.update(|s| *s = !*s);
                            }
                            Err(e) => board.load_error.set(Some(e)),
                        }
                        Ok(())
                    })>"Share"</button>
                </Show>
            </div>
        </div>
        {move || copy_error.get().map(|e| view! { <ErrorBox error=e/> })}
    }
}
