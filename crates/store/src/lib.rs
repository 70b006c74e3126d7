//! Storage for frontdesk: one implementation over sqlx's `Any` driver that
//! runs the same bound SQL on SQLite (the embedded default) and PostgreSQL.
//!
//! SQL lives only here. Every query of tenant data takes a [`CaseScope`], so
//! no caller can forget the organization boundary.

mod db;
mod error;
mod sql;

pub mod assistant;
pub mod audit;
pub mod cases;
pub mod connections;
pub mod idempotency;
pub mod inbound;
pub mod kb;
pub mod messages;
pub mod orgs;
pub mod outbox;
pub mod settings;
pub mod timers;
pub mod tokens;
pub mod users;

pub use cases::CaseScope;
pub use db::{Backend, Store, Tx};
pub use error::{StoreError, StoreResult};
