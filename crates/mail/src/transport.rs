//! Where built messages go: a local maildir (development, tests, demo
//! installations without a relay) or an SMTP relay.
//!
//! Delivery takes the outbox row's stable `key`. The maildir uses it as the
//! file name so a retried delivery replaces its earlier copy; SMTP cannot
//! take a message back, so there the outbox must only retry what failed, and
//! [`TransportError::is_permanent`] tells it when not to retry at all.

mod maildir;
mod smtp;

pub use maildir::Maildir;
pub use smtp::{Smtp, SmtpConfig, SmtpTls};

use lettre::Message;
use std::fmt;

/// The configured way out, chosen once at start-up.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per process, never moved in a loop"
)]
#[derive(Debug)]
pub enum Transport {
    Maildir(Maildir),
    Smtp(Smtp),
}

impl Transport {
    /// Hands `message` over. `key` is stable per outbox row.
    pub async fn deliver(&self, key: &str, message: &Message) -> Result<(), TransportError> {
        let result = match self {
            Self::Maildir(m) => m.deliver(key, message).await,
            Self::Smtp(s) => s.deliver(message).await,
        };
        match &result {
            Ok(()) => tracing::debug!(key, "mail delivered"),
            Err(e) => {
                tracing::debug!(key, permanent = e.is_permanent(), error = %e, "mail delivery failed")
            }
        }
        result
    }
}

/// A failed delivery, classified for the retry decision. The message is
/// built from server replies and I/O errors only, with any configured
/// password masked, so it is safe to log and to store on the outbox row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TransportError {
    permanent: bool,
    message: String,
}

impl TransportError {
    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }

    pub(crate) fn temporary(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }

    /// Retrying cannot help (e.g. the recipient was refused with a 5xx);
    /// the outbox should give up and record it.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.permanent {
            "permanent"
        } else {
            "temporary"
        };
        write!(f, "{kind} delivery failure: {}", self.message)
    }
}
