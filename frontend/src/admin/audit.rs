//! The audit log's latest 100 lines, newest first: time, actor, how they came, action, and a
//! one-line summary of the details (`GET /api/v1/admin/audit?limit=100`).

use leptos::prelude::*;
use serde_json::Value;

use crate::api::{self, AuditEntry};
use crate::when::short_time;
use crate::widgets::ErrorBox;

/// Longest detail summary shown in a cell (the whole is its tooltip).
const SUMMARY_CHARS: usize = 140;

/// A value on one line: strings bare, lists space-separated, the rest as JSON.
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(compact).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// A detail as `key: value, …` (objects) or the value, cut to [`SUMMARY_CHARS`].
fn summary(detail: &Value) -> String {
    let text = match detail {
        Value::Null => String::new(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", compact(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => compact(other),
    };
    if text.chars().count() > SUMMARY_CHARS {
        format!(
            "{}…",
            text.chars().take(SUMMARY_CHARS - 1).collect::<String>()
        )
    } else {
        text
    }
}

/// The audit log; reloads with `reload` and on "Refresh".
#[component]
pub(super) fn AuditLog(reload: RwSignal<u32>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let entries = LocalResource::new(move || {
        reload.get();
        refresh.get();
        api::get::<Vec<AuditEntry>>("/api/v1/admin/audit?limit=100")
    });
    view! {
        <section class="audit" aria-label="audit log">
            <div class="section-head">
                <h2>"Audit log"</h2>
                <button class="refresh" on:click=move |_| refresh.update(|r| *r += 1)>"Refresh"</button>
            </div>
            <p class="muted">"The latest 100 events, newest first."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
                {move || entries.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data audit-log">
                            <thead><tr>
                                <th scope="col">"Time (UTC)"</th><th scope="col">"Actor"</th><th scope="col">"Via"</th>
                                <th scope="col">"Action"</th><th scope="col">"Detail"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr data-action=e.action.clone()>
                                        <td>{short_time(&e.at.to_string())}</td>
                                        <td>{e.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>{e.via.clone()}</td>
                                        <td>{e.action.clone()}</td>
                                        <td class="detail" title=e.detail.to_string()>{summary(&e.detail)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_read_on_one_line() {
        let d =
            json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"], "rows": 4});
        assert_eq!(
            summary(&d),
            "explore: orders, fields: orders.status orders.revenue, rows: 4"
        );
        assert_eq!(summary(&Value::Null), "");
        assert_eq!(summary(&json!("viewer@example.com")), "viewer@example.com");
    }

    #[test]
    fn long_details_are_cut() {
        let s = summary(&json!({"sql": "é".repeat(400)}));
        assert_eq!(s.chars().count(), SUMMARY_CHARS);
        assert!(s.ends_with('…'));
    }
}
