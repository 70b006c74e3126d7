//! The API end to end: the real app (web server and workers) on a real
//! port and a real database, spoken to over HTTP.
//!
//! Every scenario is an `async fn name(app: TestApp)` in one of the modules
//! below; `both_backends!` turns it into `sqlite::name` and
//! `postgres::name` tests. The PostgreSQL half is skipped (with a note)
//! when no server is reachable, unless `FRONTDESK_REQUIRE_PG=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod helpers;

mod assistant;
mod attachments;
mod bad_input;
mod connections;
mod flow;
mod idempotency;
mod inbound;
mod isolation;
mod ops;
mod pages;
mod secrets;
mod timers;
