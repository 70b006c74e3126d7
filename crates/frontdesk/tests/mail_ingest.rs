//! `frontdesk mail ingest` as a mail server's pipe runs it: the message on
//! standard input, the verdict in the exit status (sysexits.h).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

fn ingest(data_dir: &std::path::Path, env: &[(&str, &str)], raw: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["mail", "ingest"])
        .envs(env.iter().copied())
        .env_remove("FRONTDESK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_pipe_stores_once_refuses_oversize_and_asks_for_retries() {
    let dir = tempfile::tempdir().unwrap();
    let raw = b"From: someone@nowhere.example\r\nTo: support@frontdesk.localhost\r\n\
                Subject: Hello\r\nMessage-ID: <pipe-1@nowhere.example>\r\n\r\nHi there\r\n";
    let (code, out, err) = ingest(dir.path(), &[], raw);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("held:"), "an unknown sender is held: {out}");
    let (code, out, _) = ingest(dir.path(), &[], raw);
    assert_eq!(code, 0);
    assert!(out.contains("already received"), "stored once: {out}");

    let (code, _, err) = ingest(
        dir.path(),
        &[("FRONTDESK_MAIL__MAX_INBOUND_BYTES", "50")],
        raw,
    );
    assert_eq!(code, 65, "too large is refused for good: {err}");
    assert!(err.contains("larger than 50 bytes"), "{err}");

    // A data directory that cannot be used (a file is in the way).
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "not a directory").unwrap();
    let (code, _, err) = ingest(&blocked, &[], raw);
    assert_eq!(code, 75, "no storage: the mail server should retry: {err}");
}
