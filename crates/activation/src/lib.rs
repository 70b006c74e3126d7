//! Connections: what a seller asks of a buyer's access (credential schemas,
//! validated field by field and mapped onto the seller protocol's wire
//! format) and how secrets are kept at rest (AEAD). The activation runner
//! and the seller adapters build on these.

pub mod schema;
pub mod secrets;
