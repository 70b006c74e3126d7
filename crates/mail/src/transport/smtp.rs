//! Delivery through an SMTP relay with lettre's async client.
//!
//! Each delivery opens its own connection (no pool), bounded by the
//! configured timeout, so a stuck relay delays one outbox row, not the
//! process.

use super::TransportError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text; only for a relay on the same host or a test server.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte ("implicit TLS", port 465).
    Tls,
}

/// Relay settings, as read from configuration. `Debug` masks the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Bound on connecting and on each command, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// A configured relay. `Debug` shows where it points, never the secret.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    config: SmtpConfig,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    /// Prepares the client; connects only when delivering. Fails (as a
    /// permanent error) when the host is not usable as a TLS server name.
    pub fn new(config: SmtpConfig) -> Result<Self, TransportError> {
        let bad_config = |e: lettre::transport::smtp::Error| {
            TransportError::permanent(format!("invalid SMTP configuration: {e}"))
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => {
                Tls::Required(TlsParameters::new(config.host.clone()).map_err(bad_config)?)
            }
            SmtpTls::Tls => {
                Tls::Wrapper(TlsParameters::new(config.host.clone()).map_err(bad_config)?)
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        if let Some(user) = &config.username {
            let secret = config.password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), secret));
        }
        Ok(Self {
            transport: builder.build(),
            config,
        })
    }

    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    pub async fn deliver(&self, message: &Message) -> Result<(), TransportError> {
        self.transport
            .send_raw(message.envelope(), &message.formatted())
            .await
            .map(drop)
            .map_err(|e| classify(&e, self.config.password.as_deref()))
    }
}

/// 5xx replies are permanent, except the authentication ones (530, 534,
/// 535, 538): those mean our configuration is wrong, and every mail should
/// go out once it is fixed. Network, TLS and timeout failures and 4xx
/// replies are temporary.
fn classify(err: &lettre::transport::smtp::Error, password: Option<&str>) -> TransportError {
    let mut message = err.to_string();
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        message = message.replace(p, "***");
    }
    let auth_problem = err
        .status()
        .is_some_and(|c| matches!(u16::from(c), 530 | 534 | 535 | 538));
    if err.is_permanent() && !auth_problem {
        TransportError::permanent(message)
    } else {
        TransportError::temporary(message)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
