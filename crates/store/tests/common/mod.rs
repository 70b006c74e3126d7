//! The harness of the shared storage suite: every story runs once against a
//! fresh SQLite file and once against a fresh PostgreSQL database.
//!
//! The databases come from `frontdesk-testkit`: a fresh one per test, dropped
//! afterwards even when the story panics; the PostgreSQL half is skipped with
//! a note when no server is reachable, unless `FRONTDESK_REQUIRE_PG=1`.

use frontdesk_store::{Backend, Store};
use frontdesk_testkit::TestDb;
use sqlx::{Connection, Executor};
use std::future::Future;

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
    let db = TestDb::sqlite();
    let store = Store::connect(&db.url).await.expect("connect to SQLite");
    let ctx = Ctx {
        url: db.url.clone(),
        backend: Backend::Sqlite,
    };
    run_story(store.clone(), ctx, story).await;
    store.close().await;
    db.cleanup().await;
}

pub async fn run_postgres<F, Fut>(story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = Store::connect(&db.url)
        .await
        .expect("connect to the test database");
    let ctx = Ctx {
        url: db.url.clone(),
        backend: Backend::Postgres,
    };
    run_story(store.clone(), ctx, story).await;
    store.close().await;
    db.cleanup().await;
}
