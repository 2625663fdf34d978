//! Drilling from the explore's result table (`POST /api/v1/drill`): a measure's value opens a
//! panel with the rows behind it (sortable, at most the drill's row limit); a dimension value
//! with somewhere to drill (a timeframe's next level, or its `drill_fields`) offers those
//! fields and, when one is chosen, becomes the explore's question one level down.

use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::{Value, json};

use super::session::ExploreSession;
use crate::api::{self, ErrorBody, QueryResult};
use crate::cell_format::format_cell;
use crate::state::ExploreState;
use crate::widgets::{DrillCells, ErrorBox, TableView};

/// The panel of a measure's rows.
#[derive(Clone)]
struct Detail {
    title: String,
    query: Value,
    result: Option<Result<QueryResult, ErrorBody>>,
}

/// A dimension value waiting for the user to choose where to drill.
#[derive(Clone)]
struct DownChoice {
    field: String,
    row: serde_json::Map<String, Value>,
    title: String,
    targets: Vec<(String, String)>,
}

/// The drill state of one explore page: the cells that drill (given to the result table as
/// context) and the panel or choice they open.
#[derive(Clone, Copy)]
pub(super) struct Drilling {
    detail: RwSignal<Option<Detail>>,
    choice: RwSignal<Option<DownChoice>>,
    cells: DrillCells,
}

impl Drilling {
    /// Drilling on `session`'s explore: fields whose description names `drill_fields`.
    pub(super) fn new(session: ExploreSession) -> Self {
        let targets: HashMap<String, Vec<String>> = session.with_fields(|fs| {
            fs.iter()
                .filter(|f| !f.drill_fields.is_empty())
                .map(|f| (f.name.clone(), f.drill_fields.clone()))
                .collect()
        });
        let detail = RwSignal::new(None::<Detail>);
        let choice = RwSignal::new(None::<DownChoice>);
        let on_click = Callback::new(
            move |(field, row): (String, serde_json::Map<String, Value>)| {
                let question = session
                    .state
                    .with_untracked(|s| s.to_query(&session.explore.get_value()));
                let title = clicked_title(session, &question, &field, &row);
                let Some(info) = session.field(&field) else {
                    return;
                };
                if info.is_measure() {
                    choice.set(None);
                    let body = json!({"query": question, "field": field, "row": row});
                    open_detail(detail, title, body);
                } else {
                    let targets = info
                        .drill_fields
                        .iter()
                        .map(|t| (t.clone(), session.label_of(t)))
                        .collect();
                    detail.set(None);
                    choice.set(Some(DownChoice {
                        field,
                        row,
                        title,
                        targets,
                    }));
                }
            },
        );
        Drilling {
            detail,
            choice,
            cells: DrillCells {
                targets: StoredValue::new(targets),
                on_click,
            },
        }
    }

    /// The cells the result table makes clickable.
    pub(super) fn cells(self) -> DrillCells {
        self.cells
    }
}

/// "Revenue · Group type Company, Status Finished": the clicked field and its row's dimensions.
fn clicked_title(
    session: ExploreSession,
    question: &Value,
    field: &str,
    row: &serde_json::Map<String, Value>,
) -> String {
    let dims: Vec<String> = question["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| session.field(n).is_some_and(|f| f.is_dimension()))
        .map(|n| {
            let format = session.field(n).and_then(|f| f.value_format);
            format!(
                "{} {}",
                session.label_of(n),
                format_cell(row.get(n), format.as_deref())
            )
        })
        .collect();
    if dims.is_empty() {
        session.label_of(field)
    } else {
        format!("{} · {}", session.label_of(field), dims.join(", "))
    }
}

/// Ask the server where the click leads, then run that question into the panel.
fn open_detail(detail: RwSignal<Option<Detail>>, title: String, body: Value) {
    detail.set(Some(Detail {
        title: title.clone(),
        query: Value::Null,
        result: None,
    }));
    leptos::task::spawn_local(async move {
        let shown = match api::post::<Value>("/api/v1/drill", &body, None).await {
            Ok(answer) => {
                let query = answer["query"].clone();
                let result = api::post::<QueryResult>("/api/v1/query", &query, None).await;
                Detail {
                    title,
                    query,
                    result: Some(result),
                }
            }
            Err(e) => Detail {
                title,
                query: Value::Null,
                result: Some(Err(e)),
            },
        };
        detail.set(Some(shown));
    });
}

/// Run the panel's question again sorted on `field` (descending first, then ascending).
fn resort(detail: RwSignal<Option<Detail>>, field: String) {
    let Some(d) = detail.get_untracked() else {
        return;
    };
    let mut query = d.query.clone();
    let desc = !(query["sorts"][0]["field"] == field.as_str() && query["sorts"][0]["desc"] == true);
    query["sorts"] = json!([{"field": field, "desc": desc}]);
    detail.set(Some(Detail {
        query: query.clone(),
        result: None,
        ..d.clone()
    }));
    leptos::task::spawn_local(async move {
        let result = api::post::<QueryResult>("/api/v1/query", &query, None).await;
        detail.update(|d| {
            if let Some(d) = d.as_mut().filter(|d| d.query == query) {
                d.result = Some(result);
            }
        });
    });
}

/// The choice of where a dimension value drills to, and the panel of a measure's rows.
#[component]
pub(super) fn DrillViews(session: ExploreSession, drilling: Drilling) -> impl IntoView {
    let Drilling { detail, choice, .. } = drilling;
    let down = move |to: String| {
        let Some(c) = choice.get_untracked() else {
            return;
        };
        let question = session
            .state
            .with_untracked(|s| s.to_query(&session.explore.get_value()));
        let body = json!({"query": question, "field": c.field, "row": c.row, "to": to});
        choice.set(None);
        leptos::task::spawn_local(async move {
            match api::post::<Value>("/api/v1/drill", &body, None).await {
                Ok(answer) => {
                    let viz = session.state.with_untracked(|s| s.viz.clone());
                    let mut next = ExploreState::from_api_query(&answer["query"], |n| {
                        session.field(n).is_some_and(|f| f.is_measure())
                    });
                    next.viz = viz;
                    session.state.set(next);
                    session.run();
                }
                Err(e) => session.result.set(Some(Err(e))),
            }
        });
    };
    let sorts = Signal::derive(move || {
        detail.with(|d| {
            d.as_ref()
                .and_then(|d| d.query["sorts"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|s| Some((s["field"].as_str()?.to_string(), s["desc"].as_bool()?)))
                .collect::<Vec<_>>()
        })
    });
    view! {
        {move || choice.get().map(|c| view! {
            <div class="drill-choice" role="group" aria-label="drill down">
                <span>"Drill "{c.title.clone()}" to: "</span>
                {c.targets.iter().map(|(name, label)| {
                    let name = name.clone();
                    view! { <button class="drill-to" on:click=move |_| down(name.clone())>{label.clone()}</button> }
                }).collect_view()}
                <button class="close" on:click=move |_| choice.set(None)>"Cancel"</button>
            </div>
        })}
        {move || detail.get().map(|d| view! {
            <section class="drill-panel" role="dialog" aria-label=format!("rows behind {}", d.title)
                on:keydown=move |ev| if ev.key() == "Escape" { detail.set(None) }>
                <header>
                    <h3>{d.title.clone()}</h3>
                    <button class="close" title="Close (Esc)" on:click=move |_| detail.set(None)>"Close"</button>
                </header>
                {match d.result.clone() {
                    None => view! { <p class="hint running" role="status">"Finding the rows…"</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                    Some(Ok(r)) => {
                        let limit = d.query["limit"].as_u64().unwrap_or(u64::MAX);
                        let count = u64::try_from(r.row_count).unwrap_or(u64::MAX);
                        view! {
                            <p class="meta drill-count" role="status">
                                {if count >= limit {
                                    format!("The first {count} rows behind this value (the drill shows at most {limit}; add filters to see the others)")
                                } else {
                                    format!("{count} rows behind this value")
                                }}
                            </p>
                            <TableView result=r on_sort=Callback::new(move |f: String| resort(detail, f)) sorts=sorts/>
                        }.into_any()
                    }
                }}
            </section>
        })}
    }
}
