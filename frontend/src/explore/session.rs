//! One explore page's state and what it does: the fields, the explore state (also in the URL),
//! the latest answer, running (cancellable) and auto-run. [`ExploreSession`] is `Copy` and
//! handed to the page's parts.

use leptos::prelude::*;

use crate::api::{self, ErrorBody, ExploreDescription, FieldInfo, QueryResult};
use crate::browser::current_search;
use crate::state::{ExploreState, Page};

/// The signals of one explore page.
#[derive(Clone, Copy)]
pub(super) struct ExploreSession {
    /// The explore's name.
    pub(super) explore: StoredValue<String>,
    fields: StoredValue<Vec<FieldInfo>>,
    /// The fields of the explore's `always_filter`: on the filters shelf from the start, with
    /// their default values, and not removable.
    fixed: StoredValue<Vec<String>>,
    /// What is asked: fields on shelves, filters, sorts, limit, chart type.
    pub(super) state: RwSignal<ExploreState>,
    /// The latest answer (the rows of the page shown), None before the first run.
    pub(super) result: RwSignal<Option<Result<QueryResult, ErrorBody>>>,
    /// Which rows of the whole answer the latest one is, and whether more follow.
    pub(super) page: RwSignal<Option<Page>>,
    /// The explore's default time zone (the model's).
    pub(super) timezone: StoredValue<String>,
    /// The question (the API query, whatever the page) last run: another one starts at its
    /// first page.
    asked: StoredValue<Option<serde_json::Value>>,
    pub(super) running: RwSignal<bool>,
    /// Re-run after every edit.
    pub(super) auto_run: RwSignal<bool>,
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
}

impl ExploreSession {
    /// A session on `description`, with the state the URL holds.
    pub(super) fn new(description: &ExploreDescription) -> Self {
        // the explore's fixed filters show on the shelf (with their defaults unless the URL
        // gives a value), so that what narrows the rows is never invisible
        let mut state = ExploreState::from_query_string(&current_search());
        for f in &description.always_filters {
            if !state.filters.iter().any(|(field, _)| *field == f.field) {
                state.filters.push((f.field.clone(), f.value.clone()));
            }
        }
        ExploreSession {
            explore: StoredValue::new(description.name.clone()),
            fields: StoredValue::new(description.fields.clone()),
            fixed: StoredValue::new(
                description
                    .always_filters
                    .iter()
                    .map(|f| f.field.clone())
                    .collect(),
            ),
            state: RwSignal::new(state),
            result: RwSignal::new(None),
            page: RwSignal::new(None),
            timezone: StoredValue::new(description.timezone.clone()),
            asked: StoredValue::new(None),
            running: RwSignal::new(false),
            auto_run: RwSignal::new(false),
            abort: StoredValue::new_local(None),
        }
    }

    /// The explore's fields.
    pub(super) fn with_fields<R>(self, f: impl FnOnce(&[FieldInfo]) -> R) -> R {
        self.fields.with_value(|fs| f(fs))
    }

    /// The field named `n`.
    pub(super) fn field(self, n: &str) -> Option<FieldInfo> {
        self.with_fields(|fs| fs.iter().find(|f| f.name == n).cloned())
    }

    /// The label of field `n` (its name if there is no such field).
    /// Whether `n` is one of the explore's fixed (`always_filter`) filters.
    pub(super) fn is_fixed(self, n: &str) -> bool {
        self.fixed.with_value(|f| f.iter().any(|x| x == n))
    }

    pub(super) fn label_of(self, n: &str) -> String {
        self.field(n)
            .map(|f| f.label)
            .unwrap_or_else(|| n.to_string())
    }

    /// Run the state's query (without touching the URL).
    pub(super) fn execute(self) {
        let s = self.state.get_untracked();
        if s.is_empty() {
            self.result.set(None);
            return;
        }
        if let Some(c) = self.abort.get_value() {
            c.abort();
        }
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        self.abort.set_value(controller);
        self.running.set(true);
        let explore = self.explore.get_value();
        self.asked.set_value(Some(s.to_query(&explore)));
        let (result, page, running) = (self.result, self.page, self.running);
        leptos::task::spawn_local(async move {
            let post = |body| {
                let signal = signal.clone();
                async move { api::post::<QueryResult>("/api/v1/query", &body, signal.as_ref()).await }
            };
            // one row more than the limit tells whether the limit cut the answer
            let mut answer = post(s.to_page_query(&explore)).await;
            let mut looked_ahead = true;
            if matches!(&answer, Err(e) if e.code == "row_limit_exceeded") {
                // the limit is the server's maximum: ask for exactly it, and call a full page
                // "more may follow"
                let mut body = s.to_page_query(&explore);
                body["limit"] = s.limit.into();
                answer = post(body).await;
                looked_ahead = false;
            }
            match answer {
                Err(e) if e.message == "cancelled" => {}
                Ok(mut r) => {
                    let mut p = s.page_of(r.row_count);
                    if !looked_ahead {
                        p.more = u64::try_from(r.row_count).is_ok_and(|n| n == s.limit);
                    }
                    if let boltic_types::Encoded::Value(rows) = &mut r.rows {
                        rows.truncate(p.shown);
                    }
                    r.row_count = p.shown;
                    page.set(Some(p));
                    result.set(Some(Ok(r)));
                }
                Err(mut e) => {
                    if e.code == "row_limit_exceeded" {
                        // the API's hint names 'limit' and 'offset'; here they are the row
                        // limit box and the page buttons
                        e.hint = Some(
                            "set the row limit to at most that many rows and use \
                            \"Next page\" for the rows after them, or aggregate further"
                                .into(),
                        );
                    }
                    page.set(None);
                    result.set(Some(Err(e)));
                }
            }
            running.set(false);
        });
    }

    /// Show the next (`forward`) or the previous page of the answer.
    pub(super) fn turn_page(self, forward: bool) {
        self.state.update(|s| *s = s.turned(forward));
        self.run();
    }

    /// Run: put the state in the URL (a new history entry), then execute. A changed question
    /// starts at its first page.
    pub(super) fn run(self) {
        let explore = self.explore.get_value();
        let question = self.state.with_untracked(|s| s.to_query(&explore));
        if self.state.with_untracked(|s| s.offset > 0)
            && self.asked.with_value(|a| a.as_ref() != Some(&question))
        {
            self.state.update(|s| s.offset = 0);
        }
        let qs = self.state.get_untracked().to_query_string();
        if let Some(w) = web_sys::window() {
            let url = format!(
                "/explore/{}{}{}",
                self.explore.get_value(),
                if qs.is_empty() { "" } else { "?" },
                qs
            );
            if let Ok(h) = w.history()
                && current_search().trim_start_matches('?') != qs
            {
                let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        self.execute();
    }

    /// Stop the running query.
    pub(super) fn cancel(self) {
        if let Some(c) = self.abort.get_value() {
            c.abort();
        }
        self.running.set(false);
    }

    /// Run, if auto-run is on.
    pub(super) fn run_if_auto(self) {
        if self.auto_run.get_untracked() {
            self.run();
        }
    }

    /// Change the state; edits re-run when auto-run is on.
    pub(super) fn edit(self, f: impl FnOnce(&mut ExploreState)) {
        self.state.update(f);
        self.run_if_auto();
    }

    /// A title for the question, e.g. "Revenue and Orders by Group type" (tracked).
    pub(super) fn suggested_title(self) -> String {
        self.state.with(|s| {
            let labels = |l: &[String]| {
                l.iter()
                    .map(|n| self.label_of(n))
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            let (m, d) = (labels(&s.measures), labels(&s.dimensions));
            match (m.is_empty(), d.is_empty()) {
                (false, false) => format!("{m} by {d}"),
                (false, true) => m,
                _ => d,
            }
        })
    }
}
