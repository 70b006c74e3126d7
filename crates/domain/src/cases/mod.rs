//! Support cases: categories, statuses, timers and the lifecycle machine.

mod category;
mod lifecycle;
mod policy;
mod status;
mod text;

pub use category::Category;
pub use lifecycle::{
    Actor, CaseState, Effect, Event, Notice, Rejection, Transition, check_reopen, decide,
};
pub use policy::{TimerKind, TimerPolicy};
pub use status::CaseStatus;
pub use text::{MAX_BODY_CHARS, TextError, body, subject};
