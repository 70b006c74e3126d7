//! What each case notice says, as a text part and an HTML part.
//!
//! Templates live in `crates/mail/templates/` as pairs (`x.txt`, `x.html`)
//! sharing a layout per format, compiled by askama. HTML templates escape
//! every value, so partner-typed subjects, descriptions and messages can
//! never inject markup. Subjects are built here, not in templates, and stay
//! the same for every mail of a case (`[Case #1234] <subject>`) so mail
//! clients that thread by subject keep one conversation per case.

mod connection;
mod templates;
mod view;

pub use connection::{ConnectionMail, render_connection};

use askama::Template;
use frontdesk_domain::CaseId;
use frontdesk_domain::cases::{Category, Notice};
use templates::*;
use view::View;
pub use view::mail_subject;

/// Put at the top of every mail; inbound processing may cut a reply at this
/// line to drop the quoted notice.
pub const REPLY_ABOVE_MARKER: &str = "##- Please type your reply above this line -##";

/// The case facts a notice may mention. Which fields a notice uses depends on
/// the notice; unused ones are simply ignored. Serializable, so the outbox
/// can keep the facts and render at delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailContext {
    pub case_id: CaseId,
    pub subject: String,
    pub category: Category,
    pub description: String,
    /// The reply text, the status message, or the solution for Resolved.
    pub body: Option<String>,
    /// Display name of whoever wrote `body` (or added the participant,
    /// or closed the case).
    pub author: Option<String>,
    /// Link to the case page, e.g. `http://127.0.0.1:8080/cases/1234`.
    pub portal_url: String,
    /// For [`Notice::Reopened`]: the closed case this one continues.
    pub reopened_from: Option<CaseId>,
    /// Days a partner has to answer a resolution before the case closes.
    pub resolution_days: i64,
    /// Days after the feedback request at which an unanswered case closes.
    pub feedback_close_days: i64,
}

/// A rendered mail, ready for [`crate::message::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `[Case #1234]`, the tag every case mail's subject starts with.
pub fn subject_tag(case_id: CaseId) -> String {
    format!("[Case {}]", case_id.reference())
}

/// The case named by the first `[Case #N]` tag in a subject, wherever it
/// stands (`Re: Fwd: [Case #12] ...`), case-insensitively.
pub fn case_from_subject(subject: &str) -> Option<CaseId> {
    let lower = subject.to_ascii_lowercase();
    lower.match_indices("[case #").find_map(|(at, tag)| {
        let rest = &lower[at + tag.len()..];
        let digits = &rest[..rest.find(']')?];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|n| *n > 0).map(CaseId)
    })
}

/// Renders the mail for `notice` about the case in `ctx`.
pub fn render(notice: Notice, ctx: &MailContext) -> Rendered {
    let v = View::new(notice, ctx);
    let v = &v;
    let (text, html) = match notice {
        Notice::Received => pair(ReceivedTxt { v }, ReceivedHtml { v }),
        Notice::Reopened => pair(ReopenedTxt { v }, ReopenedHtml { v }),
        Notice::StaffReply => pair(StaffReplyTxt { v }, StaffReplyHtml { v }),
        Notice::PartnerReply => pair(PartnerReplyTxt { v }, PartnerReplyHtml { v }),
        Notice::ParticipantAdded => pair(ParticipantAddedTxt { v }, ParticipantAddedHtml { v }),
        Notice::StatusChanged(_) => pair(StatusChangedTxt { v }, StatusChangedHtml { v }),
        Notice::Reminder(_) => pair(ReminderTxt { v }, ReminderHtml { v }),
        Notice::ClosedNoFeedback => pair(ClosedNoFeedbackTxt { v }, ClosedNoFeedbackHtml { v }),
        Notice::ClosedAfterResolution => pair(
            ClosedAfterResolutionTxt { v },
            ClosedAfterResolutionHtml { v },
        ),
        Notice::ClosedByPartner => pair(ClosedByPartnerTxt { v }, ClosedByPartnerHtml { v }),
    };
    Rendered {
        subject: v.mail_subject.clone(),
        text,
        html,
    }
}

/// The short answer to a mail sent into a Closed case: it was not added,
/// and "Reopen case" on the case page starts a new, linked case.
pub fn render_closed_case_reply(case_id: CaseId, subject: &str, portal_url: &str) -> Rendered {
    let v = View::closed_case_reply(case_id, subject, portal_url);
    let v = &v;
    let (text, html) = pair(ClosedCaseReplyTxt { v }, ClosedCaseReplyHtml { v });
    Rendered {
        subject: v.mail_subject.clone(),
        text,
        html,
    }
}

fn pair(text: impl Template, html: impl Template) -> (String, String) {
    (tidy_text(&render_or_log(&text)), render_or_log(&html))
}

/// Rendering only formats strings and integers, so it cannot fail in
/// practice; should it ever, the mail still goes out rather than the outbox
/// row being stuck, and the error is logged.
fn render_or_log(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "mail template failed to render");
        String::new()
    })
}

/// Text templates are written for readability, not whitespace precision:
/// drop trailing spaces, squeeze blank-line runs to one, end with a newline.
fn tidy_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank_run = 0;
    for line in raw.trim().lines() {
        let line = line.trim_end();
        blank_run = if line.is_empty() { blank_run + 1 } else { 0 };
        if blank_run <= 1 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
