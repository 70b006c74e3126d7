//! Connections: buyers request accesses to sellers, frontdesk activates
//! them by testing the seller's API, and every access moves with its
//! Connections case (PRODUCT.md, "Connections"; SELLER-API.md).
//!
//! - [`catalog`]: the sellers on offer and their schemas; administrators'
//!   editing of listings and connection types.
//! - [`request`]: the wizard (validate a step, request), edit and cancel.
//! - [`apply`]: writes a decided access transition with all its effects.
//! - [`staff`]: Connectivity's actions.
//! - [`fix`]: the seller's fix link and seller-side fixes.
//! - [`runner`]: activation runs as worker jobs.
//! - [`rotation`]: moving stored secrets onto a new key.
//! - [`read`]: lists and the access page's view, secrets masked.

mod apply;
pub mod catalog;
mod credentials;
pub mod fix;
pub mod read;
pub mod request;
pub mod rotation;
mod runner;
pub mod staff;

pub use catalog::{ConnectionTypeInput, PartnerType, PartnerView, SchemaView, SellerInput};
pub use fix::FixView;
pub use read::{AccessDetail, AccessListInput, AccessSummary, RunView, View};
pub use request::{AccessCreated, AccessEdit, ConnectionRequest, StepInput};
pub use rotation::{KeyUsage, ResealReport};
pub use runner::RunnerStats;

use crate::{App, AppError, AppResult};
use frontdesk_activation::secrets::Keyring;
use frontdesk_activation::{SellerClient, Timeouts};
use std::sync::Arc;

/// What the connections services need beyond the rest of the app.
#[derive(Debug)]
pub struct Connections {
    /// Seals and opens credential secrets; `None` when no key is configured.
    pub keyring: Option<Keyring>,
    pub client: SellerClient,
}

impl Connections {
    pub fn from_config(config: &crate::config::ConnectionSettings) -> AppResult<Arc<Self>> {
        use secrecy::ExposeSecret;
        let keyring = match &config.secret_key {
            None => None,
            Some(current) => {
                let older: Vec<&str> = config
                    .older_secret_keys
                    .iter()
                    .map(ExposeSecret::expose_secret)
                    .collect();
                Some(
                    Keyring::from_config(current.expose_secret(), older)
                        .map_err(|e| AppError::Config(format!("connections.secret_key: {e}")))?,
                )
            }
        };
        Ok(Arc::new(Self {
            keyring,
            client: SellerClient::new(),
        }))
    }
}

impl App {
    pub(crate) fn keyring(&self) -> AppResult<&Keyring> {
        self.connections.keyring.as_ref().ok_or_else(|| {
            AppError::Unavailable(
                "connections are not set up: configure connections.secret_key".into(),
            )
        })
    }

    pub(crate) fn seller_timeouts(&self) -> Timeouts {
        let c = &self.config.connections;
        let ms = std::time::Duration::from_millis;
        Timeouts {
            connect: ms(c.connect_timeout_ms),
            authenticate: ms(c.authenticate_timeout_ms),
            search: ms(c.search_timeout_ms),
            quote: ms(c.quote_timeout_ms),
            content: ms(c.content_timeout_ms),
        }
    }
}

/// The stored credential schema of a connection type, parsed (it was
/// checked when saved, so a failure here is an internal error).
pub(crate) fn stored_schema(
    t: &frontdesk_store::connections::ConnectionTypeRecord,
) -> AppResult<frontdesk_activation::schema::CredentialSchema> {
    serde_json::from_str::<serde_json::Value>(&t.spec)
        .ok()
        .and_then(|v| frontdesk_activation::schema::CredentialSchema::parse(&v).ok())
        .ok_or_else(|| AppError::Internal("the stored credential schema no longer parses".into()))
}

impl App {
    /// An access's connection type and its parsed schema.
    pub(crate) async fn access_schema(
        &self,
        access: &frontdesk_store::connections::AccessRecord,
    ) -> AppResult<(
        frontdesk_store::connections::ConnectionTypeRecord,
        frontdesk_activation::schema::CredentialSchema,
    )> {
        let ctype = self
            .store
            .connection_type(access.seller_id, &access.kind)
            .await?
            .ok_or(AppError::NotFound("connection type"))?;
        let schema = stored_schema(&ctype)?;
        Ok((ctype, schema))
    }
}

/// `test` or `live`.
pub(crate) fn parse_environment(raw: &str) -> Option<&'static str> {
    match raw {
        "test" => Some("test"),
        "live" => Some("live"),
        _ => None,
    }
}

/// `pull` or `push`.
pub(crate) fn parse_kind(raw: &str) -> Option<&'static str> {
    match raw {
        "pull" => Some("pull"),
        "push" => Some("push"),
        _ => None,
    }
}

pub(crate) fn kind_label(kind: &str) -> &'static str {
    if kind == "push" { "Push" } else { "Pull" }
}
