//! The background loops: timer sweeps and mail delivery, and activation
//! runs beside them (a slow seller must not hold up mail). Every step is
//! safe to run in any number of processes at once (see the store's claims).

use frontdesk_app::App;
use std::time::Duration;
use tokio::sync::watch;

/// How often workers look for due work when nothing woke them.
const POLL: Duration = Duration::from_secs(2);

/// One pass over everything due now; what tests and the dev clock call.
pub async fn step(app: &App) -> frontdesk_app::AppResult<(usize, usize)> {
    let now = app.now();
    let timers = app.sweep_timers(now).await? + app.sweep_access_timers(now).await?;
    let (sent, _) = app.deliver_mail(now).await?;
    Ok((timers, sent))
}

/// How often the search index checks for article changes made elsewhere
/// (another replica, the `kb` command), and the timer policy re-read.
const INDEX_SYNC: Duration = Duration::from_secs(5);

/// How often expired sessions are dropped.
const HOUSEKEEPING: Duration = Duration::from_secs(600);

/// Activation runs: claims due runs while there are any, else waits for a
/// wake-up or the poll interval.
pub async fn run_activations(app: App, mut stop: watch::Receiver<bool>) {
    loop {
        let claimed = match app.run_activations().await {
            Ok(stats) => stats.claimed,
            Err(e) => {
                tracing::warn!(error = %e, "activation runner step failed; retrying");
                0
            }
        };
        if claimed > 0 {
            continue;
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            () = app.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

pub async fn run(app: App, mut stop: watch::Receiver<bool>) {
    tracing::info!("workers started");
    let activations = tokio::spawn(run_activations(app.clone(), stop.clone()));
    let mut last_housekeeping: Option<std::time::Instant> = None;
    let mut last_index_sync = std::time::Instant::now();
    loop {
        if let Err(e) = step(&app).await {
            tracing::warn!(error = %e, "worker step failed; retrying");
        }
        if last_index_sync.elapsed() >= INDEX_SYNC {
            if let Err(e) = app.sync_index().await {
                tracing::warn!(error = %e, "search index sync failed; retrying");
            }
            // A timer policy stored by an administrator on another replica.
            if let Err(e) = app.reload_policy().await {
                tracing::warn!(error = %e, "timer policy reload failed; retrying");
            }
            last_index_sync = std::time::Instant::now();
        }
        if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING) {
            match app.purge_expired_sessions().await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions dropped"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session housekeeping failed"),
            }
            last_housekeeping = Some(std::time::Instant::now());
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            () = app.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
    let _ = activations.await;
    tracing::info!("workers stopped");
}
