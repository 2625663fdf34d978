//! A filter's editor on the filters shelf: an operator suited to the field's type and a value
//! (with suggestions for strings, a date picker for dates), or a raw filter expression; shows
//! the expression sent. An editor opened on an existing expression (another filter added, a
//! URL reopened) reads its operator back from it, so it keeps its kind.

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
        // the editor's range includes its last day; an expression's `to` excludes its end
        "range" => format!(
            "{a} to {}",
            shift_day(b, 1).unwrap_or_else(|| b.to_string())
        ),
        "null" => "NULL".into(),
        "notnull" => "-NULL".into(),
        _ => a.to_string(),
    }
}

/// `day` (YYYY-MM-DD) moved by `days`; `None` when it is not a date. (Read and written field by
/// field: chrono's format strings would add their parser to the browser bundle.)
fn shift_day(day: &str, days: i64) -> Option<String> {
    use chrono::Datelike;
    // digits only: `parse` alone would take a sign
    let mut parts = day.trim().splitn(3, '-').map(|part| {
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse::<u32>().ok())
            .flatten()
    });
    let (year, month, date) = (parts.next()??, parts.next()??, parts.next()??);
    let d = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, date)?
        .checked_add_signed(chrono::TimeDelta::days(days))?;
    Some(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
}

/// The operator and values that [`expression`] makes `expr` from, for a field of type `ty`;
/// `None` (shown as a raw expression) for anything the editor does not write.
fn read_back(ty: &str, expr: &str) -> Option<(&'static str, String, String)> {
    let ops = operators(ty);
    let e = expr.trim();
    let known = |op: &str| ops.iter().find(|(id, _)| *id == op).map(|(id, _)| *id);
    let one = |op: &str, a: &str| known(op).map(|op| (op, a.to_string(), String::new()));
    let plain = |s: &str| {
        !s.is_empty()
            && !s.contains(['%', ',', '[', ']', '(', ')', '<', '>', '='])
            && !s.starts_with('-')
            && !s.eq_ignore_ascii_case("null")
    };
    let number = |s: &str| s.trim().parse::<f64>().is_ok();
    let found = match e {
        "NULL" => one("null", ""),
        "-NULL" => one("notnull", ""),
        "this month" => one("this_month", ""),
        _ if e.starts_with("last ") => {
            let mut words = e.split_whitespace().skip(1);
            let (n, unit) = (words.next()?, words.next()?);
            if words.next().is_some() || n.parse::<u32>().is_err() {
                return None;
            }
            match unit {
                "days" | "day" => one("last_days", n),
                "weeks" | "week" => one("last_weeks", n),
                "months" | "month" => one("last_months", n),
                _ => None,
            }
        }
        _ if e.contains(" to ") => {
            let (a, b) = e.split_once(" to ")?;
            let last = shift_day(b, -1)?;
            shift_day(a, 0)?;
            known("range").map(|op| (op, a.trim().to_string(), last))
        }
        _ if e.starts_with('[') && e.ends_with(']') => {
            let (a, b) = e[1..e.len() - 1].split_once(',')?;
            (number(a) && number(b))
                .then(|| {
                    known("between").map(|op| (op, a.trim().to_string(), b.trim().to_string()))
                })
                .flatten()
        }
        _ if e.starts_with(">=") && number(&e[2..]) => one("gte", &e[2..]),
        _ if e.starts_with("<=") && number(&e[2..]) => one("lte", &e[2..]),
        _ if e.starts_with('>') && number(&e[1..]) => one("gt", &e[1..]),
        _ if e.starts_with('<') && number(&e[1..]) => one("lt", &e[1..]),
        _ if e.len() > 2 && e.starts_with('%') && e.ends_with('%') && plain(&e[1..e.len() - 1]) => {
            one("contains", &e[1..e.len() - 1])
        }
        _ if e.len() > 1 && e.ends_with('%') && plain(&e[..e.len() - 1]) => {
            one("starts", &e[..e.len() - 1])
        }
        _ if e.starts_with('-') && plain(&e[1..]) => one("ne", &e[1..]),
        _ if plain(e) && (ty == "string" || number(e)) => one("eq", e),
        _ => None,
    };
    // only what `expression` writes back the same way
    found.filter(|(op, a, b)| expression(op, a, b) == e)
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
    let initial = state.with_untracked(|s| filter_expression(s, &field));
    // an existing expression keeps the operator it was made with, else it shows as written
    let (first_op, first_a, first_b) = if initial.is_empty() {
        (ops[0].0, String::new(), String::new())
    } else {
        read_back(&ty, &initial).unwrap_or(("raw", initial, String::new()))
    };
    let op = RwSignal::new(first_op);
    let a = RwSignal::new(first_a);
    let b = RwSignal::new(first_b);
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
                prop:type=move || if op.get() == "range" { "date" } else { "text" }
                prop:value=move || a.get()
                placeholder=move || match op.get() { "range" => "2024-01-01", "raw" => "Looker expression", _ => "value" }
                on:focus=move |_| if is_string { suggest_on_focus(a.get_untracked()) }
                on:input=move |ev| { let v = event_target_value(&ev); a.set(v.clone()); if is_string { suggest(v) } }
                on:change=move |_| apply.run(())
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { apply.run(()) }/>
            <Show when=move || matches!(op.get(), "between" | "range")>
                <input class="filter-value2" aria-label=format!("second value for {field}")
                    prop:type=move || if op.get() == "range" { "date" } else { "text" }
                    title=move || if op.get() == "range" { "the last day, included" } else { "" }
                    prop:value=move || b.get()
                    on:input=move |ev| b.set(event_target_value(&ev)) on:change=move |_| apply.run(())/>
            </Show>
            <datalist id=list_id>
                {move || suggestions.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}
            </datalist>
            <code class="expression" title="the filter expression sent">{current}</code>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_editor_reads_back_what_it_wrote() {
        for (ty, op, a, b) in [
            ("string", "eq", "Finished", ""),
            ("string", "ne", "Cancelled", ""),
            ("string", "contains", "air", ""),
            ("string", "starts", "L", ""),
            ("string", "null", "", ""),
            ("string", "notnull", "", ""),
            ("number", "eq", "5", ""),
            ("number", "gt", "100", ""),
            ("number", "gte", "1.5", ""),
            ("number", "lt", "-3", ""),
            ("number", "lte", "7", ""),
            ("number", "between", "5", "90"),
            ("date", "last_days", "7", ""),
            ("date", "last_weeks", "2", ""),
            ("date", "last_months", "12", ""),
            ("date", "this_month", "", ""),
            ("date", "range", "2024-01-01", "2024-12-31"),
            ("time", "range", "2024-02-28", "2024-02-29"),
        ] {
            let e = expression(op, a, b);
            assert_eq!(
                read_back(ty, &e),
                Some((op, a.to_string(), b.to_string())),
                "{ty} {op} {e}"
            );
        }
    }

    #[test]
    fn a_date_range_includes_its_last_day() {
        assert_eq!(
            expression("range", "2024-01-01", "2024-12-31"),
            "2024-01-01 to 2025-01-01"
        );
        assert_eq!(
            expression("range", "2023-02-01", "2023-02-28"),
            "2023-02-01 to 2023-03-01"
        );
    }

    #[test]
    fn days_shift_across_months_years_and_leap_days() {
        assert_eq!(shift_day("2024-02-28", 1).as_deref(), Some("2024-02-29"));
        assert_eq!(shift_day("2023-02-28", 1).as_deref(), Some("2023-03-01"));
        assert_eq!(shift_day("2025-01-01", -1).as_deref(), Some("2024-12-31"));
        assert_eq!(shift_day(" 2024-3-5 ", 0).as_deref(), Some("2024-03-05"));
        for not_a_day in [
            "",
            "x",
            "2024-01",
            "2024-13-01",
            "2023-02-29",
            "+2024-01-01",
            "2024-01-01x",
            "2024--1-01",
        ] {
            assert_eq!(shift_day(not_a_day, 1), None, "{not_a_day:?}");
        }
    }

    #[test]
    fn other_expressions_stay_raw() {
        for (ty, e) in [
            ("string", "Finished,Booked"),
            ("string", "-Cancelled,-Booked"),
            ("string", "%a%b%"),
            ("number", "[5,90)"),
            ("number", ">5 AND <9"),
            ("date", "after 2024-01-01"),
            ("date", "last 7 fortnights"),
            ("number", "abc"),
        ] {
            assert_eq!(read_back(ty, e), None, "{ty} {e}");
        }
    }
}
