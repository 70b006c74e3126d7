//! Connections: what a seller asks of a buyer's access (credential schemas,
//! validated field by field and mapped onto the seller protocol's wire
//! format), how secrets are kept at rest (AEAD), and the reference seller
//! adapter with the resumable activation run built on them.
//!
//! - [`protocol`]: the seller protocol (SELLER-API §1–3), pure: fixed query
//!   documents, `settings`, and the classification of every answer.
//! - [`client`]: the HTTP side, under §1's address policy.
//! - [`run`]: the activation test plan (§4) as a job that never sleeps:
//!   retries hand back a time to be called again.

pub mod client;
pub mod endpoints;
pub mod protocol;
pub mod run;
pub mod schema;
pub mod secrets;

pub use client::{SellerClient, Timeouts};
pub use run::{
    Advance, RunContext, RunProgress, SearchCriteria, StepRecord, StepStatus, ValidateFailure,
    advance,
};
