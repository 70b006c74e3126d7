//! Changing a case: conversation, participants, status, close and reopen.

use super::{ActorRef, Change, refused};
use crate::notify::NoticeInput;
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::cases::{self, Actor, CaseStatus, Event, decide};
use frontdesk_domain::{CaseId, EmailAddress, MessageId, UserId};
use frontdesk_store::Tx;
use frontdesk_store::cases::CaseRecord;
use frontdesk_store::messages::NewMessage;

/// The field a staff-only change writes besides the lifecycle.
#[derive(Debug)]
enum StaffWrite {
    Assignee(Option<UserId>),
    Team(String),
}

pub(super) fn actor_of(caller: &Caller) -> ActorRef {
    ActorRef {
        id: Some(caller.user.id),
        side: if caller.is_staff() {
            Actor::Staff
        } else {
            Actor::Partner
        },
        name: caller.user.name.clone(),
        email: Some(caller.user.email.clone()),
    }
}

impl App {
    pub(super) async fn locked_case(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        id: CaseId,
    ) -> AppResult<CaseRecord> {
        let scope = caller.case_scope()?;
        tx.case_for_update(scope, id)
            .await?
            .ok_or(AppError::NotFound("case"))
    }

    /// A public message (partner or staff) or an internal note (staff only).
    pub async fn post_message(
        &self,
        caller: &Caller,
        id: CaseId,
        body: &str,
        internal: bool,
        source: &'static str,
    ) -> AppResult<MessageId> {
        let body = cases::body("body", body)?;
        let actor = actor_of(caller);
        if internal {
            caller.staff()?;
        }
        let event = match (actor.side, internal) {
            (_, true) => Event::InternalNote,
            (Actor::Staff, false) => Event::StaffReply,
            _ => Event::PartnerMessage,
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        let transition = decide(case.state(), event, now, &self.policy()).map_err(refused)?;
        let message_id = tx
            .insert_message(
                &NewMessage {
                    case_id: case.id,
                    author_id: actor.id,
                    author_name: actor.name.clone(),
                    author_email: actor.email.clone(),
                    side: actor.side,
                    internal,
                    body: body.clone(),
                    source,
                    inbound_id: None,
                },
                now,
            )
            .await?;
        let notice = NoticeInput {
            body: Some(body),
            author: Some(actor.name.clone()),
            author_email: actor.email.clone(),
            new_participant: None,
        };
        let kind = if internal { "internal_note" } else { "message" };
        let detail = serde_json::json!({ "message_id": message_id.0 });
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind,
                detail,
                notice,
            },
            now,
        )
        .await?;
        Ok(message_id)
    }

    /// Adds someone by email; by the partner side it counts as a comment.
    /// Returns false when the address was already a participant.
    pub async fn add_participant(
        &self,
        caller: &Caller,
        id: CaseId,
        email: &str,
    ) -> AppResult<bool> {
        let email =
            EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        let actor = actor_of(caller);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        if email.as_str() == case.requester_email {
            return Err(AppError::Conflict(format!(
                "{email} is the requester of this case"
            )));
        }
        self.check_not_support_address(&email)?;
        let transition = decide(
            case.state(),
            Event::ParticipantAdded { by: actor.side },
            now,
            &self.policy(),
        )
        .map_err(refused)?;
        let people = self
            .link_participants(case.org_id, std::slice::from_ref(&email))
            .await?;
        let added = tx.add_participants(case.id, &people, actor.id, now).await?;
        if added.is_empty() {
            return Ok(false);
        }
        let notice = NoticeInput {
            author: Some(actor.name.clone()),
            new_participant: Some(email.as_str().to_owned()),
            ..NoticeInput::default()
        };
        let detail = serde_json::json!({ "email": email.as_str() });
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind: "participant_added",
                detail,
                notice,
            },
            now,
        )
        .await?;
        Ok(true)
    }

    /// A Connections case moves with its access (Delivered, Pending
    /// Seller's Feedback, …): the support lifecycle's actions do not apply.
    pub(crate) async fn refuse_connection_case(&self, case: CaseId) -> AppResult<()> {
        if self.store.access_of_case(case).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "case #{} follows its connection request; use the connection's actions instead",
                case.0
            )));
        }
        Ok(())
    }

    /// "Close case": by the partner, or by staff (same as setting Closed).
    pub async fn close_case(&self, caller: &Caller, id: CaseId) -> AppResult<()> {
        if caller.is_staff() {
            return self.set_status(caller, id, CaseStatus::Closed, None).await;
        }
        let actor = actor_of(caller);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        self.refuse_connection_case(case.id).await?;
        let transition =
            decide(case.state(), Event::PartnerClose, now, &self.policy()).map_err(refused)?;
        let notice = NoticeInput {
            author: Some(actor.name.clone()),
            ..NoticeInput::default()
        };
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind: "closed",
                detail: serde_json::json!({}),
                notice,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Staff move a case; the optional message is posted publicly with it
    /// (for Resolved it is the solution, and required).
    pub async fn set_status(
        &self,
        caller: &Caller,
        id: CaseId,
        to: CaseStatus,
        message: Option<&str>,
    ) -> AppResult<()> {
        let staff = caller.staff()?;
        let message = message
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| cases::body("message", m))
            .transpose()?;
        let actor = actor_of(caller);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        self.refuse_connection_case(case.id).await?;
        let event = Event::SetStatus {
            to,
            with_message: message.is_some(),
        };
        let transition = decide(case.state(), event, now, &self.policy()).map_err(refused)?;
        if let Some(text) = &message {
            tx.insert_message(
                &NewMessage {
                    case_id: case.id,
                    author_id: Some(staff.user),
                    author_name: staff.name.clone(),
                    author_email: actor.email.clone(),
                    side: Actor::Staff,
                    internal: false,
                    body: text.clone(),
                    source: "status",
                    inbound_id: None,
                },
                now,
            )
            .await?;
        }
        let notice = NoticeInput {
            body: message,
            author: Some(staff.name.clone()),
            ..NoticeInput::default()
        };
        let detail = serde_json::json!({ "to": to.as_str() });
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind: "status_set",
                detail,
                notice,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Gives the case to a staff member, or takes it back with `None`.
    pub async fn assign(
        &self,
        caller: &Caller,
        id: CaseId,
        assignee: Option<UserId>,
    ) -> AppResult<()> {
        caller.staff()?;
        if let Some(user) = assignee {
            let is_staff = match self.store.user(user).await? {
                Some(u) => u.is_admin || !self.store.user_teams(u.id).await?.is_empty(),
                None => false,
            };
            if !is_staff {
                return Err(AppError::invalid("assignee_id", "must be a staff member"));
            }
        }
        let detail = serde_json::json!({ "assignee_id": assignee.map(|u| u.0) });
        self.staff_change(
            caller,
            id,
            Event::Assign,
            "assigned",
            detail,
            StaffWrite::Assignee(assignee),
        )
        .await
    }

    /// Hands the case to another team (a product team for escalations).
    /// Partners keep seeing "In progress" and get no mail.
    pub async fn escalate(&self, caller: &Caller, id: CaseId, team: &str) -> AppResult<()> {
        caller.staff()?;
        let team = self
            .store
            .team(team)
            .await?
            .ok_or_else(|| AppError::invalid("team", format!("no team {team:?}")))?;
        let detail = serde_json::json!({ "team": team.slug });
        self.staff_change(
            caller,
            id,
            Event::Escalate,
            "escalated",
            detail,
            StaffWrite::Team(team.slug),
        )
        .await
    }

    async fn staff_change(
        &self,
        caller: &Caller,
        id: CaseId,
        event: Event,
        kind: &'static str,
        detail: serde_json::Value,
        write: StaffWrite,
    ) -> AppResult<()> {
        let actor = actor_of(caller);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        let transition = decide(case.state(), event, now, &self.policy()).map_err(refused)?;
        match write {
            StaffWrite::Assignee(user) => tx.set_case_assignee(case.id, user).await?,
            StaffWrite::Team(team) => tx.set_case_team(case.id, &team).await?,
        }
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind,
                detail,
                notice: NoticeInput::default(),
            },
            now,
        )
        .await
    }
}
