//! Outbound case mail: what a notice says ([`render`]), how it becomes a
//! MIME message with threading and loop-prevention headers ([`message`]),
//! and how it leaves the process ([`transport`]).
//!
//! The crate knows nothing about the database or the outbox: the application
//! decides who gets which notice, renders and builds the message, stores it,
//! and hands it to a [`Transport`] with the outbox row's key, so a retried
//! delivery can be recognised.

pub mod inbound;
pub mod listener;
pub mod message;
pub mod render;
pub mod transport;

pub use message::{
    MailError, OutgoingMail, Sender, build, case_from_message_id, case_from_reply_address,
    new_message_id, reply_address, thread_root,
};
pub use render::{
    ConnectionMail, MailContext, REPLY_ABOVE_MARKER, Rendered, case_from_subject, mail_subject,
    render, render_closed_case_reply, render_connection, subject_tag,
};
pub use transport::{Maildir, Smtp, SmtpConfig, SmtpTls, Transport, TransportError};
