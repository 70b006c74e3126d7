/// What can go wrong in storage, in terms the application can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (names the constraint or column).
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("stored data is not what frontdesk expects: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Unique violations become `Conflict`; everything else stays a database error.
    pub(crate) fn from_write(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return Self::Conflict(db.message().to_owned());
        }
        Self::Db(e)
    }

    /// Whether retrying the same operation may succeed (lock contention,
    /// serialization failure, pool exhaustion).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Db(sqlx::Error::PoolTimedOut) => true,
            Self::Db(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                // SQLite BUSY/LOCKED, PostgreSQL serialization failure / deadlock.
                matches!(&*code, "5" | "6" | "517" | "40001" | "40P01")
            }
            _ => false,
        }
    }
}
