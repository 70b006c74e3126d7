//! Fresh databases for tests: a SQLite file in a temporary folder, or a
//! database of its own on the PostgreSQL server, dropped afterwards even
//! when the test panics.
//!
//! PostgreSQL comes from `FRONTDESK_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be
//! reached, [`TestDb::postgres`] returns `None` after printing that the
//! PostgreSQL half was skipped, unless `FRONTDESK_REQUIRE_PG=1` (as CI
//! sets), which makes it a failure.

use sqlx::{Connection, Executor};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const SKIP_NOTE: &str = "PostgreSQL not reachable: PostgreSQL half of the suite skipped";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
        dropped: bool,
    },
}

impl TestDb {
    /// A new SQLite database file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("frontdesk.db").display()
        );
        Self {
            url,
            kind: Kind::Sqlite(dir),
        }
    }

    /// The temporary folder of a SQLite database (for data directories).
    pub fn dir(&self) -> Option<&std::path::Path> {
        match &self.kind {
            Kind::Sqlite(d) => Some(d.path()),
            Kind::Postgres { .. } => None,
        }
    }

    /// A new database on the PostgreSQL server, or `None` when there is no
    /// server to use (and it is not required).
    pub async fn postgres() -> Option<Self> {
        let admin_url =
            std::env::var("FRONTDESK_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
        if let Err(e) = reachable(&admin_url).await {
            assert!(
                std::env::var("FRONTDESK_REQUIRE_PG").as_deref() != Ok("1"),
                "PostgreSQL is required (FRONTDESK_REQUIRE_PG=1) but not reachable: {e}"
            );
            static NOTED: AtomicBool = AtomicBool::new(false);
            if !NOTED.swap(true, Ordering::Relaxed) {
                let _ = writeln!(std::io::stderr(), "{SKIP_NOTE} ({e})");
            }
            eprintln!("{SKIP_NOTE} ({e})");
            return None;
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "fdtest_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("admin connection");
        admin
            .execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Some(Self {
            url,
            kind: Kind::Postgres {
                admin_url,
                name,
                dropped: false,
            },
        })
    }

    /// Drops the database now (call after closing every pool on it).
    pub async fn cleanup(mut self) {
        if let Kind::Postgres {
            admin_url,
            name,
            dropped,
        } = &mut self.kind
        {
            drop_database(admin_url, name)
                .await
                .expect("drop the test database");
            *dropped = true;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Kind::Postgres {
            admin_url,
            name,
            dropped: false,
        } = &self.kind
        else {
            return;
        };
        // The test panicked (or forgot cleanup): drop the database from a
        // thread with a runtime of its own, as we may be inside one.
        let (admin_url, name) = (admin_url.clone(), name.clone());
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Err(e) = drop_database(&admin_url, &name).await {
                    eprintln!("cannot drop test database {name}: {e}");
                }
            });
        });
        let _ = worker.join();
    }
}

/// Whether the server answers; asked once per process.
async fn reachable(admin_url: &str) -> Result<(), String> {
    static ANSWER: Mutex<Option<(String, Result<(), String>)>> = Mutex::new(None);
    if let Some((url, answer)) = &*ANSWER.lock().unwrap_or_else(|e| e.into_inner())
        && url == admin_url
    {
        return answer.clone();
    }
    let answer = match tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::PgConnection::connect(admin_url),
    )
    .await
    {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connection timed out".into()),
    };
    *ANSWER.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((admin_url.to_owned(), answer.clone()));
    answer
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    admin
        .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await?;
    admin.close().await
}

/// `admin_url` with its database replaced by `name`, query kept.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
