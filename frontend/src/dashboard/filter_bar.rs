//! The dashboard's filter bar: one input per dashboard filter (its value reaches every tile
//! whose explore has the field) and, in edit mode, removing a filter or adding one on a
//! dimension of the tiles' explores.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use super::board_state::BoardState;
use crate::api::{self, DashboardFilter, ExploreDescription};

/// Fields a new dashboard filter can use: the dimensions of `explores`, by name, labelled
/// "view › field".
async fn filter_candidates(explores: BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for x in explores {
        if let Ok(d) = api::get::<ExploreDescription>(&format!("/api/v1/explores/{x}")).await {
            for f in d
                .fields
                .into_iter()
                .filter(|f| f.is_dimension() && !f.hidden)
            {
                out.entry(f.name.clone())
                    .or_insert(format!("{} › {}", f.view, f.label));
            }
        }
    }
    out
}

/// The filter bar.
#[component]
pub(super) fn FilterBar(board: BoardState) -> impl IntoView {
    let (dash, editing) = (board.dash, board.editing);
    let filters = Memo::new(move |_| dash.with(|d| d.filters.clone()));
    let explores = Memo::new(move |_| {
        dash.with(|d| {
            d.tiles
                .iter()
                .map(|t| t.query.explore.clone())
                .collect::<BTreeSet<_>>()
        })
    });
    let candidates = LocalResource::new(move || {
        let xs = explores.get();
        let wanted = editing.get();
        async move {
            if !wanted {
                return BTreeMap::new();
            }
            filter_candidates(xs).await
        }
    });
    view! {
        <form class="dash-filters" aria-label="dashboard filters" on:submit=|ev| ev.prevent_default()>
            <For each=move || filters.get() key=|f: &DashboardFilter| f.field.clone() let(f)>
                <FilterInput board=board filter=f/>
            </For>
            <Show when=move || editing.get()>
                <AddFilter board=board candidates=candidates/>
            </Show>
        </form>
    }
}

/// One dashboard filter: its title, its value, and (edit mode) a remove button.
#[component]
fn FilterInput(board: BoardState, filter: DashboardFilter) -> impl IntoView {
    let (dash, values) = (board.dash, board.values);
    let field = filter.field;
    let (f_value, f_change, f_remove) = (field.clone(), field.clone(), field.clone());
    let label = filter.title.unwrap_or_else(|| field.clone());
    let locked = board.is_locked(&field);
    view! {
        <label class="dash-filter" class:locked=locked data-filter=field.clone()>
            <span>{label}{locked.then(|| view! { <span class="lock badge" title="locked by the link">"locked by the link"</span> })}</span>
            <input placeholder="any value" disabled=locked
                title=if locked { "locked by the link" } else { "a filter expression, e.g. Finished, >100, last 30 days" }
                prop:value=move || values.with(|v| v.get(&f_value).cloned().unwrap_or_default())
                on:change=move |ev| board.set_filter(f_change.clone(), event_target_value(&ev))/>
            <Show when=move || board.editing.get()>
                {
                    let n = f_remove.clone();
                    view! { <button type="button" aria-label="remove filter" on:click=move |_| {
                        let n = n.clone();
                        dash.update(|d| d.filters.retain(|f| f.field != n));
                        values.update(|v| { v.remove(&n); });
                        board.save();
                        board.run_all(false);
                    }>"✕"</button> }
                }
            </Show>
        </label>
    }
}

/// Adding a filter (edit mode): a picker of the candidate fields.
#[component]
fn AddFilter(
    board: BoardState,
    candidates: LocalResource<BTreeMap<String, String>>,
) -> impl IntoView {
    let (dash, values) = (board.dash, board.values);
    view! {
        <label class="dash-filter add-filter">
            <span>"Add filter"</span>
            <select aria-label="add a dashboard filter" on:change=move |ev| {
                let field = event_target_value(&ev);
                if field.is_empty() { return; }
                // titled with the field's label, as the picker shows it
                let title = candidates.get_untracked().and_then(|c| c.get(&field).and_then(|l| l.split(" › ").last().map(str::to_string)));
                dash.update(|d| if !d.filters.iter().any(|f| f.field == field) {
                    d.filters.push(DashboardFilter { field: field.clone(), title, default: None });
                });
                values.update(|v| { v.entry(field).or_default(); });
                board.save();
            }>
                <option value="">"choose a field…"</option>
                {move || candidates.get().map(|c| c.into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view())}
            </select>
        </label>
    }
}
