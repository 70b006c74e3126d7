//! Support-case use cases.

mod act;
mod attachments;
mod create;
mod read;

pub use attachments::Download;
pub use create::{Created, IdempotencyKey, NewCaseInput};
pub use read::{CaseDetail, HistoryCase, ListInput};

use crate::notify::NoticeInput;
use crate::{App, AppError, AppResult};
use frontdesk_domain::cases::{Actor, Effect, Rejection, Transition};
use frontdesk_domain::{Timestamp, UserId};
use frontdesk_store::Tx;
use frontdesk_store::audit::NewEvent;
use frontdesk_store::cases::CaseRecord;

/// Who did something, for the audit trail and the conversation.
#[derive(Debug, Clone)]
pub(crate) struct ActorRef {
    pub id: Option<UserId>,
    pub side: Actor,
    pub name: String,
    pub email: Option<String>,
}

impl ActorRef {
    pub fn system() -> Self {
        Self {
            id: None,
            side: Actor::System,
            name: "frontdesk".into(),
            email: None,
        }
    }

    pub fn side_str(&self) -> &'static str {
        match self.side {
            Actor::Partner => "partner",
            Actor::Staff => "staff",
            Actor::System => "system",
        }
    }
}

/// One decided change of a case, ready to be written.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub case: &'a CaseRecord,
    pub transition: Transition,
    pub actor: &'a ActorRef,
    pub kind: &'static str,
    pub detail: serde_json::Value,
    pub notice: NoticeInput,
}

impl App {
    /// Writes a decided change with all its effects in the caller's transaction.
    pub(crate) async fn apply(
        &self,
        tx: &mut Tx,
        change: Change<'_>,
        now: Timestamp,
    ) -> AppResult<()> {
        let Change {
            case,
            transition,
            actor,
            kind,
            detail,
            notice,
        } = change;
        if transition.status_changed() || transition.state != case.state() || case.updated_at != now
        {
            tx.save_case_state(case.id, transition.state, transition.status_changed(), now)
                .await?;
        }
        let wants_mail = transition
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Notify(_)));
        let participants = if wants_mail {
            tx.participant_emails(case.id).await?
        } else {
            Vec::new()
        };
        let mut timers = Vec::new();
        let mut mails = Vec::new();
        for effect in &transition.effects {
            match effect {
                Effect::CancelTimers => tx.cancel_timers(&[case.id]).await?,
                Effect::Schedule { kind, due, epoch } => {
                    timers.push((case.id, *kind, *epoch, *due))
                }
                Effect::Notify(n) => {
                    mails.extend(self.notice_mail(case, &participants, *n, &notice))
                }
            }
        }
        tx.schedule_timers(&timers).await?;
        tx.enqueue_mail(&mails, now).await?;
        let mut events = vec![NewEvent {
            case_id: case.id,
            actor_id: actor.id,
            actor: actor.side_str(),
            kind,
            detail,
        }];
        if transition.status_changed() {
            events.push(NewEvent {
                case_id: case.id,
                actor_id: actor.id,
                actor: actor.side_str(),
                kind: "status_changed",
                detail: serde_json::json!({
                    "from": transition.from.as_str(),
                    "to": transition.state.status.as_str(),
                }),
            });
        }
        tx.record_events(&events, now).await?;
        Ok(())
    }
}

/// A lifecycle refusal as the error people see.
pub(crate) fn refused(r: Rejection) -> AppError {
    AppError::Rejected(r)
}
