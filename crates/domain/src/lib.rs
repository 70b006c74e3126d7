//! The rules of frontdesk, free of HTTP, SQL and clocks.
//!
//! Everything here is plain data and pure functions: the application layer
//! loads state, asks the domain what happens, and stores the answer together
//! with its effects in one transaction.

pub mod cases;
pub mod connections;
pub mod email;
pub mod ids;
pub mod org;
pub mod time;

pub use email::EmailAddress;
pub use ids::{AccessId, AttachmentId, CaseId, MessageId, OrgId, UserId};
pub use time::{Duration, Timestamp};
