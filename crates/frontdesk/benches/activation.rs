//! Connections auto-activation throughput, printed as figures: N accesses
//! requested against the demo seller (half Mirador Hotels pull, half Atlas
//! Beds pull), then activated by K workers at once on clones of one App
//! (the same database, as K replicas would), while a separate connection
//! samples how many runs each seller has in flight, which must never pass
//! `per_seller_limit`.
//!
//! Run: `cargo bench -p frontdesk --bench activation [-- --accesses N] [--workers K] [--postgres]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use frontdesk_app::connections::ConnectionRequest;
use frontdesk_app::{App, Clock, Config};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use frontdesk_testkit::TestDb;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-1";
const ADMIN: &str = "ada@frontdesk.example";
const BUYER: &str = "pat@acme.example";

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let accesses: usize = arg(&args, "--accesses", 500);
    let workers: usize = arg(&args, "--workers", 2).max(1);
    let backend = if postgres { "postgres" } else { "sqlite" };
    let db = if postgres {
        TestDb::postgres().await.expect("PostgreSQL for --postgres")
    } else {
        TestDb::sqlite()
    };
    let dir =
        std::env::temp_dir().join(format!("frontdesk-activation-bench-{}", std::process::id()));
    let mut config = Config {
        data_dir: dir.clone(),
        database_url: db.url.clone(),
        ..Config::default()
    };
    config.connections.secret_key = Some(
        frontdesk::demo_sellers::demo_secret_key(&dir)
            .unwrap()
            .into(),
    );
    let limit = config.connections.per_seller_limit;
    let app = App::build(config, Clock::system()).await.unwrap();
    app.ensure_default_teams().await.unwrap();

    // The world: an administrator, a buyer with a contract and its member,
    // and the demo seller registered.
    app.create_user(ADMIN, "Ada Admin", Some(PASSWORD), true)
        .await
        .unwrap();
    app.create_organization(NewOrganization {
        code: "acme".into(),
        name: "Acme Travel".into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: true,
        company_visibility: CompanyVisibility::Members,
    })
    .await
    .unwrap();
    app.create_user(BUYER, "Pat", Some(PASSWORD), false)
        .await
        .unwrap();
    app.set_membership(BUYER, "acme", MemberRole::Member)
        .await
        .unwrap();
    let admin = frontdesk::demo::as_user(&app, ADMIN, None).await.unwrap();
    let buyer = frontdesk::demo::as_user(&app, BUYER, Some("acme"))
        .await
        .unwrap();
    let base = frontdesk::demo_sellers::start("127.0.0.1:0").await.unwrap();
    frontdesk::demo_sellers::register(&app, &admin, &base)
        .await
        .unwrap();
    let seller_id = |code: &'static str| {
        let app = app.clone();
        async move {
            app.store
                .organization_by_code(code)
                .await
                .unwrap()
                .expect("registered seller")
                .id
        }
    };
    let mirador = seller_id("mirador").await;
    let atlas = seller_id("atlasbeds").await;
    let names: HashMap<i64, &str> = [(mirador.0, "mirador"), (atlas.0, "atlasbeds")].into();

    // Requests: each access, its case and its first run in one transaction.
    let started = Instant::now();
    for i in 0..accesses {
        let (seller, credentials) = if i % 2 == 0 {
            (
                mirador.0,
                json!({"url": format!("{base}/mirador/pull/test/graphql"), "user": format!("ok-{i}"), "password": "demo"}),
            )
        } else {
            (
                atlas.0,
                json!({"user": format!("ok-{i}"), "password": "demo", "clientCode": "AGX-1"}),
            )
        };
        app.request_connection(
            &buyer,
            ConnectionRequest {
                seller_id: seller,
                connection_type: "pull".into(),
                name: format!("Bench {i}"),
                environment: "test".into(),
                credentials,
                notification_emails: vec!["ops@acme.example".into()],
                accept_financial_responsibility: true,
                search_criteria: None,
            },
            None,
        )
        .await
        .unwrap();
    }
    let created = started.elapsed();
    println!(
        "requests [{backend}]: {accesses} accesses in {:.2} s = {:.0}/s",
        created.as_secs_f64(),
        accesses as f64 / created.as_secs_f64()
    );

    // The sampler: runs in flight per seller, through a connection of its own.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut peak: HashMap<i64, i64> = HashMap::new();
            let mut samples = 0usize;
            while !done.load(Ordering::Relaxed) {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT seller_id, COUNT(*) FROM activation_runs \
                     WHERE state = 'running' GROUP BY seller_id",
                )
                .fetch_all(&pool)
                .await
                .unwrap();
                for (seller, n) in rows {
                    let p = peak.entry(seller).or_insert(0);
                    *p = (*p).max(n);
                }
                samples += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (peak, samples)
        })
    };

    // The workers: claim, run, repeat until nothing is queued or running.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut passes = 0usize;
            let mut claimed = 0usize;
            let mut idle = 0usize;
            loop {
                let stats = app.run_activations().await.unwrap();
                passes += 1;
                claimed += stats.claimed;
                if stats.claimed > 0 {
                    continue;
                }
                let open = app
                    .store
                    .run_counts()
                    .await
                    .unwrap()
                    .iter()
                    .any(|(state, n)| (state == "queued" || state == "running") && *n > 0);
                if !open {
                    break;
                }
                idle += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (passes, claimed, idle)
        }));
    }
    let mut per_worker = Vec::new();
    for t in tasks {
        per_worker.push(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (peak, samples) = sampler.await.unwrap();

    // The runs as stored.
    type Run = (String, Option<i64>, Option<i64>, i64);
    let runs: Vec<Run> =
        sqlx::query_as("SELECT state, started_at, finished_at, attempts FROM activation_runs")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    let mut durations: Vec<i64> = Vec::new();
    let mut retried = 0usize;
    for (state, start, end, attempts) in &runs {
        *states.entry(state.clone()).or_default() += 1;
        if let (Some(s), Some(e)) = (start, end)
            && state == "finished"
        {
            durations.push(e - s);
        }
        if *attempts > 1 {
            retried += 1;
        }
    }
    durations.sort_unstable();
    let finished = durations.len();
    let pct = |p: usize| durations[(finished * p / 100).min(finished.saturating_sub(1))];
    println!(
        "activation [{backend}], {workers} worker(s): {finished} runs finished in {:.2} s = {:.1} runs/s; \
         run duration p50 {} ms, p95 {} ms, max {} ms",
        elapsed.as_secs_f64(),
        finished as f64 / elapsed.as_secs_f64(),
        pct(50),
        pct(95),
        durations.last().copied().unwrap_or(0),
    );
    println!(
        "  runs by state: {}; claimed more than once: {retried}",
        states
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (i, (passes, claimed, idle)) in per_worker.iter().enumerate() {
        println!("  worker {i}: {claimed} runs claimed over {passes} passes ({idle} idle)");
    }
    let counts = app.store.access_counts().await.unwrap();
    println!(
        "  accesses by status: {}",
        counts
            .iter()
            .map(|(s, n)| format!("{} {n}", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut peaks: Vec<(&str, i64)> = peak
        .iter()
        .map(|(s, n)| (names.get(s).copied().unwrap_or("?"), *n))
        .collect();
    peaks.sort_unstable();
    let held = peak.values().all(|n| *n <= limit);
    println!(
        "  most runs in flight per seller ({samples} samples every 20 ms): {}; limit {limit} {}",
        peaks
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        if held { "held" } else { "EXCEEDED" }
    );
    if let Some(rss) = peak_rss() {
        println!("  peak RSS: {rss}");
    }

    pool.close().await;
    app.store.close().await;
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        held,
        "the per-seller limit of {limit} was exceeded: {peaks:?}"
    );
}

/// `VmHWM` of /proc/self/status (Linux only).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_owned())
}
