//! The demo sellers of SELLER-API.md §6: a real HTTP server speaking the Hotel-X GraphQL subset
//! of §2, with scripted behaviours (chosen by the access's user or client code) so every
//! outcome of an activation run can be shown and tested without a real seller.
//!
//! Transport behaviours (`flaky`, `slow`, `server-error`, `garbage`, `huge`, `drip`,
//! `redirect`, `hang-up`) are decided from the JSON body before GraphQL runs; business ones
//! (credentials, `not-enabled`, `quote-fails`, …) live in the resolvers of `schema`.

mod data;
mod http;
mod rng;
mod schema;
mod specs;

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;

pub use specs::{DemoSellerSpec, DemoTypeSpec, specs};

/// The only password a Pull access of the demo accepts (§6).
pub(crate) const DEMO_PASSWORD: &str = "demo";
/// Most entries `/_demo/requests` keeps (oldest dropped first), so memory stays bounded.
const LOG_CAP: usize = 10_000;

/// A demo seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seller {
    Mirador,
    AtlasBeds,
    Dormant,
}

impl Seller {
    fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "mirador" => Some(Self::Mirador),
            "atlasbeds" => Some(Self::AtlasBeds),
            "dormant" => Some(Self::Dormant),
            _ => None,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Mirador => "MIRADOR",
            Self::AtlasBeds => "ATLASBEDS",
            Self::Dormant => "DORMANT",
        }
    }

    /// The connection types each seller registers (§5).
    fn serves(self, kind: Kind) -> bool {
        kind == Kind::Pull || self == Self::AtlasBeds
    }
}

/// A connection type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Pull,
    Push,
}

impl Kind {
    fn from_slug(s: &str) -> Option<Self> {
        match s {
            "pull" => Some(Self::Pull),
            "push" => Some(Self::Push),
            _ => None,
        }
    }
}

/// An access environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Env {
    Test,
    Live,
}

impl Env {
    fn from_slug(s: &str) -> Option<Self> {
        match s {
            "test" => Some(Self::Test),
            "live" => Some(Self::Live),
            _ => None,
        }
    }
}

/// The endpoint path for a seller/type/env, e.g. `/mirador/pull/test/graphql`.
pub fn endpoint_path(slug: &str, kind: &str, env: &str) -> String {
    format!("/{slug}/{kind}/{env}/graphql")
}

/// One line of `/_demo/requests` (§6): what was asked and answered, never a secret.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogEntry {
    pub time: String,
    pub path: String,
    pub operation_name: Option<String>,
    pub access_id: Option<String>,
    pub key: Option<String>,
    pub password_matched: Option<bool>,
    pub http_status: Option<u16>,
    pub error_code: Option<String>,
}

/// What changes while the demo runs; `/_demo/reset` clears the counters and enablements.
#[derive(Debug, Default)]
struct Mutable {
    /// `search` requests seen per access id (the `flaky` script).
    search_counts: HashMap<String, u32>,
    enabled: HashSet<String>,
    log: VecDeque<LogEntry>,
}

/// Not `Debug`: async-graphql's `Schema` is not.
struct Inner {
    data: Arc<data::Data>,
    schema: schema::HotelXSchema,
    mutable: Mutex<Mutable>,
}

/// The demo seller: generated data, the GraphQL schema and the shared mutable state
/// (counters, enablements, request log). Cheap to clone.
#[derive(Clone)]
pub struct DemoSeller {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DemoSeller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSeller")
            .field("hotels", &self.inner.data.hotels.len())
            .field("destinations", &self.inner.data.destinations.len())
            .finish_non_exhaustive()
    }
}

impl Default for DemoSeller {
    fn default() -> Self {
        Self::new()
    }
}

impl DemoSeller {
    /// Generates the data from the fixed seed and starts with no counters or enablements.
    pub fn new() -> Self {
        let data = Arc::new(data::Data::generate());
        let schema = schema::build(data.clone());
        Self {
            inner: Arc::new(Inner {
                data,
                schema,
                mutable: Mutex::new(Mutable::default()),
            }),
        }
    }

    /// All routes of §6. Served by anything but [`serve`], `hang-up` can only abort the
    /// response body after its head; [`serve`] closes the connection without any answer.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    fn state(&self) -> MutexGuard<'_, Mutable> {
        self.inner
            .mutable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn log(&self, entry: LogEntry) {
        let mut state = self.state();
        if state.log.len() >= LOG_CAP {
            state.log.pop_front();
        }
        state.log.push_back(entry);
    }
}

/// Serves the router on the listener until `shutdown` resolves, then lets open connections
/// finish for up to 5 s. Binds nothing itself. Connections are accepted here rather than by
/// `axum::serve` so the `hang-up` script can drop a socket without any answer.
pub async fn serve(
    listener: TcpListener,
    seller: DemoSeller,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    http::serve(listener, seller.router(), shutdown, Duration::from_secs(5)).await
}
