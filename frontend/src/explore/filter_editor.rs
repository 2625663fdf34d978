//! A filter's editor on the filters shelf: an operator suited to the field's type and a value
//! (with suggestions for strings), or a raw filter expression; shows the expression sent.

use leptos::prelude::*;
use serde_json::Value;

use crate::api::{self, FieldInfo};
use crate::chart;
use crate::state::ExploreState;

/// The operators offered for a field of type `ty`: id and label; the first is the default.
fn operators(ty: &str) -> &'static [(&'static str, &'static str)] {
    match ty {
        "number" | "sum" | "count" | "count_distinct" | "average" | "min" | "max" | "median"
        | "percentile" => &[
            ("eq", "is"),
            ("gt", ">"),
            ("gte", "≥"),
            ("lt", "<"),
            ("lte", "≤"),
            ("between", "between"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
        "time" | "date" => &[
            ("last_days", "in the last N days"),
            ("last_weeks", "in the last N weeks"),
            ("last_months", "in the last N months"),
            ("this_month", "this month"),
            ("range", "between dates"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
        _ => &[
            ("eq", "is"),
            ("ne", "is not"),
            ("contains", "contains"),
            ("starts", "starts with"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
    }
}

/// The filter expression for operator `op` with values `a` (and `b` for ranges).
fn expression(op: &str, a: &str, b: &str) -> String {
    match op {
        "eq" => a.to_string(),
        "ne" => format!("-{a}"),
        "contains" => format!("%{a}%"),
        "starts" => format!("{a}%"),
        "gt" => format!(">{a}"),
        "gte" => format!(">={a}"),
        "lt" => format!("<{a}"),
        "lte" => format!("<={a}"),
        "between" => format!("[{a},{b}]"),
        "last_days" => format!("last {a} days"),
        "last_weeks" => format!("last {a} weeks"),
        "last_months" => format!("last {a} months"),
        "this_month" => "this month".into(),
        "range" => format!("{a} to {b}"),
        "null" => "NULL".into(),
        "notnull" => "-NULL".into(),
        _ => a.to_string(),
    }
}

/// The expression of the filter on `field` (empty if there is none or it has no value yet).
fn filter_expression(state: &ExploreState, field: &str) -> String {
    state
        .filters
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, e)| e.clone())
        .unwrap_or_default()
}

/// A filter's editor: an operator for the field's type and a value, or a raw expression.
#[component]
pub(super) fn FilterEditor(
    field: String,
    info: Option<FieldInfo>,
    state: RwSignal<ExploreState>,
    on_change: Callback<()>,
) -> impl IntoView {
    let ty = info
        .as_ref()
        .map(|f| f.ty.clone())
        .unwrap_or_else(|| "string".into());
    let ops = operators(&ty);
    let op = RwSignal::new(ops[0].0);
    let initial = state.with_untracked(|s| filter_expression(s, &field));
    if !initial.is_empty() {
        op.set("raw");
    }
    let a = RwSignal::new(initial);
    let b = RwSignal::new(String::new());
    let key = field.clone();
    let apply = Callback::new(move |()| {
        let (a, b) = (a.get_untracked(), b.get_untracked());
        let expr = expression(op.get_untracked(), &a, &b);
        let key = key.clone();
        state.update(|s| {
            if let Some(entry) = s.filters.iter_mut().find(|(f, _)| *f == key) {
                entry.1 = expr.clone();
            }
        });
        on_change.run(());
    });
    let current = {
        let key = field.clone();
        move || state.with(|s| filter_expression(s, &key))
    };
    // Suggestions for strings, from the field-values endpoint.
    let suggestions = RwSignal::new(Vec::<String>::new());
    let explore = leptos_router::hooks::use_params_map();
    let list_id = format!("values-{}", field.replace('.', "-"));
    let suggest_field = field.clone();
    let suggest = move |q: String| {
        let Some(explore) = explore.get_untracked().get("explore") else {
            return;
        };
        let url = format!(
            "/api/v1/explores/{explore}/fields/{suggest_field}/values?limit=50&q={}",
            crate::state::encode(&q)
        );
        leptos::task::spawn_local(async move {
            if let Ok(v) = api::get::<Value>(&url).await {
                let values = v["values"]
                    .as_array()
                    .map(|a| a.iter().map(|v| chart::category(Some(v))).collect())
                    .unwrap_or_default();
                suggestions.set(values);
            }
        });
    };
    let suggest_on_focus = suggest.clone();
    let is_string = ty == "string";
    view! {
        <span class="filter-editor">
            <select aria-label=format!("operator for {field}") on:change=move |ev| { let v = event_target_value(&ev); if let Some((id, _)) = ops.iter().find(|(id, _)| *id == v) { op.set(id); } apply.run(()); }>
                {ops.iter().map(|(id, label)| view! { <option value=*id selected=move || op.get() == *id>{*label}</option> }).collect_view()}
            </select>
            <input class="filter-value" aria-label=format!("value for {field}") list=list_id.clone()
                prop:value=move || a.get()
                placeholder=move || match op.get() { "range" => "2024-01-01", "raw" => "Looker expression", _ => "value" }
                on:focus=move |_| if is_string { suggest_on_focus(a.get_untracked()) }
                on:input=move |ev| { let v = event_target_value(&ev); a.set(v.clone()); if is_string { suggest(v) } }
                on:change=move |_| apply.run(())
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { apply.run(()) }/>
            <Show when=move || matches!(op.get(), "between" | "range")>
                <input class="filter-value2" aria-label=format!("second value for {field}")
                    on:input=move |ev| b.set(event_target_value(&ev)) on:change=move |_| apply.run(())/>
            </Show>
            <datalist id=list_id>
                {move || suggestions.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}
            </datalist>
            <code class="expression" title="the filter expression sent">{current}</code>
        </span>
    }
}
