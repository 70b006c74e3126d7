//! Rotating the key that seals credentials: accesses sealed under one key,
//! a redeploy with a new current key (the old one kept as older), the
//! reseal pass racing an edit and meeting a damaged row, and a redeploy
//! without the old key, after which everything still opens and duplicates
//! are still refused.

use crate::connections::{mirador, request};
use crate::helpers::*;
use frontdesk_activation::secrets::{KeyId, Keyring};
use frontdesk_app::connections::ResealReport;
use frontdesk_domain::AccessId;
use frontdesk_store::connections::{AccessRecord, AccessScope};
use serde_json::{Value, json};

both_backends!(key_rotation);

fn atlas_pull(s: &Sellers, password: &str) -> Value {
    json!({"seller_id": s.atlas, "connection_type": "pull", "name": "B2B", "environment": "test",
           "credentials": {"user": "ok", "password": password, "clientCode": "AGX-1042"},
           "notification_emails": ["ops@alpha.example"], "accept_financial_responsibility": true})
}

fn atlas_push(s: &Sellers) -> Value {
    json!({"seller_id": s.atlas, "connection_type": "push", "name": "Rates", "environment": "test",
           "credentials": {"clientCode": "ok"},
           "notification_emails": ["ops@alpha.example"], "accept_financial_responsibility": true})
}

async fn stored(app: &TestApp, id: i64) -> AccessRecord {
    app.app
        .store
        .access(AccessScope::Staff, AccessId(id))
        .await
        .unwrap()
        .unwrap()
}

async fn create(app: &TestApp, token: &str, body: Value) -> i64 {
    let id = request(app, token, body).await["id"].as_i64().unwrap();
    app.settled_access(token, id).await;
    id
}

async fn key_rotation(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let one = create(&app, &w.a_admin, mirador(&s, "ok", "demo", "One")).await;
    let two = create(&app, &w.a_admin, atlas_pull(&s, "demo")).await;
    // No secret field: only its fingerprint moves to the new key.
    create(&app, &w.a_admin, atlas_push(&s)).await;
    let damaged = create(&app, &w.a_admin, mirador(&s, "flaky", "demo", "Damaged")).await;
    // A ciphertext copied from another row does not open here.
    let mut tx = app.app.store.begin().await.unwrap();
    let fingerprint = stored(&app, damaged).await.fingerprint;
    let copied = stored(&app, one).await.config;
    tx.set_access_config(AccessId(damaged), &copied, &fingerprint)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Rotate: a new current key, the old one kept to open what it sealed.
    let old_key = frontdesk::demo_sellers::demo_secret_key(&app.data_dir).unwrap();
    let new_key = Keyring::generate(KeyId::parse("k2").unwrap())
        .current_config_entry()
        .expose()
        .clone();
    let app = app
        .restart(|c| {
            c.connections.secret_key = Some(new_key.clone().into());
            c.connections.older_secret_keys = vec![old_key.into()];
        })
        .await;
    // Not yet resealed: duplicates are found by the old key's digest.
    app.post(
        &w.a_admin,
        "/api/v1/connections",
        mirador(&s, "ok", "demo", "Again"),
    )
    .await
    .expect_status(409);
    let usage = app.app.secret_key_usage(2).await.unwrap();
    assert_eq!(usage.by_key.keys().collect::<Vec<_>>(), ["demo1"]);

    // An edit lands between the pass's read and its write: the edit wins.
    let read = app
        .app
        .store
        .access_secrets_after(AccessId(two - 1), 1)
        .await
        .unwrap()
        .remove(0);
    let edit = json!({"name": "B2B edited",
                      "credentials": atlas_pull(&s, "")["credentials"].clone()});
    app.send(
        app.request(
            reqwest::Method::PATCH,
            &format!("/api/v1/connections/{two}"),
            Some(&w.a_admin),
        )
        .json(&edit),
    )
    .await
    .expect_status(200);
    let mut tx = app.app.store.begin().await.unwrap();
    assert!(
        !tx.replace_access_secrets(&read, &read.config, "stale")
            .await
            .unwrap()
    );
    drop(tx);

    let report = app.app.reseal_secrets(2).await.unwrap();
    assert_eq!(
        report,
        ResealReport {
            resealed: 2,
            current: 1,
            changed_meanwhile: 0,
            failed: vec![AccessId(damaged)],
        }
    );
    for id in [one, two] {
        let config = stored(&app, id).await.config;
        assert!(
            config.contains("\"v1.k2.") && !config.contains("v1.demo1."),
            "{config}"
        );
    }
    let usage = app.app.secret_key_usage(2).await.unwrap();
    assert_eq!(usage.by_key.get("demo1"), Some(&1), "only the damaged row");
    // Idempotent: a second pass writes nothing.
    let again = app.app.reseal_secrets(1).await.unwrap();
    assert_eq!((again.resealed, again.current), (0, 3));
    assert_eq!(again.failed, vec![AccessId(damaged)]);

    // The old key is dropped: every resealed access still opens and
    // duplicates are still refused, secrets or not.
    let app = app
        .restart(|c| c.connections.older_secret_keys.clear())
        .await;
    for body in [mirador(&s, "ok", "demo", "Again"), atlas_push(&s)] {
        app.post(&w.a_admin, "/api/v1/connections", body)
            .await
            .expect_status(409);
    }
    app.post_empty(&w.agent, &format!("/api/v1/staff/connections/{one}/rerun"))
        .await
        .expect_status(200);
    let a = app.settled_access(&w.a_admin, one).await;
    assert_eq!(a["status"], "working", "{a}");
    assert_eq!(a["runs"].as_array().unwrap().len(), 2, "{a}");
    let a = app.settled_access(&w.a_admin, two).await;
    assert_eq!(a["status"], "working", "the edit's run: {a}");
    app.shutdown().await;
}
