//! Application services: the use cases of frontdesk.
//!
//! Each service loads what it needs through the store with the caller's
//! scope, asks the domain what happens, and writes the new state together
//! with its effects (audit, timers, outbox) in one transaction.

pub mod access;
pub mod admin;
pub mod assistant;
pub mod auth;
pub mod blobs;
pub mod cases;
pub mod clock;
pub mod config;
pub mod connections;
pub mod error;
pub mod inbound;
pub mod kb;
mod notify;
pub mod outbox;
pub mod policy;
pub mod timers;

pub use access::Caller;
pub use clock::Clock;
pub use config::Config;
pub use error::{AppError, AppResult, FieldError};

use frontdesk_mail::transport::Transport;
use frontdesk_store::Store;
use std::sync::Arc;

/// Everything a use case needs, shared by the web layer and the workers.
#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Arc<Clock>,
    /// The timer policy in force (see [`App::policy`]).
    policy: Arc<policy::PolicyCell>,
    pub transport: Arc<Transport>,
    pub blobs: Arc<blobs::BlobStore>,
    /// Wakes the workers when new work was committed.
    pub wake: Arc<tokio::sync::Notify>,
    pub auth_cache: Arc<access::AuthCache>,
    /// Group commit of new cases.
    pub creates: Arc<cases::CreateQueue>,
    /// The knowledge base's index and AIna's answer engine.
    pub kb: Arc<kb::Kb>,
    /// Secrets at rest and the seller adapter.
    pub connections: Arc<connections::Connections>,
}

impl App {
    /// Connects to the database, applies migrations and prepares transports.
    pub async fn build(config: Config, clock: Clock) -> AppResult<Self> {
        let config = Arc::new(config);
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::Config(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let store = Store::connect(&config.database_url()).await?;
        store.migrate().await?;
        let policy = config.timers.policy()?;
        let transport = Arc::new(config.mail.transport(&config.data_dir)?);
        let blobs = Arc::new(blobs::BlobStore::new(config.data_dir.join("attachments"))?);
        let kb = Arc::new(kb::Kb::new(config.assistant.engine(&config.data_dir)?));
        let connections = connections::Connections::from_config(&config.connections)?;
        let app = Self {
            store,
            config,
            clock: Arc::new(clock),
            policy: Arc::new(policy::PolicyCell::new(policy)),
            transport,
            blobs,
            wake: Arc::new(tokio::sync::Notify::new()),
            auth_cache: Arc::new(access::AuthCache::default()),
            creates: Arc::new(cases::CreateQueue::default()),
            kb,
            connections,
        };
        app.reload_policy().await?;
        // The index is derived data: bring it up to date (or rebuild it)
        // before serving questions.
        if let Err(e) = app.sync_index().await {
            tracing::warn!(error = %e, "search index not ready; the workers will retry");
        }
        Ok(app)
    }

    pub fn now(&self) -> frontdesk_domain::Timestamp {
        self.clock.now()
    }
}
