//! Turning a rendered mail into a MIME message (`multipart/alternative`,
//! text first, HTML second) with the headers that thread it into its case
//! and keep auto-responders from answering it.

mod headers;
mod ids;

pub use headers::{AutoResponseSuppress, AutoSubmitted};
pub use ids::{
    case_from_message_id, case_from_reply_address, new_message_id, reply_address, thread_root,
};

use frontdesk_domain::EmailAddress;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart, header};
use std::time::SystemTime;

/// The visible sender: a display name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub name: String,
    pub address: EmailAddress,
}

/// Everything that goes into one outgoing mail. Message ids are written
/// without angle brackets; [`build`] adds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: Sender,
    pub to: Vec<EmailAddress>,
    pub reply_to: Option<EmailAddress>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

/// Why a message could not be built. These are programming or data errors,
/// never worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("a mail needs at least one recipient")]
    NoRecipients,
    #[error("'{0}' cannot be used as a mail address")]
    Address(String),
    #[error("'{0}' is not a usable message id (expected local@domain, no brackets or spaces)")]
    MessageId(String),
    #[error("the message could not be assembled: {0}")]
    Build(#[from] lettre::error::Error),
}

/// Assembles the MIME message. `date` is passed in so tests and the
/// injectable clock decide it, not the wall clock.
pub fn build(mail: &OutgoingMail, date: SystemTime) -> Result<Message, MailError> {
    if mail.to.is_empty() {
        return Err(MailError::NoRecipients);
    }
    let from = Mailbox::new(Some(mail.from.name.clone()), address(&mail.from.address)?);
    let mut builder = Message::builder()
        .from(from)
        .subject(one_line(&mail.subject))
        .date(date)
        .message_id(Some(bracketed(&mail.message_id)?))
        .header(AutoSubmitted::auto_generated())
        .header(AutoResponseSuppress::all());
    for to in &mail.to {
        builder = builder.to(Mailbox::new(None, address(to)?));
    }
    if let Some(reply_to) = &mail.reply_to {
        builder = builder.reply_to(Mailbox::new(None, address(reply_to)?));
    }
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(bracketed(parent)?);
    }
    if !mail.references.is_empty() {
        let refs = mail
            .references
            .iter()
            .map(|id| bracketed(id))
            .collect::<Result<Vec<_>, _>>()?;
        // lettre keeps one header per type, so all ids travel in one value.
        builder = builder.header(header::References::from(refs.join(" ")));
    }
    let body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    Ok(builder.multipart(body)?)
}

fn address(addr: &EmailAddress) -> Result<lettre::Address, MailError> {
    addr.as_str()
        .parse()
        .map_err(|_| MailError::Address(addr.to_string()))
}

/// `<id>`, refusing anything that could break out of the header.
fn bracketed(id: &str) -> Result<String, MailError> {
    let ok = id.len() <= 250
        && id
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"".contains(c));
    if ok {
        Ok(format!("<{id}>"))
    } else {
        Err(MailError::MessageId(id.chars().take(100).collect()))
    }
}

/// Subjects are one line; a stray newline must not end the header early.
fn one_line(s: &str) -> String {
    s.split(char::is_control)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
