//! Mails about a connection request (an access): the buyer's notification
//! when it works, the seller's fix link and reminders, Connectivity's
//! alert. The application writes the text; this only lays it out, escaped.

use super::view::{Paragraphs, mail_subject, paragraphs};
use super::{REPLY_ABOVE_MARKER, Rendered, pair};
use askama::Template;
use frontdesk_domain::CaseId;

/// The facts of one connection mail, kept in the outbox until delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConnectionMail {
    /// The access's Connections case, which threads the mail.
    pub case_id: CaseId,
    /// The case's subject.
    pub subject: String,
    pub heading: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
    /// A button: the fix page for sellers, the access page for buyers.
    pub action_url: Option<String>,
    pub action_label: String,
    pub portal_url: String,
    /// Whether the recipient can open the case (buyers and staff can;
    /// a seller's activation contact cannot).
    pub show_case: bool,
}

pub(crate) struct ConnectionView<'a> {
    marker: &'static str,
    reference: String,
    mail_subject: String,
    subject: &'a str,
    heading: &'a str,
    body_html: Paragraphs<'a>,
    action_url: Option<&'a str>,
    action_label: &'a str,
    portal_url: &'a str,
    show_case: bool,
}

#[derive(Template)]
#[template(path = "connection.txt")]
struct ConnectionTxt<'a> {
    v: &'a ConnectionView<'a>,
}

#[derive(Template)]
#[template(path = "connection.html")]
struct ConnectionHtml<'a> {
    v: &'a ConnectionView<'a>,
}

pub fn render_connection(m: &ConnectionMail) -> Rendered {
    let v = ConnectionView {
        marker: REPLY_ABOVE_MARKER,
        reference: m.case_id.reference(),
        mail_subject: mail_subject(m.case_id, &m.subject),
        subject: m.subject.trim(),
        heading: &m.heading,
        body_html: paragraphs(&m.body),
        action_url: m.action_url.as_deref(),
        action_label: &m.action_label,
        portal_url: &m.portal_url,
        show_case: m.show_case,
    };
    let (text, html) = pair(ConnectionTxt { v: &v }, ConnectionHtml { v: &v });
    Rendered {
        subject: v.mail_subject.clone(),
        text,
        html,
    }
}
