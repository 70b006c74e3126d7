//! The case lifecycle as one pure function:
//! `decide(state, event, now, policy) -> transition (new state + effects)`.
//!
//! Timers carry the `epoch` of the status they were scheduled in; every
//! status change bumps the epoch, so a timer that outlived its status is
//! recognisably stale even if its cancellation was somehow missed.

use super::{CaseStatus, TimerKind, TimerPolicy};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What the lifecycle needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub status: CaseStatus,
    pub epoch: i64,
}

impl CaseState {
    /// A case just submitted.
    pub fn new() -> Self {
        Self {
            status: CaseStatus::Open,
            epoch: 0,
        }
    }
}

impl Default for CaseState {
    fn default() -> Self {
        Self::new()
    }
}

/// Which side of the conversation did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Partner,
    Staff,
    System,
}

/// Something that happens to an existing case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    /// A public comment from the partner side, through the portal or by mail.
    PartnerMessage,
    /// A participant was added; by the partner side it counts as a comment.
    ParticipantAdded { by: Actor },
    /// A public reply from staff.
    StaffReply,
    /// A staff-only note: never seen by partners, never mailed.
    InternalNote,
    /// Staff set a status; `with_message` tells whether text came with it
    /// (resolving requires the solution).
    SetStatus { to: CaseStatus, with_message: bool },
    /// "Close case" pressed by the partner.
    PartnerClose,
    /// Handed to a product team; partners keep seeing "In progress".
    Escalate,
    /// An agent took the case.
    Assign,
    /// A durable timer came due.
    TimerFired { kind: TimerKind, epoch: i64 },
}

/// The partner-facing mails the lifecycle asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// Auto-response to a new case: reference, subject and description.
    Received,
    /// A new case opened by "Reopen case".
    Reopened,
    /// A public reply from staff.
    StaffReply,
    /// A partner's comment, copied to the other participants.
    PartnerReply,
    /// Someone was added to the case; told to the new participant only.
    ParticipantAdded,
    /// Staff moved the case (the solution travels with Resolved).
    StatusChanged(CaseStatus),
    /// First or second friendly reminder while feedback is awaited.
    Reminder(u8),
    /// Closed because no feedback came.
    ClosedNoFeedback,
    /// Closed because nobody replied to the resolution in time.
    ClosedAfterResolution,
    /// Closed by the partner.
    ClosedByPartner,
}

/// What must happen because of a transition, executed by the caller in the
/// same transaction as the new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Notify(Notice),
    /// Drop every pending timer of the case.
    CancelTimers,
    Schedule {
        kind: TimerKind,
        due: Timestamp,
        epoch: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: CaseStatus,
    pub state: CaseState,
    pub effects: Vec<Effect>,
}

impl Transition {
    pub fn status_changed(&self) -> bool {
        self.from != self.state.status
    }
}

/// Why an event does not apply. Each has a message a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the case is closed; reopen it to continue")]
    Closed,
    #[error("the case is already {}", .0.label())]
    AlreadyInStatus(CaseStatus),
    #[error("a case cannot be set back to Open")]
    CannotReopenToOpen,
    #[error("resolving a case requires the solution text in `message`")]
    SolutionRequired,
    #[error("only a closed case can be reopened")]
    NotClosed,
    #[error("the timer no longer applies")]
    StaleTimer,
}

/// The lifecycle rule of PRODUCT.md for one event.
pub fn decide(
    state: CaseState,
    event: Event,
    now: Timestamp,
    policy: &TimerPolicy,
) -> Result<Transition, Rejection> {
    let from = state.status;
    if from.is_closed() {
        return match event {
            Event::InternalNote => Ok(stay(state, Vec::new())),
            Event::TimerFired { .. } => Err(Rejection::StaleTimer),
            _ => Err(Rejection::Closed),
        };
    }
    match event {
        Event::PartnerMessage => {
            let notice = vec![Effect::Notify(Notice::PartnerReply)];
            Ok(if from.is_waiting() {
                move_to(state, CaseStatus::InProgress, now, policy, notice)
            } else {
                stay(state, notice)
            })
        }
        Event::ParticipantAdded { by } => {
            let notice = vec![Effect::Notify(Notice::ParticipantAdded)];
            Ok(
                if by == Actor::Partner && from == CaseStatus::FeedbackRequired {
                    move_to(state, CaseStatus::InProgress, now, policy, notice)
                } else {
                    stay(state, notice)
                },
            )
        }
        Event::StaffReply => {
            let notice = vec![Effect::Notify(Notice::StaffReply)];
            Ok(if from == CaseStatus::Open {
                move_to(state, CaseStatus::InProgress, now, policy, notice)
            } else {
                stay(state, notice)
            })
        }
        Event::InternalNote | Event::Assign => Ok(stay(state, Vec::new())),
        Event::Escalate => Ok(if from == CaseStatus::Open {
            move_to(state, CaseStatus::InProgress, now, policy, Vec::new())
        } else {
            stay(state, Vec::new())
        }),
        Event::SetStatus { to, with_message } => {
            if to == from {
                return Err(Rejection::AlreadyInStatus(to));
            }
            if to == CaseStatus::Open {
                return Err(Rejection::CannotReopenToOpen);
            }
            if to == CaseStatus::Resolved && !with_message {
                return Err(Rejection::SolutionRequired);
            }
            let notice = vec![Effect::Notify(Notice::StatusChanged(to))];
            Ok(move_to(state, to, now, policy, notice))
        }
        Event::PartnerClose => {
            let notice = vec![Effect::Notify(Notice::ClosedByPartner)];
            Ok(move_to(state, CaseStatus::Closed, now, policy, notice))
        }
        Event::TimerFired { kind, epoch } => {
            if epoch != state.epoch || kind.status() != from {
                return Err(Rejection::StaleTimer);
            }
            Ok(match kind {
                TimerKind::FeedbackFirstReminder => {
                    stay(state, vec![Effect::Notify(Notice::Reminder(1))])
                }
                TimerKind::FeedbackSecondReminder => {
                    stay(state, vec![Effect::Notify(Notice::Reminder(2))])
                }
                TimerKind::FeedbackClose => {
                    let notice = vec![Effect::Notify(Notice::ClosedNoFeedback)];
                    move_to(state, CaseStatus::Closed, now, policy, notice)
                }
                TimerKind::ResolvedClose => {
                    let notice = vec![Effect::Notify(Notice::ClosedAfterResolution)];
                    move_to(state, CaseStatus::Closed, now, policy, notice)
                }
            })
        }
    }
}

/// "Reopen case" only applies to a closed case; the caller then opens a new
/// case linked to this one (and refuses a case already reopened, which the
/// lifecycle state does not record).
pub fn check_reopen(state: CaseState) -> Result<(), Rejection> {
    if state.status.is_closed() {
        Ok(())
    } else {
        Err(Rejection::NotClosed)
    }
}

fn stay(state: CaseState, effects: Vec<Effect>) -> Transition {
    Transition {
        from: state.status,
        state,
        effects,
    }
}

fn move_to(
    state: CaseState,
    to: CaseStatus,
    now: Timestamp,
    policy: &TimerPolicy,
    notices: Vec<Effect>,
) -> Transition {
    let epoch = state.epoch + 1;
    let mut effects = Vec::new();
    if state.status.is_waiting() {
        effects.push(Effect::CancelTimers);
    }
    effects.extend(notices);
    for (kind, after) in policy.timers_for(to) {
        effects.push(Effect::Schedule {
            kind,
            due: now.plus(after),
            epoch,
        });
    }
    Transition {
        from: state.status,
        state: CaseState { status: to, epoch },
        effects,
    }
}
