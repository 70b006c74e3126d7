//! The JSON shapes of the API, documented in the OpenAPI document.

use frontdesk_app::cases::{CaseDetail, HistoryCase};
use frontdesk_domain::Timestamp;
use frontdesk_store::cases::{CaseRecord, CaseSummary};
use frontdesk_store::messages::{AttachmentRecord, MessageRecord};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// RFC 3339 in UTC.
pub fn rfc3339(t: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0) * 1_000_000)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `buyer`, `seller`, or both.
    pub profiles: Vec<String>,
    /// `member` or `admin`.
    pub role: String,
    pub commercial_contract: bool,
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    /// Staff team slugs (empty for partners).
    pub teams: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub organizations: Vec<OrgView>,
    pub current_organization: Option<OrgView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// `customer_care`, `connections` or `billing`.
    pub category: String,
    pub subject: String,
    pub description: String,
    #[serde(default)]
    pub participants: Vec<String>,
    /// The AIna session this case comes from (after "No, I still need
    /// help"): the case then carries AIna's answer as an internal note.
    #[serde(default)]
    pub assistant_session_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    pub body: String,
    /// Internal note, visible to staff only.
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantBody {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `in_progress`, `feedback_required`, `resolved` or `closed`.
    pub status: String,
    /// Posted publicly with the change; the solution when resolving.
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A staff member's user id, or null to unassign.
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// A team slug, e.g. a product team.
    pub team: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    pub advance_seconds: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub now: String,
    pub timers_applied: usize,
    pub mails_sent: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseListItem {
    pub id: i64,
    /// `#1234`
    pub reference: String,
    pub subject: String,
    pub category: String,
    pub status: String,
    pub status_label: String,
    pub requester_name: String,
    /// Staff only: the team the case is with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Staff only: who works the case, when somebody does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl CaseListItem {
    pub fn from(c: &CaseSummary, staff: bool) -> Self {
        Self {
            id: c.id.0,
            reference: c.id.reference(),
            subject: c.subject.clone(),
            category: c.category.as_str().into(),
            status: c.status.as_str().into(),
            status_label: crate::pages::view::case_status_label(
                c.status,
                c.connection_status.as_deref(),
            )
            .into(),
            requester_name: c.requester_name.clone(),
            team: staff.then(|| c.team.clone()),
            assignee_name: c.assignee_name.clone().filter(|_| staff),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseListItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub author_name: String,
    /// `partner`, `staff` or `system`.
    pub side: String,
    pub internal: bool,
    pub body: String,
    /// `portal`, `api`, `email`, `assistant`, `system`.
    pub source: String,
    /// Staff only: the mail this message came in, as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_url: Option<String>,
    pub created_at: String,
}

impl MessageView {
    fn for_staff(m: &MessageRecord) -> Self {
        Self {
            original_url: m
                .inbound_id
                .map(|id| format!("/api/v1/staff/inbound/{id}/raw")),
            ..Self::from(m)
        }
    }
}

impl From<&MessageRecord> for MessageView {
    fn from(m: &MessageRecord) -> Self {
        Self {
            id: m.id.0,
            author_name: m.author_name.clone(),
            side: match m.side {
                frontdesk_domain::cases::Actor::Partner => "partner",
                frontdesk_domain::cases::Actor::Staff => "staff",
                frontdesk_domain::cases::Actor::System => "system",
            }
            .into(),
            internal: m.internal,
            body: m.body.clone(),
            source: m.source.clone(),
            original_url: None,
            created_at: rfc3339(m.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    /// Where to download it.
    pub url: String,
}

impl From<&AttachmentRecord> for AttachmentView {
    fn from(a: &AttachmentRecord) -> Self {
        Self {
            id: a.id.0,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            created_at: rfc3339(a.created_at),
            url: format!("/api/v1/cases/{}/attachments/{}", a.case_id.0, a.id.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub created_at: String,
    pub messages: Vec<MessageView>,
}

impl From<&HistoryCase> for HistoryView {
    fn from(h: &HistoryCase) -> Self {
        Self {
            id: h.case.id.0,
            reference: h.case.id.reference(),
            subject: h.case.subject.clone(),
            created_at: rfc3339(h.case.created_at),
            messages: h.messages.iter().map(MessageView::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub actor: String,
    pub actor_id: Option<i64>,
    pub kind: String,
    pub detail: serde_json::Value,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimerView {
    pub kind: String,
    pub due_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub reference: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub category: String,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub status_label: String,
    /// What the status means for the partner, in one line.
    pub status_meaning: String,
    pub requester_name: String,
    pub requester_email: String,
    pub participants: Vec<String>,
    pub messages: Vec<MessageView>,
    pub attachments: Vec<AttachmentView>,
    pub reopened_from: Option<i64>,
    pub reopened_as: Option<i64>,
    /// The public conversations of the cases this one reopens, newest first.
    pub history: Vec<HistoryView>,
    pub created_at: String,
    pub updated_at: String,
    pub status_changed_at: String,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timers: Option<Vec<TimerView>>,
}

impl From<&CaseDetail> for CaseView {
    fn from(d: &CaseDetail) -> Self {
        let c: &CaseRecord = &d.case;
        let staff = d.staff_view;
        Self {
            id: c.id.0,
            reference: c.id.reference(),
            organization_id: c.org_id.0,
            organization_name: c.org_name.clone(),
            category: c.category.as_str().into(),
            subject: c.subject.clone(),
            description: c.description.clone(),
            status: c.status.as_str().into(),
            status_label: crate::pages::view::case_status_label(
                c.status,
                c.connection_status.as_deref(),
            )
            .into(),
            status_meaning: crate::pages::view::case_status_meaning(
                c.status,
                c.connection_status.as_deref(),
            )
            .into(),
            requester_name: c.requester_name.clone(),
            requester_email: c.requester_email.clone(),
            participants: d.participants.iter().map(|p| p.email.clone()).collect(),
            messages: d
                .messages
                .iter()
                .map(|m| {
                    if staff {
                        MessageView::for_staff(m)
                    } else {
                        MessageView::from(m)
                    }
                })
                .collect(),
            attachments: d.attachments.iter().map(AttachmentView::from).collect(),
            reopened_from: c.reopened_from.map(|x| x.0),
            reopened_as: c.reopened_as.map(|x| x.0),
            history: d.history.iter().map(HistoryView::from).collect(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            status_changed_at: rfc3339(c.status_changed_at),
            team: staff.then(|| c.team.clone()),
            assignee: if staff { c.assignee_name.clone() } else { None },
            events: staff.then(|| {
                d.events
                    .iter()
                    .map(|e| EventView {
                        actor: e.actor.clone(),
                        actor_id: e.actor_id.map(|u| u.0),
                        kind: e.kind.clone(),
                        detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
                        created_at: rfc3339(e.created_at),
                    })
                    .collect()
            }),
            timers: staff.then(|| {
                d.timers
                    .iter()
                    .map(|t| TimerView {
                        kind: t.kind.as_str().into(),
                        due_at: rfc3339(t.due_at),
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub message_id: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxList {
    pub items: Vec<OutboxView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCount {
    pub team: String,
    pub open: i64,
}
