//! Load benchmarks for the standing budgets, printed as figures:
//!
//! - `create`: cases created over HTTP per second (SQLite), latency, memory;
//! - `list`:   the dashboard query's latency with 1M cases in 10k organizations;
//! - `sweep`:  due timer transitions applied per second.
//!
//! Run: `cargo bench -p frontdesk --bench load [-- create|list|sweep] [--postgres]`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::field_reassign_with_default
)]

use frontdesk_app::{App, Clock, Config};
use frontdesk_domain::Timestamp;
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use frontdesk_testkit::TestDb;
use rand::{Rng, SeedableRng};
use sqlx::Executor;
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-1";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--bench"))
        .collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let which: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let all = which.is_empty();
    if all || which.contains(&"create") {
        create(postgres).await;
    }
    if all || which.contains(&"list") {
        list(postgres).await;
    }
    if all || which.contains(&"sweep") {
        sweep(postgres).await;
    }
}

struct Bench {
    app: App,
    db: TestDb,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A data directory removed at the end.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn start(postgres: bool) -> Bench {
    let db = if postgres {
        TestDb::postgres().await.expect("PostgreSQL for --postgres")
    } else {
        TestDb::sqlite()
    };
    let dir = std::env::temp_dir().join(format!("frontdesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = Config {
        data_dir: dir.clone(),
        database_url: db.url.clone(),
        ..Config::default()
    };
    let app = App::build(config, Clock::system()).await.unwrap();
    app.ensure_default_teams().await.unwrap();
    Bench {
        app,
        db,
        _dir: tempfile_dir::Dir(dir),
    }
}

async fn finish(b: Bench) {
    b.app.store.close().await;
    b.db.cleanup().await;
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Cases created through `POST /api/v1/cases` by concurrent clients.
async fn create(postgres: bool) {
    let b = start(postgres).await;
    let app = b.app.clone();
    app.create_organization(org("bench-org")).await.unwrap();
    app.create_user("bench@example.com", "Bench", Some(PASSWORD), false)
        .await
        .unwrap();
    app.set_membership("bench@example.com", "bench-org", MemberRole::Member)
        .await
        .unwrap();
    let (_, token) = app.login("bench@example.com", PASSWORD).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(frontdesk_web::serve(
        app.clone(),
        listener,
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let url = format!("http://{addr}/api/v1/cases");
    let body = serde_json::json!({
        "category": "customer_care",
        "subject": "Search returns no availability for Barcelona",
        "description": "Every search for BCN next weekend is empty since this morning. Request ids 7f3a91, 7f3a97.",
        "participants": ["colleague@example.com"]
    })
    .to_string();
    let run = |n: usize, concurrency: usize| {
        let client = client.clone();
        let url = url.clone();
        let body = body.clone();
        let token = token.clone();
        async move {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..concurrency {
                let (client, url, body, token) =
                    (client.clone(), url.clone(), body.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    for _ in (w..n).step_by(concurrency) {
                        let t = Instant::now();
                        let r = client
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    lat
                }));
            }
            let mut lat = Vec::new();
            for t in tasks {
                lat.extend(t.await.unwrap());
            }
            (started.elapsed(), lat)
        }
    };
    let _ = run(500, 16).await; // warm-up
    let rss_before = rss_mib();
    let mut rss_points = Vec::new();
    let mut total = Duration::ZERO;
    let mut all = Vec::new();
    // FD_BENCH_ROUNDS=25 shows whether memory stays flat over 100k cases.
    let rounds: usize = std::env::var("FD_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    for _ in 0..rounds {
        let (elapsed, lat) = run(4_000, 32).await;
        total += elapsed;
        all.extend(lat);
        rss_points.push(rss_mib());
    }
    all.sort();
    let n = all.len();
    println!(
        "create [{}]: {n} cases over HTTP in {:.2}s = {:.0}/s; latency p50 {:.2} ms, p99 {:.2} ms; RSS {:.0} MiB before, {} MiB after each 4k",
        if postgres { "postgres" } else { "sqlite" },
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        rss_before,
        rss_points
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join("/"),
    );
    server.abort();
    finish(b).await;
}

fn org(code: &str) -> NewOrganization {
    NewOrganization {
        code: code.into(),
        name: code.into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: true,
        company_visibility: CompanyVisibility::Members,
    }
}

const STATUSES: [(&str, i64); 5] = [
    ("open", 0),
    ("in_progress", 1),
    ("feedback_required", 2),
    ("resolved", 3),
    ("closed", 4),
];
const CATEGORIES: [&str; 3] = ["customer_care", "connections", "billing"];
const WORDS: [&str; 12] = [
    "search",
    "quote",
    "booking",
    "timeout",
    "hotel",
    "invoice",
    "mapping",
    "images",
    "rates",
    "cancellation",
    "credentials",
    "availability",
];

/// Inserts `orgs` organizations with one user each and `per_org` cases each,
/// in bulk statements (seeding, not the path under test).
async fn seed_bulk(app: &App, orgs: i64, per_org: i64, timers_due: Option<Timestamp>) {
    let pool = sqlx::AnyPool::connect(&app.config.database_url())
        .await
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let now = app.now().0;
    let t = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    conn.execute("BEGIN").await.unwrap();
    for chunk in (1..=orgs).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from(
            "INSERT INTO organizations (code, name, is_buyer, is_seller, active, commercial_contract, company_visibility, created_at) VALUES ",
        );
        let mut users =
            String::from("INSERT INTO users (email, name, is_admin, active, created_at) VALUES ");
        for (i, o) in chunk.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            sql.push_str(&format!(
                "{sep}('org-{o}', 'Org {o}', TRUE, FALSE, TRUE, TRUE, 'members', {now})"
            ));
            users.push_str(&format!(
                "{sep}('user{o}@example.com', 'User {o}', FALSE, TRUE, {now})"
            ));
        }
        conn.execute(sql.as_str()).await.unwrap();
        conn.execute(users.as_str()).await.unwrap();
    }
    let org_base: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM organizations WHERE code LIKE 'org-%'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let user_base: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users WHERE email LIKE 'user%'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let year = 365 * 86_400_000_i64;
    let total = orgs * per_org;
    let mut batch = Vec::new();
    for i in 0..total {
        let o = i % orgs;
        let (status, rank) = match timers_due {
            Some(_) => STATUSES[2],
            None => {
                STATUSES[if rng.random_bool(0.7) {
                    4
                } else {
                    rng.random_range(0..4)
                }]
            }
        };
        let created = now - rng.random_range(0..year);
        let updated = created + rng.random_range(0..(now - created).max(1));
        let subject = format!(
            "{} {} problem {}",
            WORDS[rng.random_range(0..12)],
            WORDS[rng.random_range(0..12)],
            i
        );
        batch.push(format!(
            "({}, '{}', '{}', 'Details of the problem.', {}, '{}', {}, {}, 1, '{}', {}, {}, {})",
            org_base + o,
            CATEGORIES[rng.random_range(0..3)],
            subject,
            user_base + o,
            status,
            rank,
            if status == "closed" { "TRUE" } else { "FALSE" },
            "customer-care",
            created,
            updated,
            updated
        ));
        if batch.len() == 1000 || i == total - 1 {
            let sql = format!(
                "INSERT INTO cases (org_id, category, subject, description, requester_id, status, status_rank, closed, epoch, team, created_at, updated_at, status_changed_at) VALUES {}",
                batch.join(",")
            );
            conn.execute(sql.as_str()).await.unwrap();
            batch.clear();
        }
    }
    if let Some(due) = timers_due {
        let sql = format!(
            "INSERT INTO timers (case_id, kind, epoch, due_at) SELECT id, CASE WHEN id % 3 = 0 THEN 'feedback_first_reminder' WHEN id % 3 = 1 THEN 'feedback_second_reminder' ELSE 'feedback_close' END, 1, {} FROM cases",
            due.0
        );
        conn.execute(sql.as_str()).await.unwrap();
    }
    conn.execute("COMMIT").await.unwrap();
    conn.execute("ANALYZE").await.unwrap();
    if app.store.backend() == frontdesk_store::Backend::Sqlite {
        // Measure the path under test, not the copying-back of seed data.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
    }
    drop(conn);
    pool.close().await;
    println!(
        "  seeded {total} cases in {orgs} organizations in {:.1}s",
        t.elapsed().as_secs_f64()
    );
}

/// The dashboard query over HTTP with 1M cases in 10k organizations.
async fn list(postgres: bool) {
    let b = start(postgres).await;
    let app = b.app.clone();
    let orgs = 10_000;
    seed_bulk(&app, orgs, 100, None).await;
    // Members for a sample of organizations, each with a session.
    let mut tokens = Vec::new();
    for o in (1..=orgs).step_by(500) {
        let email = format!("member{o}@example.com");
        app.create_user(&email, "Member", Some(PASSWORD), false)
            .await
            .unwrap();
        app.set_membership(&email, &format!("org-{o}"), MemberRole::Member)
            .await
            .unwrap();
        tokens.push(app.login(&email, PASSWORD).await.unwrap().1);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(frontdesk_web::serve(
        app.clone(),
        listener,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let queries = [
        "scope=company",
        "scope=company&sort=created&order=asc",
        "scope=company&sort=status",
        "scope=company&status=closed",
        "scope=company&status=all&sort=created",
        "scope=company&category=billing",
        "scope=company&q=timeout",
        "scope=company&status=in_progress",
        "scope=mine",
    ];
    for q in queries {
        let lat = measure(
            &client,
            &format!("http://{addr}/api/v1/cases?{q}&limit=25"),
            &tokens,
        )
        .await;
        report(postgres, q, &lat);
    }
    // Staff work lists: a team's queue and each agent's own cases (10% of
    // all cases are assigned, spread over 20 agents).
    let mut agents = Vec::new();
    for n in 0..20 {
        let email = format!("agent{n}@example.com");
        app.create_user(&email, "Agent", Some(PASSWORD), false)
            .await
            .unwrap();
        app.add_staff(&email, "customer-care").await.unwrap();
        agents.push(app.login(&email, PASSWORD).await.unwrap().1);
    }
    let pool = sqlx::AnyPool::connect(&app.config.database_url())
        .await
        .unwrap();
    let first_agent: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM users WHERE email LIKE 'agent%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query(&format!(
        "UPDATE cases SET assignee_id = {first_agent} + (id / 10) % 20 WHERE id % 10 = 0"
    ))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    pool.close().await;
    let staff_queries = [
        "team=customer-care",
        "team=customer-care&sort=created&order=asc",
        "team=customer-care&assignee=none",
        "assignee=me",
        "assignee=me&status=all&sort=created",
        "assignee=me&sort=status",
    ];
    for q in staff_queries {
        let lat = measure(
            &client,
            &format!("http://{addr}/api/v1/staff/cases?{q}&limit=25"),
            &agents,
        )
        .await;
        report(postgres, &format!("staff {q}"), &lat);
    }
    server.abort();
    finish(b).await;
}

/// Latencies of 20 rounds of `url` for each token (incl. HTTP and auth);
/// even rounds follow the cursor to a second page, as a user paging on.
async fn measure(client: &reqwest::Client, url: &str, tokens: &[String]) -> Vec<Duration> {
    let mut lat = Vec::new();
    for round in 0..20 {
        for token in tokens {
            let t = Instant::now();
            let r = client.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
            let page: serde_json::Value = r.json().await.unwrap();
            if round % 2 == 0
                && let Some(c) = page["next_cursor"].as_str()
            {
                let r = client
                    .get(format!("{url}&cursor={c}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await;
            }
            lat.push(t.elapsed());
        }
    }
    lat.sort();
    lat
}

fn report(postgres: bool, what: &str, sorted: &[Duration]) {
    println!(
        "list [{}] {what:<45} p50 {:.2} ms  p99 {:.2} ms  (n={}, incl. HTTP and auth; even rounds fetch 2 pages)",
        if postgres { "postgres" } else { "sqlite" },
        percentile(sorted, 0.5).as_secs_f64() * 1e3,
        percentile(sorted, 0.99).as_secs_f64() * 1e3,
        sorted.len()
    );
}

/// Due timers applied per second by the sweep.
async fn sweep(postgres: bool) {
    let b = start(postgres).await;
    let app = b.app.clone();
    let due = Timestamp(app.now().0 - 1000);
    seed_bulk(&app, 1_000, 60, Some(due)).await;
    let n: i64 = 60_000;
    let t = Instant::now();
    let applied = app.sweep_timers(app.now()).await.unwrap();
    let elapsed = t.elapsed();
    println!(
        "sweep [{}]: {applied} of {n} due timers applied in {:.2}s = {:.0} transitions/s",
        if postgres { "postgres" } else { "sqlite" },
        elapsed.as_secs_f64(),
        applied as f64 / elapsed.as_secs_f64()
    );
    finish(b).await;
}
