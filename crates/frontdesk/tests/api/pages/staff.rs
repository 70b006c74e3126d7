//! The staff console: queues, the staff panel's forms taking a case through
//! every status, assignment and escalation, internal notes that partners
//! never see, held mail, the outbox and analytics; partners get 403 and
//! forms without the CSRF token change nothing.

use super::client::PageSession;
use crate::helpers::{PRODUCT_TEAM, Resp, TestApp, World, both_backends};
use frontdesk_app::inbound::Channel;
use serde_json::{Value, json};

both_backends!(
    a_case_goes_through_every_status_from_the_panel,
    internal_notes_stay_with_staff,
    partners_get_403_and_forms_need_the_token,
    assignment_and_escalation,
    held_mail_is_released_or_discarded,
    queues_filter_and_escape,
    outbox_and_analytics_show_numbers,
);

const HOSTILE: &str = "<script>alert(1)</script> Rates <b>missing</b>";

/// A Customer Care case of A_MEMBER; its number.
async fn new_case(app: &TestApp, w: &World, subject: &str) -> i64 {
    app.create_case(
        &w.a_member,
        None,
        "customer_care",
        subject,
        "Details follow.",
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// The staff panel of a case as `s` sees it.
async fn panel(app: &TestApp, s: &PageSession, id: i64) -> String {
    app.page(s, &format!("/staff/cases/{id}/panel"))
        .await
        .expect_status(200)
        .text()
}

/// The one-shot notice a redirect carries, decoded.
fn notice(r: &Resp) -> String {
    let raw = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("fd_flash="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Posts a panel form and expects the redirect back to the case.
async fn post_back(
    app: &TestApp,
    s: &PageSession,
    path: &str,
    id: i64,
    fields: &[(&str, &str)],
) -> String {
    let r = app.submit(s, path, fields).await;
    assert_eq!(r.status, 303, "{path}: {}", r.text());
    assert_eq!(r.location(), format!("/cases/{id}"));
    notice(&r)
}

async fn set(app: &TestApp, s: &PageSession, id: i64, status: &str, message: &str) -> String {
    post_back(
        app,
        s,
        &format!("/staff/cases/{id}/status"),
        id,
        &[("status", status), ("message", message)],
    )
    .await
}

fn bodies(case: &Value) -> Vec<String> {
    case["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_case_goes_through_every_status_from_the_panel(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, "Quote fails for BCN").await;
    let s = app.page_session(&w.agent).await;

    let html = panel(&app, &s, id).await;
    assert!(html.contains("data-testid=\"staff-panel\""));
    assert!(html.contains(">Open</span>"), "{html}");
    assert!(html.contains("Solution (sent to the partner)"));
    assert!(
        html.contains("name=\"message\" rows=\"6\" required"),
        "the solution is required in the form"
    );

    // Open → In progress.
    let n = set(&app, &s, id, "in_progress", "").await;
    assert!(n.contains("In progress"), "{n}");
    assert_eq!(app.case(&w.a_member, id).await["status"], "in_progress");

    // In progress → Partner's feedback required, with the question.
    let n = set(&app, &s, id, "feedback_required", "Which rate plan?").await;
    assert!(n.contains("feedback"), "{n}");
    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["status"], "feedback_required");
    assert!(bodies(&case).contains(&"Which rate plan?".to_owned()));
    let html = panel(&app, &s, id).await;
    assert!(html.contains("First friendly reminder"), "{html}");
    assert!(html.contains("Case closes (no feedback)"), "{html}");

    // The partner answers: back to In progress, timers gone.
    app.message(&w.a_member, id, "The BAR plan.", false).await;
    assert_eq!(app.case(&w.agent, id).await["status"], "in_progress");
    assert!(
        panel(&app, &s, id)
            .await
            .contains("data-testid=\"no-timers\"")
    );

    // Resolving needs the solution: refused with a clear message.
    let n = set(&app, &s, id, "resolved", "   ").await;
    assert!(
        n.contains("was not changed") && n.contains("solution"),
        "{n}"
    );
    assert_eq!(app.case(&w.agent, id).await["status"], "in_progress");
    // Moving to the status it already has is refused too.
    let n = set(&app, &s, id, "in_progress", "").await;
    assert!(n.contains("already In progress"), "{n}");

    let n = set(
        &app,
        &s,
        id,
        "resolved",
        "Enable the BAR plan in the extranet.",
    )
    .await;
    assert!(n.contains("resolved"), "{n}");
    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["status"], "resolved");
    assert_eq!(
        bodies(&case).last().unwrap(),
        "Enable the BAR plan in the extranet."
    );
    let html = panel(&app, &s, id).await;
    assert!(html.contains("no reply to the solution"), "{html}");

    // Resolved → Closed.
    set(&app, &s, id, "closed", "").await;
    assert_eq!(app.case(&w.a_member, id).await["status"], "closed");
    let html = panel(&app, &s, id).await;
    assert!(html.contains("This case is closed"), "{html}");
    assert!(
        !html.contains("/status\""),
        "no status forms on a closed case"
    );
    for step in [
        "Status set to In progress",
        "feedback required → In progress",
        "Status set to Resolved",
        "Status set to Closed",
    ] {
        assert!(html.contains(step), "audit trail has {step:?}: {html}");
    }
    // A closed case refuses further changes with a message.
    let n = set(&app, &s, id, "in_progress", "").await;
    assert!(n.contains("closed"), "{n}");
    app.settle().await;
    let mails = app.mails_for(id);
    assert!(
        mails
            .iter()
            .any(|m| m.text.contains("Enable the BAR plan in the extranet.")),
        "the solution is mailed to the partner"
    );
    app.shutdown().await;
}

async fn internal_notes_stay_with_staff(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, "Rates missing").await;
    let note = "Internal: supplier <b>flaky</b> since Monday";
    app.message(&w.agent, id, note, true).await;
    assert!(bodies(&app.case(&w.agent, id).await).contains(&note.to_owned()));
    assert!(
        !bodies(&app.case(&w.a_member, id).await).contains(&note.to_owned()),
        "the partner's API view has no internal note"
    );
    let partner = app.page_session(&w.a_member).await;
    let staff = app.page_session(&w.agent).await;
    // The case page (when this branch has it) shows the note to staff only.
    let as_partner = app.page(&partner, &format!("/cases/{id}")).await;
    if as_partner.status == 200 {
        let html = as_partner.text();
        assert!(!html.contains("supplier"), "{html}");
        assert!(!html.contains("data-testid=\"staff-panel\""));
        let as_staff = app.page(&staff, &format!("/cases/{id}")).await.text();
        assert!(as_staff.contains("supplier &#60;b&#62;flaky&#60;/b&#62;"));
        assert!(as_staff.contains("data-testid=\"staff-panel\""));
    }
    // Partners cannot reach the staff panel.
    app.page(&partner, &format!("/staff/cases/{id}/panel"))
        .await
        .expect_status(403);
    let html = panel(&app, &staff, id).await;
    assert!(html.contains("Staff tools"));
    app.shutdown().await;
}

async fn partners_get_403_and_forms_need_the_token(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, "Billing question").await;
    let partner = app.page_session(&w.a_member).await;
    for path in [
        "/staff",
        "/staff/held-mail",
        "/staff/outbox",
        "/staff/analytics",
        "/staff/inbound/1/raw",
        &format!("/staff/cases/{id}/panel"),
    ] {
        let r = app.page(&partner, path).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.text().contains("staff only"), "{path}");
    }
    let html = app.page(&partner, "/cases").await.text();
    assert!(!html.contains("href=\"/staff\""), "no staff navigation");
    for (path, fields) in [
        (
            format!("/staff/cases/{id}/status"),
            vec![("status", "closed")],
        ),
        (
            format!("/staff/cases/{id}/assign"),
            vec![("assignee", "me")],
        ),
        (
            format!("/staff/cases/{id}/escalate"),
            vec![("team", PRODUCT_TEAM)],
        ),
        ("/staff/held-mail/1/discard".to_owned(), vec![]),
    ] {
        let r = app.submit(&partner, &path, &fields).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let case = app.case(&w.agent, id).await;
    assert_eq!(case["status"], "open");
    assert_eq!(case["assignee"], Value::Null);

    // Staff without the token (or with another session's) change nothing.
    let staff = app.page_session(&w.agent).await;
    let nav = app.page(&staff, "/staff").await.expect_status(200).text();
    assert!(nav.contains("href=\"/staff/held-mail\""));
    let r = app
        .submit_raw(
            &staff,
            &format!("/staff/cases/{id}/status"),
            &[("status", "closed")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("This form has expired"));
    let r = app
        .submit_raw(
            &staff,
            &format!("/staff/cases/{id}/assign"),
            &[("assignee", "me"), ("csrf", &partner.csrf)],
        )
        .await;
    assert_eq!(r.status, 403);
    let case = app.case(&w.agent, id).await;
    assert_eq!(case["status"], "open");
    assert_eq!(case["assignee"], Value::Null);
    // Product-team staff work in the console too.
    let product = app.page_session(&w.product).await;
    app.page(&product, "/staff").await.expect_status(200);
    app.page(&product, "/staff/nope").await.expect_status(404);
    app.page(&staff, "/staff/cases/abc/panel")
        .await
        .expect_status(404);
    app.shutdown().await;
}

/// The id of the `<option>` labelled `name` in a panel's staff select.
fn option_value(html: &str, name: &str) -> String {
    let end = html.find(&format!(">{name}")).expect("the option");
    let start = html[..end].rfind("value=\"").expect("its value") + 7;
    html[start..].split('"').next().unwrap().to_owned()
}

async fn assignment_and_escalation(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, "Search returns nothing").await;
    let s = app.page_session(&w.agent).await;

    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/assign"),
        id,
        &[("assignee", "me")],
    )
    .await;
    assert!(n.contains("assigned to you"), "{n}");
    assert_eq!(app.case(&w.agent, id).await["assignee"], "Carla Agent");
    // "Assigned to me": counted in the queue bar, listed with its assignee.
    let row = format!("data-case-id=\"{id}\"");
    let mine = app
        .page(&s, "/staff?assignee=me")
        .await
        .expect_status(200)
        .text();
    assert!(mine.contains(&row), "{mine}");
    assert!(
        mine.contains("data-testid=\"row-assignee\">Carla Agent<"),
        "{mine}"
    );
    assert!(
        mine.contains("Assigned to me</span> <span class=\"count\" aria-label=\"1 open\">1<"),
        "{mine}"
    );
    let nobody = app
        .page(&s, "/staff?assignee=none")
        .await
        .expect_status(200)
        .text();
    assert!(!nobody.contains(&row), "{nobody}");
    let html = panel(&app, &s, id).await;
    assert!(
        html.contains("data-testid=\"staff-assignee\">Carla Agent"),
        "{html}"
    );
    // The staff list names staff only, not partners.
    assert!(html.contains(">Paul Product<") && html.contains(">Root Admin<"));
    assert!(!html.contains("Max Member"), "partners are not staff");
    let paul = option_value(&html, "Paul Product");
    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/assign"),
        id,
        &[("assignee", &paul)],
    )
    .await;
    assert!(n.contains("Paul Product"), "{n}");
    assert_eq!(app.case(&w.agent, id).await["assignee"], "Paul Product");
    // A partner cannot be given a case.
    let me = app
        .get(&w.a_member, "/api/v1/me")
        .await
        .expect_status(200)
        .json();
    let pid = me["user"]["id"].as_i64().unwrap().to_string();
    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/assign"),
        id,
        &[("assignee", &pid)],
    )
    .await;
    assert!(n.contains("must be a staff member"), "{n}");
    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/assign"),
        id,
        &[("assignee", "")],
    )
    .await;
    assert!(n.contains("unassigned"), "{n}");
    assert_eq!(app.case(&w.agent, id).await["assignee"], Value::Null);
    let nobody = app
        .page(&s, "/staff?assignee=none")
        .await
        .expect_status(200)
        .text();
    assert!(nobody.contains(&row), "{nobody}");
    assert!(nobody.contains("data-testid=\"row-assignee\"><span class=\"muted\">Nobody<"));

    // Escalation to the product team: the partner still sees In progress.
    let html = panel(&app, &s, id).await;
    assert!(html.contains("Product teams (escalation)"));
    assert!(html.contains(&format!("value=\"{PRODUCT_TEAM}\"")));
    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/escalate"),
        id,
        &[("team", PRODUCT_TEAM)],
    )
    .await;
    assert!(
        n.contains("Hotel Search") && n.contains("In progress"),
        "{n}"
    );
    let staff_view = app.case(&w.agent, id).await;
    assert_eq!(staff_view["team"], PRODUCT_TEAM);
    let partner_view = app.case(&w.a_member, id).await;
    assert_eq!(partner_view["status"], "in_progress");
    assert_eq!(partner_view["team"], Value::Null, "{partner_view}");
    let html = panel(&app, &s, id).await;
    assert!(
        html.contains("Hotel Search <span class=\"badge internal\">escalated"),
        "{html}"
    );
    assert!(html.contains("Handed to Hotel Search"));
    // The product team's queue has it.
    let queue = app
        .page(&s, &format!("/staff?team={PRODUCT_TEAM}"))
        .await
        .expect_status(200)
        .text();
    assert!(queue.contains(&format!("data-case-id=\"{id}\"")), "{queue}");
    assert!(queue.contains("data-testid=\"queue-hotel-search\""));
    let n = post_back(
        &app,
        &s,
        &format!("/staff/cases/{id}/escalate"),
        id,
        &[("team", "nope")],
    )
    .await;
    assert!(n.contains("was not changed"), "{n}");
    app.shutdown().await;
}

fn stranger_mail(id: i64, n: u32, subject: &str, body: &str) -> String {
    format!(
        "From: Mallory <mallory{n}@evil.example>\r\nTo: support+case-{id}@frontdesk.localhost\r\n\
         Subject: Re: [Case #{id}] {subject}\r\nMessage-ID: <s-{n}@evil.example>\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

async fn held_mail_is_released_or_discarded(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, "Quote fails").await;
    for (n, subject, body) in [
        (1, HOSTILE, "Please add me: I work with Max."),
        (2, "Wire the refund", "Send the money to my account."),
    ] {
        let raw = stranger_mail(id, n, subject, body);
        let done = app
            .app
            .ingest_mail(raw.as_bytes(), Channel::Webhook, &[])
            .await
            .unwrap();
        assert_eq!(done.outcome.as_str(), "held", "{}", done.reason);
    }
    let s = app.page_session(&w.agent).await;
    let html = app
        .page(&s, "/staff/held-mail")
        .await
        .expect_status(200)
        .text();
    assert!(!html.contains("<script>alert"), "subjects are escaped");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(html.contains("mallory1@evil.example") && html.contains("mallory2@evil.example"));
    assert!(html.contains(&format!("href=\"/cases/{id}\"")));
    let held = app
        .get(&w.agent, "/api/v1/staff/held-mail")
        .await
        .expect_status(200)
        .json();
    let items = held["items"].as_array().unwrap();
    let (second, first) = (
        items[0]["id"].as_i64().unwrap(),
        items[1]["id"].as_i64().unwrap(),
    );
    assert!(
        html.contains("neither a participant"),
        "why it was held: {html}"
    );

    // The original, as plain text that never renders.
    let raw = app
        .page(&s, &format!("/staff/inbound/{first}/raw"))
        .await
        .expect_status(200);
    assert!(
        raw.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        raw.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(raw.text().contains("Message-ID: <s-1@evil.example>"));
    let download = app
        .page(&s, &format!("/staff/inbound/{first}/raw?download=1"))
        .await
        .expect_status(200);
    assert!(
        download
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    app.page(&s, "/staff/inbound/999999/raw")
        .await
        .expect_status(404);

    // A wrong case number keeps the form and says why.
    let r = app
        .submit(
            &s,
            &format!("/staff/held-mail/{first}/release"),
            &[("case", "abc")],
        )
        .await
        .expect_status(422);
    assert!(r.text().contains("A case number is digits"));
    assert!(r.text().contains("value=\"abc\""));
    let r = app
        .submit(
            &s,
            &format!("/staff/held-mail/{first}/release"),
            &[("case", "999999")],
        )
        .await
        .expect_status(422);
    assert!(
        r.text().contains("There is no case #999999"),
        "{}",
        r.text()
    );
    // Released into the case it names: a reply from its sender.
    let r = app
        .submit(
            &s,
            &format!("/staff/held-mail/{first}/release"),
            &[("case", &id.to_string())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/staff/held-mail");
    assert!(notice(&r).contains(&format!("case #{id}")));
    let case = app.case(&w.a_member, id).await;
    assert!(bodies(&case).contains(&"Please add me: I work with Max.".to_owned()));
    // Discarded: on record, in no case.
    let r = app
        .submit(&s, &format!("/staff/held-mail/{second}/discard"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert!(notice(&r).contains("discarded"));
    assert!(
        !bodies(&app.case(&w.agent, id).await)
            .iter()
            .any(|b| b.contains("money"))
    );
    let html = app.page(&s, "/staff/held-mail").await.text();
    assert!(html.contains("No held mail"), "{html}");
    app.submit(&s, &format!("/staff/held-mail/{second}/discard"), &[])
        .await
        .expect_status(409);
    app.submit(&s, &format!("/staff/held-mail/{first}/release"), &[])
        .await
        .expect_status(409);
    app.shutdown().await;
}

async fn queues_filter_and_escape(app: TestApp) {
    let w = app.world().await;
    let hostile = new_case(&app, &w, HOSTILE).await;
    let other = new_case(&app, &w, "Invoice copy").await;
    let beta = app
        .create_case(&w.b_member, None, "billing", "Beta billing", "x")
        .await["id"]
        .as_i64()
        .unwrap();
    app.set_status(&w.agent, other, "feedback_required", Some("Which month?"))
        .await;
    let s = app.page_session(&w.agent).await;
    let html = app.page(&s, "/staff").await.expect_status(200).text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains(
        "&#60;script&#62;alert(1)&#60;/script&#62; Rates &#60;b&#62;missing&#60;/b&#62;"
    ));
    for id in [hostile, other, beta] {
        assert!(html.contains(&format!("data-case-id=\"{id}\"")), "{id}");
    }
    assert!(
        html.contains("Alpha Travel") && html.contains("Beta Tours"),
        "organizations shown"
    );
    assert!(html.contains("data-testid=\"queue-all\""));
    assert!(html.contains("aria-label=\"3 open\""), "{html}");
    // One status.
    let html = app.page(&s, "/staff?status=feedback_required").await.text();
    assert!(html.contains(&format!("data-case-id=\"{other}\"")));
    assert!(!html.contains(&format!("data-case-id=\"{hostile}\"")));
    // Filters: id, name, category.
    let html = app.page(&s, &format!("/staff?id={beta}")).await.text();
    assert!(html.contains(&format!("data-case-id=\"{beta}\"")));
    assert!(!html.contains(&format!("data-case-id=\"{other}\"")));
    let html = app.page(&s, "/staff?q=invoice").await.text();
    assert!(html.contains(&format!("data-case-id=\"{other}\"")));
    assert!(!html.contains(&format!("data-case-id=\"{beta}\"")));
    let html = app.page(&s, "/staff?category=billing").await.text();
    assert!(html.contains(&format!("data-case-id=\"{beta}\"")));
    assert!(!html.contains(&format!("data-case-id=\"{hostile}\"")));
    let html = app
        .page(&s, "/staff?id=abc")
        .await
        .expect_status(200)
        .text();
    assert!(html.contains("Case ID must be a number"));
    // Sort by creation, oldest first, and keyset pages of 25.
    for n in 0..25 {
        new_case(&app, &w, &format!("Bulk {n}")).await;
    }
    let first = app.page(&s, "/staff?sort=created-asc").await.text();
    let first_row = first.find("data-case-id=").unwrap();
    assert!(first[first_row..].starts_with(&format!("data-case-id=\"{hostile}\"")));
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|h| h.rsplit("href=\"").next())
        .map(|h| h.split('"').next().unwrap().replace("&#38;", "&"))
        .unwrap();
    assert!(
        next.starts_with("/staff?") && next.contains("cursor="),
        "{next}"
    );
    let second = app.page(&s, &next).await.expect_status(200).text();
    let ids_of = |h: &str| {
        h.split("data-case-id=\"")
            .skip(1)
            .map(|x| x.split('"').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        second.matches("data-case-id=").count(),
        3,
        "{next} {:?} {:?}",
        ids_of(&first),
        ids_of(&second)
    );
    assert!(!second.contains(&format!("data-case-id=\"{hostile}\"")));
    // An unknown team is reported, not guessed.
    let html = app
        .page(&s, "/staff?team=nope")
        .await
        .expect_status(200)
        .text();
    assert!(html.contains("no team"), "{html}");
    app.shutdown().await;
}

async fn outbox_and_analytics_show_numbers(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w, HOSTILE).await;
    let s = app.page_session(&w.agent).await;
    let html = app
        .page(&s, "/staff/outbox")
        .await
        .expect_status(200)
        .text();
    assert!(html.contains(&format!("href=\"/cases/{id}\"")), "{html}");
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("max.member@alpha.example"));
    app.settle().await;
    let sent = app.page(&s, "/staff/outbox?status=sent").await.text();
    assert!(sent.contains(&format!("href=\"/cases/{id}\"")));
    assert!(sent.contains("badge resolved\">sent"));
    let none = app.page(&s, "/staff/outbox?status=failed").await.text();
    assert!(none.contains("No mail here"));
    let bad = app
        .page(&s, "/staff/outbox?case=abc")
        .await
        .expect_status(200)
        .text();
    assert!(bad.contains("Case ID must be a number"));

    // Analytics: one helped session, one that needed help.
    app.post(
        &w.admin,
        "/api/v1/kb/articles",
        json!({
            "title": "Connection statuses",
            "category": "Connections",
            "body": "## Pending Seller\n\nThe seller must act before the access can work, for example by enabling your credentials.\n",
        }),
    )
    .await
    .expect_status(201);
    let mut sessions = Vec::new();
    for (token, subject) in [
        (
            &w.b_member,
            "What does Pending Seller mean for my connection?",
        ),
        (
            &w.a_member,
            "<script>alert(2)</script> apple pay at checkout",
        ),
    ] {
        let asked = app
            .post(
                token,
                "/api/v1/assistant/ask",
                json!({ "subject": subject }),
            )
            .await
            .expect_status(200)
            .json();
        sessions.push(asked["session_id"].as_str().unwrap().to_owned());
    }
    for (token, session, outcome) in [
        (&w.b_member, &sessions[0], "solved"),
        (&w.a_member, &sessions[1], "need_help"),
    ] {
        app.post(
            token,
            &format!("/api/v1/assistant/sessions/{session}/feedback"),
            json!({ "outcome": outcome }),
        )
        .await
        .expect_status(204);
    }
    let html = app
        .page(&s, "/staff/analytics")
        .await
        .expect_status(200)
        .text();
    let kpi = |name: &str| {
        let at = html.find(&format!("data-testid=\"kpi-{name}\"")).unwrap();
        let rest = &html[at..];
        let v = rest.find("class=\"value\">").unwrap() + 14;
        rest[v..].split('<').next().unwrap().to_owned()
    };
    assert_eq!(kpi("sessions"), "2");
    assert_eq!(kpi("questions"), "2");
    assert_eq!(kpi("deflection"), "50 %");
    assert_eq!(kpi("unanswered"), "1");
    assert!(html.contains("href=\"/kb/connection-statuses\""), "{html}");
    assert!(html.contains("apple pay"), "a knowledge gap: {html}");
    assert!(!html.contains("<script>alert"));
    for days in ["7", "90"] {
        let p = app
            .page(&s, &format!("/staff/analytics?days={days}"))
            .await
            .expect_status(200)
            .text();
        assert!(p.contains(&format!(
            "href=\"/staff/analytics?days={days}\" aria-current=\"page\""
        )));
    }
    // Long ago: nothing.
    app.advance(&w.admin, 10 * 86_400).await;
    let week = app.page(&s, "/staff/analytics?days=7").await.text();
    assert!(week.contains("No gaps in this period"), "{week}");
    app.shutdown().await;
}
