//! A shelf on the explore page: its fields as chips (move earlier / later, pivot / back, sort,
//! remove — buttons, so every move has a keyboard path; a filter editor on the filters shelf),
//! and a drop target for fields dragged from the picker.

use leptos::prelude::*;

use super::filter_editor::FilterEditor;
use super::session::ExploreSession;
use super::shelf::{Shelf, add_to, move_in, remove_from, shelf_items};

/// The shelf `shelf`.
#[component]
pub(super) fn ShelfView(session: ExploreSession, shelf: Shelf) -> impl IntoView {
    // Re-render a shelf only when its fields change, not when a filter's value does (that
    // would reset the editor being typed in).
    let items = Memo::new(move |_| session.state.with(|s| shelf_items(s, shelf)));
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(data) = ev
            .data_transfer()
            .and_then(|d| d.get_data("text/plain").ok())
        else {
            return;
        };
        if let Some(f) = session.field(&data) {
            session.edit(|s| add_to(s, shelf, &f));
        }
    };
    view! {
        <div class=format!("shelf {}", shelf.id()) data-shelf=shelf.id()
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop>
            <h3>{shelf.title()}</h3>
            <ul>
                {move || {
                    let items = items.get();
                    if items.is_empty() {
                        return view! { <li class="empty">"Drop fields here"</li> }.into_any();
                    }
                    items.into_iter().map(|n| view! { <ShelfChip session=session shelf=shelf name=n/> }).collect_view().into_any()
                }}
            </ul>
        </div>
    }
}

/// Field `name` on `shelf`.
#[component]
fn ShelfChip(session: ExploreSession, shelf: Shelf, name: String) -> impl IntoView {
    let n = name;
    let label = session.label_of(&n);
    let (n1, n2, n3, n4) = (n.clone(), n.clone(), n.clone(), n.clone());
    // a dimension goes to the pivots and back; dimensions, pivots and measures sort
    let pivot = match shelf {
        Shelf::Dimensions => Some((Shelf::Pivots, format!("pivot on {label}"), "pivot")),
        Shelf::Pivots => Some((
            Shelf::Dimensions,
            format!("move {label} back to dimensions"),
            "unpivot",
        )),
        _ => None,
    }
    .map(|(to, aria, text)| {
        let (n, title) = (n.clone(), aria.clone());
        view! {
            <button class="pivot-move" aria-label=aria title=title
                on:click=move |_| { if let Some(f) = session.field(&n) { session.edit(|s| add_to(s, to, &f)) } }>{text}</button>
        }
    });
    let sort = (shelf != Shelf::Filters).then(|| {
        let n = n.clone();
        let (n_mark, n_title) = (n.clone(), n.clone());
        let sorted = move |name: &str| session.state.with(|s| s.sorts.iter().find(|(f, _)| f == name).map(|(_, desc)| *desc));
        view! {
            <button class="sort" aria-label=format!("sort by {label}")
                title=move || match sorted(&n_title) { Some(true) => "sorted descending; press for ascending", Some(false) => "sorted ascending; press to stop sorting", None => "sort descending" }
                aria-pressed=move || sorted(&n_mark).is_some().to_string()
                on:click=move |_| session.edit(|s| s.toggle_sort(&n))>
                {let n = n.clone(); move || match sorted(&n) { Some(true) => "▼", Some(false) => "▲", None => "⇅" }}
            </button>
        }
    });
    let filter_editor = (shelf == Shelf::Filters).then(|| {
        let info = session.field(&n);
        view! { <FilterEditor field=n4.clone() info=info state=session.state on_change=Callback::new(move |()| session.run_if_auto())/> }
    });
    // the explore's own filters stay: their value may change, they may not go
    let fixed = shelf == Shelf::Filters && session.is_fixed(&n);
    view! {
        <li class="chip" class:fixed=fixed data-field=n.clone()>
            <span class="chip-label">{label.clone()}</span>
            {fixed.then(|| view! { <span class="badge" title="this explore always filters on this field; change its value, it cannot be removed">"always"</span> })}
            <button aria-label=format!("move {label} earlier") on:click=move |_| session.edit(|s| move_in(s, shelf, &n1, -1))>"◀"</button>
            <button aria-label=format!("move {label} later") on:click=move |_| session.edit(|s| move_in(s, shelf, &n2, 1))>"▶"</button>
            {pivot}
            {sort}
            {(!fixed).then(|| view! { <button aria-label=format!("remove {label}") on:click=move |_| session.edit(|s| remove_from(s, shelf, &n3))>"✕"</button> })}
            {filter_editor}
        </li>
    }
}
