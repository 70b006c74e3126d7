//! Connecting, migrating and opening transactions.

use crate::StoreResult;
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Which database is behind the store, picked once from the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// Row locks for read-modify-write; SQLite's single writer already
    /// serializes write transactions.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// Turns a 0/1 integer into the flag type of the `closed`-like columns.
    pub(crate) fn bool_cast(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => "<> 0",
        }
    }

    /// Lets concurrent claimers pass over rows another replica holds.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// The storage seam. Cheap to clone (pools are shared).
///
/// On SQLite, writes go through a single-connection pool and start with
/// `BEGIN IMMEDIATE`, so writers queue instead of failing with SQLITE_BUSY,
/// while reads use a pool of their own against the WAL.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
    pub(crate) backend: Backend,
}

/// A write transaction. Dropped without `commit`, it rolls back.
#[derive(Debug)]
pub struct Tx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    /// The knowledge-base revision this transaction stamps its article
    /// changes with, once it has made one (see `kb.rs`).
    pub(crate) kb_revision: Option<i64>,
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000; PRAGMA journal_size_limit = 67108864; \
     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;";

impl Store {
    /// Connects to `sqlite://path?mode=rwc` or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            crate::StoreError::Corrupt(format!(
                "unsupported database URL scheme in {:?}: use sqlite:// or postgres://",
                url.split(':').next().unwrap_or_default()
            ))
        })?;
        let (read, write) = match backend {
            Backend::Sqlite => {
                let options = |extra: &'static str| {
                    AnyPoolOptions::new()
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(move |conn, _meta| {
                            Box::pin(async move {
                                conn.execute(SQLITE_PRAGMAS).await?;
                                conn.execute(extra).await?;
                                Ok(())
                            })
                        })
                };
                // The writer never checkpoints; a reader does it beside it.
                let write = options("PRAGMA wal_autocheckpoint = 0;")
                    .max_connections(1)
                    .connect(url)
                    .await?;
                let read = options("SELECT 1;").max_connections(4).connect(url).await?;
                tokio::spawn(checkpoint_wal(read.clone()));
                (read, write)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                (pool.clone(), pool)
            }
        };
        Ok(Self {
            read,
            write,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations of this backend (append-only; locked
    /// on PostgreSQL so concurrent starts are safe).
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = Migrator::new(Embedded(self.backend)).await?;
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// Opens a write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(Tx {
            tx,
            backend: self.backend,
            kb_revision: None,
        })
    }

    /// A read-only snapshot on the read pool, for answers put together from
    /// several queries that must agree with one another.
    pub(crate) async fn snapshot(&self) -> StoreResult<Transaction<'static, Any>> {
        let tx = match self.backend {
            // A deferred transaction reads one WAL snapshot from its first read.
            Backend::Sqlite => self.read.begin().await?,
            Backend::Postgres => {
                self.read
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(tx)
    }

    /// For readiness probes.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Copies the SQLite write-ahead log back into the database file every
/// second, from a reader connection, so the single writer never pauses for
/// it; ends when the pool closes.
async fn checkpoint_wal(read: AnyPool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if read.is_closed() {
            return;
        }
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&read)
            .await
        {
            Ok(_) => {}
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

/// The migrations compiled into the binary, one folder per backend.
#[derive(Debug)]
struct Embedded(Backend);

/// Append-only: a new file gets the next version here and in
/// `POSTGRES_MIGRATIONS`; applied ones are never edited.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "assistant",
        include_str!("../migrations/sqlite/0002_assistant.sql"),
    ),
    (
        3,
        "inbound",
        include_str!("../migrations/sqlite/0003_inbound.sql"),
    ),
    (
        4,
        "settings",
        include_str!("../migrations/sqlite/0004_settings.sql"),
    ),
    (
        5,
        "connections",
        include_str!("../migrations/sqlite/0005_connections.sql"),
    ),
    (
        6,
        "assignee_queues",
        include_str!("../migrations/sqlite/0006_assignee_queues.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "assistant",
        include_str!("../migrations/postgres/0002_assistant.sql"),
    ),
    (
        3,
        "inbound",
        include_str!("../migrations/postgres/0003_inbound.sql"),
    ),
    (
        4,
        "settings",
        include_str!("../migrations/postgres/0004_settings.sql"),
    ),
    (
        5,
        "connections",
        include_str!("../migrations/postgres/0005_connections.sql"),
    ),
    (
        6,
        "assignee_queues",
        include_str!("../migrations/postgres/0006_assignee_queues.sql"),
    ),
];

type BoxDynError = Box<dyn std::error::Error + Send + Sync>;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let list = match self.0 {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}
