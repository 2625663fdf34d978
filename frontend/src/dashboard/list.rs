//! `/dashboards`: every dashboard (project or app) and, for whoever may make dashboards, a form
//! to make a new one.

use leptos::prelude::*;
use serde_json::json;

use crate::api::{self, DashboardResponse, DashboardSource, DashboardSummary, ErrorBody};
use crate::browser::navigate;
use crate::me::use_me;
use crate::widgets::ErrorBox;

/// `/dashboards`: every dashboard, and a form to make one.
#[component]
pub fn DashboardList() -> impl IntoView {
    let list = LocalResource::new(|| api::get::<Vec<DashboardSummary>>("/api/v1/dashboards"));
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorBody>);
    let me = use_me();
    let create = move || {
        let t = title.get_untracked();
        if t.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::post::<DashboardResponse>("/api/v1/dashboards", &json!({"title": t}), None)
                .await
            {
                Ok(d) => navigate(&format!("/dashboards/{}", d.name)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1>"Dashboards"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || list.get().map(|l| match l {
                Ok(list) => view! {
                    <ul class="dashboards">
                        {list.into_iter().map(|d| view! {
                            <li>
                                <a href=format!("/dashboards/{}", d.name)>{d.title}</a>
                                <span class="badge" title=if d.source == DashboardSource::Project { "defined in the project's YAML (read-only here)" } else { "made in the app" }>
                                    {if d.source == DashboardSource::Project { "project" } else { "app" }}
                                </span>
                                {(d.source == DashboardSource::App && !d.editable).then(|| view! { <span class="badge" title="only its owner or an admin may change it">"read-only"</span> })}
                                <span class="muted">{format!(" {} tiles", d.tiles)}</span>
                                {d.description.map(|t| view! { <p class="muted">{t}</p> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
        <Show when=move || me.can_edit()>
            <form class="new-dashboard" on:submit=move |ev| { ev.prevent_default(); create(); }>
                <label>"New dashboard "
                    <input aria-label="new dashboard title" placeholder="Title" prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))/>
                </label>
                <button class="primary" type="submit">"Create"</button>
            </form>
        </Show>
        {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
    }
}
