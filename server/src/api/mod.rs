//! `boltic serve`: the JSON query API over the semantic model, run by DataFusion on the
//! published warehouse. See `docs/api.md` for the endpoints and error codes.
//!
//! This file puts the router together (routes, layers, fallbacks) and runs the server. The
//! handlers live by resource: [`explores`], [`queries`], [`dashboards`], [`shares`], [`ops`],
//! [`openapi`], and the pages in [`web`]. Who asks is decided once per request in [`caller`];
//! one query's path (compile, cache, run) is [`answer`].

pub mod answer;
pub mod cache;
pub mod caller;
pub mod config;
pub mod dashboards;
pub mod encode;
pub mod error;
pub mod explores;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod permissions;
pub mod queries;
pub mod safety;
pub mod shares;
pub mod state;
pub mod web;

use std::future::Future;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use config::{ServeConfig, ServeSettings};
pub use error::{ApiCode, ApiError};
pub use state::AppState;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    // Query routes share the query slots; when all are busy a request is refused at once
    // (429 `overloaded`) instead of queueing without bound.
    let limited = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::overloaded()
        }))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(
            state.query_slots.clone(),
        ));
    let queries = Router::new()
        .route("/api/v1/query", post(queries::run_query))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
            post(dashboards::tile_query),
        )
        .route(
            "/api/v1/explores/{explore}/fields/{field}/values",
            get(explores::field_values),
        )
        .route_layer(limited);
    Router::new()
        .route("/api/v1/explores", get(explores::list_explores))
        .route(
            "/api/v1/explores/{explore}",
            get(explores::describe_explore),
        )
        .route("/api/v1/sql", post(queries::compile_sql))
        .route("/api/v1/health", get(ops::health))
        .route("/api/v1/ready", get(ops::ready))
        .route("/api/v1/admin/reload", post(ops::reload))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route("/metrics", get(ops::metrics))
        .route(
            "/api/v1/dashboards",
            get(dashboards::list).post(dashboards::create),
        )
        .route(
            "/api/v1/dashboards/{dashboard}",
            get(dashboards::get)
                .put(dashboards::update)
                .delete(dashboards::delete),
        )
        .route("/api/v1/share", get(shares::shared))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles",
            post(dashboards::add_tile),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares",
            get(shares::list_shares).post(shares::create_share),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares/{id}",
            axum::routing::delete(shares::revoke_share),
        )
        .merge(queries)
        // what the caller's role may do, per route (after `identify`, below)
        .route_layer(axum::middleware::from_fn(permissions::authorize))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // who asks: share-link visitors are confined to their dashboard
        .layer(axum::middleware::from_fn_with_state(
            state.store.clone(),
            caller::identify,
        ))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            count_errors,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a request handler panicked");
                ApiError::internal("answering the request").into_response()
            },
        ))
        .with_state(state.clone())
        .merge(web::web_app(&state))
        // before anything answers: the Host, cross-site and JSON-only checks, security headers
        .layer(axum::middleware::from_fn_with_state(
            safety::AllowedHosts::new(state.config.public_url.as_ref()),
            safety::guard,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// The span of a request in the logs; a share link's token is never written there.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/s/") {
        "/s/<token>"
    } else {
        path
    };
    tracing::debug_span!("request", method = %req.method(), path)
}

async fn not_found() -> ApiError {
    ApiError::new(ApiCode::NotFound, "there is no such endpoint")
        .hint("the endpoints are listed in /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ApiCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

async fn count_errors(State(state): State<AppState>, response: Response) -> Response {
    if let Some(code) = response.extensions().get::<error::ErrorCode>() {
        state.metrics.error(code.0.as_str());
    }
    response
}

/// Serve on `listener` until `shutdown` resolves; running requests are finished first.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = {
        let mut rx = stop_rx.clone();
        tokio::spawn(state.clone().watch(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    };
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing running requests");
            let _ = stop_tx.send(true);
        })
        .await?;
    let _ = watcher.await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
