//! Inbound mail, parsed: who wrote it, which mails it answers, what it says
//! without the quoted history, what came attached, and whether a machine
//! sent it.
//!
//! Pure and synchronous: raw RFC 5322 bytes in, a [`Parsed`] out. Deciding
//! which case a mail belongs to (with [`crate::case_from_reply_address`],
//! [`crate::case_from_message_id`] and [`crate::case_from_subject`]), who may
//! write into it and storing it are the application's job. MIME decoding is
//! done by `mail-parser`; this module chooses the text, trims replies,
//! cleans names and recognises automatic mail. Any input is accepted
//! without panicking: broken mail yields what could be recovered, or a
//! [`ParseError`].

mod auto;
mod body;
mod html;
mod names;
mod parse;
mod quote;

pub use parse::parse;
pub use quote::trim_reply;

use frontdesk_domain::EmailAddress;

/// Bounds on what one inbound mail may cost. Mail beyond them is refused
/// ([`ParseError`]) or cut ([`Limits::max_text_chars`]), never half-parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// More attachments than this (counting inline images and those of
    /// forwarded mail) refuses the mail.
    pub max_attachments: usize,
    /// A header section larger than this refuses the mail: no real client
    /// writes one, and parsing it would only cost time.
    pub max_header_bytes: usize,
    /// `text` (and so `reply`) is cut to this many characters.
    pub max_text_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_attachments: 50,
            max_header_bytes: 256 * 1024,
            max_text_chars: 200_000,
        }
    }
}

/// A display name and a valid address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: EmailAddress,
}

/// A file that came with the mail, decoded from its transfer encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundAttachment {
    /// Safe to show and to use as a download name: no directories, no
    /// control characters, at most 200 characters, never empty
    /// (`attachment-1.bin` when the mail gave none).
    pub file_name: String,
    /// `type/subtype`, lower-case, without parameters.
    pub content_type: String,
    pub data: Vec<u8>,
    /// Shown inside the text (an image in a signature or a screenshot
    /// pasted into the body) rather than attached to it.
    pub inline: bool,
    /// The `Content-ID` HTML bodies refer to (`cid:`), without brackets.
    pub content_id: Option<String>,
}

/// Why a mail was sent by a machine. Such mail never becomes a case message
/// and is never answered: answering is how mail loops start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoKind {
    /// Out-of-office and vacation notices, read receipts, other
    /// `Auto-Submitted` mail.
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// Mailing-list and bulk mail.
    Bulk,
    /// Our own mail, come back.
    Loop,
}

/// One inbound mail, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Without angle brackets, at most 998 characters; `None` when missing.
    pub message_id: Option<String>,
    /// Without angle brackets.
    pub in_reply_to: Vec<String>,
    /// Without angle brackets, oldest first as written.
    pub references: Vec<String>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Option<Mailbox>,
    /// Decoded, on one line, trimmed.
    pub subject: String,
    /// Unix milliseconds, when the mail had a readable date.
    pub date: Option<i64>,
    /// The whole body as plain text (`\n` line ends): the text part where
    /// there is one, HTML converted otherwise, forwarded mail appended.
    pub text: String,
    /// [`Parsed::text`] without quoted history and signature: what the
    /// sender wrote this time ([`trim_reply`]).
    pub reply: String,
    pub attachments: Vec<InboundAttachment>,
    /// `Some` for mail a machine sent; see [`AutoKind`].
    pub auto: Option<AutoKind>,
    /// What made it automatic, e.g. `Auto-Submitted: auto-replied`.
    pub auto_reason: Option<String>,
}

impl Parsed {
    /// Marks the mail a [`AutoKind::Loop`] when it comes from our own
    /// support address or one of its `+case-N` reply addresses. The parser
    /// cannot know that address, so the caller, who does, asks.
    pub fn mark_loop_from(&mut self, support: &EmailAddress) {
        if auto::is_own_address(&self.from.address, support) {
            self.auto = Some(AutoKind::Loop);
            self.auto_reason = Some(format!("sent from our own address {support}"));
        }
    }
}

/// Why a mail could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the mail is empty")]
    Empty,
    #[error("the mail has no usable sender address (From)")]
    NoSender,
    #[error("the mail has {0} attachments, more than allowed")]
    TooManyAttachments(usize),
    #[error("the mail's header section is larger than allowed")]
    HeadersTooLarge,
    #[error("not a mail message: {0}")]
    NotMime(String),
}
