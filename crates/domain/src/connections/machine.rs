//! The access status machine as one pure function:
//! `decide(state, event, now, policy) -> transition (new state + effects)`,
//! the connections counterpart of `cases::decide`.
//!
//! The connection case's status is never stored separately: it is
//! [`AccessStatus::case_status`] of the access status, and every transition
//! that changes it says so with [`AccessEffect::SetCaseStatus`].
//!
//! Two counters make late arrivals harmless. `epoch` grows on every
//! transition that changes status or queues a run, and timers carry the epoch
//! they were scheduled in, so a timer that outlived its Pending Seller is
//! stale even if its cancellation was missed. `run` numbers activation runs,
//! so the result of a run superseded by an edit or re-run changes nothing.

use super::{
    AccessStatus, ConnectionCaseStatus, ConnectionTimerKind, ConnectionTimerPolicy,
    NotCompletedReason, RunSummary,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What the machine needs to know about an access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessState {
    pub status: AccessStatus,
    /// Timer generation; see the module documentation.
    pub epoch: i64,
    /// The number of the latest queued activation run (1 for creation).
    pub run: i64,
    /// The latest run finished with every required step passed.
    pub steps_passed: bool,
    /// Connectivity recorded a manual check since the last queued run.
    pub manual_check: bool,
}

/// Why an activation run was queued; also tells the case thread why the
/// access is being tested again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunCause {
    Create,
    BuyerEdit,
    StaffRerun,
    SellerFix,
}

/// Something that happens to an existing access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum AccessEvent {
    /// Connectivity re-runs the activation.
    StaffRerun,
    /// The buyer saved Edit access; saving re-runs the activation.
    BuyerEdit,
    /// The seller saved the fix page (or its seller view); re-runs too.
    SellerFix,
    /// Activation run number `run` finished.
    RunFinished { run: i64, summary: RunSummary },
    /// Connectivity marks the access working; `manual_check` says a manual
    /// check was recorded, without which Working is refused.
    StaffMarkWorking { manual_check: bool },
    /// Connectivity stops the access.
    StaffNotCompleted { reason: NotCompletedReason },
    /// Connectivity asks the seller to fix the access configuration.
    StaffRequestSellerFix,
    /// The buyer cancels the request.
    BuyerCancel,
    /// A durable timer came due.
    TimerDue {
        kind: ConnectionTimerKind,
        epoch: i64,
    },
}

/// Which public message the access's Connections case gets. The caller
/// writes the text (and staff's own message travels with staff actions);
/// activation updates always go to this one case, never a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CaseMessage {
    /// A run was queued (the step table follows when it finishes).
    ActivationQueued { cause: RunCause },
    /// A run finished; the runner's step results go with it.
    RunFinished { summary: RunSummary },
    /// Connectivity marked the access working after a manual check.
    MarkedWorking,
    /// Connectivity asked the seller for a fix.
    SellerFixRequested,
    /// The access was stopped.
    NotCompleted { reason: NotCompletedReason },
}

/// What must happen because of a transition, executed by the caller in the
/// same transaction as the new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessEffect {
    /// The Connections case moves to this status.
    SetCaseStatus(ConnectionCaseStatus),
    /// Drop every pending timer of the access.
    CancelTimers,
    Schedule {
        kind: ConnectionTimerKind,
        due: Timestamp,
        epoch: i64,
    },
    PostCaseMessage(CaseMessage),
    /// Working: mail the access's notification emails what is needed to go
    /// live.
    MailNotificationRecipients,
    /// Pending Seller: mail the seller's activation contacts a fresh,
    /// single-use fix link.
    MailSellerFixLink,
    /// First (1) or second (2) reminder to the seller's activation contacts.
    MailSellerReminder(u8),
    /// Tell the Connectivity team the seller has not fixed the access.
    AlertConnectivity,
    /// Queue activation run number `run`.
    QueueActivation {
        cause: RunCause,
        run: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTransition {
    pub from: AccessStatus,
    pub state: AccessState,
    pub effects: Vec<AccessEffect>,
}

impl AccessTransition {
    pub fn status_changed(&self) -> bool {
        self.from != self.state.status
    }
}

/// Why an event does not apply. Each has a message a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessRejection {
    #[error("the access is Not Completed; request a new connection instead")]
    Final,
    #[error(
        "Edit access is blocked while the access is Not Working: the Connectivity team is reviewing the failure"
    )]
    EditBlocked,
    #[error("marking an access working requires a recorded manual check")]
    ManualCheckRequired,
    #[error("the access is already {}", .0.label())]
    AlreadyInStatus(AccessStatus),
    #[error("the access is not waiting for a fix from the seller")]
    NotWaitingForSeller,
    #[error("this activation run was superseded")]
    StaleRun,
    #[error("the timer no longer applies")]
    StaleTimer,
}

/// A new access: Pending, its case In Progress, the first run queued. The
/// caller stores it together with the access and its case.
pub fn create() -> AccessTransition {
    let state = AccessState {
        status: AccessStatus::Pending,
        epoch: 0,
        run: 1,
        steps_passed: false,
        manual_check: false,
    };
    AccessTransition {
        from: AccessStatus::Pending,
        state,
        effects: vec![
            AccessEffect::SetCaseStatus(ConnectionCaseStatus::InProgress),
            AccessEffect::PostCaseMessage(CaseMessage::ActivationQueued {
                cause: RunCause::Create,
            }),
            AccessEffect::QueueActivation {
                cause: RunCause::Create,
                run: 1,
            },
        ],
    }
}

/// The status rule of PRODUCT.md and SELLER-API.md for one event.
pub fn decide(
    state: AccessState,
    event: AccessEvent,
    now: Timestamp,
    policy: &ConnectionTimerPolicy,
) -> Result<AccessTransition, AccessRejection> {
    use AccessStatus::{Pending, PendingSeller, Working};
    let from = state.status;
    if from.is_final() {
        return Err(AccessRejection::Final);
    }
    let step = Step { state, now, policy };
    match event {
        AccessEvent::StaffRerun => Ok(step.requeue(RunCause::StaffRerun)),
        AccessEvent::BuyerEdit => {
            if from.edit_blocked() {
                return Err(AccessRejection::EditBlocked);
            }
            Ok(step.requeue(RunCause::BuyerEdit))
        }
        AccessEvent::SellerFix => {
            if from != PendingSeller {
                return Err(AccessRejection::NotWaitingForSeller);
            }
            Ok(step.requeue(RunCause::SellerFix))
        }
        AccessEvent::RunFinished { run, summary } => {
            // Only the latest run's result counts, and only while it is
            // awaited: a staff decision taken meanwhile wins.
            if from != Pending || run != state.run {
                return Err(AccessRejection::StaleRun);
            }
            let to = summary.status();
            let mut effects = vec![AccessEffect::PostCaseMessage(CaseMessage::RunFinished {
                summary,
            })];
            effects.extend(arrival_mails(to));
            let mut t = step.move_to(to, effects);
            t.state.steps_passed = summary == RunSummary::AllPassed;
            Ok(t)
        }
        AccessEvent::StaffMarkWorking { manual_check } => {
            if from == Working {
                return Err(AccessRejection::AlreadyInStatus(Working));
            }
            if !manual_check {
                return Err(AccessRejection::ManualCheckRequired);
            }
            let mut effects = vec![AccessEffect::PostCaseMessage(CaseMessage::MarkedWorking)];
            effects.extend(arrival_mails(Working));
            let mut t = step.move_to(Working, effects);
            t.state.manual_check = true;
            Ok(t)
        }
        AccessEvent::StaffNotCompleted { reason } => Ok(step.stop(reason)),
        AccessEvent::BuyerCancel => Ok(step.stop(NotCompletedReason::Cancelled)),
        AccessEvent::StaffRequestSellerFix => {
            if from == PendingSeller {
                return Err(AccessRejection::AlreadyInStatus(PendingSeller));
            }
            let mut effects = vec![AccessEffect::PostCaseMessage(
                CaseMessage::SellerFixRequested,
            )];
            effects.extend(arrival_mails(PendingSeller));
            Ok(step.move_to(PendingSeller, effects))
        }
        AccessEvent::TimerDue { kind, epoch } => {
            if from != PendingSeller || epoch != state.epoch {
                return Err(AccessRejection::StaleTimer);
            }
            let effect = match kind {
                ConnectionTimerKind::SellerFirstReminder => AccessEffect::MailSellerReminder(1),
                ConnectionTimerKind::SellerSecondReminder => AccessEffect::MailSellerReminder(2),
                ConnectionTimerKind::ConnectivityAlert => AccessEffect::AlertConnectivity,
            };
            Ok(AccessTransition {
                from,
                state,
                effects: vec![effect],
            })
        }
    }
}

/// The mails owed on arriving in a status, whatever brought the access
/// there: Working tells the buyer's recipients, Pending Seller sends the
/// seller a fix link.
fn arrival_mails(to: AccessStatus) -> Option<AccessEffect> {
    match to {
        AccessStatus::Working => Some(AccessEffect::MailNotificationRecipients),
        AccessStatus::PendingSeller => Some(AccessEffect::MailSellerFixLink),
        _ => None,
    }
}

/// One decision in the making: the state it starts from plus its context.
struct Step<'a> {
    state: AccessState,
    now: Timestamp,
    policy: &'a ConnectionTimerPolicy,
}

impl Step<'_> {
    /// Back to Pending with a new run; the previous run's result and
    /// any manual check no longer describe the access.
    fn requeue(self, cause: RunCause) -> AccessTransition {
        let run = self.state.run + 1;
        let effects = vec![
            AccessEffect::PostCaseMessage(CaseMessage::ActivationQueued { cause }),
            AccessEffect::QueueActivation { cause, run },
        ];
        let mut t = self.move_to(AccessStatus::Pending, effects);
        t.state.run = run;
        t.state.steps_passed = false;
        t.state.manual_check = false;
        t
    }

    fn stop(self, reason: NotCompletedReason) -> AccessTransition {
        let effects = vec![AccessEffect::PostCaseMessage(CaseMessage::NotCompleted {
            reason,
        })];
        self.move_to(AccessStatus::NotCompleted, effects)
    }

    /// Moves to `to` (possibly the same status, for a re-queue): cancels the
    /// timers of Pending Seller, sets the case status when it changes, and
    /// schedules Pending Seller's timers on entering it.
    fn move_to(self, to: AccessStatus, mut extra: Vec<AccessEffect>) -> AccessTransition {
        let from = self.state.status;
        let epoch = self.state.epoch + 1;
        let mut effects = Vec::new();
        if from == AccessStatus::PendingSeller {
            effects.push(AccessEffect::CancelTimers);
        }
        if from.case_status() != to.case_status() {
            effects.push(AccessEffect::SetCaseStatus(to.case_status()));
        }
        effects.append(&mut extra);
        if to == AccessStatus::PendingSeller {
            for (kind, after) in self.policy.timers() {
                effects.push(AccessEffect::Schedule {
                    kind,
                    due: self.now.plus(after),
                    epoch,
                });
            }
        }
        AccessTransition {
            from,
            state: AccessState {
                status: to,
                epoch,
                ..self.state
            },
            effects,
        }
    }
}
