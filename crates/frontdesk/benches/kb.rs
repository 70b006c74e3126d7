//! The knowledge base's budgets, printed as figures:
//!
//! - import of 5,000 Markdown articles from a folder (parse, database,
//!   index), then a re-import of the unchanged folder;
//! - AIna's answer time over that knowledge base: `POST /api/v1/assistant/ask`
//!   over HTTP (session and question stored), one client at a time and
//!   four at once.
//!
//! The articles are generated (deterministic, documentation-shaped:
//! headings, paragraphs, ordered steps, tables), so the bench needs no
//! corpus. Run: `cargo bench -p frontdesk --bench kb [-- --articles N] [--postgres]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use frontdesk_app::{App, Clock, Config};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use frontdesk_testkit::TestDb;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-1";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let articles: usize = args
        .iter()
        .position(|a| a == "--articles")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);

    let db = if postgres {
        TestDb::postgres().await.expect("PostgreSQL for --postgres")
    } else {
        TestDb::sqlite()
    };
    let dir = std::env::temp_dir().join(format!("frontdesk-kb-bench-{}", std::process::id()));
    let docs = dir.join("docs");
    let mut rng = StdRng::seed_from_u64(7);
    let vocabulary = vocabulary(&mut rng, 6_000);
    let questions = write_corpus(&docs, articles, &vocabulary, &mut rng);
    let config = Config {
        data_dir: dir.join("data"),
        database_url: db.url.clone(),
        ..Config::default()
    };
    let app = App::build(config, Clock::system()).await.unwrap();

    // Import, as `frontdesk kb import` does it.
    let started = Instant::now();
    let report = frontdesk_assistant::import::read_dir(&docs, None).unwrap();
    let parsed = started.elapsed();
    let counts = app.import_articles(&report.articles, false).await.unwrap();
    let total = started.elapsed();
    println!(
        "import [{}]: {} articles in {:.2} s (parse {:.2} s, database and index {:.2} s); {} new, {} skipped; index holds {}",
        if postgres { "postgres" } else { "sqlite" },
        report.articles.len(),
        total.as_secs_f64(),
        parsed.as_secs_f64(),
        (total - parsed).as_secs_f64(),
        counts.created,
        report.skipped.len(),
        app.kb.index().articles(),
    );
    let again = Instant::now();
    let report = frontdesk_assistant::import::read_dir(&docs, None).unwrap();
    let counts = app.import_articles(&report.articles, false).await.unwrap();
    println!(
        "re-import unchanged: {:.2} s ({} unchanged)",
        again.elapsed().as_secs_f64(),
        counts.unchanged
    );

    // Answers over HTTP.
    app.create_organization(NewOrganization {
        code: "bench-org".into(),
        name: "Bench".into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: true,
        company_visibility: CompanyVisibility::Members,
    })
    .await
    .unwrap();
    app.create_user("bench@example.com", "Bench", Some(PASSWORD), false)
        .await
        .unwrap();
    app.set_membership("bench@example.com", "bench-org", MemberRole::Member)
        .await
        .unwrap();
    let (_, token) = app.login("bench@example.com", PASSWORD).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/assistant/ask",
        listener.local_addr().unwrap()
    );
    let server = tokio::spawn(frontdesk_web::serve(
        app.clone(),
        listener,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    for concurrency in [1usize, 4] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let mine: Vec<String> = questions
                .iter()
                .skip(w)
                .step_by(concurrency)
                .cloned()
                .collect();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut answered = 0usize;
                for q in mine {
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "subject": q }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let v: serde_json::Value = r.json().await.unwrap();
                    answered += usize::from(v["answered"] == true);
                    lat.push(t.elapsed());
                }
                (lat, answered)
            }));
        }
        let mut lat = Vec::new();
        let mut answered = 0;
        for t in tasks {
            let (l, a) = t.await.unwrap();
            lat.extend(l);
            answered += a;
        }
        lat.sort();
        println!(
            "ask over HTTP, {concurrency} client(s): {} questions in {:.2} s = {:.0}/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {answered} answered",
            lat.len(),
            started.elapsed().as_secs_f64(),
            lat.len() as f64 / started.elapsed().as_secs_f64(),
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99)),
            ms(*lat.last().unwrap()),
        );
    }
    server.abort();
    app.store.close().await;
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Pronounceable made-up words, so that term statistics look like a real
/// vocabulary (a few very common words, a long tail).
fn vocabulary(rng: &mut StdRng, n: usize) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "st", "tr", "pl",
        "cr",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let syllables = rng.random_range(1..=4);
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
            w.push_str(VOWELS[rng.random_range(0..VOWELS.len())]);
        }
        if rng.random_bool(0.5) {
            w.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
        }
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// A Zipf-like pick: low indexes (common words) much more often.
fn word<'a>(rng: &mut StdRng, vocabulary: &'a [String]) -> &'a str {
    let x: f64 = rng.random::<f64>();
    let i = ((vocabulary.len() as f64).powf(x) - 1.0) as usize;
    &vocabulary[i.min(vocabulary.len() - 1)]
}

fn sentence(rng: &mut StdRng, vocabulary: &[String]) -> String {
    let n = rng.random_range(6..20);
    let words: Vec<&str> = (0..n).map(|_| word(rng, vocabulary)).collect();
    let mut s = words.join(" ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s.push('.');
    s
}

/// Writes `n` articles under `dir` in a few folders and returns questions
/// made from their sentences (as partners paraphrase: some words dropped).
fn write_corpus(dir: &Path, n: usize, vocabulary: &[String], rng: &mut StdRng) -> Vec<String> {
    let mut questions = Vec::new();
    for i in 0..n {
        let folder = dir.join(format!("section-{}", i % 40));
        std::fs::create_dir_all(&folder).unwrap();
        let title: Vec<&str> = (0..rng.random_range(2..6))
            .map(|_| word(rng, vocabulary))
            .collect();
        let mut md = format!(
            "+++\ntitle = \"{}\"\nweight = {i}\n+++\n\n",
            title.join(" ")
        );
        md.push_str(&sentence(rng, vocabulary));
        md.push_str("\n\n");
        for s in 0..rng.random_range(3..9) {
            let heading: Vec<&str> = (0..rng.random_range(1..5))
                .map(|_| word(rng, vocabulary))
                .collect();
            let _ = writeln!(md, "## {}\n", heading.join(" "));
            for _ in 0..rng.random_range(1..4) {
                for _ in 0..rng.random_range(2..6) {
                    let sent = sentence(rng, vocabulary);
                    if rng.random_bool(0.02) && questions.len() < 2_000 {
                        let words: Vec<&str> = sent
                            .trim_end_matches('.')
                            .split(' ')
                            .filter(|_| rng.random_bool(0.7))
                            .collect();
                        questions.push(words.join(" "));
                    }
                    md.push_str(&sent);
                    md.push(' ');
                }
                md.push_str("\n\n");
            }
            if s % 3 == 1 {
                for k in 1..=rng.random_range(3..7) {
                    let _ = writeln!(md, "{k}. {}", sentence(rng, vocabulary));
                }
                md.push('\n');
            }
            if s % 4 == 2 {
                md.push_str("| code | meaning |\n|---|---|\n");
                for _ in 0..4 {
                    let _ = writeln!(
                        md,
                        "| {} | {} |",
                        word(rng, vocabulary).to_uppercase(),
                        sentence(rng, vocabulary)
                    );
                }
                md.push('\n');
            }
        }
        std::fs::write(folder.join(format!("article-{i}.md")), md).unwrap();
    }
    // And questions the knowledge base cannot answer.
    for _ in 0..100 {
        questions.push("Can I pay with a gift card from another shop".into());
    }
    questions
}
