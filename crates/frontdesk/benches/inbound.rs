//! Inbound mail throughput, printed as figures: replies to cases through the
//! whole pipeline (parse, dedupe, thread, authorize, append with
//! attachments and participants, lifecycle, outbox) over a mix of plain,
//! multipart and attachment messages, one after another and from several
//! senders at once, as the SMTP listener and the webhook call it.
//!
//! Run: `cargo bench -p frontdesk --bench inbound [-- --messages N] [--postgres]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use frontdesk_app::inbound::Channel;
use frontdesk_app::{App, Clock, Config};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use frontdesk_testkit::TestDb;
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-1";
const PARTNER: &str = "pat@acme.example";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let messages: usize = args
        .iter()
        .position(|a| a == "--messages")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(6_000);
    let db = if postgres {
        TestDb::postgres().await.expect("PostgreSQL for --postgres")
    } else {
        TestDb::sqlite()
    };
    let dir = std::env::temp_dir().join(format!("frontdesk-inbound-bench-{}", std::process::id()));
    let config = Config {
        data_dir: dir.clone(),
        database_url: db.url.clone(),
        ..Config::default()
    };
    let app = App::build(config, Clock::system()).await.unwrap();
    app.ensure_default_teams().await.unwrap();
    let cases = seed(&app, 200).await;

    for concurrency in [1usize, 8] {
        let n = messages / 2;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let app = app.clone();
            let cases = cases.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                for i in (w..n).step_by(concurrency) {
                    let raw = message(concurrency * 1_000_000 + i, cases[i % cases.len()]);
                    let t = Instant::now();
                    let done = app
                        .ingest_mail(raw.as_bytes(), Channel::Smtp, &[])
                        .await
                        .unwrap();
                    assert_eq!(done.outcome.as_str(), "appended", "{}", done.reason);
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed();
        lat.sort();
        println!(
            "ingest [{}], {concurrency} sender(s): {} messages in {:.2} s = {:.0}/s; p50 {:.2} ms, p99 {:.2} ms",
            if postgres { "postgres" } else { "sqlite" },
            lat.len(),
            elapsed.as_secs_f64(),
            lat.len() as f64 / elapsed.as_secs_f64(),
            ms(lat[lat.len() / 2]),
            ms(lat[(lat.len() * 99 / 100).min(lat.len() - 1)]),
        );
    }
    app.store.close().await;
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One organization, its partner, and `n` open cases of theirs.
async fn seed(app: &App, n: usize) -> Vec<i64> {
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
    app.create_user(PARTNER, "Pat", Some(PASSWORD), false)
        .await
        .unwrap();
    app.set_membership(PARTNER, "acme", MemberRole::Member)
        .await
        .unwrap();
    let (_, token) = app.login(PARTNER, PASSWORD).await.unwrap();
    let caller = app.caller(&token, None).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let created = app
            .create_case(
                &caller,
                frontdesk_app::cases::NewCaseInput {
                    category: "customer_care".into(),
                    subject: format!("Search fails {i}"),
                    description: "Every search is empty.".into(),
                    participants: Vec::new(),
                    assistant_session_id: None,
                },
                None,
            )
            .await
            .unwrap();
        ids.push(created.id.0);
    }
    ids
}

/// A reply to case `case`: plain (half), multipart/alternative (a third),
/// or with a log attachment (the rest); every tenth adds a colleague in CC.
fn message(n: usize, case: i64) -> String {
    let cc = if n.is_multiple_of(10) {
        format!("Cc: colleague{}@acme.example\r\n", n % 50)
    } else {
        String::new()
    };
    let head = format!(
        "From: Pat <{PARTNER}>\r\nTo: support+case-{case}@frontdesk.localhost\r\n{cc}\
         Subject: Re: [Case #{case}] Search fails\r\nMessage-ID: <bench-{n}@acme.example>\r\n\
         In-Reply-To: <case-{case}.00000000000000aa@frontdesk.localhost>\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    );
    let text = "Here is what we see since this morning: every search for BCN returns nothing.\r\n\
                Request ids 7f3a91, 7f3a97.\r\n\r\nOn Mon, 23 Nov 2026, frontdesk support wrote:\r\n\
                > Could you send the request ids?\r\n";
    match n % 6 {
        0..=2 => format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"),
        3 | 4 => format!(
            "{head}Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{text}\r\n\
             --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Here is what we see since this morning.</p>\r\n--b1--\r\n"
        ),
        _ => {
            let log: String = (0..200)
                .map(|i| {
                    format!(
                        "2026-11-23T10:00:{:02}Z search BCN -> 0 options (req {n}-{i})\n",
                        i % 60
                    )
                })
                .collect();
            let b64 = base64_lines(log.as_bytes());
            format!(
                "{head}Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n--m1\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--m1\r\n\
                 Content-Type: text/plain; name=\"search-{n}.log\"\r\nContent-Disposition: attachment; filename=\"search-{n}.log\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--m1--\r\n"
            )
        }
    }
}

fn base64_lines(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
