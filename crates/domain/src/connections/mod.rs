//! Connections: a buyer's access to a seller, the named activation test
//! steps and their failure types, and the one status machine that moves the
//! access and its Connections case together (PRODUCT.md, "Connections";
//! SELLER-API.md §3–4).

mod machine;
mod policy;
mod status;
mod steps;

pub use machine::{
    AccessEffect, AccessEvent, AccessRejection, AccessState, AccessTransition, CaseMessage,
    RunCause, create, decide,
};
pub use policy::{ConnectionTimerKind, ConnectionTimerPolicy};
pub use status::{AccessStatus, ConnectionCaseStatus, NotCompletedReason};
pub use steps::{ConfigFix, FailureKind, RunSummary, StepFailure, StepName, StepOutcome};
