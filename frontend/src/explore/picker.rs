//! The field picker: the explore's visible fields grouped by view, searchable; a field is
//! added by click, dragged onto a shelf, or put on the filters shelf.

use leptos::prelude::*;

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

/// The picker, headed by the explore's label.
#[component]
pub(super) fn FieldPicker(session: ExploreSession, label: String) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let groups = move || {
        let q = search.get().to_lowercase();
        session
            .with_fields(|fs| grouped_fields(fs, &q))
            .into_iter()
            .map(|(view_name, list)| {
                view! {
                    <section class="view-group">
                        <h3>{view_name}</h3>
                        <ul>
                            {list.into_iter().map(|f| view! { <PickerField session=session field=f/> }).collect_view()}
                        </ul>
                    </section>
                }
            })
            .collect_view()
    };
    view! {
        <aside class="picker" aria-label="fields">
            <h2>{label}</h2>
            <input type="search" placeholder="Search fields" aria-label="search fields"
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
            {groups}
        </aside>
    }
}

/// One field in the picker.
#[component]
fn PickerField(session: ExploreSession, field: FieldInfo) -> impl IntoView {
    let f = field;
    let kind = f.kind;
    let name = f.name.clone();
    let drag_name = name.clone();
    let add = f.clone();
    let filt = f.clone();
    let title = f
        .description
        .clone()
        .unwrap_or_else(|| format!("{} ({})", f.name, f.ty));
    view! {
        <li class=format!("field {kind}") draggable="true" title=title data-field=name.clone()
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &drag_name);
                }
            }>
            <button class="add" aria-label=format!("add {}", f.label)
                on:click=move |_| { let f = add.clone(); session.edit(|s| add_to(s, if f.is_dimension() { Shelf::Dimensions } else { Shelf::Measures }, &f)); }>
                <span class="kind-dot"></span>{f.label.clone()}
            </button>
            <button class="filter-add" aria-label=format!("filter on {}", f.label)
                on:click=move |_| { let f = filt.clone(); session.edit(|s| add_to(s, Shelf::Filters, &f)); }>
                "▽"
            </button>
        </li>
    }
}
