//! "Save to dashboard" on the explore page: the explore's question saved as a tile, on a new
//! dashboard, on an app dashboard the caller may change, or on a copy of a project dashboard
//! (read-only itself) made for the purpose.

use leptos::prelude::*;
use serde_json::json;

use super::copy::copy_dashboard;
use crate::api::{self, DashboardHead, DashboardSource, ErrorBody};
use crate::state::ExploreState;
use crate::widgets::ErrorBox;

/// "Save to dashboard" on the explore page: a new dashboard, an app dashboard, or a copy of a
/// project dashboard, as a tile.
#[component]
pub fn SaveToDashboard(
    /// The explore.
    explore: String,
    /// The explore's state (query and chart type).
    state: RwSignal<ExploreState>,
    /// A title proposed for the tile.
    #[prop(into)]
    suggested_title: Signal<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // the dashboards it may save to, fetched at every opening (a signal, not a resource: one
    // resource type more is ~2 KiB of the explore page's wasm)
    let list = RwSignal::new(Vec::<DashboardHead>::new());
    let fetch_list = move || {
        list.set(Vec::new());
        leptos::task::spawn_local(async move {
            if let Ok(l) = api::get::<Vec<DashboardHead>>("/api/v1/dashboards").await {
                let l = l
                    .into_iter()
                    .filter(|d| d.editable || d.source == DashboardSource::Project);
                let _ = list.try_set(l.collect());
            }
        });
    };
    // "" = a new dashboard; "copy:<name>" = a copy of project dashboard <name>
    let target = RwSignal::new(String::new());
    let new_title = RwSignal::new(String::new());
    let tile_title = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<DashboardHead, ErrorBody>>);
    let explore = StoredValue::new(explore);
    let save = move || {
        let s = state.get_untracked();
        let query = s.to_query(&explore.get_value());
        let chart = s.viz.clone().unwrap_or_else(|| "auto".into());
        let mut title = tile_title.get_untracked();
        if title.trim().is_empty() {
            title = suggested_title.get_untracked();
        }
        let tile = json!({"title": title, "chart": chart, "query": query});
        let target = target.get_untracked();
        let dashboard_title = new_title.get_untracked();
        leptos::task::spawn_local(async move {
            let r = if let Some(project) = target.strip_prefix("copy:") {
                copy_dashboard(project, Some(tile)).await
            } else if target.is_empty() {
                let mut t = tile;
                t["name"] = json!("tile-1");
                let title = if dashboard_title.trim().is_empty() {
                    "Untitled dashboard".to_string()
                } else {
                    dashboard_title
                };
                api::post::<DashboardHead>(
                    "/api/v1/dashboards",
                    &json!({"title": title, "tiles": [t]}),
                    None,
                )
                .await
            } else {
                api::post::<DashboardHead>(
                    &format!("/api/v1/dashboards/{target}/tiles"),
                    &tile,
                    None,
                )
                .await
            };
            outcome.set(Some(r));
        });
    };
    view! {
        <button class="save-tile" aria-expanded=move || open.get().to_string()
            disabled=move || state.with(|s| s.is_empty())
            on:click=move |_| {
                open.update(|o| *o = !*o);
                if open.get_untracked() {
                    fetch_list();
                }
                // the panel is drawn anew, its dashboard list at "New dashboard…": so is the choice
                target.set(String::new());
                outcome.set(None);
            }>"Save to dashboard"</button>
        <Show when=move || open.get()>
            <form class="save-panel" aria-label="save to dashboard" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>"Tile title "
                    <input aria-label="tile title" prop:placeholder=move || suggested_title.get()
                        prop:value=move || tile_title.get() on:input=move |ev| tile_title.set(event_target_value(&ev))/>
                </label>
                <label>"Dashboard "
                    <select aria-label="dashboard" on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value="">"New dashboard…"</option>
                        {move || list.get().into_iter().map(|d| {
                            if d.source == DashboardSource::Project {
                                view! { <option value=format!("copy:{}", d.name)>{format!("Copy of {} (project)", d.title)}</option> }
                            } else {
                                view! { <option value=d.name.clone()>{d.title}</option> }
                            }
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || target.get().is_empty()>
                    <label>"New dashboard title "
                        <input aria-label="new dashboard title" placeholder="Untitled dashboard"
                            prop:value=move || new_title.get() on:input=move |ev| new_title.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <button class="primary" type="submit">"Save"</button>
                {move || outcome.get().map(|o| match o {
                    Ok(d) => view! {
                        <p class="saved" role="status">"Saved to "<a href=format!("/dashboards/{}", d.name)>{d.title.clone()}</a></p>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </form>
        </Show>
    }
}
