//! "Reopen case": a closed case continues as a new, linked one.

use super::{CaseSeed, OpenItem, act::actor_of, refused};
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::cases::{Actor, Notice, check_reopen};
use frontdesk_domain::{CaseId, EmailAddress};
use frontdesk_store::cases::NewCase;

impl App {
    /// "Reopen case": a new case, status Open, linked both ways to the
    /// closed original, with its participants; returns the new id.
    pub async fn reopen_case(&self, caller: &Caller, id: CaseId) -> AppResult<CaseId> {
        let actor = actor_of(caller);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = self.locked_case(&mut tx, caller, id).await?;
        self.refuse_connection_case(case.id).await?;
        check_reopen(case.state()).map_err(refused)?;
        if let Some(existing) = case.reopened_as {
            return Err(AppError::Conflict(format!(
                "case #{} was already reopened as #{}",
                case.id.0, existing.0
            )));
        }
        let requester = if actor.side == Actor::Partner {
            caller.user.id
        } else {
            case.requester_id
        };
        let new = NewCase {
            org_id: case.org_id,
            category: case.category,
            subject: case.subject.clone(),
            description: case.description.clone(),
            requester_id: requester,
            team: case.category.default_team().to_owned(),
            reopened_from: Some(case.id),
        };
        // Everyone of the original stays in the loop: its participants, and
        // its requester when someone else reopens it. The new requester is
        // not also a participant.
        let requester_email = if requester == caller.user.id {
            caller.user.email.clone()
        } else {
            case.requester_email.clone()
        };
        let mut emails = tx.participant_emails(case.id).await?;
        emails.push(case.requester_email.clone());
        let mut participants: Vec<EmailAddress> = Vec::new();
        for e in emails.iter().filter_map(|e| EmailAddress::parse(e).ok()) {
            if e.as_str() != requester_email && !participants.contains(&e) {
                participants.push(e);
            }
        }
        let (requester_name, seed_email) = if requester == caller.user.id {
            (caller.user.name.clone(), caller.user.email.clone())
        } else {
            (case.requester_name.clone(), case.requester_email.clone())
        };
        let seed = CaseSeed {
            org_name: case.org_name.clone(),
            requester_name,
            requester_email: seed_email,
        };
        let people = self.link_participants(case.org_id, &participants).await?;
        let item = OpenItem {
            new,
            seed,
            people,
            actor: actor.clone(),
            notice: Notice::Reopened,
            kind: "reopened_from",
            handoff: None,
        };
        let (new_case, _) = self.open_case(&mut tx, item, now).await?;
        let new_id = new_case.id;
        tx.set_reopened_as(case.id, new_id).await?;
        tx.record_events(
            &[frontdesk_store::audit::NewEvent {
                case_id: case.id,
                actor_id: actor.id,
                actor: actor.side_str(),
                kind: "reopened_as",
                detail: serde_json::json!({ "case_id": new_id.0 }),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(new_id)
    }
}
