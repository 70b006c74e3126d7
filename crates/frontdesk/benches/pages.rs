//! Server time of every page with the demo data (the budget: under
//! 100 ms each), as figures: the demo seeded, plus `--cases N` more cases
//! (default 5,000) spread over the demo's buyers, then each page fetched
//! over HTTP (loopback, one client) by the person it is for.
//!
//! Run: `cargo bench -p frontdesk --bench pages [-- --cases N] [--rounds R] [--postgres]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use frontdesk_app::cases::NewCaseInput;
use frontdesk_app::{App, Config};
use frontdesk_testkit::TestDb;
use std::time::{Duration, Instant};

const PASSWORD: &str = "frontdesk-demo";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    let extra_cases = arg("--cases", 5_000);
    let rounds = arg("--rounds", 100);
    let postgres = args.iter().any(|a| a == "--postgres");
    let db = if postgres {
        TestDb::postgres().await.expect("PostgreSQL for --postgres")
    } else {
        TestDb::sqlite()
    };
    let dir = std::env::temp_dir().join(format!("frontdesk-pages-bench-{}", std::process::id()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        data_dir: dir.clone(),
        database_url: db.url.clone(),
        listen: addr.to_string(),
        public_url: format!("http://{addr}"),
        ..Config::default()
    };
    let app = frontdesk::build(config).await.unwrap();
    frontdesk::demo::seed(&app).await.unwrap();
    frontdesk::kb_cli::seed_help_center(&app).await.unwrap();
    seed_cases(&app, extra_cases).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(frontdesk::run(app.clone(), Some(listener), async move {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |email: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let r: serde_json::Value = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            format!("fd_session={}", r["token"].as_str().unwrap())
        }
    };
    let partner = login("ana@aurora-travel.example").await;
    let staff = login("care@frontdesk.localhost").await;
    let admin = login("admin@frontdesk.localhost").await;
    let ana = frontdesk::demo::as_user(&app, "ana@aurora-travel.example", None)
        .await
        .unwrap();
    let case = 1001;
    let article = app.list_articles(&ana, None, None, 1).await.unwrap()[0]
        .slug
        .clone();

    println!(
        "pages with the demo data and {extra_cases} more cases ({}), {rounds} rounds each:",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "{:<44} {:>6} {:>9} {:>9} {:>9}",
        "page", "status", "p50 ms", "p99 ms", "max ms"
    );
    let pages: Vec<(&str, String)> = vec![
        ("partner", "/cases".into()),
        ("partner", "/cases?tab=company".into()),
        (
            "partner",
            "/cases?tab=company&status=closed&sort=created-asc".into(),
        ),
        ("partner", "/cases?q=rates".into()),
        ("partner", format!("/cases/{case}")),
        ("partner", "/cases/new".into()),
        ("partner", "/kb".into()),
        ("partner", format!("/kb/{article}")),
        ("partner", "/kb/search?q=reopen+a+closed+case".into()),
        ("staff", "/staff".into()),
        ("staff", "/staff?team=customer-care&status=all".into()),
        ("staff", format!("/cases/{case}")),
        ("staff", "/staff/held-mail".into()),
        ("staff", "/staff/outbox".into()),
        ("staff", "/staff/analytics".into()),
        ("admin", "/admin".into()),
        ("admin", "/admin/orgs".into()),
        ("admin", "/admin/orgs/aurora-travel".into()),
        ("admin", "/admin/users".into()),
        ("admin", "/admin/teams".into()),
        ("admin", "/admin/timers".into()),
        ("admin", "/admin/kb".into()),
    ];
    for (who, path) in &pages {
        let cookie = match *who {
            "partner" => &partner,
            "staff" => &staff,
            _ => &admin,
        };
        let mut times = Vec::with_capacity(rounds);
        let mut status = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let r = client
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            status = r.status().as_u16();
            let _ = r.bytes().await.unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<44} {:>6} {:>9.2} {:>9.2} {:>9.2}",
            format!("{who} {path}"),
            status,
            ms(times[times.len() / 2]),
            ms(times[(times.len() * 99 / 100).min(times.len() - 1)]),
            ms(times[times.len() - 1])
        );
    }
    let _ = stop.send(());
    let _ = server.await;
    app.store.close().await;
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// More cases for the demo's buyers, through the real create path.
async fn seed_cases(app: &App, n: usize) {
    let people = [
        ("ana@aurora-travel.example", "aurora-travel"),
        ("ben@aurora-travel.example", "aurora-travel"),
        ("carla@bluelagoon.example", "blue-lagoon-tours"),
    ];
    let mut callers = Vec::new();
    for (email, org) in people {
        if let Ok(c) = frontdesk::demo::as_user(app, email, Some(org)).await {
            callers.push(c);
        }
    }
    assert!(!callers.is_empty(), "the demo's partners exist");
    let topics = [
        "Rates missing",
        "Booking timeout",
        "Invoice question",
        "Static content gap",
    ];
    for i in 0..n {
        let caller = &callers[i % callers.len()];
        let input = NewCaseInput {
            category: ["customer_care", "billing", "connections"][i % 3].into(),
            subject: format!("{} #{i}", topics[i % topics.len()]),
            description: "Seeded for the page bench.".into(),
            participants: Vec::new(),
            assistant_session_id: None,
        };
        app.create_case(caller, input, None).await.unwrap();
    }
}
