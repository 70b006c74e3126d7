//! The values templates see, computed once per mail so templates stay free
//! of logic beyond "if present" and "which status".

use super::{MailContext, REPLY_ABOVE_MARKER, subject_tag};
use frontdesk_domain::CaseId;
use frontdesk_domain::cases::{CaseStatus, Notice};

/// Lines grouped into paragraphs (split at blank lines), so HTML templates
/// can emit `<p>` and `<br>` themselves while askama escapes every line.
pub(crate) type Paragraphs<'a> = Vec<Vec<&'a str>>;

pub(crate) struct View<'a> {
    pub marker: &'static str,
    pub reference: String,
    pub mail_subject: String,
    pub subject: &'a str,
    pub category: &'static str,
    pub description: &'a str,
    pub description_html: Paragraphs<'a>,
    pub body: Option<&'a str>,
    pub body_html: Paragraphs<'a>,
    pub author: Option<&'a str>,
    pub portal_url: &'a str,
    pub reopened_from: Option<String>,
    pub status: Option<CaseStatus>,
    pub status_label: &'static str,
    pub status_meaning: &'static str,
    pub reminder: u8,
    /// The case is closed after this mail: replies are no longer added.
    pub closed: bool,
    pub resolution_days: i64,
    pub feedback_close_days: i64,
}

impl<'a> View<'a> {
    pub(crate) fn new(notice: Notice, ctx: &'a MailContext) -> Self {
        let status = match notice {
            Notice::StatusChanged(s) => Some(s),
            _ => None,
        };
        let body = ctx.body.as_deref().map(str::trim).filter(|b| !b.is_empty());
        Self {
            marker: REPLY_ABOVE_MARKER,
            reference: ctx.case_id.reference(),
            mail_subject: mail_subject(ctx.case_id, &ctx.subject),
            subject: ctx.subject.trim(),
            category: ctx.category.label(),
            description: ctx.description.trim(),
            description_html: paragraphs(&ctx.description),
            body,
            body_html: body.map(paragraphs).unwrap_or_default(),
            author: ctx
                .author
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty()),
            portal_url: &ctx.portal_url,
            reopened_from: ctx.reopened_from.map(CaseId::reference),
            status,
            status_label: status.map_or("", CaseStatus::label),
            status_meaning: status.map_or("", CaseStatus::meaning),
            reminder: match notice {
                Notice::Reminder(n) => n,
                _ => 0,
            },
            closed: matches!(
                notice,
                Notice::ClosedNoFeedback
                    | Notice::ClosedAfterResolution
                    | Notice::ClosedByPartner
                    | Notice::StatusChanged(CaseStatus::Closed)
            ),
            resolution_days: ctx.resolution_days,
            feedback_close_days: ctx.feedback_close_days,
        }
    }

    pub(crate) fn closed_case_reply(
        case_id: CaseId,
        subject: &'a str,
        portal_url: &'a str,
    ) -> Self {
        Self {
            marker: REPLY_ABOVE_MARKER,
            reference: case_id.reference(),
            mail_subject: mail_subject(case_id, subject),
            subject: subject.trim(),
            category: "",
            description: "",
            description_html: Vec::new(),
            body: None,
            body_html: Vec::new(),
            author: None,
            portal_url,
            reopened_from: None,
            status: Some(CaseStatus::Closed),
            status_label: CaseStatus::Closed.label(),
            status_meaning: CaseStatus::Closed.meaning(),
            reminder: 0,
            closed: true,
            resolution_days: 0,
            feedback_close_days: 0,
        }
    }

    /// For templates: is this a status change to `Resolved`? (and friends)
    pub(crate) fn is_status(&self, name: &str) -> bool {
        self.status.is_some_and(|s| s.as_str() == name)
    }
}

/// `[Case #1234] subject` on one line; an inbound subject that already
/// carries the tag (`Re: [Case #1234] ...`) is not tagged twice.
/// The subject of every mail of a case: the `[Case #N]` tag and the case
/// subject, control characters removed, never tagged twice.
pub fn mail_subject(case_id: CaseId, subject: &str) -> String {
    let tag = subject_tag(case_id);
    let clean = subject
        .split(char::is_control)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>();
    let clean = clean.join(" ");
    let clean = clean.trim();
    if clean
        .to_ascii_lowercase()
        .contains(&tag.to_ascii_lowercase())
    {
        clean.to_owned()
    } else if clean.is_empty() {
        tag
    } else {
        format!("{tag} {clean}")
    }
}

pub(crate) fn paragraphs(text: &str) -> Paragraphs<'_> {
    let mut out: Paragraphs<'_> = Vec::new();
    let mut current = Vec::new();
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
