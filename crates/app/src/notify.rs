//! Turns the lifecycle's `Notify` effects into outbox rows: who receives
//! which notice, rendered from the mail templates, threaded per case.

use crate::App;
use frontdesk_domain::cases::Notice;
use frontdesk_domain::{CaseId, EmailAddress};
use frontdesk_mail::{MailContext, mail_subject, new_message_id, thread_root};
use frontdesk_store::cases::CaseRecord;
use frontdesk_store::outbox::NewMail;

/// The people and text around one notice.
#[derive(Debug, Clone, Default)]
pub(crate) struct NoticeInput {
    /// Reply text, status message or solution.
    pub body: Option<String>,
    /// Display name of who wrote `body`.
    pub author: Option<String>,
    /// Address of who acted, left out of copies of their own message.
    pub author_email: Option<String>,
    /// The participant a `ParticipantAdded` notice is for.
    pub new_participant: Option<String>,
}

/// The notice an outbox row carries, from its `kind`.
pub(crate) fn parse_notice_kind(kind: &str) -> Option<Notice> {
    use frontdesk_domain::cases::CaseStatus;
    Some(match kind {
        "received" => Notice::Received,
        "reopened" => Notice::Reopened,
        "staff_reply" => Notice::StaffReply,
        "partner_reply" => Notice::PartnerReply,
        "participant_added" => Notice::ParticipantAdded,
        "reminder_1" => Notice::Reminder(1),
        "reminder_2" => Notice::Reminder(2),
        "closed_no_feedback" => Notice::ClosedNoFeedback,
        "closed_after_resolution" => Notice::ClosedAfterResolution,
        "closed_by_partner" => Notice::ClosedByPartner,
        other => Notice::StatusChanged(CaseStatus::parse(other.strip_prefix("status_")?)?),
    })
}

pub(crate) fn notice_kind(n: Notice) -> String {
    match n {
        Notice::Received => "received".into(),
        Notice::Reopened => "reopened".into(),
        Notice::StaffReply => "staff_reply".into(),
        Notice::PartnerReply => "partner_reply".into(),
        Notice::ParticipantAdded => "participant_added".into(),
        Notice::StatusChanged(s) => format!("status_{}", s.as_str()),
        Notice::Reminder(n) => format!("reminder_{n}"),
        Notice::ClosedNoFeedback => "closed_no_feedback".into(),
        Notice::ClosedAfterResolution => "closed_after_resolution".into(),
        Notice::ClosedByPartner => "closed_by_partner".into(),
    }
}

impl App {
    fn mail_domain(&self) -> String {
        self.config
            .support_address()
            .map(|a| a.domain().to_owned())
            .unwrap_or_else(|_| "frontdesk.localhost".into())
    }

    /// The mail for `notice` about `case`, or `None` when nobody is to get it.
    pub(crate) fn notice_mail(
        &self,
        case: &CaseRecord,
        participants: &[String],
        notice: Notice,
        input: &NoticeInput,
    ) -> Option<NewMail> {
        let recipients: Vec<String> = match notice {
            Notice::ParticipantAdded => input.new_participant.iter().cloned().collect(),
            _ => {
                let mut all = vec![case.requester_email.clone()];
                all.extend(participants.iter().cloned());
                all.sort();
                all.dedup();
                if notice == Notice::PartnerReply {
                    all.retain(|r| Some(r) != input.author_email.as_ref());
                }
                all
            }
        };
        let recipients: Vec<String> = recipients
            .into_iter()
            .filter(|r| EmailAddress::parse(r).is_ok())
            .collect();
        if recipients.is_empty() {
            return None;
        }
        let ctx = MailContext {
            case_id: case.id,
            subject: case.subject.clone(),
            category: case.category,
            // Only the notices that quote the description carry it.
            description: if matches!(
                notice,
                Notice::Received | Notice::Reopened | Notice::ParticipantAdded
            ) {
                case.description.clone()
            } else {
                String::new()
            },
            body: input.body.clone(),
            author: input.author.clone(),
            portal_url: self.config.case_url(case.id),
            reopened_from: case.reopened_from,
            resolution_days: self.policy().resolved_close.as_seconds() / 86_400,
            feedback_close_days: self.policy().feedback_close.as_seconds() / 86_400,
        };
        let subject = mail_subject(case.id, &case.subject);
        let context = serde_json::to_string(&ctx).unwrap_or_default();
        let domain = self.mail_domain();
        Some(NewMail {
            case_id: Some(case.id),
            kind: notice_kind(notice),
            recipients,
            subject,
            context,
            message_id: new_message_id(case.id, &domain),
            in_reply_to: Some(thread_root(case.id, &domain)),
            references: thread_references(case, &domain),
        })
    }
}

/// A case's own thread root, preceded by the root of the case it reopens.
fn thread_references(case: &CaseRecord, domain: &str) -> Vec<String> {
    let mut refs: Vec<String> = case
        .reopened_from
        .iter()
        .map(|c: &CaseId| thread_root(*c, domain))
        .collect();
    refs.push(thread_root(case.id, domain));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::cases::CaseStatus;

    #[test]
    fn every_notice_kind_reads_back() {
        let mut all = vec![
            Notice::Received,
            Notice::Reopened,
            Notice::StaffReply,
            Notice::PartnerReply,
            Notice::ParticipantAdded,
            Notice::Reminder(1),
            Notice::Reminder(2),
            Notice::ClosedNoFeedback,
            Notice::ClosedAfterResolution,
            Notice::ClosedByPartner,
        ];
        all.extend(CaseStatus::ALL.map(Notice::StatusChanged));
        for n in all {
            assert_eq!(parse_notice_kind(&notice_kind(n)), Some(n), "{n:?}");
        }
        assert_eq!(parse_notice_kind("status_bogus"), None);
        assert_eq!(parse_notice_kind("reminder_3"), None);
    }
}
