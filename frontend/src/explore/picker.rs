//! The field picker: the explore's visible fields grouped by view, searchable; a field is
//! added by click, dragged onto a shelf, or put on the filters shelf. From the keyboard the
//! list is one tab stop (an ARIA tree with a roving tabindex): arrows move, Right / Left open
//! and close a view's group, Enter or Space adds the field, F puts it on the filters shelf. On
//! a narrow screen the picker folds behind a "Fields" button so that the results come first.

use std::collections::HashSet;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::session::ExploreSession;
use super::shelf::{Shelf, add_to};
use crate::api::FieldInfo;

/// The visible fields whose label or name contains `query` (lower case), grouped by view in
/// the explore's order.
fn grouped_fields(fields: &[FieldInfo], query: &str) -> Vec<(String, Vec<FieldInfo>)> {
    let mut groups: Vec<(String, Vec<FieldInfo>)> = Vec::new();
    for f in fields.iter().filter(|f| !f.hidden) {
        let hay = format!("{} {}", f.label, f.name).to_lowercase();
        if !query.is_empty() && !hay.contains(query) {
            continue;
        }
        match groups.iter_mut().find(|(v, _)| *v == f.view) {
            Some((_, list)) => list.push(f.clone()),
            None => groups.push((f.view.clone(), vec![f.clone()])),
        }
    }
    groups
}

/// The tree item key of a view's group (fields are keyed by their name, `view.field`).
fn group_key(view: &str) -> String {
    format!("view:{view}")
}

/// Where a key press moves the focus in the tree, given its items in order (`(key, group
/// of a field or None for a group, expanded)`), or what it does.
#[derive(Debug, PartialEq)]
enum TreeMove {
    Focus(String),
    Expand(String, bool),
    Add(String),
    Filter(String),
}

fn tree_move(items: &[(String, Option<String>, bool)], at: &str, key: &str) -> Option<TreeMove> {
    let i = items.iter().position(|(k, _, _)| k == at)?;
    let (k, group, expanded) = &items[i];
    let focus = |j: usize| items.get(j).map(|(k, _, _)| TreeMove::Focus(k.clone()));
    match (key, group) {
        ("ArrowDown", _) => focus(i + 1),
        ("ArrowUp", _) => i.checked_sub(1).and_then(focus),
        ("Home", _) => focus(0),
        ("End", _) => focus(items.len().saturating_sub(1)),
        ("ArrowRight", None) if !expanded => Some(TreeMove::Expand(k.clone(), true)),
        ("ArrowRight", None) => focus(i + 1).filter(|_| items[i + 1].1.is_some()),
        ("ArrowLeft", None) if *expanded => Some(TreeMove::Expand(k.clone(), false)),
        ("ArrowLeft", Some(g)) => Some(TreeMove::Focus(group_key(g))),
        ("Enter" | " ", None) => Some(TreeMove::Expand(k.clone(), !expanded)),
        ("Enter" | " ", Some(_)) => Some(TreeMove::Add(k.clone())),
        ("f" | "F", Some(_)) => Some(TreeMove::Filter(k.clone())),
        _ => None,
    }
}

/// Focus the tree item keyed `key`.
fn focus_item(key: &str) {
    let selector = format!(".picker [data-key=\"{key}\"]");
    if let Some(e) = document()
        .query_selector(&selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}

/// The picker, headed by the explore's label.
#[component]
pub(super) fn FieldPicker(session: ExploreSession, label: String) -> impl IntoView {
    let search = RwSignal::new(String::new());
    // views whose group is closed (searching opens them all)
    let closed = RwSignal::new(HashSet::<String>::new());
    // the tree item that is the tree's one tab stop
    let active = RwSignal::new(None::<String>);
    // narrow screens: the picker folds away
    let open = RwSignal::new(false);
    let groups = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        session.with_fields(|fs| grouped_fields(fs, &q))
    });
    let is_open =
        move |view: &str| !search.with(String::is_empty) || !closed.with(|c| c.contains(view));
    // the tree's visible items in order: (key, the group of a field, expanded)
    let items = Memo::new(move |_| {
        groups.with(|gs| {
            let mut items = Vec::new();
            for (view, fields) in gs {
                let expanded = is_open(view);
                items.push((group_key(view), None, expanded));
                if expanded {
                    items.extend(
                        fields
                            .iter()
                            .map(|f| (f.name.clone(), Some(view.clone()), false)),
                    );
                }
            }
            items
        })
    });
    let tab_stop = Memo::new(move |_| {
        items.with(|items| {
            let a = active.get();
            match a {
                Some(a) if items.iter().any(|(k, _, _)| *k == a) => Some(a),
                _ => items.first().map(|(k, _, _)| k.clone()),
            }
        })
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        // keys on the item itself, not on the buttons inside it
        let Some(at) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.get_attribute("data-key"))
        else {
            return;
        };
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(m) = items.with(|items| tree_move(items, &at, &ev.key())) else {
            return;
        };
        ev.prevent_default();
        match m {
            TreeMove::Focus(k) => {
                active.set(Some(k.clone()));
                focus_item(&k);
            }
            TreeMove::Expand(k, expand) => {
                let view = k.trim_start_matches("view:").to_string();
                closed.update(|c| {
                    if expand {
                        c.remove(&view);
                    } else {
                        c.insert(view);
                    }
                });
            }
            TreeMove::Add(k) => {
                if let Some(f) = session.field(&k) {
                    let shelf = if f.is_dimension() {
                        Shelf::Dimensions
                    } else {
                        Shelf::Measures
                    };
                    session.edit(|s| add_to(s, shelf, &f));
                }
            }
            TreeMove::Filter(k) => {
                if let Some(f) = session.field(&k) {
                    session.edit(|s| add_to(s, Shelf::Filters, &f));
                }
            }
        }
    };
    // a click (or Tab) into the tree moves its tab stop there
    let on_focus = move |ev: leptos::ev::FocusEvent| {
        if let Some(k) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-key]").ok().flatten())
            .and_then(|e| e.get_attribute("data-key"))
        {
            active.set(Some(k));
        }
    };
    let tree = move || {
        groups
            .get()
            .into_iter()
            .map(|(view_name, list)| {
                let key = group_key(&view_name);
                let (k1, k2) = (key.clone(), key.clone());
                let (v, aria) = (view_name.clone(), view_name.clone());
                let expanded = move || is_open(&v);
                view! {
                    <li class="view-group" role="treeitem" data-key=key aria-label=aria
                        aria-expanded=move || expanded().to_string()
                        tabindex=move || if tab_stop.get().as_deref() == Some(k1.as_str()) { "0" } else { "-1" }>
                        <h3 on:click=move |_| {
                            let view = k2.trim_start_matches("view:").to_string();
                            closed.update(|c| if !c.remove(&view) { c.insert(view); });
                        }>{view_name}</h3>
                        <Show when=expanded.clone()>
                            <ul role="group">
                                {list.clone().into_iter().map(|f| view! { <PickerField session=session field=f tab_stop=tab_stop/> }).collect_view()}
                            </ul>
                        </Show>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <aside class="picker" class:open=move || open.get() aria-label="fields">
            <div class="picker-head">
                <h2>{label.clone()}</h2>
                <button class="picker-toggle" aria-controls="picker-body" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { "Hide fields" } else { "Fields" }}
                </button>
            </div>
            <div class="picker-body" id="picker-body">
                <input type="search" placeholder="Search fields" aria-label="search fields"
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <ul class="field-tree" role="tree" aria-label=format!("fields of {label}")
                    aria-keyshortcuts="ArrowUp ArrowDown ArrowLeft ArrowRight Home End Enter Space F"
                    title="arrows move, Right / Left open and close a group, Enter adds the field, F filters on it"
                    on:keydown=on_key on:focusin=on_focus>
                    {tree}
                </ul>
            </div>
        </aside>
    }
}

/// One field in the picker: a tree item (its buttons are for the mouse; the keyboard acts on
/// the item).
#[component]
fn PickerField(
    session: ExploreSession,
    field: FieldInfo,
    tab_stop: Memo<Option<String>>,
) -> impl IntoView {
    let f = field;
    let kind = f.kind;
    let name = f.name.clone();
    let drag_name = name.clone();
    let stop_name = name.clone();
    let add = f.clone();
    let filt = f.clone();
    let title = f
        .description
        .clone()
        .unwrap_or_else(|| format!("{} ({})", f.name, f.ty));
    view! {
        <li class=format!("field {kind}") role="treeitem" draggable="true" title=title data-field=name.clone() data-key=name.clone()
            aria-label=format!("{} ({kind})", f.label)
            tabindex=move || if tab_stop.get().as_deref() == Some(stop_name.as_str()) { "0" } else { "-1" }
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &drag_name);
                }
            }>
            <button class="add" tabindex="-1" aria-label=format!("add {}", f.label)
                on:click=move |_| { let f = add.clone(); session.edit(|s| add_to(s, if f.is_dimension() { Shelf::Dimensions } else { Shelf::Measures }, &f)); }>
                <span class="kind-dot"></span>{f.label.clone()}
            </button>
            <button class="filter-add" tabindex="-1" aria-label=format!("filter on {}", f.label)
                on:click=move |_| { let f = filt.clone(); session.edit(|s| add_to(s, Shelf::Filters, &f)); }>
                "▽"
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<(String, Option<String>, bool)> {
        vec![
            ("view:orders".into(), None, true),
            ("orders.status".into(), Some("orders".into()), false),
            ("orders.revenue".into(), Some("orders".into()), false),
            ("view:trips".into(), None, false),
        ]
    }

    #[test]
    fn arrows_walk_the_tree_and_open_and_close_groups() {
        let t = items();
        let focus = |k: &str| Some(TreeMove::Focus(k.into()));
        assert_eq!(
            tree_move(&t, "view:orders", "ArrowDown"),
            focus("orders.status")
        );
        assert_eq!(
            tree_move(&t, "orders.revenue", "ArrowDown"),
            focus("view:trips")
        );
        assert_eq!(tree_move(&t, "view:trips", "ArrowDown"), None);
        assert_eq!(tree_move(&t, "view:orders", "ArrowUp"), None);
        assert_eq!(tree_move(&t, "view:trips", "Home"), focus("view:orders"));
        assert_eq!(tree_move(&t, "view:orders", "End"), focus("view:trips"));
        assert_eq!(
            tree_move(&t, "view:orders", "ArrowRight"),
            focus("orders.status")
        );
        assert_eq!(
            tree_move(&t, "view:trips", "ArrowRight"),
            Some(TreeMove::Expand("view:trips".into(), true))
        );
        assert_eq!(
            tree_move(&t, "view:orders", "ArrowLeft"),
            Some(TreeMove::Expand("view:orders".into(), false))
        );
        assert_eq!(
            tree_move(&t, "orders.revenue", "ArrowLeft"),
            focus("view:orders")
        );
        assert_eq!(
            tree_move(&t, "orders.revenue", "Enter"),
            Some(TreeMove::Add("orders.revenue".into()))
        );
        assert_eq!(
            tree_move(&t, "orders.status", "f"),
            Some(TreeMove::Filter("orders.status".into()))
        );
        assert_eq!(tree_move(&t, "gone", "ArrowDown"), None);
    }
}
