//! The `frontdesk` binary's wiring: start-up, workers, demo data.

pub mod demo;
pub mod demo_sellers;
mod help;
pub mod kb_cli;
pub mod smtp;
pub mod workers;

use frontdesk_app::{App, Clock, Config};
use std::future::Future;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Runs the web server and/or the workers (per `config.role`), and the
/// SMTP listener when `mail.smtp_listen` is set, until `shutdown` resolves;
/// then stops accepting, lets in-flight requests and the current worker
/// step finish, and returns.
pub async fn run(
    app: App,
    listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let smtp = if app.config.mail.smtp_listen.is_empty() {
        None
    } else {
        let l = TcpListener::bind(&app.config.mail.smtp_listen)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen for SMTP on {}: {e}",
                    app.config.mail.smtp_listen
                )
            })?;
        tracing::info!(address = %app.config.mail.smtp_listen, "SMTP listener for inbound mail");
        Some(l)
    };
    run_with(app, listener, smtp, shutdown).await
}

/// [`run`] with the listeners already bound (tests bind port 0).
pub async fn run_with(
    app: App,
    listener: Option<TcpListener>,
    smtp: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let smtp = match smtp {
        Some(l) => {
            let config = smtp::listener_config(&app)?;
            let sink = std::sync::Arc::new(smtp::Sink(app.clone()));
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(async move {
                frontdesk_mail::listener::serve(l, config, sink, async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
            }))
        }
        None => None,
    };
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
    if let Some(smtp) = smtp {
        smtp.await??;
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

/// `frontdesk mail ingest`: one message from standard input; returns the
/// exit status a mail server's pipe understands (sysexits.h): 0 stored,
/// 75 temporary failure (retry), 65 refused for good.
pub async fn ingest_stdin(config: Config, recipient: Option<String>) -> i32 {
    const TEMPFAIL: i32 = 75;
    const DATAERR: i32 = 65;
    let limit = config.mail.max_inbound_bytes;
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let read = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut raw = Vec::new();
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut raw)
            .map(|_| raw)
    })
    .await;
    let raw = match read {
        Ok(Ok(raw)) => raw,
        Ok(Err(e)) => {
            eprintln!("error: reading the message: {e}");
            return TEMPFAIL;
        }
        Err(e) => {
            eprintln!("error: reading the message: {e}");
            return TEMPFAIL;
        }
    };
    if raw.len() > limit {
        eprintln!("error: the message is larger than {limit} bytes");
        return DATAERR;
    }
    let app = match build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e:#}");
            return TEMPFAIL;
        }
    };
    let recipients: Vec<String> = recipient.into_iter().collect();
    let status = match app
        .ingest_mail(&raw, frontdesk_app::inbound::Channel::Pipe, &recipients)
        .await
    {
        Ok(done) => {
            println!(
                "{}{}: {}",
                done.outcome.as_str(),
                done.case_id
                    .map(|c| format!(" (case #{})", c.0))
                    .unwrap_or_default(),
                done.reason
            );
            0
        }
        Err(frontdesk_app::AppError::TooLarge(m)) => {
            eprintln!("error: {m}");
            DATAERR
        }
        Err(frontdesk_app::AppError::Invalid(e)) => {
            eprintln!("error: {}", frontdesk_app::AppError::Invalid(e));
            DATAERR
        }
        Err(e) => {
            eprintln!("error: {e}; the mail server should retry");
            TEMPFAIL
        }
    };
    app.store.close().await;
    status
}
