//! The harness of the shared storage suite: every story runs once against a
//! fresh SQLite file and once against a fresh PostgreSQL database.
//!
//! PostgreSQL comes from `FRONTDESK_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test creates its own
//! database there and drops it afterwards, also when the story panics. When
//! the server cannot be reached the PostgreSQL half is skipped with a note on
//! stderr, unless `FRONTDESK_REQUIRE_PG=1`, which turns that into a failure.

use frontdesk_store::{Backend, Store};
use sqlx::{Connection, Executor};
use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const SKIP_NOTE: &str = "PostgreSQL not reachable: PostgreSQL half of the storage suite skipped";

/// Turns each story `async fn name(store: Store)` into the tests
/// `sqlite::name` and `postgres::name`.
macro_rules! stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run_postgres(super::$name).await;
                }
            )*
        }
    };
}

/// What a story may ask of the harness besides its `Store`.
#[derive(Debug, Clone)]
struct Ctx {
    url: String,
    backend: Backend,
}

tokio::task_local! {
    static CTX: Ctx;
}

fn ctx() -> Ctx {
    CTX.with(Clone::clone)
}

/// The backend the running story was given.
pub fn backend() -> Backend {
    ctx().backend
}

/// The URL of the running story's database.
pub fn url() -> String {
    ctx().url
}

/// Runs one statement on a connection of its own, outside the store: for
/// changes the store has no API for (deactivating a user) and for looking
/// at bookkeeping tables.
pub async fn raw_execute(sql: &str) -> u64 {
    let mut conn = sqlx::AnyConnection::connect(&ctx().url)
        .await
        .expect("raw connection");
    let done = conn.execute(sql).await.expect("raw statement");
    conn.close().await.expect("close raw connection");
    done.rows_affected()
}

/// Like [`raw_execute`], for a query of one integer.
pub async fn raw_i64(sql: &str) -> i64 {
    let mut conn = sqlx::AnyConnection::connect(&ctx().url)
        .await
        .expect("raw connection");
    let value: i64 = sqlx::query_scalar(sql)
        .fetch_one(&mut conn)
        .await
        .expect("raw query");
    conn.close().await.expect("close raw connection");
    value
}

async fn run_story<F, Fut>(store: Store, ctx: Ctx, story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    assert_eq!(store.backend(), ctx.backend);
    store.migrate().await.expect("migrate");
    CTX.scope(ctx, story(store)).await;
}

pub async fn run_sqlite<F, Fut>(story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("frontdesk.db").display()
    );
    let store = Store::connect(&url).await.expect("connect to SQLite");
    let ctx = Ctx {
        url,
        backend: Backend::Sqlite,
    };
    run_story(store.clone(), ctx, story).await;
    store.close().await;
    drop(dir);
}

pub async fn run_postgres<F, Fut>(story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let admin_url =
        std::env::var("FRONTDESK_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
    if let Err(e) = reachable(&admin_url).await {
        if std::env::var("FRONTDESK_REQUIRE_PG").is_ok_and(|v| v == "1") {
            panic!("PostgreSQL is required (FRONTDESK_REQUIRE_PG=1) but not reachable: {e}");
        }
        // Once per run on the real stderr, which the test harness does not
        // capture; and with each test, for `--nocapture` and failures.
        static NOTED: AtomicBool = AtomicBool::new(false);
        if !NOTED.swap(true, Ordering::Relaxed) {
            let _ = writeln!(std::io::stderr(), "{SKIP_NOTE} ({e})");
        }
        eprintln!("{SKIP_NOTE} ({e})");
        return;
    }
    let mut db = PgTestDb::create(&admin_url).await;
    let store = Store::connect(&db.url)
        .await
        .expect("connect to the test database");
    db.store = Some(store.clone());
    let ctx = Ctx {
        url: db.url.clone(),
        backend: Backend::Postgres,
    };
    run_story(store, ctx, story).await;
    db.cleanup().await;
}

/// Whether the server answers; asked once per run (per URL).
async fn reachable(admin_url: &str) -> Result<(), String> {
    static ANSWER: Mutex<Option<(String, Result<(), String>)>> = Mutex::new(None);
    if let Some((url, answer)) = &*ANSWER.lock().unwrap_or_else(|e| e.into_inner())
        && url == admin_url
    {
        return answer.clone();
    }
    let answer = try_connect(admin_url).await;
    *ANSWER.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((admin_url.to_owned(), answer.clone()));
    answer
}

async fn try_connect(admin_url: &str) -> Result<(), String> {
    let connect = sqlx::PgConnection::connect(admin_url);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connection timed out".into()),
    }
}

/// A database of one test; dropped with the guard, even after a panic.
struct PgTestDb {
    admin_url: String,
    name: String,
    url: String,
    store: Option<Store>,
    dropped: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl PgTestDb {
    async fn create(admin_url: &str) -> Self {
        let name = format!(
            "fdtest_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("admin connection");
        admin
            .execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let url = with_database(admin_url, &name);
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
            store: None,
            dropped: false,
        }
    }

    /// The normal end of a test: close the pools, then drop the database.
    async fn cleanup(mut self) {
        if let Some(store) = self.store.take() {
            store.close().await;
        }
        drop_database(&self.admin_url, &self.name)
            .await
            .expect("drop the test database");
        self.dropped = true;
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // A story panicked: we are unwinding inside the test's runtime, so
        // do the async work on a thread with a runtime of its own.
        let store = self.store.take();
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let worker = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot drop test database {name}: no runtime: {e}");
                    return;
                }
            };
            rt.block_on(async {
                if let Some(store) = store {
                    let _ = tokio::time::timeout(Duration::from_secs(10), store.close()).await;
                }
                if let Err(e) = drop_database(&admin_url, &name).await {
                    eprintln!("cannot drop test database {name}: {e}");
                }
            });
        });
        let _ = worker.join();
    }
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
