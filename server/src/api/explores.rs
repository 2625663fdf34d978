//! The explores: listing them, describing one's fields, and a dimension's distinct values
//! (for filter suggestions).

use axum::Json;
use axum::extract::{Extension, Path, Query as UrlQuery, State};
use axum::response::{IntoResponse, Response};
use boltic_semantic::{Access, Condition, Filter, Filters, Op, Query, Sort};
use boltic_types::{
    ErrorBody, ExploreDescription, ExploreSummary, FieldInfo, FieldKind, ValuesResponse,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::answer;
use super::caller::Caller;
use super::error::{ApiCode, ApiError};
use super::state::AppState;

/// Options of a field-values request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesParams {
    /// Only values containing this text.
    q: Option<String>,
    /// Most values to return (default 100, at most 1000).
    limit: Option<u64>,
    /// `false` to bypass the result cache (as does `Cache-Control: no-cache`); a text field's
    /// values come from the suggestion index either way.
    cache: Option<bool>,
}

/// List the explores.
#[utoipa::path(get, path = "/api/v1/explores", responses(
    (status = 200, body = Vec<ExploreSummary>),
    (status = 503, body = ErrorBody, description = "no model loaded")))]
pub async fn list_explores(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let loaded = state
        .model()
        .ok_or_else(|| ApiError::not_ready("semantic model", "fix the model; see /api/v1/ready"))?;
    let access = caller.access();
    let list: Vec<ExploreSummary> = loaded
        .model
        .explores_for(&access)
        .map(|e| ExploreSummary {
            name: e.name.clone(),
            label: e.label.clone().unwrap_or_else(|| title(&e.name)),
            description: e.description.clone(),
            view: e.view.clone(),
        })
        .collect();
    Ok(Json(list).into_response())
}

/// Describe one explore: its fields.
#[utoipa::path(get, path = "/api/v1/explores/{explore}", params(("explore" = String, Path)), responses(
    (status = 200, body = ExploreDescription),
    (status = 404, body = ErrorBody, description = "unknown_explore")))]
pub async fn describe_explore(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let loaded = state
        .model()
        .ok_or_else(|| ApiError::not_ready("semantic model", "fix the model; see /api/v1/ready"))?;
    let model = &loaded.model;
    let access = caller.access();
    let explore = model
        .explore_for(&name, &access)
        .ok_or_else(|| unknown_explore(&name, model, &access))?;
    let mut fields = Vec::new();
    for alias in explore.aliases() {
        let Some(view) = explore.view_of(alias).and_then(|v| model.views.get(v)) else {
            continue;
        };
        for f in view.fields.values() {
            if !explore.allows(alias, &f.name) || !model.allows_field(f, &access) {
                continue;
            }
            fields.push(FieldInfo {
                name: format!("{alias}.{}", f.name),
                view: alias.to_string(),
                kind: if f.is_dimension() {
                    FieldKind::Dimension
                } else {
                    FieldKind::Measure
                },
                ty: f.type_name().to_string(),
                label: f.label.clone().unwrap_or_else(|| title(&f.name)),
                description: f.description.clone(),
                group: f.group_label.clone(),
                hidden: f.hidden,
                value_format: f.value_format.clone(),
                drill_fields: boltic_semantic::drill_targets(
                    model, explore, alias, &f.name, &access,
                ),
            });
        }
    }
    fields.sort_by_key(|f| !f.is_dimension());
    Ok(Json(ExploreDescription {
        name: explore.name.clone(),
        label: explore
            .label
            .clone()
            .unwrap_or_else(|| title(&explore.name)),
        description: explore.description.clone(),
        fields,
        always_filters: explore
            .always_filter
            .iter()
            .map(|(field, value)| boltic_types::FixedFilter {
                field: field.clone(),
                value: value.clone(),
            })
            .collect(),
        restricted: explore.sql_always_where.is_some(),
        timezone: model.timezone.clone(),
    })
    .into_response())
}

/// 404 for an explore that does not exist for the caller; the hint lists only those it may see.
fn unknown_explore(name: &str, model: &boltic_semantic::Model, access: &Access) -> ApiError {
    let names: Vec<&str> = model
        .explores_for(access)
        .map(|e| e.name.as_str())
        .collect();
    ApiError::new(
        ApiCode::UnknownExplore,
        format!("there is no explore '{name}'"),
    )
    .hint(format!("explores are: {}", names.join(", ")))
}

/// Distinct values of a dimension, for filter suggestions.
///
/// A text dimension's values are searched in its list of distinct values, read once per
/// warehouse version and per what the caller may see (the suggestion index: `Boltic-Cache`
/// says `hit` when the list was there, `miss` when it was read now), so each keystroke of a
/// search does not scan the table. The list is read by a request without `q`, or in the
/// background after the first search, which is answered like a query; a search while the list
/// is read waits for it rather than scanning the same rows beside it. Other dimensions, and
/// text dimensions with more values than the index keeps, are answered by a query like any
/// other: from the result cache unless `cache=false` or `Cache-Control: no-cache` says not to
/// (`bypass`).
#[utoipa::path(get, path = "/api/v1/explores/{explore}/fields/{field}/values",
    params(("explore" = String, Path), ("field" = String, Path, description = "view.field"), ValuesParams),
    responses((status = 200, body = ValuesResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn field_values(
    State(state): State<AppState>,
    Path((explore, field)): Path<(String, String)>,
    UrlQuery(params): UrlQuery<ValuesParams>,
    headers: axum::http::HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let started = std::time::Instant::now();
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let mut text = false;
    if let Some(loaded) = state.model() {
        let model = &loaded.model;
        let access = caller.access();
        let e = model
            .explore_for(&explore, &access)
            .ok_or_else(|| unknown_explore(&explore, model, &access))?;
        if let Some((_, _, f)) = model.resolve(e, &field) {
            match &f.kind {
                boltic_semantic::FieldKind::Measure(_) => {
                    return Err(ApiError::new(
                        ApiCode::NotADimension,
                        format!("'{field}' is a measure; only dimensions have values to suggest"),
                    )
                    .at(serde_json::json!({"field": field})));
                }
                // plain text: a tier or a month name is searched with SQL, as it is filtered
                boltic_semantic::FieldKind::Dimension(d) => {
                    text = d.ty == boltic_semantic::DimensionType::String && d.timeframe.is_none();
                }
            }
        }
    }
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let filters = match q {
        Some(q) => Filters::List(vec![Filter::Condition(Condition {
            field: field.clone(),
            op: Op::Contains,
            values: vec![serde_json::Value::String(q.to_string())],
        })]),
        None => Filters::default(),
    };
    let sorts = vec![Sort {
        field: field.clone(),
        desc: false,
    }];
    let query = Query {
        explore,
        fields: vec![field.clone()],
        filters,
        sorts,
        limit: Some(limit + 1),
        ..Query::default()
    };
    let keep = SUGGESTED_VALUES.min(state.config.max_rows.saturating_sub(1));
    let mut read_later = None;
    if text && keep > 0 && state.config.cache_bytes > 0 {
        let list_query = Query {
            filters: Filters::default(),
            limit: Some(keep + 1),
            ..query.clone()
        };
        // without a search (a filter editor opening) the list is read now, at the cost of the
        // same query without the index; the first search of a field not yet read is answered
        // with SQL, and the list is read after it for the searches that follow (which wait
        // for it while it is read)
        let read = match q {
            None => answer::ReadValues::Now,
            Some(_) => answer::ReadValues::Never,
        };
        let found = answer::value_list(&state, &list_query, &caller, read).await;
        match found {
            Ok(Some((list, status))) if list.complete => {
                // LIKE '%q%' with q escaped: a case-sensitive substring, never NULL
                let mut values: Vec<serde_json::Value> = list
                    .values
                    .iter()
                    .filter(|v| match (q, v) {
                        (None, _) => true,
                        (Some(q), Some(v)) => v.contains(q),
                        (Some(_), None) => false,
                    })
                    .take(limit as usize + 1)
                    .map(|v| v.clone().map_or(serde_json::Value::Null, Into::into))
                    .collect();
                let truncated = values.len() as u64 > limit;
                values.truncate(limit as usize);
                answer::note(
                    &state,
                    &caller,
                    &query,
                    Some(values.len()),
                    None,
                    started,
                    status.as_str(),
                );
                return Ok(values_response(field, values, truncated, status.as_str()));
            }
            Ok(Some(_)) => {}
            Ok(None) => read_later = Some(list_query),
            Err(e) => {
                answer::note(
                    &state,
                    &caller,
                    &query,
                    None,
                    None,
                    started,
                    e.code().as_str(),
                );
                return Err(e);
            }
        }
    }
    let use_cache = super::extract::wants_cache(&headers, params.cache);
    let answer = answer::answer(&state, &query, &caller, use_cache, None).await?;
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(answer.result.rows_json.get()).map_err(|e| {
            tracing::error!(error = %e, "cannot read back result rows");
            ApiError::internal("reading values")
        })?;
    let mut values: Vec<serde_json::Value> = rows
        .into_iter()
        .filter_map(|mut r| r.remove(&field))
        .collect();
    let truncated = values.len() as u64 > limit;
    values.truncate(limit as usize);
    if let Some(list_query) = read_later {
        // the answer is ready; errors reading the list show in the next request
        let _ = answer::value_list(&state, &list_query, &caller, answer::ReadValues::Later).await;
    }
    Ok(values_response(
        field,
        values,
        truncated,
        answer.cache.as_str(),
    ))
}

/// Distinct values the suggestion index keeps of one text dimension (for what one caller may
/// see); a field with more is searched with SQL.
const SUGGESTED_VALUES: u64 = 10_000;

fn values_response(
    field: String,
    values: Vec<serde_json::Value>,
    truncated: bool,
    cache: &'static str,
) -> Response {
    let mut response = Json(ValuesResponse {
        field,
        values,
        truncated,
    })
    .into_response();
    // whether the result cache (or the suggestion index) answered, as for queries
    response
        .headers_mut()
        .insert("boltic-cache", axum::http::HeaderValue::from_static(cache));
    response
}

/// `customer_group` → `Customer Group`.
pub(super) fn title(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
