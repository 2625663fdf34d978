//! Result tables: flat, or pivoted when the query has pivots; headers sort when a callback is
//! given (the explore), plain otherwise (dashboard tiles).

use leptos::prelude::*;

use crate::api::{FieldMeta, QueryResult};
use crate::cell_format::format_cell;
use crate::chart::category;
use crate::pivot::pivot;

/// The cells of a result that drill (the explore's): field → where it drills, and what a
/// click on one does (the field and its row). Dashboard tiles have none.
#[derive(Debug, Clone, Copy)]
pub struct DrillCells {
    /// Fields that drill, with their `drill_fields`.
    pub targets: StoredValue<std::collections::HashMap<String, Vec<String>>>,
    /// Called with the clicked field and its row.
    pub on_click: Callback<(String, serde_json::Map<String, serde_json::Value>)>,
}

fn label(f: &FieldMeta) -> String {
    f.label.clone().unwrap_or_else(|| f.name.clone())
}

/// A result as a table.
#[component]
pub fn TableView(
    result: QueryResult,
    /// Called with a field name when its header is clicked.
    #[prop(optional)]
    on_sort: Option<Callback<String>>,
    /// The current sorts (field, descending), for the header marks.
    #[prop(optional, into)]
    sorts: Option<Signal<Vec<(String, bool)>>>,
    /// Cells that drill (flat tables only).
    #[prop(default = None)]
    drill: Option<DrillCells>,
) -> impl IntoView {
    let header = move |f: &FieldMeta| {
        let name = f.name.clone();
        let text = label(f);
        match on_sort {
            Some(cb) => {
                let mark_name = name.clone();
                let mark = move || {
                    sorts
                        .map(|s| {
                            s.with(|s| match s.iter().find(|(n, _)| *n == mark_name) {
                                Some((_, true)) => " ▼",
                                Some((_, false)) => " ▲",
                                None => "",
                            })
                        })
                        .unwrap_or("")
                };
                view! { <button class="sort" on:click=move |_| cb.run(name.clone())>{text}{mark}</button> }
                    .into_any()
            }
            None => text.into_any(),
        }
    };
    if let Some(p) = pivot(&result) {
        let n_measures = p.measures.len().max(1);
        let row_span = (p.pivot_fields.len() + 1).to_string();
        // the API's totals are over every pivot column at once: said as such, under the table
        let totals = result.totals().map(|t| {
            p.measures
                .iter()
                .map(|m| {
                    format!(
                        "{} {}",
                        label(m),
                        format_cell(t.get(&m.name), m.value_format.as_deref())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ")
        });
        return view! {
            <table class="data pivoted">
                <thead>
                    {p.pivot_fields.iter().enumerate().map(|(level, pf)| view! {
                        <tr>
                            {(level == 0).then(|| p.row_fields.iter().map(|f| view! {
                                <th class="dimension" scope="col" rowspan=row_span.clone()>{header(f)}</th>
                            }).collect_view())}
                            {p.columns.iter().map(|c| view! {
                                <th class="pivot" scope="colgroup" colspan=n_measures.to_string()
                                    title=label(pf)>{category(c.get(level))}</th>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                    <tr>
                        {p.columns.iter().flat_map(|_| p.measures.iter()).map(|m| view! {
                            <th class="measure" scope="col">{label(m)}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {p.rows.iter().map(|(keys, cells)| view! {
                        <tr>
                            {keys.iter().zip(&p.row_fields).map(|(v, f)| view! {
                                <th scope="row" class="dimension">{format_cell(Some(v), f.value_format.as_deref())}</th>
                            }).collect_view()}
                            {cells.iter().enumerate().map(|(i, v)| {
                                let f = &p.measures[i % n_measures];
                                view! { <td class="measure">{v.as_ref().map(|v| format_cell(Some(v), f.value_format.as_deref())).unwrap_or_default()}</td> }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
                {(!p.column_totals.is_empty()).then(|| view! {
                    <tfoot><tr class="column-totals">
                        {(!p.row_fields.is_empty()).then(|| view! {
                            <th scope="row" colspan=p.row_fields.len().to_string()>"Totals"</th>
                        })}
                        {p.column_totals.iter().enumerate().map(|(i, v)| {
                            let f = &p.measures[i % n_measures];
                            view! { <td class="measure">{v.as_ref().map(|v| format_cell(Some(v), f.value_format.as_deref())).unwrap_or_default()}</td> }
                        }).collect_view()}
                    </tr></tfoot>
                })}
            </table>
            {totals.map(|t| view! { <p class="totals pivot-totals">"Total over all columns: "{t}</p> })}
        }
        .into_any();
    }
    let totals = result.totals().cloned();
    view! {
        <table class="data">
            <thead><tr>
                {result.fields.iter().map(|f| view! {
                    <th class=f.kind.as_str() scope="col">{header(f)}</th>
                }).collect_view()}
            </tr></thead>
            <tbody>
                {result.rows().iter().map(|row| view! {
                    <tr>{result.fields.iter().map(|f| {
                        let text = format_cell(row.get(&f.name), f.value_format.as_deref());
                        match drill.filter(|d| d.targets.with_value(|t| t.contains_key(&f.name))) {
                            Some(d) => {
                                let (name, row) = (f.name.clone(), row.clone());
                                let title = if f.is_measure() { "Show the rows behind this value" } else { "Drill down" };
                                view! {
                                    <td class=f.kind.as_str()><button class="drill" title=title
                                        on:click=move |_| d.on_click.run((name.clone(), row.clone()))>{text}</button></td>
                                }.into_any()
                            }
                            None => view! { <td class=f.kind.as_str()>{text}</td> }.into_any(),
                        }
                    }).collect_view()}</tr>
                }).collect_view()}
            </tbody>
            {totals.map(|t| view! {
                <tfoot><tr>{result.fields.iter().map(|f| view! {
                    <td class=f.kind.as_str()>{if f.is_measure() { format_cell(t.get(&f.name), f.value_format.as_deref()) } else { String::new() }}</td>
                }).collect_view()}</tr></tfoot>
            })}
        </table>
    }
    .into_any()
}
