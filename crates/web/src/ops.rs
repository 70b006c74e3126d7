//! Liveness, readiness and Prometheus metrics.

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use frontdesk_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(render_metrics))
}

async fn ready(State(app): State<App>) -> impl IntoResponse {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// The process-wide recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests); then ours stays local.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

async fn render_metrics(State(app): State<App>) -> impl IntoResponse {
    if let Ok(n) = app.store.pending_mail_count().await {
        metrics::gauge!("frontdesk_outbox_pending").set(n as f64);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        metrics_handle().render(),
    )
}

/// Counts requests and their latency per route and status class.
pub async fn record_request(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("frontdesk_http_requests_total", &labels).increment(1);
    metrics::histogram!("frontdesk_http_request_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
