//! `Idempotency-Key` on case creation: a repeat replays, a different
//! request under the same key is refused.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(idempotent_create, idempotent_create_concurrently);

fn body(subject: &str) -> Value {
    json!({
        "category": "customer_care",
        "subject": subject,
        "description": "Booking confirmations arrive twice.",
    })
}

async fn create_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> Resp {
    app.send(
        app.request(Method::POST, "/api/v1/cases", Some(token))
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

async fn idempotent_create(app: TestApp) {
    let w = app.world().await;
    let key = "create-7b1c2f0e-duplicate-confirmations";
    let first = create_with_key(&app, &w.a_admin, key, &body("Duplicate confirmations"))
        .await
        .expect_status(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let id = first.json()["id"].as_i64().unwrap();
    let second = create_with_key(&app, &w.a_admin, key, &body("Duplicate confirmations"))
        .await
        .expect_status(201);
    assert_eq!(
        second.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        second.header("location"),
        Some(format!("/api/v1/cases/{id}"))
    );
    let replayed = second.json();
    assert_eq!(replayed["id"], id);
    assert_eq!(replayed["subject"], "Duplicate confirmations");
    assert_eq!(replayed["status"], "open");

    // Same key, different request: refused, nothing created.
    create_with_key(&app, &w.a_admin, key, &body("Something else entirely"))
        .await
        .invalid_field("Idempotency-Key");
    // Whitespace counts: the key covers the exact bytes sent.
    let r = app
        .send(
            app.request(Method::POST, "/api/v1/cases", Some(&w.a_admin))
                .header("idempotency-key", key)
                .header("content-type", "application/json")
                .body(format!("{}\n", body("Duplicate confirmations"))),
        )
        .await;
    r.problem(422);

    // Keys belong to their user: a colleague's identical request is theirs.
    let colleague = create_with_key(&app, &w.a_member, key, &body("Duplicate confirmations"))
        .await
        .expect_status(201);
    assert_eq!(colleague.header("idempotent-replayed"), None);
    let other = colleague.json()["id"].as_i64().unwrap();
    assert_ne!(other, id);

    // Exactly one case and one auto-response for the first key.
    let cases = app
        .list_all(
            &w.a_admin,
            "/api/v1/cases",
            &[("scope", "company"), ("status", "all")],
            50,
        )
        .await;
    let mut got = ids(&cases);
    got.sort_unstable();
    assert_eq!(got, vec![id, other]);
    app.settle().await;
    let mails = app.mails_for(id);
    assert_eq!(mails.len(), 1, "one auto-response: {mails:?}");
    assert!(mails[0].text.contains(&format!("Reference: #{id}")));
    let outbox = app
        .get(&w.agent, &format!("/api/v1/staff/outbox?case_id={id}"))
        .await
        .expect_status(200)
        .json();
    let kinds: Vec<&str> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["received"]);

    // A new key is a new case.
    let fresh = create_with_key(
        &app,
        &w.a_admin,
        "another-key",
        &body("Duplicate confirmations"),
    )
    .await
    .expect_status(201);
    assert_ne!(fresh.json()["id"], id);

    app.shutdown().await;
}

async fn idempotent_create_concurrently(app: TestApp) {
    let w = app.world().await;
    let b = body("Retried by a flaky client");
    let key = "retry-storm-1";
    let answers =
        futures_join_all((0..8).map(|_| create_with_key(&app, &w.a_admin, key, &b))).await;
    let mut ids_seen = Vec::new();
    let mut fresh = 0;
    for r in answers {
        let r = r.expect_status(201);
        if r.header("idempotent-replayed").is_none() {
            fresh += 1;
        }
        ids_seen.push(r.json()["id"].as_i64().unwrap());
    }
    ids_seen.dedup();
    assert_eq!(ids_seen.len(), 1, "one case for all: {ids_seen:?}");
    assert_eq!(fresh, 1, "exactly one answer is the original");
    let all = app
        .list_ids(&w.a_admin, &[("status", "all"), ("scope", "company")])
        .await;
    assert_eq!(all, ids_seen);
    app.settle().await;
    assert_eq!(app.mails_for(ids_seen[0]).len(), 1);

    app.shutdown().await;
}

/// Runs futures concurrently on this task and collects their outputs.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
