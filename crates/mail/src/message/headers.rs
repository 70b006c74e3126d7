//! Loop-prevention headers lettre has no type for.
//!
//! Every case mail is sent by a machine on someone's behalf, so it says so:
//! `Auto-Submitted: auto-generated` (RFC 3834) tells standards-following
//! responders (vacation notices, other ticket systems) not to answer, and
//! `X-Auto-Response-Suppress: All` asks the same of Microsoft Exchange and
//! Outlook, which ignore RFC 3834. `Precedence: bulk` is deliberately not
//! sent: it is non-standard, RFC 3834 discourages relying on it, and spam
//! filters treat it as a bulk-mail signal, which would hurt delivery of the
//! replies partners are waiting for.

use lettre::message::header::{Header, HeaderName, HeaderValue};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `Auto-Submitted` (RFC 3834 section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSubmitted(String);

impl AutoSubmitted {
    pub fn auto_generated() -> Self {
        Self("auto-generated".to_owned())
    }
}

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Auto-Response-Suppress`, Microsoft's equivalent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoResponseSuppress(String);

impl AutoResponseSuppress {
    pub fn all() -> Self {
        Self("All".to_owned())
    }
}

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}
