//! Timers through the dev clock, and the mails they and people cause.

use crate::helpers::*;
use frontdesk_app::Config;
use serde_json::{Value, json};

both_backends!(
    feedback_reminders_then_close,
    partner_activity_cancels_reminders,
    resolved_window_closes_or_reopens,
    auto_response_headers_and_outbox,
    sessions_expire_with_the_clock,
    no_clock_in_production with production_clock,
);

const DAY: i64 = 86_400;

fn production_clock(config: &mut Config) {
    config.dev_clock = false;
}

/// The outbox kinds of case `id`, oldest first.
async fn kinds(app: &TestApp, staff: &str, id: i64) -> Vec<String> {
    let list = app
        .get(
            staff,
            &format!("/api/v1/staff/outbox?case_id={id}&limit=200"),
        )
        .await
        .expect_status(200)
        .json();
    let mut kinds: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.reverse();
    kinds
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

/// The mails of case `id` whose text contains `needle`.
fn mails_saying(app: &TestApp, id: i64, needle: &str) -> Vec<Mail> {
    app.mails_for(id)
        .into_iter()
        .filter(|m| m.text.contains(needle))
        .collect()
}

async fn status(app: &TestApp, token: &str, id: i64) -> Value {
    app.case(token, id).await["status"].clone()
}

async fn feedback_reminders_then_close(app: TestApp) {
    let w = app.world().await;
    let subject = "Missing booking references";
    let id = app
        .create_case(
            &w.a_admin,
            None,
            "customer_care",
            subject,
            "Bookings lack refs.",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.set_status(&w.agent, id, "in_progress", None).await;
    let fb = app
        .set_status(
            &w.agent,
            id,
            "feedback_required",
            Some("Please send the booking references."),
        )
        .await;
    let mut timer_kinds: Vec<&str> = fb["timers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    timer_kinds.sort_unstable();
    assert_eq!(timer_kinds.len(), 3, "{timer_kinds:?}");
    app.settle().await;
    assert_eq!(
        kinds(&app, &w.agent, id).await,
        vec!["received", "status_in_progress", "status_feedback_required"]
    );
    let asked = mails_saying(&app, id, "Please send the booking references.");
    assert_eq!(asked.len(), 1, "the feedback request is mailed");

    // Half a day at a time, sometimes calling the clock twice.
    for half_days in 1..=16 {
        let answer = app.advance(&w.admin, DAY / 2).await;
        assert!(answer["now"].is_string());
        assert!(answer["timers_applied"].is_u64());
        assert!(answer["mails_sent"].is_u64());
        if half_days % 3 == 0 {
            app.advance(&w.admin, 0).await;
        }
        app.settle().await;
        let days = f64::from(half_days) / 2.0;
        let k = kinds(&app, &w.agent, id).await;
        assert_eq!(
            count(&k, "reminder_1"),
            usize::from(days >= 3.0),
            "day {days}: {k:?}"
        );
        assert_eq!(
            count(&k, "reminder_2"),
            usize::from(days >= 5.0),
            "day {days}: {k:?}"
        );
        assert_eq!(
            count(&k, "closed_no_feedback"),
            usize::from(days >= 7.0),
            "day {days}: {k:?}"
        );
        let expected = if days >= 7.0 {
            "closed"
        } else {
            "feedback_required"
        };
        assert_eq!(status(&app, &w.a_admin, id).await, expected, "day {days}");
    }
    // More time and more calls change nothing.
    app.advance(&w.admin, 0).await;
    app.advance(&w.admin, 2 * DAY).await;
    app.settle().await;
    let k = kinds(&app, &w.agent, id).await;
    assert_eq!(
        k,
        vec![
            "received",
            "status_in_progress",
            "status_feedback_required",
            "reminder_1",
            "reminder_2",
            "closed_no_feedback",
        ]
    );

    // The mails themselves: one of each, tagged with the case.
    let mails = app.mails_for(id);
    assert_eq!(mails.len(), k.len(), "every queued mail was delivered once");
    let tag = format!("[Case #{id}] {subject}");
    assert!(mails.iter().all(|m| m.subject() == tag), "{mails:?}");
    assert!(
        mails
            .iter()
            .all(|m| m.header("to").is_some_and(|t| t.contains(A_ADMIN)))
    );
    let first = mails_saying(
        &app,
        id,
        &format!("A friendly reminder: we are waiting for your feedback on case #{id}"),
    );
    assert_eq!(first.len(), 1, "{mails:#?}");
    let second = mails_saying(
        &app,
        id,
        &format!("This is a second reminder: we still need your feedback on case #{id}"),
    );
    assert_eq!(second.len(), 1);
    assert!(second[0].text.contains("closed automatically 7 days after"));
    let closing = mails_saying(
        &app,
        id,
        &format!(
            "Case #{id} has been closed because we did not receive the information we asked for."
        ),
    );
    assert_eq!(closing.len(), 1);
    assert!(
        closing[0]
            .text
            .contains("replies to this email are not added")
    );

    // The case: closed by the system, no timers left, three firings audited.
    let staff = app.case(&w.agent, id).await;
    assert_eq!(staff["status"], "closed");
    assert_eq!(staff["timers"], json!([]));
    let fired = staff["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "timer_fired")
        .count();
    assert_eq!(fired, 3);
    assert_eq!(app.case(&w.a_admin, id).await["status_label"], "Closed");

    app.shutdown().await;
}

async fn partner_activity_cancels_reminders(app: TestApp) {
    let w = app.world().await;
    let replied = app
        .create_case(&w.a_admin, None, "customer_care", "Replied in time", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    let added = app
        .create_case(&w.a_admin, None, "customer_care", "Colleague added", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    let untouched = app
        .create_case(&w.a_admin, None, "customer_care", "Nobody answers", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    for id in [replied, added, untouched] {
        app.set_status(&w.agent, id, "feedback_required", Some("We need the logs."))
            .await;
    }
    app.advance(&w.admin, 2 * DAY).await;

    // A partner reply moves it back to In progress and drops the timers.
    let after = app
        .message(&w.a_admin, replied, "Here are the logs.", false)
        .await;
    assert_eq!(after["status"], "in_progress");
    assert_eq!(app.case(&w.agent, replied).await["timers"], json!([]));
    // So does adding a participant.
    let after = app
        .post(
            &w.a_admin,
            &format!("/api/v1/cases/{added}/participants"),
            json!({ "email": "colleague@alpha.example" }),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(after["status"], "in_progress");
    assert!(
        after["participants"]
            .as_array()
            .unwrap()
            .contains(&json!("colleague@alpha.example"))
    );
    assert_eq!(app.case(&w.agent, added).await["timers"], json!([]));

    for _ in 0..4 {
        app.advance(&w.admin, 2 * DAY).await;
    }
    app.settle().await;
    for id in [replied, added] {
        let k = kinds(&app, &w.agent, id).await;
        assert!(
            !k.iter()
                .any(|k| k.starts_with("reminder") || k.starts_with("closed")),
            "case {id} got {k:?}"
        );
        assert_eq!(status(&app, &w.a_admin, id).await, "in_progress");
        assert!(mails_saying(&app, id, "reminder").is_empty());
    }
    // The participant heard they were added.
    assert_eq!(
        count(&kinds(&app, &w.agent, added).await, "participant_added"),
        1
    );
    // The one nobody answered ran its course.
    let k = kinds(&app, &w.agent, untouched).await;
    assert_eq!(count(&k, "reminder_1"), 1);
    assert_eq!(count(&k, "reminder_2"), 1);
    assert_eq!(count(&k, "closed_no_feedback"), 1);
    assert_eq!(status(&app, &w.a_admin, untouched).await, "closed");

    app.shutdown().await;
}

async fn resolved_window_closes_or_reopens(app: TestApp) {
    let w = app.world().await;
    let quiet = app
        .create_case(&w.a_admin, None, "billing", "Invoice total wrong", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    let answered = app
        .create_case(&w.a_admin, None, "billing", "Credit note missing", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    app.set_status(&w.agent, quiet, "resolved", Some("Corrected invoice sent."))
        .await;
    let resolved = app
        .set_status(&w.agent, answered, "resolved", Some("Credit note issued."))
        .await;
    let timers: Vec<&str> = resolved["timers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(timers.len(), 1, "one closing timer: {timers:?}");

    app.advance(&w.admin, 3 * DAY).await;
    // A reply within the window reopens the same case.
    let after = app
        .message(
            &w.a_admin,
            answered,
            "It is still not in our account.",
            false,
        )
        .await;
    assert_eq!(after["id"], answered);
    assert_eq!(after["status"], "in_progress");
    assert_eq!(after["reopened_as"], Value::Null);

    app.advance(&w.admin, 3 * DAY).await;
    app.settle().await;
    assert_eq!(status(&app, &w.a_admin, quiet).await, "resolved");
    assert_eq!(
        count(
            &kinds(&app, &w.agent, quiet).await,
            "closed_after_resolution"
        ),
        0
    );
    app.advance(&w.admin, DAY).await;
    app.advance(&w.admin, 0).await;
    app.settle().await;
    assert_eq!(status(&app, &w.a_admin, quiet).await, "closed");
    app.advance(&w.admin, 3 * DAY).await;
    app.settle().await;
    let k = kinds(&app, &w.agent, quiet).await;
    assert_eq!(count(&k, "closed_after_resolution"), 1, "{k:?}");
    let closing = mails_saying(&app, quiet, "did not hear back within 7 days");
    assert_eq!(closing.len(), 1);
    assert_eq!(
        closing[0].subject(),
        format!("[Case #{quiet}] Invoice total wrong")
    );
    // The solution itself went out when it was resolved.
    assert_eq!(
        mails_saying(&app, quiet, "Corrected invoice sent.").len(),
        1
    );

    assert_eq!(status(&app, &w.a_admin, answered).await, "in_progress");
    let k = kinds(&app, &w.agent, answered).await;
    assert_eq!(count(&k, "closed_after_resolution"), 0, "{k:?}");

    app.shutdown().await;
}

async fn auto_response_headers_and_outbox(app: TestApp) {
    let w = app.world().await;
    let case = app
        .post(
            &w.a_admin,
            "/api/v1/cases",
            json!({
                "category": "customer_care",
                "subject": "Hotel search returns no results",
                "description": "Since 09:00 every search for Barcelona is empty.\nRequest id 7f3a91.",
                "participants": ["ops@alpha-partner.example"],
            }),
        )
        .await
        .expect_status(201)
        .json();
    let id = case["id"].as_i64().unwrap();
    app.settle().await;
    let mails = app.mails_for(id);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let m = &mails[0];
    let domain = "frontdesk.localhost";
    let root = format!("<case-{id}@{domain}>");
    assert_eq!(
        m.subject(),
        format!("[Case #{id}] Hotel search returns no results")
    );
    let from = m.header("from").unwrap();
    assert!(from.contains(&format!("support@{domain}")), "{from}");
    let to = m.header("to").unwrap();
    assert!(
        to.contains(A_ADMIN) && to.contains("ops@alpha-partner.example"),
        "{to}"
    );
    assert_eq!(
        m.header("reply-to"),
        Some(format!("support+case-{id}@{domain}"))
    );
    let message_id = m.header("message-id").unwrap();
    assert!(
        message_id.starts_with(&format!("<case-{id}."))
            && message_id.ends_with(&format!("@{domain}>")),
        "{message_id}"
    );
    assert_eq!(m.header("in-reply-to"), Some(root.clone()));
    assert!(m.header("references").unwrap().contains(&root));
    assert_eq!(
        m.header("auto-submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(m.header("x-auto-response-suppress").as_deref(), Some("All"));
    assert!(m.header("date").is_some());
    assert_eq!(m.header("mime-version").as_deref(), Some("1.0"));
    assert!(
        m.raw.contains("\r\n") && !m.raw.replace("\r\n", "").contains('\n'),
        "CRLF line ends only"
    );
    for expected in [
        format!("Reference: #{id}"),
        "Subject: Hotel search returns no results".to_owned(),
        "Since 09:00 every search for Barcelona is empty.".to_owned(),
        "Request id 7f3a91.".to_owned(),
        format!("{}/cases/{id}", app.base_url),
    ] {
        assert!(
            m.text.contains(&expected),
            "{expected:?} missing in\n{}",
            m.text
        );
    }
    assert!(m.html.contains(&format!("#{id}")));
    assert!(m.html.contains("Hotel search returns no results"));

    // The outbox lists it, sent.
    let outbox = app.outbox(&w.agent).await;
    let item = outbox
        .iter()
        .find(|i| i["case_id"] == id)
        .expect("the auto-response in the outbox");
    assert_eq!(item["kind"], "received");
    assert_eq!(item["status"], "sent");
    assert_eq!(
        item["recipients"],
        json!([A_ADMIN, "ops@alpha-partner.example"])
    );
    assert_eq!(item["subject"], m.subject());
    assert_eq!(
        format!("<{}>", item["message_id"].as_str().unwrap()),
        message_id
    );
    assert!(item["sent_at"].is_string());
    assert_eq!(item["last_error"], Value::Null);
    let sent = app
        .get(&w.agent, "/api/v1/staff/outbox?status=sent")
        .await
        .expect_status(200)
        .json();
    assert!(
        sent["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["case_id"] == id)
    );
    let pending = app
        .get(&w.agent, "/api/v1/staff/outbox?status=pending")
        .await
        .expect_status(200)
        .json();
    assert_eq!(pending["items"], json!([]));

    // A staff reply threads under the same root with an id of its own.
    app.message(&w.agent, id, "We are on it.", false).await;
    app.settle().await;
    let replies: Vec<Mail> = app
        .mails_for(id)
        .into_iter()
        .filter(|m| m.text.contains("We are on it."))
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].header("in-reply-to"), Some(root.clone()));
    assert_ne!(replies[0].header("message-id"), Some(message_id.clone()));
    assert_eq!(app.case(&w.a_admin, id).await["status"], "in_progress");

    // Internal notes, escalation and assignment send nothing, and the
    // partner still just sees "In progress".
    let outbox_before = app.outbox(&w.agent).await.len();
    let maildir_before = app.maildir_messages().len();
    app.message(&w.agent, id, "Looks like the supplier mapping.", true)
        .await;
    let agent_id = app.get(&w.agent, "/api/v1/me").await.json()["user"]["id"].clone();
    let escalated = app
        .post(
            &w.agent,
            &format!("/api/v1/cases/{id}/escalate"),
            json!({ "team": PRODUCT_TEAM }),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(escalated["team"], PRODUCT_TEAM);
    let assigned = app
        .post(
            &w.product,
            &format!("/api/v1/cases/{id}/assign"),
            json!({ "assignee_id": agent_id }),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(assigned["assignee"], "Carla Agent");
    app.settle().await;
    assert_eq!(app.outbox(&w.agent).await.len(), outbox_before);
    assert_eq!(app.maildir_messages().len(), maildir_before);
    let partner = app.case(&w.a_admin, id).await;
    assert_eq!(partner["status"], "in_progress");
    assert!(partner.get("team").is_none() && partner.get("assignee").is_none());
    assert!(!partner.to_string().contains("supplier mapping"));
    let queue = app
        .get(
            &w.product,
            &format!("/api/v1/staff/cases?team={PRODUCT_TEAM}"),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(ids(queue["items"].as_array().unwrap()), vec![id]);

    // Work lists by assignee: the agent's own, nobody's; partners may not filter.
    let mine = app
        .get(&w.agent, "/api/v1/staff/cases?assignee=me")
        .await
        .expect_status(200)
        .json();
    assert_eq!(ids(mine["items"].as_array().unwrap()), vec![id]);
    assert_eq!(mine["items"][0]["assignee_name"], "Carla Agent");
    let by_id = app
        .get(
            &w.product,
            &format!("/api/v1/staff/cases?assignee={agent_id}"),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(ids(by_id["items"].as_array().unwrap()), vec![id]);
    for (who, query) in [(&w.product, "assignee=me"), (&w.agent, "assignee=none")] {
        let other = app
            .get(who, &format!("/api/v1/staff/cases?{query}"))
            .await
            .expect_status(200)
            .json();
        assert!(
            !ids(other["items"].as_array().unwrap()).contains(&id),
            "{query} lists a case assigned to the agent"
        );
    }
    app.get(&w.agent, "/api/v1/staff/cases?assignee=someone")
        .await
        .invalid_field("assignee");
    app.get(&w.a_admin, "/api/v1/cases?assignee=me")
        .await
        .invalid_field("assignee");
    let partner_list = app.get(&w.a_admin, "/api/v1/cases").await.json();
    let partner_rows = partner_list["items"].as_array().unwrap();
    assert!(ids(partner_rows).contains(&id));
    assert!(
        partner_rows
            .iter()
            .all(|r| r.get("assignee_name").is_none())
    );

    // Closing and reopening: the new case's mails refer back to the old one.
    app.set_status(&w.agent, id, "closed", None).await;
    let new_id = app
        .post_empty(&w.a_admin, &format!("/api/v1/cases/{id}/reopen"))
        .await
        .expect_status(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    app.settle().await;
    assert_eq!(kinds(&app, &w.agent, new_id).await, vec!["reopened"]);
    let reopened = app.mails_for(new_id);
    assert_eq!(reopened.len(), 1);
    assert_eq!(
        reopened[0].header("references"),
        Some(format!("{root} <case-{new_id}@{domain}>"))
    );
    assert_eq!(
        reopened[0].header("in-reply-to"),
        Some(format!("<case-{new_id}@{domain}>"))
    );
    assert!(reopened[0].text.contains(&format!("#{id}")));

    app.shutdown().await;
}

async fn sessions_expire_with_the_clock(app: TestApp) {
    let w = app.world().await;
    app.advance(&w.admin, 29 * DAY).await;
    app.get(&w.a_member, "/api/v1/me").await.expect_status(200);
    app.advance(&w.admin, 2 * DAY).await;
    for token in [&w.a_member, &w.admin, &w.agent] {
        let r = app.get(token, "/api/v1/me").await;
        r.problem_with(401, "expired");
        assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    }
    let fresh = app.login(A_MEMBER, PASSWORD).await;
    app.get(&fresh, "/api/v1/me").await.expect_status(200);

    app.shutdown().await;
}

async fn no_clock_in_production(app: TestApp) {
    let w = app.world().await;
    app.post(
        &w.admin,
        "/api/v1/dev/clock",
        json!({ "advance_seconds": DAY }),
    )
    .await
    .problem(404);
    assert!(!app.app.clock.is_adjustable());

    app.shutdown().await;
}
