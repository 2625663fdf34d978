//! The explore page at `/explore/:explore`: picker, shelves, toolbar, tabs and results. Back /
//! forward re-read the URL and run it; a page opened from a link runs what it holds.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::drill::{DrillViews, Drilling};
use super::picker::FieldPicker;
use super::results::Results;
use super::session::ExploreSession;
use super::shelf::Shelf;
use super::shelf_view::ShelfView;
use super::toolbar::ExploreToolbar;
use crate::api::{self, ExploreDescription};
use crate::browser::current_search;
use crate::me::use_me;
use crate::state::ExploreState;
use crate::widgets::ErrorBox;

/// Where the explore `name` is described (preloaded by the page, [`crate::first_fetches`]).
pub(crate) fn description_path(name: &str) -> String {
    format!("/api/v1/explores/{name}")
}

/// The explore page at `/explore/:explore`.
#[component]
pub fn ExplorePage() -> impl IntoView {
    let params = use_params_map();
    let explore = move || params.read().get("explore").unwrap_or_default();
    let description = LocalResource::new(move || {
        let name = explore();
        async move { api::get::<ExploreDescription>(&description_path(&name)).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the explore…"</p> }>
            {move || {
                description
                    .get()
                    .map(|d| match d {
                        Ok(d) => view! { <Explore description=d/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Explore(description: ExploreDescription) -> impl IntoView {
    let session = ExploreSession::new(&description);
    let (state, result) = (session.state, session.result);
    let tab = RwSignal::new("results");
    let drilling = Drilling::new(session);
    // The SQL tab is only for roles that may see SQL (the server leaves it out for the others).
    let me = use_me();
    let sql_tab =
        move || me.can_see_sql() && result.with(|r| !matches!(r, Some(Ok(r)) if r.sql.is_empty()));
    Effect::new(move |_| {
        if !sql_tab() && tab.get_untracked() == "sql" {
            tab.set("results");
        }
    });
    // Ctrl+Enter (⌘+Enter) runs, from anywhere on the page.
    let _run_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Enter"
            && (ev.ctrl_key() || ev.meta_key())
            && !state.with_untracked(|s| s.is_empty())
        {
            ev.prevent_default();
            session.run();
        }
    });
    // Back / forward: read the URL again and run it.
    let _popstate = window_event_listener(leptos::ev::popstate, move |_| {
        state.set(ExploreState::from_query_string(&current_search()));
        session.execute();
    });
    // Opened from a link: run what it holds.
    Effect::new(move |first: Option<()>| {
        if first.is_none() && !state.get_untracked().is_empty() {
            session.execute();
        }
    });
    view! {
        <div class="explore">
            <FieldPicker session=session label=description.label.clone()/>
            <section class="workspace">
                <div class="shelves">
                    <ShelfView session=session shelf=Shelf::Dimensions/>
                    <ShelfView session=session shelf=Shelf::Measures/>
                    <ShelfView session=session shelf=Shelf::Pivots/>
                    <ShelfView session=session shelf=Shelf::Filters/>
                </div>
                {description.restricted.then(|| view! {
                    <p class="muted fixed-note">"This explore also keeps only the rows of a condition of its own"
                        {description.description.clone().map(|d| format!(": {d}"))}</p>
                })}
                <ExploreToolbar session=session/>
                <div class="tabs" role="tablist">
                    {["results", "chart", "sql"].into_iter().map(|t| view! {
                        <Show when=move || t != "sql" || sql_tab()>
                            <button role="tab" aria-selected=move || (tab.get() == t).to_string() class:active=move || tab.get() == t on:click=move |_| tab.set(t)>
                                {match t { "results" => "Results", "chart" => "Chart", _ => "SQL" }}
                            </button>
                        </Show>
                    }).collect_view()}
                </div>
                {move || match result.get() {
                    // say what is happening, not what was true before
                    None if session.running.get() => view! { <p class="hint running" role="status">"Running the query…"</p> }.into_any(),
                    None if state.with(|s| s.is_empty()) => view! { <p class="hint">"Add dimensions and measures, then Run."</p> }.into_any(),
                    None => view! { <p class="hint">"Press Run (or Ctrl+Enter) to see the rows."</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                    Some(Ok(r)) => view! { <Results result=r tab=tab state=state on_sort=Callback::new(move |f: String| session.edit(|s| s.toggle_sort(&f))) on_resort=Callback::new(move |()| session.run()) page=session.page.get_untracked() on_page=Callback::new(move |forward| session.turn_page(forward)) drill=Some(drilling.cells())/> }.into_any(),
                }}
                <DrillViews session=session drilling=drilling/>
            </section>
        </div>
    }
}
