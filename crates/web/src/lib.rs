//! HTTP: the `/api/v1` JSON API, its OpenAPI document and the operational
//! endpoints. Handlers are thin: extract, call a use case, render.

mod api;
mod auth;
mod dto;
mod error;
mod ops;
mod pages;

pub use error::ApiError;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use frontdesk_app::App;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The whole HTTP surface for `app`.
pub fn router(app: App) -> Router {
    // Counters incremented before the first scrape must not be lost.
    ops::metrics_handle();
    let body_limit = app.config.limits.max_body_bytes;
    let api = api::routes(&app)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(error::problem_for_plain_errors));
    Router::new()
        .nest("/api/v1", api)
        .merge(ops::routes())
        .merge(pages::routes())
        .fallback(|uri: axum::http::Uri| async move {
            use axum::response::IntoResponse;
            if uri.path().starts_with("/api/") {
                ApiError::not_found("no such route").into_response()
            } else {
                pages::not_found().await.into_response()
            }
        })
        .layer(axum::middleware::from_fn(ops::record_request))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
            tracing::info_span!("http", method = %req.method(), route, user_id = tracing::field::Empty)
        }))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response_owned()))
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
        ]))
        .with_state(app)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
