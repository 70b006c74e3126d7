//! Inbound mail: a receive-only SMTP server for replies to our notices.
//!
//! It sits on the internal side, behind the MX, which terminates TLS, checks
//! senders and filters spam; so there is no STARTTLS and no AUTH here, and
//! the port must not be reachable from the internet. It never relays and
//! never sends mail: recipients outside [`ListenerConfig::domains`] are
//! refused, and every accepted message goes to a [`MailSink`], whose answer
//! becomes the reply to the final dot.
//!
//! Command lines are parsed by `smtp-proto` (Stalwart's parser), which also
//! unstuffs the DATA body; this module frames lines, keeps the transaction
//! state and enforces limits.

mod conn;
mod policy;
mod session;

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinError, JoinSet};
use tracing::Instrument;

/// Limits and names for [`serve`].
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Our name in the greeting and the EHLO reply.
    pub hostname: String,
    /// Recipient domains we accept (ASCII case-insensitive); any other
    /// recipient is refused with `550 5.7.1`, so we can never relay.
    pub domains: Vec<String>,
    /// Largest message body, after dot-unstuffing; advertised as SIZE.
    pub max_message_bytes: usize,
    /// Recipients per message; more get `452 4.5.3` (the client retries them).
    pub max_recipients: usize,
    /// How long a client may stay silent while we wait for a command.
    pub command_timeout: Duration,
    /// How long a client may stay silent while sending a message body.
    pub data_timeout: Duration,
    /// Concurrent sessions; a connection beyond them gets `421 4.3.2`.
    pub max_connections: usize,
    /// How long [`serve`] waits, after shutdown, for sessions to finish
    /// their current command before it cuts them off.
    pub shutdown_grace: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".into(),
            domains: Vec::new(),
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 50,
            command_timeout: Duration::from_secs(60),
            data_timeout: Duration::from_secs(300),
            max_connections: 100,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Who sent a message to whom, as the SMTP client said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub peer: SocketAddr,
    /// The name given in EHLO or HELO.
    pub helo: String,
    /// Empty for bounces (`MAIL FROM:<>`).
    pub mail_from: String,
    /// Accepted recipients, in the order given, without duplicates.
    pub rcpt_to: Vec<String>,
}

/// Why a [`MailSink`] did not take a message. The text goes into the SMTP
/// reply (control characters removed), so it must not leak internals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// `451 4.3.0`: the client keeps the message and tries again later.
    #[error("temporarily rejected: {0}")]
    Temporary(String),
    /// `554 5.6.0`: the client bounces the message to its sender.
    #[error("permanently rejected: {0}")]
    Permanent(String),
}

/// Where accepted messages go.
pub trait MailSink: Send + Sync + 'static {
    /// Stores one message; Ok means durably committed (the listener answers 250).
    ///
    /// Runs in its own task, so a panic here costs the client a `451`, not
    /// the session.
    fn deliver(
        &self,
        envelope: Envelope,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), Rejection>> + Send;
}

/// How long a refused connection may take to read its `421`.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// Pause after a failed accept (e.g. out of file descriptors), so the loop
/// does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts SMTP sessions on `listener` until `shutdown` resolves.
///
/// Then it stops accepting, tells idle sessions `421` and lets busy ones
/// finish their current command (a message being received is still
/// received and delivered) for up to [`ListenerConfig::shutdown_grace`],
/// after which the remaining sessions are dropped. A failing or panicking
/// session only ends itself. Fails only for an unusable configuration.
pub async fn serve<S: MailSink>(
    listener: TcpListener,
    config: ListenerConfig,
    sink: Arc<S>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    validate(&config)?;
    let config = Arc::new(config);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut sessions = JoinSet::new();
    let mut peers = HashMap::new();
    tokio::pin!(shutdown);

    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(done) = sessions.join_next_with_id(), if !sessions.is_empty() => {
                reap(&mut peers, done);
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "smtp accept failed");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                let span = tracing::info_span!("smtp", %peer);
                let handle = match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => {
                        let session = session::run(
                            stream,
                            peer,
                            Arc::clone(&config),
                            Arc::clone(&sink),
                            stop_rx.clone(),
                        );
                        sessions.spawn(
                            async move {
                                session.await;
                                drop(permit);
                            }
                            .instrument(span),
                        )
                    }
                    Err(_) => sessions.spawn(refuse(stream, config.hostname.clone()).instrument(span)),
                };
                peers.insert(handle.id(), peer);
            }
        }
    }

    drop(listener);
    stop_tx.send_replace(true);
    tracing::info!(sessions = sessions.len(), "smtp listener stopping");
    let drain = async {
        while let Some(done) = sessions.join_next_with_id().await {
            reap(&mut peers, done);
        }
    };
    if tokio::time::timeout(config.shutdown_grace, drain)
        .await
        .is_err()
    {
        tracing::warn!(
            sessions = sessions.len(),
            "smtp sessions cut off at shutdown"
        );
        sessions.shutdown().await;
    }
    Ok(())
}

/// Refuses settings that would produce broken replies or no service.
fn validate(config: &ListenerConfig) -> io::Result<()> {
    let invalid = |what: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, what.to_owned()));
    if config.hostname.is_empty() || !config.hostname.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("smtp listener hostname must be non-empty printable ASCII");
    }
    if config.max_connections == 0 || config.max_recipients == 0 || config.max_message_bytes == 0 {
        return invalid("smtp listener limits must be positive");
    }
    if config.max_connections > Semaphore::MAX_PERMITS {
        return invalid("smtp listener max_connections is too large");
    }
    Ok(())
}

/// Logs how a session task ended; a panic stays inside its task.
fn reap(
    peers: &mut HashMap<tokio::task::Id, SocketAddr>,
    done: Result<(tokio::task::Id, ()), JoinError>,
) {
    match done {
        Ok((id, ())) => {
            peers.remove(&id);
        }
        Err(error) => {
            let peer = peers.remove(&error.id());
            if error.is_panic() {
                tracing::error!(?peer, %error, "smtp session panicked");
            }
        }
    }
}

/// Answers a connection over the session limit and closes it.
async fn refuse(mut stream: TcpStream, hostname: String) {
    tracing::warn!("smtp connection refused: too many sessions");
    let reply = format!("421 4.3.2 {hostname} Too many connections, try again later\r\n");
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, async {
        stream.write_all(reply.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}
