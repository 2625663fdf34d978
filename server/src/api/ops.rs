//! Operations: liveness, readiness, reloading the model and warehouse, and the metrics. (The
//! OpenAPI document is served from [`super::openapi`], next to the `ApiDoc` it renders.)

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use boltic_types::{ClusterStatus, ErrorBody, ReadyResponse, WarehouseVersion, WarehouseVersions};

use super::error::{ApiCode, ApiError};
use super::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "alive")))]
pub async fn health() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// What `ready` and `reload` answer.
async fn readiness(state: &AppState) -> ReadyResponse {
    let model = state.model();
    let engine = state.engine();
    let cluster = cluster_status(&state.config.engine).await;
    let cluster_ready = cluster
        .as_ref()
        .is_none_or(|c| c.executors.is_some_and(|n| n > 0));
    ReadyResponse {
        ready: model.is_some() && engine.is_some() && cluster_ready,
        model_generation: model.as_ref().map(|m| m.generation),
        warehouse_version: engine.map(|e| e.manifest().version.clone()),
        model_problem: state.model_problem(),
        warehouse_problem: state.warehouse_problem(),
        model_warnings: model
            .map(|m| m.warnings.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default(),
        uptime_seconds: state.uptime().as_secs(),
        cluster,
    }
}

/// How long readiness waits for the scheduler's answer.
const SCHEDULER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The cluster queries run on, as its scheduler says; none for the local engine.
async fn cluster_status(target: &crate::cluster::EngineTarget) -> Option<ClusterStatus> {
    target.scheduler()?;
    let (executors, problem) = match crate::cluster::health(target, SCHEDULER_TIMEOUT).await {
        Ok(health) if health.executors == 0 => (
            Some(0),
            Some(format!(
                "the scheduler has no executors; start one with 'boltic cluster executor \
                 --scheduler {target}'"
            )),
        ),
        Ok(health) => (Some(health.executors as u64), None),
        Err(e) => (
            None,
            Some(format!(
                "{e:#}; start it with 'boltic cluster scheduler' or check --engine"
            )),
        ),
    };
    Some(ClusterStatus {
        engine: target.to_string(),
        executors,
        problem,
    })
}

/// Readiness: a model and a warehouse version are loaded (503 otherwise), with what is
/// served and any reload problem.
#[utoipa::path(get, path = "/api/v1/ready", responses(
    (status = 200, body = ReadyResponse), (status = 503, body = ReadyResponse)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let r = readiness(&state).await;
    let status = if r.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(r)).into_response()
}

/// Reload the model files and look for a new warehouse version now. A model with errors is
/// refused (422 `model_invalid`, the errors listed) and the loaded one keeps serving.
#[utoipa::path(post, path = "/api/v1/admin/reload", responses(
    (status = 200, body = ReadyResponse), (status = 422, body = ErrorBody, description = "model_invalid")))]
pub async fn reload(State(state): State<AppState>) -> Result<Response, ApiError> {
    let model = state.reload_model();
    if let Err(e) = state.reload_warehouse().await {
        tracing::warn!(error = %e, "warehouse not reloaded");
    }
    match model {
        Ok(_) => Ok(Json(readiness(&state).await).into_response()),
        Err(problem) => Err(ApiError::new(
            ApiCode::ModelInvalid,
            format!(
                "the model has {} error(s) and was not reloaded; the previous model keeps serving",
                problem.errors.len()
            ),
        )
        .at(serde_json::json!({"errors": problem.errors}))),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (_, bytes) = state.cache.usage();
    state.metrics.cache_bytes.set(bytes as i64);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The published warehouse versions a query can be run on (`?as_of=<version>` on
/// `POST /api/v1/query` and tile runs), newest first, with their tables' row counts.
#[utoipa::path(get, path = "/api/v1/warehouse/versions", responses(
    (status = 200, body = WarehouseVersions),
    (status = 503, body = ErrorBody, description = "not_ready")))]
pub async fn warehouse_versions(State(state): State<AppState>) -> Result<Response, ApiError> {
    let current = state.engine().map(|e| e.manifest().version.clone());
    let versions = state
        .published()
        .await?
        .into_iter()
        .map(|m| WarehouseVersion {
            current: current.as_deref() == Some(m.version.as_str()),
            tables: m
                .tables
                .iter()
                .map(|(name, t)| (name.clone(), t.rows))
                .collect(),
            version: m.version,
            sequence: m.sequence,
            published_at: m.published_at,
        })
        .collect();
    Ok(Json(WarehouseVersions { versions }).into_response())
}
