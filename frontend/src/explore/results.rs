//! The explore's answer: row count and cache, the page shown (with Previous / Next page when
//! the row limit cut the answer), then the result as a sortable table, a chart (clicking a
//! category drills into it) or its SQL (for roles that may see it), by tab.

use leptos::prelude::*;

use crate::api::QueryResult;
use crate::chart;
use crate::state::{ExploreState, Page};
use crate::widgets::{ChartView, DrillCells, TableView};

/// The answer to the explore's query, shown by `tab`.
#[component]
pub(super) fn Results(
    result: QueryResult,
    tab: RwSignal<&'static str>,
    state: RwSignal<ExploreState>,
    on_sort: Callback<String>,
    on_resort: Callback<()>,
    /// Which rows of the answer these are (None: the whole answer).
    page: Option<Page>,
    /// Called with `true` for the next page, `false` for the previous one.
    on_page: Callback<bool>,
    /// Cells that drill to detail or down.
    #[prop(default = None)]
    drill: Option<DrillCells>,
) -> impl IntoView {
    // Clicking a bar, point or slice filters on its category (drill into it), then runs.
    let first_dimension = result
        .fields
        .iter()
        .find(|f| f.is_dimension() && !f.pivot)
        .map(|f| (f.name.clone(), f.ty.clone()));
    let on_category = Callback::new(move |category: String| {
        let Some((field, ty)) = first_dimension.clone() else {
            return;
        };
        let Some(expression) = chart::filter_for_category(&ty, &category) else {
            return;
        };
        state.update(|s| {
            s.filters.retain(|(f, _)| *f != field);
            s.filters.push((field, expression));
        });
        on_resort.run(());
    });
    let r = StoredValue::new(result);
    let sorts = Signal::derive(move || state.with(|s| s.sorts.clone()));
    let sort = Callback::new(move |name: String| {
        on_sort.run(name);
        on_resort.run(());
    });
    view! {
        <div class="results">
            <p class="meta" title=r.with_value(|r| format!("data of warehouse version {}", r.warehouse_version))>
                // a pivoted table shows fewer rows than the answer has: say both
                {move || r.with_value(|r| match crate::pivot::pivot(r) {
                    Some(p) => format!("{} rows × {} pivot columns ({} result rows) · cache {}", p.rows.len(), p.columns.len(), r.row_count, r.cache),
                    None => format!("{} rows · cache {}", r.row_count, r.cache),
                })}
            </p>
            {page.filter(|p| p.more || p.first > 1).map(|p| view! {
                <nav class="pager" aria-label="pages of the answer">
                    <button class="previous" disabled=p.first <= 1 on:click=move |_| on_page.run(false)>"◀ Previous page"</button>
                    <span class="rows-shown" aria-live="polite">{p.label()}</span>
                    <button class="next" disabled=!p.more on:click=move |_| on_page.run(true)>"Next page ▶"</button>
                </nav>
            })}
            {page.filter(|p| p.more).map(|_| view! {
                <p class="notice truncated" role="status">"The row limit cut this answer: more rows follow. See them with Next page, raise the row limit, or add filters."</p>
            })}
            {move || r.with_value(|r| r.truncated).then(|| view! {
                <p class="notice truncated" role="status">"More rows match than this server returns at once; these are the first ones. Add filters or fewer dimensions to see all of them."</p>
            })}
            {move || r.with_value(|r| r.row_count == 0 && page.is_none_or(|p| p.first <= 1)).then(|| view! {
                <p class="notice empty" role="status">"No rows match this question. Check the filters (the explore may also apply fixed ones)."</p>
            })}
            <Show when=move || tab.get() == "results">
                <TableView result=r.get_value() on_sort=sort sorts=sorts drill=drill/>
            </Show>
            <Show when=move || tab.get() == "chart">
                <ChartView result=r.get_value() kind=Signal::derive(move || state.with(|s| s.viz.clone())) on_click=on_category/>
            </Show>
            <Show when=move || tab.get() == "sql">
                {r.with_value(|r| if r.sql.is_empty() {
                    view! { <p class="hint">"Your role cannot see SQL."</p> }.into_any()
                } else {
                    view! { <pre class="sql"><code>{r.sql.clone()}</code></pre> }.into_any()
                })}
            </Show>
        </div>
    }
}
