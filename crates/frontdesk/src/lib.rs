//! The `frontdesk` binary's wiring: start-up, workers, demo data.

pub mod demo;
mod help;
pub mod kb_cli;
pub mod workers;

use frontdesk_app::{App, Clock, Config};
use std::future::Future;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Runs the web server and/or the workers (per `config.role`) until
/// `shutdown` resolves; then stops accepting, lets in-flight requests and
/// the current worker step finish, and returns.
pub async fn run(
    app: App,
    listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = (app.config.role != "web")
        .then(|| tokio::spawn(workers::run(app.clone(), stop_rx.clone())));
    let mut web_stop = stop_rx.clone();
    let server = listener.map(|listener| {
        let app = app.clone();
        tokio::spawn(async move {
            frontdesk_web::serve(app, listener, async move {
                let _ = web_stop.wait_for(|s| *s).await;
            })
            .await
        })
    });
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight work");
    let _ = stop_tx.send(true);
    if let Some(server) = server {
        server.await??;
    }
    if let Some(worker) = worker {
        worker.await?;
    }
    app.store.close().await;
    Ok(())
}

/// Builds the app from configuration with the right clock.
pub async fn build(config: Config) -> anyhow::Result<App> {
    let clock = if config.dev_clock {
        Clock::dev()
    } else {
        Clock::system()
    };
    let app = App::build(config, clock).await?;
    app.ensure_default_teams().await?;
    Ok(app)
}
