//! Support-case use cases.

mod act;
mod attachments;
mod batch;
mod create;
mod read;
mod reopen;

pub use attachments::Download;
pub use batch::CreateQueue;
pub(crate) use create::{CaseSeed, OpenItem};
pub use create::{Created, IdempotencyKey, NewCaseInput};
pub use read::{CaseDetail, HistoryCase, ListInput};

use crate::notify::NoticeInput;
use crate::{App, AppError, AppResult};
use frontdesk_domain::cases::{Actor, CaseState, Effect, Rejection, TimerKind, Transition};
use frontdesk_domain::{CaseId, Timestamp, UserId};
use frontdesk_store::Tx;
use frontdesk_store::audit::NewEvent;
use frontdesk_store::cases::CaseRecord;
use frontdesk_store::outbox::NewMail;

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

/// Everything one change writes, gathered so that many changes (a timer
/// sweep) can be written with a handful of statements.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// New state, whether the status changed, for cases that must be saved.
    pub states: Vec<(CaseId, CaseState, bool)>,
    /// Cases whose pending timers are dropped (before new ones are added).
    pub cancel: Vec<CaseId>,
    pub timers: Vec<(CaseId, TimerKind, i64, Timestamp)>,
    pub mails: Vec<NewMail>,
    pub events: Vec<NewEvent>,
}

impl App {
    /// Writes a decided change with all its effects in the caller's transaction.
    pub(crate) async fn apply(
        &self,
        tx: &mut Tx,
        change: Change<'_>,
        now: Timestamp,
    ) -> AppResult<()> {
        let wants_mail = change
            .transition
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Notify(_)));
        let participants = if wants_mail {
            tx.participant_emails(change.case.id).await?
        } else {
            Vec::new()
        };
        let mut plan = Plan::default();
        self.plan(&mut plan, change, &participants, now);
        write_plan(tx, &plan, now).await
    }

    /// Writes a decided change, commits, and wakes the workers for its mail
    /// and timers.
    pub(crate) async fn finish(
        &self,
        mut tx: Tx,
        change: Change<'_>,
        now: Timestamp,
    ) -> AppResult<()> {
        self.apply(&mut tx, change, now).await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Adds what `change` writes to `plan`.
    pub(crate) fn plan(
        &self,
        plan: &mut Plan,
        change: Change<'_>,
        participants: &[String],
        now: Timestamp,
    ) {
        let Change {
            case,
            transition,
            actor,
            kind,
            detail,
            notice,
        } = change;
        let changed = transition.status_changed();
        // People's activity moves `updated_at`; the system's reminders do not.
        let touched = case.updated_at != now && actor.side != Actor::System;
        if changed || transition.state != case.state() || touched {
            plan.states.push((case.id, transition.state, changed));
        }
        for effect in &transition.effects {
            match effect {
                Effect::CancelTimers => plan.cancel.push(case.id),
                Effect::Schedule { kind, due, epoch } => {
                    plan.timers.push((case.id, *kind, *epoch, *due))
                }
                Effect::Notify(n) => {
                    plan.mails
                        .extend(self.notice_mail(case, participants, *n, &notice))
                }
            }
        }
        plan.events.push(NewEvent {
            case_id: case.id,
            actor_id: actor.id,
            actor: actor.side_str(),
            kind,
            detail,
        });
        if changed {
            plan.events.push(NewEvent {
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
    }
}

pub(crate) async fn write_plan(tx: &mut Tx, plan: &Plan, now: Timestamp) -> AppResult<()> {
    tx.save_case_states(&plan.states, now).await?;
    tx.cancel_timers(&plan.cancel).await?;
    tx.schedule_timers(&plan.timers).await?;
    tx.enqueue_mail(&plan.mails, now).await?;
    tx.record_events(&plan.events, now).await?;
    Ok(())
}

/// A lifecycle refusal as the error people see.
pub(crate) fn refused(r: Rejection) -> AppError {
    AppError::Rejected(r)
}
