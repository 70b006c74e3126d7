//! Connections end to end: the wizard's API against the demo seller on a
//! real port, every scripted behaviour of SELLER-API.md §6 to its access
//! and case status, Connectivity's actions, the fix link, refusals and
//! tenant isolation, and that no secret leaks.

use crate::helpers::*;
use frontdesk_app::Config;
use frontdesk_domain::AccessId;
use serde_json::{Value, json};

both_backends!(
    scripted_behaviours,
    fix_link_and_mails,
    refusals,
    not_working_blocks_edit_and_staff_decide,
    isolation_and_no_secret_leaks,
    transport_failures,
    pending_seller_timers_and_case_rules,
    lease_renewed_while_running with short_lease
);

pub(crate) fn mirador(s: &Sellers, user: &str, password: &str, name: &str) -> Value {
    json!({
        "seller_id": s.mirador,
        "connection_type": "pull",
        "name": name,
        "environment": "test",
        "credentials": {
            "url": format!("{}/mirador/pull/test/graphql", s.base_url),
            "user": user,
            "password": password,
        },
        "notification_emails": ["ops@alpha.example"],
        "accept_financial_responsibility": true,
    })
}

pub(crate) async fn request(app: &TestApp, token: &str, body: Value) -> Value {
    app.post(token, "/api/v1/connections", body)
        .await
        .expect_status(201)
        .json()
}

/// The token of the first `/fix/<token>` link in a mail's text.
fn fix_token(text: &str) -> String {
    text.split("/fix/")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .next()
        })
        .expect("a fix link in the mail")
        .to_owned()
}

fn step<'a>(access: &'a Value, name: &str) -> &'a Value {
    access["runs"][0]["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("step {name} in {access}"))
}

async fn scripted_behaviours(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    // (user, expected status, deciding step and its code)
    type Expected = (
        &'static str,
        &'static str,
        Option<(&'static str, &'static str)>,
    );
    let cases: [Expected; 11] = [
        ("ok", "working", None),
        (
            "not-enabled",
            "pending_seller",
            Some(("authenticate", "ACCESS_NOT_ENABLED")),
        ),
        (
            "needs-criteria",
            "pending_seller",
            Some(("search", "NO_OPTIONS")),
        ),
        ("quote-fails", "not_working", Some(("quote", "301"))),
        ("hotels-fail", "not_working", Some(("hotels", "22500"))),
        (
            "destinations-empty",
            "pending_seller",
            Some(("destinations", "NO_CONTENT")),
        ),
        ("flaky", "working", None),
        (
            "server-error",
            "not_working",
            Some(("authenticate", "HTTP_500")),
        ),
        (
            "missing-field",
            "not_working",
            Some(("authenticate", "MISSING_FIELD")),
        ),
        (
            "garbage",
            "not_working",
            Some(("authenticate", "BAD_RESPONSE")),
        ),
        (
            "redirect",
            "pending_seller",
            Some(("authenticate", "REDIRECT")),
        ),
    ];
    let mut ids = Vec::new();
    for (user, _, _) in &cases {
        let a = request(&app, &w.a_admin, mirador(&s, user, "demo", user)).await;
        assert_eq!(a["status"], "pending", "{a}");
        ids.push(a["id"].as_i64().unwrap());
    }
    let wrong = request(
        &app,
        &w.a_admin,
        mirador(&s, "ok", "not-the-password", "wrong"),
    )
    .await;
    let atlas_pull = request(
        &app,
        &w.a_admin,
        json!({"seller_id": s.atlas, "connection_type": "pull", "name": "B2B", "environment": "test",
               "credentials": {"user": "ok", "password": "demo", "clientCode": "AGX-1042"},
               "notification_emails": ["ops@alpha.example"], "accept_financial_responsibility": true}),
    )
    .await;
    let atlas_push = request(
        &app,
        &w.a_admin,
        json!({"seller_id": s.atlas, "connection_type": "push", "name": "Rates", "environment": "test",
               "credentials": {"clientCode": "ok"},
               "notification_emails": ["ops@alpha.example"], "accept_financial_responsibility": true}),
    )
    .await;
    for ((user, status, decided), id) in cases.iter().zip(&ids) {
        let a = app.settled_access(&w.a_admin, *id).await;
        assert_eq!(a["status"], *status, "{user}: {a}");
        match decided {
            None => {
                for name in [
                    "validate",
                    "authenticate",
                    "search",
                    "quote",
                    "hotels",
                    "destinations",
                ] {
                    assert_eq!(step(&a, name)["status"], "passed", "{user} {name}: {a}");
                }
                assert_eq!(a["case_status"], "Delivered");
            }
            Some((name, code)) => {
                let st = step(&a, name);
                assert_eq!(st["status"], "failed", "{user}: {a}");
                assert_eq!(st["error_code"], *code, "{user}: {st}");
                assert!(
                    st["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{st}"
                );
            }
        }
    }
    let flaky = app.settled_access(&w.a_admin, ids[6]).await;
    assert_eq!(step(&flaky, "search")["attempts"], 3, "{flaky}");
    let hotels = app.settled_access(&w.a_admin, ids[4]).await;
    assert_eq!(step(&hotels, "hotels")["attempts"], 4, "{hotels}");
    assert_eq!(step(&hotels, "destinations")["status"], "skipped");
    let wrong = app
        .settled_access(&w.a_admin, wrong["id"].as_i64().unwrap())
        .await;
    assert_eq!(wrong["status"], "pending_seller", "{wrong}");
    assert_eq!(step(&wrong, "authenticate")["error_code"], "22401");
    for a in [atlas_pull, atlas_push] {
        let a = app
            .settled_access(&w.a_admin, a["id"].as_i64().unwrap())
            .await;
        assert_eq!(a["status"], "working", "{a}");
    }
    // The per-seller limit held: the seller never saw more than 4 at once
    // (the store refuses a fifth claim; here every run finished).
    let counts = app.app.store.run_counts().await.unwrap();
    assert!(
        counts.iter().all(|(state, _)| state != "running"),
        "{counts:?}"
    );
    app.shutdown().await;
}

/// Pending Seller → the seller's fix link by mail → fixed → Working,
/// Delivered, notification mail; the link works once.
async fn fix_link_and_mails(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let a = request(
        &app,
        &w.a_admin,
        mirador(&s, "needs-criteria", "demo", "B2C"),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "pending_seller", "{a}");
    assert_eq!(a["case_status"], "Pending Seller's Feedback");
    app.settle().await;
    let mails = app.maildir_messages();
    let fix = mails
        .iter()
        .find(|m| m.raw.contains("activation@mirador.example") && m.text.contains("/fix/"))
        .expect("the seller got a fix link");
    let token = fix_token(&fix.text);
    let view = app.app.fix_view(&token).await.unwrap();
    assert_eq!(view.name, "B2C");
    assert!(
        serde_json::to_string(&view)
            .unwrap()
            .contains("needs-criteria")
    );
    app.app
        .fix_with_link(&token, None, Some(json!({"destinations": ["PTLIS"]})))
        .await
        .unwrap();
    // Single use.
    let again = app.app.fix_with_link(&token, None, None).await;
    assert!(again.is_err(), "a used link is refused");
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "working", "{a}");
    assert_eq!(a["case_status"], "Delivered");
    assert_eq!(a["runs"].as_array().unwrap().len(), 2);
    app.settle().await;
    let mails = app.maildir_messages();
    assert!(
        mails
            .iter()
            .any(|m| m.raw.contains("ops@alpha.example") && m.text.contains("is now Working")),
        "the notification emails were told"
    );
    // The case thread tells the same story, in one case.
    let case = app.case(&w.a_admin, a["case_id"].as_i64().unwrap()).await;
    let text = case.to_string();
    assert!(
        text.contains("Activation run 1 finished: Pending Seller"),
        "{text}"
    );
    assert!(
        text.contains("Activation run 2 finished: Working"),
        "{text}"
    );
    assert!(text.contains("NO_OPTIONS"), "{text}");
    // A reply by mail lands in the same case.
    let reply = format!(
        "From: Ana Admin <{A_ADMIN}>\r\nTo: support+case-{case}@frontdesk.localhost\r\nSubject: Re: [Case #{case}] thanks\r\nMessage-ID: <reply-{case}@alpha.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThanks, it works for us too.\r\n",
        case = a["case_id"]
    );
    app.app
        .ingest_mail(reply.as_bytes(), frontdesk_app::inbound::Channel::Smtp, &[])
        .await
        .unwrap();
    let case = app.case(&w.a_admin, a["case_id"].as_i64().unwrap()).await;
    assert!(
        case.to_string().contains("Thanks, it works for us too."),
        "{case}"
    );
    assert_eq!(case["status_label"], "Delivered");
    // Timers only lived in Pending Seller: none remain.
    assert!(
        app.app
            .store
            .access_timers(frontdesk_domain::CaseId(a["case_id"].as_i64().unwrap()))
            .await
            .unwrap()
            .is_empty()
    );
    app.shutdown().await;
}

async fn refusals(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    // Inactive sellers are never offered.
    let partners = app
        .get(&w.a_admin, "/api/v1/connections/partners")
        .await
        .expect_status(200)
        .json();
    let names: Vec<&str> = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Mirador Hotels") && names.contains(&"Atlas Beds"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("Dormant")), "{names:?}");
    let mut dormant = mirador(&s, "ok", "demo", "x");
    dormant["seller_id"] = json!(s.dormant);
    let r = app
        .post(&w.a_admin, "/api/v1/connections", dormant)
        .await
        .expect_status(422);
    assert!(r.text().contains("seller_id"), "{}", r.text());
    // Schema violations, field by field.
    let mut bad = mirador(&s, "x", "demo", "");
    bad["credentials"]["user"] = json!("a b");
    bad["notification_emails"] = json!(["not an address"]);
    bad["accept_financial_responsibility"] = json!(false);
    let r = app
        .post(&w.a_admin, "/api/v1/connections", bad)
        .await
        .expect_status(422);
    let t = r.text();
    for field in [
        "credentials.user",
        "name",
        "notification_emails[0]",
        "accept_financial_responsibility",
    ] {
        assert!(t.contains(field), "{field} in {t}");
    }
    // URL fields must point at the registered host.
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/graphql",
        "https://elsewhere.example/graphql",
    ] {
        let mut b = mirador(&s, "ok", "demo", "u");
        b["credentials"]["url"] = json!(url);
        let r = app
            .post(&w.a_admin, "/api/v1/connections", b)
            .await
            .expect_status(422);
        assert!(r.text().contains("credentials.url"), "{url}: {}", r.text());
    }
    // Unknown fields are refused.
    let mut b = mirador(&s, "ok", "demo", "u");
    b["credentials"]["extra"] = json!("x");
    app.post(&w.a_admin, "/api/v1/connections", b)
        .await
        .expect_status(422);
    let mut b = mirador(&s, "ok", "demo", "u");
    b["surprise"] = json!(1);
    app.post(&w.a_admin, "/api/v1/connections", b)
        .await
        .expect_status(400);
    // The wizard's step validation stores nothing.
    app.post(&w.a_admin, "/api/v1/connections/validate",
        json!({"step": "configuration", "seller_id": s.mirador, "connection_type": "pull", "name": "n", "environment": "test",
               "credentials": {"user": "ok"}}))
        .await
        .expect_status(422);
    app.post(
        &w.a_admin,
        "/api/v1/connections/validate",
        json!({"step": "partner", "seller_id": s.mirador, "connection_type": "pull"}),
    )
    .await
    .expect_status(200);
    // A duplicate of a live request: 409 naming the existing access.
    let first = request(&app, &w.a_admin, mirador(&s, "ok", "demo", "B2B")).await;
    let r = app
        .post(
            &w.a_admin,
            "/api/v1/connections",
            mirador(&s, "ok", "demo", "B2B again"),
        )
        .await
        .expect_status(409);
    assert!(
        r.text().contains(&format!("/connections/{}", first["id"])),
        "{}",
        r.text()
    );
    // Idempotency-Key replays the first answer.
    let body = mirador(&s, "ok", "other-password", "Idem");
    let send = || {
        app.send(
            app.request(
                reqwest::Method::POST,
                "/api/v1/connections",
                Some(&w.a_admin),
            )
            .header("idempotency-key", "k-1")
            .json(&body),
        )
    };
    let one = send().await.expect_status(201).json();
    let two = send().await.expect_status(201);
    assert_eq!(two.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(two.json()["id"], one["id"]);
    // A buyer without a commercial contract: 403 naming sales.
    let nc = app
        .app
        .create_organization(frontdesk_store::orgs::NewOrganization {
            code: "no-contract".into(),
            name: "No Contract".into(),
            is_buyer: true,
            is_seller: false,
            active: true,
            commercial_contract: false,
            company_visibility: frontdesk_domain::org::CompanyVisibility::Members,
        })
        .await
        .unwrap();
    let _ = nc;
    app.app
        .set_membership(
            BOTH,
            "no-contract",
            frontdesk_domain::org::MemberRole::Member,
        )
        .await
        .unwrap();
    let r = app
        .send(
            app.request(reqwest::Method::POST, "/api/v1/connections", Some(&w.both))
                .header("x-organization", "no-contract")
                .json(&mirador(&s, "ok", "demo", "nc")),
        )
        .await
        .expect_status(403);
    assert!(
        r.text().contains("sales@frontdesk.localhost"),
        "{}",
        r.text()
    );
    app.shutdown().await;
}

async fn not_working_blocks_edit_and_staff_decide(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let a = request(
        &app,
        &w.a_admin,
        mirador(&s, "server-error", "demo", "Broken"),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "not_working", "{a}");
    assert_eq!(a["case_status"], "In Progress");
    assert!(a["edit_blocked"].as_str().is_some());
    let r = app
        .send(
            app.request(
                reqwest::Method::PATCH,
                &format!("/api/v1/connections/{id}"),
                Some(&w.a_admin),
            )
            .json(&json!({"name": "Renamed"})),
        )
        .await
        .expect_status(409);
    assert!(r.text().contains("Not Working"), "{}", r.text());
    // Partners cannot use staff actions.
    app.post_empty(&w.a_admin, &format!("/api/v1/staff/connections/{id}/rerun"))
        .await
        .expect_status(403);
    // Connectivity: the queue, a re-run, then mark working after a check.
    let q = app
        .get(&w.agent, "/api/v1/staff/connections?status=not_working")
        .await
        .expect_status(200)
        .json();
    assert!(
        q["items"].as_array().unwrap().iter().any(|i| i["id"] == id),
        "{q}"
    );
    app.post_empty(&w.agent, &format!("/api/v1/staff/connections/{id}/rerun"))
        .await
        .expect_status(200);
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "not_working");
    assert_eq!(a["runs"].as_array().unwrap().len(), 2);
    app.post(
        &w.agent,
        &format!("/api/v1/staff/connections/{id}/mark-working"),
        json!({}),
    )
    .await
    .expect_status(422);
    let a = app
        .post(
            &w.agent,
            &format!("/api/v1/staff/connections/{id}/mark-working"),
            json!({"message": "Booked a test reservation by phone with the seller."}),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(a["status"], "working");
    assert_eq!(a["case_status"], "Delivered");
    // Edit is possible again and re-runs the activation.
    let r = app
        .send(app.request(reqwest::Method::PATCH, &format!("/api/v1/connections/{id}"), Some(&w.a_admin)).json(&json!({"credentials": {"url": format!("{}/mirador/pull/test/graphql", s.base_url), "user": "ok", "password": ""}})))
        .await
        .expect_status(200)
        .json();
    assert_eq!(r["status"], "pending");
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(
        a["status"], "working",
        "the blank password kept the stored one: {a}"
    );
    // Stopped as a duplicate: final.
    app.post(
        &w.agent,
        &format!("/api/v1/staff/connections/{id}/not-completed"),
        json!({"reason": "duplicate", "message": "Same as another request."}),
    )
    .await
    .expect_status(200);
    app.post_empty(&w.agent, &format!("/api/v1/staff/connections/{id}/rerun"))
        .await
        .expect_status(409);
    app.post_empty(&w.a_admin, &format!("/api/v1/connections/{id}/cancel"))
        .await
        .expect_status(409);
    let a = app
        .get(&w.a_admin, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(200)
        .json();
    assert_eq!(a["status"], "not_completed");
    assert_eq!(a["case_status"], "Not Completed");
    // The buyer cancels another one.
    let b = request(&app, &w.a_admin, mirador(&s, "ok", "demo", "To cancel")).await;
    let b = app
        .post_empty(
            &w.a_admin,
            &format!("/api/v1/connections/{}/cancel", b["id"]),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(b["status"], "not_completed");
    app.shutdown().await;
}

/// Everything the process logs, for the no-secret check (nextest runs each
/// test in a process of its own, so the global subscriber is this test's).
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn isolation_and_no_secret_leaks(app: TestApp) {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let captured = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .is_ok();
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let secret = "Zq9-very-secret-pw";
    let a = request(&app, &w.a_admin, mirador(&s, "ok", secret, "Leak check")).await;
    let id = a["id"].as_i64().unwrap();
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "pending_seller", "a wrong password: {a}");
    assert_eq!(
        a["credentials"]["password"], "••••••pw",
        "masked to the last 2"
    );
    // Another buyer sees nothing.
    app.get(&w.b_member, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(404);
    let list = app
        .get(&w.b_member, "/api/v1/connections")
        .await
        .expect_status(200)
        .json();
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    app.send(
        app.request(
            reqwest::Method::PATCH,
            &format!("/api/v1/connections/{id}"),
            Some(&w.b_member),
        )
        .json(&json!({"name": "x"})),
    )
    .await
    .expect_status(404);
    app.post_empty(&w.b_member, &format!("/api/v1/connections/{id}/cancel"))
        .await
        .expect_status(404);
    // The seller sees the request made to it (masked); another seller does not.
    app.app
        .create_user("rosa@mirador.example", "Rosa", Some(PASSWORD), false)
        .await
        .unwrap();
    app.app
        .set_membership(
            "rosa@mirador.example",
            "mirador",
            frontdesk_domain::org::MemberRole::Admin,
        )
        .await
        .unwrap();
    app.app
        .create_user("tom@atlasbeds.example", "Tom", Some(PASSWORD), false)
        .await
        .unwrap();
    app.app
        .set_membership(
            "tom@atlasbeds.example",
            "atlasbeds",
            frontdesk_domain::org::MemberRole::Admin,
        )
        .await
        .unwrap();
    let rosa = app.login("rosa@mirador.example", PASSWORD).await;
    let tom = app.login("tom@atlasbeds.example", PASSWORD).await;
    let seen = app
        .get(&rosa, "/api/v1/connections")
        .await
        .expect_status(200)
        .json();
    assert_eq!(seen["view"], "seller");
    assert!(
        seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id),
        "{seen}"
    );
    app.get(&rosa, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(200);
    app.get(&tom, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(404);
    // The seller fixes the password itself, without a link.
    app.post(&rosa, &format!("/api/v1/connections/{id}/seller-fix"),
        json!({"credentials": {"url": format!("{}/mirador/pull/test/graphql", s.base_url), "user": "ok", "password": "demo"}}))
        .await
        .expect_status(200);
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "working", "{a}");
    // No secret anywhere: API answers, case thread, mails, runs, outbox.
    app.settle().await;
    let detail = app
        .get(&w.a_admin, &format!("/api/v1/connections/{id}"))
        .await
        .text();
    let case = app
        .case(&w.agent, a["case_id"].as_i64().unwrap())
        .await
        .to_string();
    let mails: String = app
        .maildir_messages()
        .iter()
        .map(|m| m.raw.clone())
        .collect();
    let runs = format!("{:?}", app.app.store.runs(AccessId(id)).await.unwrap());
    let stored = app
        .app
        .store
        .access(
            frontdesk_store::connections::AccessScope::Staff,
            AccessId(id),
        )
        .await
        .unwrap()
        .unwrap()
        .config;
    let outbox = app.outbox(&w.agent).await;
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    if captured {
        assert!(logged.contains("http"), "the capture saw the request logs");
    }
    for (what, text) in [
        ("detail", detail),
        ("case", case),
        ("mails", mails),
        ("runs", runs),
        ("stored", stored),
        ("outbox", format!("{outbox:?}")),
        ("logs", logged),
    ] {
        assert!(!text.contains(secret), "the secret leaked into {what}");
        assert!(
            !text.contains("\"demo\""),
            "the fixed password leaked into {what}"
        );
    }
    app.shutdown().await;
}

/// The demo seller's transport scripts: every one is a recorded, typed
/// step failure and no worker hangs.
async fn transport_failures(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let mut ids = Vec::new();
    for user in ["slow", "drip", "huge", "hang-up"] {
        let a = request(&app, &w.a_admin, mirador(&s, user, "demo", user)).await;
        ids.push((user, a["id"].as_i64().unwrap()));
    }
    let atlas = request(
        &app,
        &w.a_admin,
        json!({"seller_id": s.atlas, "connection_type": "pull", "name": "Redirected", "environment": "test",
               "credentials": {"user": "redirect", "password": "demo", "clientCode": "AGX-1042"},
               "notification_emails": ["ops@alpha.example"], "accept_financial_responsibility": true}),
    )
    .await;
    for (user, id) in ids {
        let a = app.settled_access(&w.a_admin, id).await;
        assert_eq!(a["status"], "not_working", "{user}: {a}");
        let st = step(&a, "authenticate");
        let (code, attempts) = match user {
            "slow" | "drip" => ("TIMEOUT", 4),
            "huge" => ("TOO_LARGE", 1),
            _ => ("CONNECT", 4),
        };
        assert_eq!(st["error_code"], code, "{user}: {st}");
        assert_eq!(st["attempts"], attempts, "{user}: {st}");
    }
    // A redirect on a registered endpoint (no URL field) is the
    // registration's problem: Not Working, and nothing followed it.
    let a = app
        .settled_access(&w.a_admin, atlas["id"].as_i64().unwrap())
        .await;
    assert_eq!(a["status"], "not_working", "{a}");
    assert_eq!(step(&a, "authenticate")["error_code"], "REDIRECT");
    app.shutdown().await;
}

/// Pending Seller: reminders after 3 and 5 days, Connectivity alerted
/// after 7; the support lifecycle's actions do not apply to the case.
async fn pending_seller_timers_and_case_rules(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let a = request(
        &app,
        &w.a_admin,
        mirador(&s, "destinations-empty", "demo", "Timers"),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "pending_seller", "{a}");
    let case_id = a["case_id"].as_i64().unwrap();
    let seller_mails = |app: &TestApp| {
        app.maildir_messages()
            .into_iter()
            .filter(|m| m.raw.contains("activation@mirador.example"))
            .map(|m| m.text)
            .collect::<Vec<_>>()
    };
    app.settle().await;
    assert_eq!(seller_mails(&app).len(), 1);
    let timers = app
        .app
        .store
        .access_timers(frontdesk_domain::CaseId(case_id))
        .await
        .unwrap();
    assert_eq!(timers.len(), 3, "{timers:?}");
    app.advance(&w.admin, 3 * 86_400).await;
    app.settle().await;
    let mails = seller_mails(&app);
    assert_eq!(mails.len(), 2);
    assert!(mails[1].contains("Reminder 1"), "{}", mails[1]);
    app.advance(&w.admin, 2 * 86_400).await;
    app.settle().await;
    assert!(seller_mails(&app)[2].contains("Reminder 2"));
    app.advance(&w.admin, 2 * 86_400).await;
    app.settle().await;
    // The first link (7 days) has expired by now.
    let first = &seller_mails(&app)[0];
    let token = fix_token(first);
    let expired = app.app.fix_view(&token).await.unwrap_err().to_string();
    assert!(expired.contains("expired"), "{expired}");
    let staff_view = app.case(&w.agent, case_id).await.to_string();
    assert!(
        staff_view.contains("has not fixed this access"),
        "{staff_view}"
    );
    let partner_view = app.case(&w.a_admin, case_id).await;
    assert_eq!(partner_view["status_label"], "Pending Seller's Feedback");
    assert!(
        !partner_view
            .to_string()
            .contains("has not fixed this access"),
        "the alert is internal"
    );
    // The case follows the access: closing or moving it is refused.
    app.post_empty(&w.a_admin, &format!("/api/v1/cases/{case_id}/close"))
        .await
        .expect_status(409);
    app.post(
        &w.agent,
        &format!("/api/v1/cases/{case_id}/status"),
        json!({"status": "resolved", "message": "x"}),
    )
    .await
    .expect_status(409);
    // A reply on the thread is fine.
    app.post(
        &w.a_admin,
        &format!("/api/v1/cases/{case_id}/messages"),
        json!({"body": "Any news from the seller?"}),
    )
    .await
    .expect_status(201);
    assert_eq!(
        app.get(&w.a_admin, &format!("/api/v1/connections/{id}"))
            .await
            .json()["status"],
        "pending_seller"
    );
    app.shutdown().await;
}

/// A lease shorter than the `slow` seller's wait for authenticate.
fn short_lease(c: &mut Config) {
    c.connections.run_lease_ms = 3_000;
    c.connections.authenticate_timeout_ms = 8_000;
}

/// A run that outlasts its lease keeps it by renewal: a second worker finds
/// nothing to take while it is in flight.
async fn lease_renewed_while_running(app: TestApp) {
    use std::time::{Duration, Instant};
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let id = request(&app, &w.a_admin, mirador(&s, "slow", "demo", "Slow")).await["id"]
        .as_i64()
        .unwrap();
    let latest = || async { app.app.store.runs(AccessId(id)).await.unwrap().remove(0) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while latest().await.state != "running" {
        assert!(Instant::now() < deadline, "the run was never claimed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Past the claim's own lease, still inside the seller's wait.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let run = latest().await;
    assert_eq!(
        (run.state.as_str(), run.attempts),
        ("running", 1),
        "{run:?}"
    );
    assert!(run.lease_until.unwrap() > app.app.clock.now(), "{run:?}");
    assert_eq!(app.app.run_activations().await.unwrap().claimed, 0);
    app.shutdown().await;
}
