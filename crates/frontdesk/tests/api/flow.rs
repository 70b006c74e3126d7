//! The "done when" path: who am I, creating a case, finding it through
//! every filter, sort and page, moving it through every status, closing and
//! reopening it.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    me_and_organizations,
    list_filters_sorts_and_pages,
    lifecycle_reply_note_close_reopen,
);

fn bodies(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().expect("message body").to_owned())
        .collect()
}

async fn me_and_organizations(app: TestApp) {
    let w = app.world().await;

    let me = app
        .get(&w.a_admin, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["user"]["email"], A_ADMIN);
    assert_eq!(me["user"]["name"], "Ana Admin");
    assert_eq!(me["user"]["is_admin"], false);
    assert_eq!(me["user"]["teams"], json!([]));
    let orgs = me["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["code"], ORG_A);
    assert_eq!(orgs[0]["name"], "Alpha Travel");
    assert_eq!(orgs[0]["id"], w.org_a.0);
    assert_eq!(orgs[0]["role"], "admin");
    assert_eq!(orgs[0]["profiles"], json!(["buyer"]));
    assert_eq!(orgs[0]["active"], true);
    assert_eq!(orgs[0]["commercial_contract"], true);
    assert_eq!(me["current_organization"]["code"], ORG_A);

    // The user of two organizations acts in the first (by name) unless told.
    let me = app
        .get(&w.both, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    let codes: Vec<&str> = me["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![ORG_A, ORG_B]);
    assert_eq!(me["current_organization"]["code"], ORG_A);
    assert_eq!(me["current_organization"]["role"], "member");
    let me = app
        .get_in(&w.both, ORG_B, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["current_organization"]["code"], ORG_B);
    assert_eq!(me["current_organization"]["name"], "Beta Tours");
    let me = app
        .get(&w.both, &format!("/api/v1/me?org={ORG_B}"))
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["current_organization"]["code"], ORG_B);
    let me = app
        .get_in(&w.both, &w.org_b.0.to_string(), "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["current_organization"]["code"], ORG_B);

    // An organization one is not a member of is refused, however named.
    for org in [ORG_B, &w.org_b.0.to_string(), "no-such-org"] {
        app.get_in(&w.a_admin, org, "/api/v1/me")
            .await
            .problem_with(403, "not a member");
        app.get(&w.a_admin, &format!("/api/v1/me?org={org}"))
            .await
            .problem_with(403, "not a member");
        // And nothing can be done in it.
        app.get_in(&w.a_admin, org, "/api/v1/cases")
            .await
            .problem(403);
    }

    // Staff and administrators.
    let me = app
        .get(&w.agent, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["user"]["teams"], json!(["customer-care"]));
    assert_eq!(me["organizations"], json!([]));
    assert_eq!(me["current_organization"], Value::Null);
    let me = app
        .get(&w.product, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["user"]["teams"], json!([PRODUCT_TEAM]));
    let me = app
        .get(&w.admin, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(me["user"]["is_admin"], true);

    // Signing out ends that session only.
    let second = app.login(A_MEMBER, PASSWORD).await;
    app.send(app.request(Method::POST, "/api/v1/auth/logout", Some(&second)))
        .await
        .expect_status(204);
    let r = app.get(&second, "/api/v1/me").await;
    r.problem(401);
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    app.get(&w.a_member, "/api/v1/me").await.expect_status(200);

    app.shutdown().await;
}

async fn list_filters_sorts_and_pages(app: TestApp) {
    let w = app.world().await;
    let step = || tokio::time::sleep(Duration::from_millis(5));
    let mut made = Vec::new();
    for (category, subject) in [
        ("customer_care", "Barcelona availability empty"),
        ("billing", "Invoice 2024-07 duplicated"),
        ("connections", "New connection to a bed bank"),
        ("customer_care", "Rate mismatch on Madrid hotels"),
        ("billing", "Credit note missing"),
    ] {
        let c = app
            .create_case(&w.a_admin, None, category, subject, "Details follow.")
            .await;
        assert_eq!(c["status"], "open");
        assert_eq!(c["reference"], format!("#{}", c["id"]));
        made.push(c["id"].as_i64().unwrap());
        step().await;
    }
    let own = app
        .create_case(
            &w.a_member,
            None,
            "customer_care",
            "Member's own question",
            "Only mine.",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    step().await;
    let [c1, c2, c3, c4, c5] = made[..] else {
        unreachable!()
    };
    app.set_status(&w.agent, c2, "in_progress", None).await;
    step().await;
    app.set_status(&w.agent, c3, "feedback_required", Some("Which hotels?"))
        .await;
    step().await;
    app.set_status(&w.agent, c4, "resolved", Some("Rates reloaded."))
        .await;
    step().await;
    app.set_status(&w.agent, c5, "closed", None).await;
    step().await;
    app.message(&w.a_admin, c1, "Still empty this morning.", false)
        .await;

    let all_mine = vec![c1, c2, c3, c4, c5];
    let mut everyone = all_mine.clone();
    everyone.push(own);
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v
    };
    let (appr, admin) = (&app, &w.a_admin);
    let ids_of = move |p: &'static [(&'static str, &'static str)]| async move {
        sorted(appr.list_ids(admin, p).await)
    };

    // Each filter finds the case.
    let by_id = app
        .list_ids(&w.a_admin, &[("id", &c1.to_string()), ("status", "all")])
        .await;
    assert_eq!(by_id, vec![c1]);
    let by_ref = app.list_ids(&w.a_admin, &[("id", &format!("#{c1}"))]).await;
    assert_eq!(by_ref, vec![c1]);
    let foreign_id = app
        .list_ids(&w.a_admin, &[("id", &own.to_string()), ("status", "all")])
        .await;
    assert!(foreign_id.is_empty(), "mine excludes a colleague's case");
    assert_eq!(ids_of(&[("q", "barcelona")]).await, vec![c1]);
    assert_eq!(ids_of(&[("q", "BARCELONA avail")]).await, vec![c1]);
    assert_eq!(ids_of(&[("q", "madrid")]).await, vec![c4]);
    assert_eq!(ids_of(&[("q", "no such words")]).await, Vec::<i64>::new());
    assert_eq!(ids_of(&[("q", "100%_")]).await, Vec::<i64>::new());
    assert_eq!(
        ids_of(&[("category", "billing"), ("status", "all")]).await,
        vec![c2, c5]
    );
    assert_eq!(ids_of(&[("category", "billing")]).await, vec![c2]);
    assert_eq!(ids_of(&[("category", "connections")]).await, vec![c3]);
    assert_eq!(ids_of(&[("category", "customer_care")]).await, vec![c1, c4]);
    // Status: open (not closed) by default.
    assert_eq!(ids_of(&[]).await, vec![c1, c2, c3, c4]);
    assert_eq!(ids_of(&[("status", "open")]).await, vec![c1, c2, c3, c4]);
    assert_eq!(ids_of(&[("status", "closed")]).await, vec![c5]);
    assert_eq!(ids_of(&[("status", "in_progress")]).await, vec![c2]);
    assert_eq!(ids_of(&[("status", "feedback_required")]).await, vec![c3]);
    assert_eq!(ids_of(&[("status", "resolved")]).await, vec![c4]);
    assert_eq!(ids_of(&[("status", "all")]).await, all_mine);
    // Scope: mine (requested or participating) and company.
    assert_eq!(
        ids_of(&[("scope", "mine"), ("status", "all")]).await,
        all_mine
    );
    assert_eq!(
        ids_of(&[("scope", "company"), ("status", "all")]).await,
        sorted(everyone.clone())
    );
    let member_mine = app
        .list_ids(&w.a_member, &[("scope", "mine"), ("status", "all")])
        .await;
    assert_eq!(member_mine, vec![own]);
    let member_company = sorted(
        app.list_ids(&w.a_member, &[("scope", "company"), ("status", "all")])
            .await,
    );
    assert_eq!(member_company, sorted(everyone.clone()));
    // Filters combine.
    let combined = app
        .list_ids(
            &w.a_admin,
            &[
                ("scope", "company"),
                ("status", "all"),
                ("category", "customer_care"),
                ("q", "o"),
            ],
        )
        .await;
    assert_eq!(sorted(combined), vec![c1, c4, own]);

    // Rows say what the dashboard shows, and no staff-only field.
    let rows = app
        .list_all(&w.a_admin, "/api/v1/cases", &[("id", &c4.to_string())], 25)
        .await;
    let row = &rows[0];
    assert_eq!(row["reference"], format!("#{c4}"));
    assert_eq!(row["subject"], "Rate mismatch on Madrid hotels");
    assert_eq!(row["category"], "customer_care");
    assert_eq!(row["status"], "resolved");
    assert_eq!(row["status_label"], "Resolved");
    assert_eq!(row["requester_name"], "Ana Admin");
    assert!(
        row.get("team").is_none(),
        "partners never see the team: {row}"
    );

    // Every sort, both directions, page by page: every case exactly once,
    // in order.
    let rank = |s: &str| match s {
        "open" => 0,
        "in_progress" => 1,
        "feedback_required" => 2,
        "resolved" => 3,
        "closed" => 4,
        other => panic!("unknown status {other}"),
    };
    let created_asc = vec![c1, c2, c3, c4, c5, own];
    let updated_asc = vec![own, c2, c3, c4, c5, c1];
    let status_asc = vec![c1, own, c2, c3, c4, c5];
    for (sort, expected_asc) in [
        ("created", &created_asc),
        ("updated", &updated_asc),
        ("status", &status_asc),
    ] {
        for order in ["asc", "desc"] {
            for limit in [1, 2, 4, 200] {
                let rows = app
                    .list_all(
                        &w.a_admin,
                        "/api/v1/cases",
                        &[
                            ("scope", "company"),
                            ("status", "all"),
                            ("sort", sort),
                            ("order", order),
                        ],
                        limit,
                    )
                    .await;
                let got = ids(&rows);
                let mut expected = expected_asc.clone();
                if order == "desc" {
                    expected.reverse();
                }
                assert_eq!(got, expected, "sort={sort} order={order} limit={limit}");
                if sort == "status" {
                    let ranks: Vec<i32> = rows
                        .iter()
                        .map(|r| rank(r["status"].as_str().unwrap()))
                        .collect();
                    let mut monotone = ranks.clone();
                    monotone.sort_unstable();
                    if order == "desc" {
                        monotone.reverse();
                    }
                    assert_eq!(ranks, monotone);
                }
            }
        }
    }
    // Defaults: updated, newest first; status sorts ascending.
    let default = ids(&app
        .list_all(
            &w.a_admin,
            "/api/v1/cases",
            &[("scope", "company"), ("status", "all")],
            2,
        )
        .await);
    let mut updated_desc = updated_asc.clone();
    updated_desc.reverse();
    assert_eq!(default, updated_desc);
    let status_default = ids(&app
        .list_all(
            &w.a_admin,
            "/api/v1/cases",
            &[("scope", "company"), ("status", "all"), ("sort", "status")],
            3,
        )
        .await);
    assert_eq!(status_default, status_asc);
    // The last page has no cursor; a full page before it has one.
    let first = app
        .get(&w.a_admin, "/api/v1/cases?scope=company&status=all&limit=6")
        .await
        .expect_status(200)
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 6);
    assert_eq!(first["next_cursor"], Value::Null);
    let first = app
        .get(&w.a_admin, "/api/v1/cases?scope=company&status=all&limit=5")
        .await
        .expect_status(200)
        .json();
    assert!(first["next_cursor"].is_string());

    // Staff see every organization's cases, with the team.
    let staff_rows = app
        .list_all(&w.agent, "/api/v1/staff/cases", &[("status", "all")], 2)
        .await;
    assert_eq!(sorted(ids(&staff_rows)), sorted(everyone.clone()));
    assert!(staff_rows.iter().all(|r| r["team"].is_string()));
    let billing = app
        .list_all(
            &w.agent,
            "/api/v1/staff/cases",
            &[("status", "all"), ("team", "billing")],
            10,
        )
        .await;
    assert_eq!(sorted(ids(&billing)), vec![c2, c5]);

    app.shutdown().await;
}

async fn lifecycle_reply_note_close_reopen(app: TestApp) {
    let w = app.world().await;

    let r = app
        .send(
            app.request(Method::POST, "/api/v1/cases", Some(&w.a_admin))
                .json(&json!({
                    "category": "customer_care",
                    "subject": "Hotel search returns no results",
                    "description": "Since 09:00 every search for Barcelona is empty.\nRequest id 7f3a91.",
                    "participants": [A_MEMBER, "ops@alpha-partner.example", A_ADMIN],
                })),
        )
        .await
        .expect_status(201);
    let case = r.json();
    let id = case["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/cases/{id}")));
    assert_eq!(r.header("idempotent-replayed"), None);
    assert_eq!(case["reference"], format!("#{id}"));
    assert_eq!(case["status"], "open");
    assert_eq!(case["status_label"], "Open");
    assert!(case["status_meaning"].as_str().unwrap().len() > 10);
    assert_eq!(case["category"], "customer_care");
    assert_eq!(case["subject"], "Hotel search returns no results");
    assert_eq!(
        case["description"],
        "Since 09:00 every search for Barcelona is empty.\nRequest id 7f3a91."
    );
    assert_eq!(case["organization_id"], w.org_a.0);
    assert_eq!(case["organization_name"], "Alpha Travel");
    assert_eq!(case["requester_email"], A_ADMIN);
    assert_eq!(case["requester_name"], "Ana Admin");
    let mut participants: Vec<String> = case["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    participants.sort();
    assert_eq!(
        participants,
        vec![A_MEMBER.to_owned(), "ops@alpha-partner.example".to_owned()],
        "the requester is not also a participant"
    );
    assert_eq!(case["messages"], json!([]));
    assert_eq!(case["history"], json!([]));
    assert_eq!(case["reopened_from"], Value::Null);
    assert_eq!(case["reopened_as"], Value::Null);
    for staff_only in ["team", "assignee", "events", "timers"] {
        assert!(
            case.get(staff_only).is_none(),
            "{staff_only} leaked: {case}"
        );
    }
    // What the creation answered is what a read gives.
    let read = app.case(&w.a_admin, id).await;
    assert_eq!(read["subject"], case["subject"]);
    assert_eq!(read["created_at"], case["created_at"]);
    // The participant colleague finds it under My cases.
    app.case(&w.a_member, id).await;
    assert_eq!(
        app.list_ids(&w.a_member, &[("scope", "mine")]).await,
        vec![id]
    );

    // Staff: in progress, a public reply, an internal note.
    let staff_view = app.case(&w.agent, id).await;
    assert_eq!(staff_view["team"], "customer-care");
    app.set_status(&w.agent, id, "in_progress", None).await;
    app.message(
        &w.agent,
        id,
        "We are looking into the Barcelona searches.",
        false,
    )
    .await;
    let with_note = app
        .message(
            &w.agent,
            id,
            "Supplier outage on their side; do not tell the partner yet.",
            true,
        )
        .await;
    assert!(
        bodies(&with_note["messages"])
            .iter()
            .any(|b| b.starts_with("Supplier outage")),
        "staff see their note in the answer"
    );

    let partner_view = app.case(&w.a_admin, id).await;
    assert_eq!(partner_view["status"], "in_progress");
    assert_eq!(
        bodies(&partner_view["messages"]),
        vec!["We are looking into the Barcelona searches."]
    );
    assert!(
        partner_view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["internal"] == false && m["side"] == "staff")
    );
    assert!(!partner_view.to_string().contains("Supplier outage"));
    let staff_view = app.case(&w.agent, id).await;
    let notes: Vec<&Value> = staff_view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["internal"] == true)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["body"],
        "Supplier outage on their side; do not tell the partner yet."
    );
    assert_eq!(notes[0]["author_name"], "Carla Agent");
    assert!(staff_view["events"].as_array().unwrap().len() >= 3);
    assert!(staff_view["timers"].is_array());

    // Feedback required, with the question; the partner answers.
    let fb = app
        .set_status(
            &w.agent,
            id,
            "feedback_required",
            Some("Please send two more request ids."),
        )
        .await;
    assert_eq!(fb["status_label"], "Partner's feedback required");
    assert!(bodies(&fb["messages"]).contains(&"Please send two more request ids.".to_owned()));
    let timers: Vec<&str> = fb["timers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(timers.len(), 3, "two reminders and a closing: {timers:?}");
    let answered = app
        .message(&w.a_admin, id, "Request ids 7f3a97 and 7f3a99.", false)
        .await;
    assert_eq!(answered["status"], "in_progress");

    // Resolving needs the solution.
    let r = app
        .post(
            &w.agent,
            &format!("/api/v1/cases/{id}/status"),
            json!({ "status": "resolved" }),
        )
        .await;
    r.problem_with(422, "message");
    let r = app
        .post(
            &w.agent,
            &format!("/api/v1/cases/{id}/status"),
            json!({ "status": "resolved", "message": "   " }),
        )
        .await;
    r.problem_with(422, "message");
    assert_eq!(app.case(&w.a_admin, id).await["status"], "in_progress");
    let resolved = app
        .set_status(
            &w.agent,
            id,
            "resolved",
            Some("The supplier fixed their mapping; searches work again."),
        )
        .await;
    assert_eq!(resolved["status_label"], "Resolved");
    let closed = app.set_status(&w.agent, id, "closed", None).await;
    assert_eq!(closed["status_label"], "Closed");

    // Closed stays closed.
    app.post_empty(&w.a_admin, &format!("/api/v1/cases/{id}/close"))
        .await
        .problem_with(409, "closed");
    app.post(
        &w.agent,
        &format!("/api/v1/cases/{id}/status"),
        json!({ "status": "closed" }),
    )
    .await
    .problem(409);
    app.post(
        &w.a_admin,
        &format!("/api/v1/cases/{id}/messages"),
        json!({ "body": "One more thing" }),
    )
    .await
    .problem_with(409, "reopen");

    // Reopen: a new case that carries the public history.
    let r = app
        .post_empty(&w.a_admin, &format!("/api/v1/cases/{id}/reopen"))
        .await
        .expect_status(201);
    let reopened = r.json();
    let new_id = reopened["id"].as_i64().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(reopened["reference"], format!("#{new_id}"));
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["reopened_from"], id);
    assert_eq!(reopened["reopened_as"], Value::Null);
    assert_eq!(reopened["subject"], "Hotel search returns no results");
    assert_eq!(reopened["requester_email"], A_ADMIN);
    assert_eq!(reopened["messages"], json!([]));
    let history = reopened["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["id"], id);
    assert_eq!(history[0]["reference"], format!("#{id}"));
    assert_eq!(
        bodies(&history[0]["messages"]),
        vec![
            "We are looking into the Barcelona searches.",
            "Please send two more request ids.",
            "Request ids 7f3a97 and 7f3a99.",
            "The supplier fixed their mapping; searches work again.",
        ]
    );
    assert!(!reopened.to_string().contains("Supplier outage"));
    let mut participants: Vec<&str> = reopened["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    participants.sort_unstable();
    assert_eq!(participants, vec![A_MEMBER, "ops@alpha-partner.example"]);
    // Staff see the history without the note too (it belongs to the old case).
    let staff_new = app.case(&w.agent, new_id).await;
    assert!(!staff_new["history"].to_string().contains("Supplier outage"));
    let old = app.case(&w.a_admin, id).await;
    assert_eq!(old["reopened_as"], new_id);
    assert_eq!(old["status"], "closed");
    // Once only; and only a closed case.
    app.post_empty(&w.a_admin, &format!("/api/v1/cases/{id}/reopen"))
        .await
        .problem_with(409, "already reopened");
    app.post_empty(&w.a_admin, &format!("/api/v1/cases/{new_id}/reopen"))
        .await
        .problem_with(409, "closed");
    // The partner closes the new case; it can be reopened in turn, and the
    // history then reaches back through both.
    let closed = app
        .post_empty(&w.a_admin, &format!("/api/v1/cases/{new_id}/close"))
        .await
        .expect_status(200)
        .json();
    assert_eq!(closed["status"], "closed");
    let third = app
        .post_empty(&w.a_member, &format!("/api/v1/cases/{new_id}/reopen"))
        .await
        .expect_status(201)
        .json();
    let history: Vec<i64> = third["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(history, vec![new_id, id]);
    assert_eq!(third["requester_email"], A_MEMBER);

    app.shutdown().await;
}
