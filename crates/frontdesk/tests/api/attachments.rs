//! Attachments: multipart upload, byte-exact download as a download, and
//! file names made safe.

use crate::helpers::*;
use reqwest::Method;
use reqwest::multipart::{Form, Part};

both_backends!(attachments_round_trip, attachment_names_are_cleaned);

async fn upload(app: &TestApp, token: &str, id: i64, name: &str, bytes: Vec<u8>) -> Resp {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("text/plain")
        .unwrap();
    app.send(
        app.request(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments"),
            Some(token),
        )
        .multipart(
            Form::new()
                .percent_encode_noop()
                .text("note", "first field is ignored")
                .part("file", part),
        ),
    )
    .await
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn attachments_round_trip(app: TestApp) {
    let w = app.world().await;
    let id = app
        .create_case(
            &w.a_admin,
            None,
            "connections",
            "Gateway timeouts",
            "Logs attached",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // Text with every byte value, so nothing is re-encoded on the way.
    let mut bytes = b"2024-07-01T10:00:00Z gateway timeout after 30s\r\n".to_vec();
    bytes.extend(0u8..=255);
    bytes.extend_from_slice("\u{e9}t\u{e9} \u{2713}\n".as_bytes());

    let r = upload(&app, &w.a_admin, id, "gateway.log", bytes.clone())
        .await
        .expect_status(201);
    let att = r.json();
    let att_id = att["id"].as_i64().unwrap();
    assert_eq!(att["file_name"], "gateway.log");
    assert_eq!(att["content_type"], "text/plain");
    assert_eq!(att["size"], bytes.len());
    assert!(is_hex64(att["sha256"].as_str().unwrap()), "{att}");
    let url = format!("/api/v1/cases/{id}/attachments/{att_id}");
    assert_eq!(att["url"], url);

    for token in [&w.a_admin, &w.a_member, &w.agent] {
        let d = app.get(token, &url).await.expect_status(200);
        assert_eq!(d.bytes, bytes, "byte-exact download");
        assert_eq!(
            d.header("content-disposition").as_deref(),
            Some("attachment; filename=\"gateway.log\"")
        );
        assert_eq!(
            d.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            d.header("content-type").as_deref(),
            Some("application/octet-stream"),
            "never rendered inline"
        );
    }
    // The case lists it; the same bytes again are a second attachment.
    let again = upload(&app, &w.agent, id, "gateway-2.log", bytes.clone())
        .await
        .expect_status(201)
        .json();
    assert_eq!(again["sha256"], att["sha256"]);
    let case = app.case(&w.a_admin, id).await;
    let names: Vec<&str> = case["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["gateway.log", "gateway-2.log"]);
    assert_eq!(case["attachments"][0]["url"], url);
    // Staff see the upload in the audit trail.
    let staff = app.case(&w.agent, id).await;
    let kinds: Vec<&str> = staff["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "attachment_added").count(),
        2
    );
    // An attachment is reached through its own case only.
    let other = app
        .create_case(&w.a_admin, None, "billing", "Other case", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    app.get(
        &w.a_admin,
        &format!("/api/v1/cases/{other}/attachments/{att_id}"),
    )
    .await
    .problem(404);

    app.shutdown().await;
}

async fn attachment_names_are_cleaned(app: TestApp) {
    let w = app.world().await;
    let id = app
        .create_case(&w.a_admin, None, "customer_care", "Odd file names", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    for (raw, clean) in [
        (
            "../../etc/<script>alert(1)<script>.log",
            "scriptalert(1)script.log",
        ),
        ("..\\..\\Windows\\evil.log", "evil.log"),
        ("/var/log/app.log", "app.log"),
        (
            "<img src=x onerror=alert(1)>.log",
            "img src=x onerror=alert(1).log",
        ),
        ("C:\\logs\\a|b?c*d:e.txt", "abcde.txt"),
        ("...", "attachment"),
        ("../", "attachment"),
        (".hidden.log", "hidden.log"),
    ] {
        let r = upload(&app, &w.a_admin, id, raw, b"log line\n".to_vec())
            .await
            .expect_status(201);
        let att = r.json();
        let name = att["file_name"].as_str().unwrap();
        assert_eq!(name, clean, "from {raw:?}");
        assert!(!name.contains(['/', '\\', '<', '>', '"']));
        let d = app
            .get(&w.a_admin, att["url"].as_str().unwrap())
            .await
            .expect_status(200);
        assert_eq!(
            d.header("content-disposition"),
            Some(format!("attachment; filename=\"{clean}\""))
        );
    }
    // A name with non-ASCII letters is kept, and the header stays ASCII.
    let r = upload(
        &app,
        &w.a_admin,
        id,
        "r\u{e9}servation.log",
        b"x\n".to_vec(),
    )
    .await
    .expect_status(201)
    .json();
    assert_eq!(r["file_name"], "r\u{e9}servation.log");
    let d = app
        .get(&w.a_admin, r["url"].as_str().unwrap())
        .await
        .expect_status(200);
    let disposition = d.header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment; filename=\""));
    assert!(disposition.is_ascii());
    // The case page shows the cleaned names and no markup.
    let case = app.case(&w.a_admin, id).await;
    assert!(!case["attachments"].to_string().contains("<script>"));

    app.shutdown().await;
}
