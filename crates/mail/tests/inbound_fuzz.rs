//! Inbound parsing never panics: every fixture, cut short, with bytes
//! flipped, NULs, stray boundaries and encoded-word starts put in, is parsed
//! thousands of times. `parse` guards `mail-parser` with `catch_unwind`, so
//! a panic hook counts panics caught inside too. The only ones allowed are
//! `mail-parser`'s own `debug_assert!(false, …)` on broken nesting (an
//! empty `message/rfc822` part): they exist in debug builds only, release
//! builds go on parsing there, and `parse` turns them into `NotMime`.
#![allow(clippy::unwrap_used)]

use frontdesk_mail::inbound::{Limits, parse, trim_reply};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};

static PANICS: AtomicUsize = AtomicUsize::new(0);
static DEBUG_ASSERTIONS: AtomicUsize = AtomicUsize::new(0);

/// The messages of `mail-parser` 0.11's `debug_assert!(false, …)` calls.
const MAIL_PARSER_DEBUG_ASSERTIONS: &[&str] = &[
    "Invalid part ID",
    "Failed to restore parent message",
    "This should not have happened",
];

fn is_mail_parser_debug_assertion(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let in_mail_parser = info
        .location()
        .is_some_and(|l| l.file().contains("mail-parser-0.11"));
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    cfg!(debug_assertions)
        && in_mail_parser
        && MAIL_PARSER_DEBUG_ASSERTIONS
            .iter()
            .any(|m| message.starts_with(m))
}

/// Per fixture; `INBOUND_FUZZ_RUNS` raises it for a longer local hunt.
const MUTATIONS_PER_FIXTURE: usize = 1000;

/// Byte strings that steer a MIME parser into its rarer paths.
const SPLICES: &[&[u8]] = &[
    b"\n--",
    b"\r\n\r\n",
    b"=?",
    b"?=",
    b"=?utf-8?B?",
    b"<",
    b">",
    b"\x00",
    b"\r",
    b"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
    b"Content-Type: message/rfc822\n\n",
    b"Content-Transfer-Encoding: base64\n",
    b"<blockquote>",
    b"&#x",
    b"On Mon, Ana wrote:\n> ",
    b"-- \n",
];

fn fixtures() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures/inbound", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn mutate(rng: &mut StdRng, original: &[u8]) -> Vec<u8> {
    let mut m = original.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let len = m.len().max(1);
        match rng.random_range(0..5) {
            0 => m.truncate(rng.random_range(0..len)),
            1 => {
                for _ in 0..rng.random_range(1..=16) {
                    if !m.is_empty() {
                        let at = rng.random_range(0..m.len());
                        m[at] = rng.random();
                    }
                }
            }
            2 => {
                let splice = SPLICES[rng.random_range(0..SPLICES.len())];
                let at = rng.random_range(0..=m.len());
                m.splice(at..at, splice.iter().copied());
            }
            3 if m.len() > 2 => {
                let start = rng.random_range(0..m.len() - 1);
                let end = rng.random_range(start..m.len());
                m.drain(start..end);
            }
            _ if !m.is_empty() => {
                let start = rng.random_range(0..m.len());
                let end = rng.random_range(start..=m.len().min(start + 200));
                let copy = m[start..end].to_vec();
                let at = rng.random_range(0..=m.len());
                m.splice(at..at, copy);
            }
            _ => {}
        }
    }
    m
}

#[test]
fn mutated_fixtures_never_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_mail_parser_debug_assertion(info) {
            DEBUG_ASSERTIONS.fetch_add(1, Ordering::SeqCst);
        } else {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }
    }));
    let per_fixture = std::env::var("INBOUND_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS_PER_FIXTURE);
    let seed = std::env::var("INBOUND_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x1b0c_ed5e);
    let mut rng = StdRng::seed_from_u64(seed);
    let limits = Limits::default();
    let mut parsed = 0;
    let mut runs = 0;
    for original in fixtures() {
        for _ in 0..per_fixture {
            let mutated = mutate(&mut rng, &original);
            if let Ok(p) = parse(&mutated, &limits) {
                parsed += 1;
                // What `parse` hands out holds its own promises.
                assert!(p.attachments.iter().all(|a| !a.file_name.is_empty()
                    && !a.file_name.contains(['/', '\\'])
                    && !a.file_name.chars().any(char::is_control)));
                assert!(!p.subject.chars().any(char::is_control));
                assert!(
                    p.message_id
                        .as_ref()
                        .is_none_or(|id| id.chars().count() <= 998)
                );
            }
            // And any text, also not mail, goes through the reply trimmer.
            trim_reply(&String::from_utf8_lossy(&mutated));
            runs += 1;
        }
    }
    let _ = std::panic::take_hook();
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "panics while parsing");
    // Rare: a few in ten thousand inputs.
    assert!(DEBUG_ASSERTIONS.load(Ordering::SeqCst) * 100 < runs);
    assert!(runs >= 14 * per_fixture, "{runs} runs");
    // Most mutations still leave a readable mail.
    assert!(parsed * 2 > runs, "only {parsed} of {runs} parsed");
}
