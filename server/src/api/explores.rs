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
    /// `false` to bypass the result cache (as does `Cache-Control: no-cache`).
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
/// Answered from the result cache unless `cache=false` or `Cache-Control: no-cache` says not
/// to; `Boltic-Cache` says which.
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
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    if let Some(loaded) = state.model() {
        let model = &loaded.model;
        let access = caller.access();
        let e = model
            .explore_for(&explore, &access)
            .ok_or_else(|| unknown_explore(&explore, model, &access))?;
        if let Some((_, _, f)) = model.resolve(e, &field)
            && !f.is_dimension()
        {
            return Err(ApiError::new(
                ApiCode::NotADimension,
                format!("'{field}' is a measure; only dimensions have values to suggest"),
            )
            .at(serde_json::json!({"field": field})));
        }
    }
    let filters = match params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => Filters::List(vec![Filter::Condition(Condition {
            field: field.clone(),
            op: Op::Contains,
            values: vec![serde_json::Value::String(q.to_string())],
        })]),
        None => Filters::default(),
    };
    let query = Query {
        explore,
        fields: vec![field.clone()],
        filters,
        sorts: vec![Sort {
            field: field.clone(),
            desc: false,
        }],
        limit: Some(limit + 1),
        ..Query::default()
    };
    let use_cache = super::extract::wants_cache(&headers, params.cache);
    let answer = answer::answer(&state, &query, &caller, use_cache, None).await?;
    let cache = answer.cache.as_str();
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
    let mut response = Json(ValuesResponse {
        field,
        values,
        truncated,
    })
    .into_response();
    // whether the result cache answered, as for queries
    response
        .headers_mut()
        .insert("boltic-cache", axum::http::HeaderValue::from_static(cache));
    Ok(response)
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
