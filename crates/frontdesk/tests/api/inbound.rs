//! Mail in: replies to notification mails reach their case through the
//! webhook and the SMTP listener, colleagues in CC join, strangers are held
//! for staff, automatic mail changes nothing, redeliveries are stored once.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_reply_by_mail_moves_a_waiting_case_and_adds_the_cc with webhook,
    strangers_and_forgeries_are_held_for_staff with webhook,
    closed_cases_answer_and_new_mail_opens_a_case with webhook,
    the_webhook_refuses_what_it_cannot_take with webhook,
    a_reply_through_the_smtp_listener_reaches_the_case with smtp_listener,
);

const TOKEN: &str = "inbound-secret-1";
const SUPPORT: &str = "support@frontdesk.localhost";

fn webhook(config: &mut frontdesk_app::Config) {
    config.mail.inbound_token = Some(TOKEN.to_owned().into());
    config.mail.max_inbound_bytes = 200_000;
}

fn smtp_listener(config: &mut frontdesk_app::Config) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.mail.smtp_listen = format!("127.0.0.1:{port}");
}

/// A plain-text reply as a mail program writes it.
fn reply_mail(
    from: &str,
    to: &str,
    cc: &[&str],
    in_reply_to: &str,
    subject: &str,
    body: &str,
    id: &str,
) -> String {
    let cc_line = if cc.is_empty() {
        String::new()
    } else {
        format!("Cc: {}\r\n", cc.join(", "))
    };
    format!(
        "From: {from}\r\nTo: {to}\r\n{cc_line}Subject: {subject}\r\nMessage-ID: <{id}>\r\n\
         In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

async fn post_mail(app: &TestApp, raw: &str) -> Resp {
    app.send(
        app.request(Method::POST, "/api/v1/inbound/email", Some(TOKEN))
            .header("content-type", "message/rfc822")
            .body(raw.to_owned()),
    )
    .await
}

/// A case of A_MEMBER waiting for their feedback, and the Message-ID of the
/// mail that asked for it.
async fn waiting_case(app: &TestApp, w: &World) -> (i64, String) {
    let case = app
        .create_case(
            &w.a_member,
            None,
            "customer_care",
            "Quote fails for BCN",
            "Every quote fails.",
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    app.set_status(&w.agent, id, "feedback_required", Some("Which rate plan?"))
        .await;
    app.settle().await;
    let asked = app
        .mails_for(id)
        .into_iter()
        .rev()
        .find(|m| m.header("to").is_some_and(|t| t.contains(A_MEMBER)))
        .expect("the feedback request was mailed");
    let message_id = asked
        .header("message-id")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    (id, message_id)
}

fn bodies(case: &Value) -> Vec<String> {
    case["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_reply_by_mail_moves_a_waiting_case_and_adds_the_cc(app: TestApp) {
    let w = app.world().await;
    let (id, asked) = waiting_case(&app, &w).await;
    let reply = reply_mail(
        A_MEMBER,
        &format!("support+case-{id}@frontdesk.localhost"),
        &["lena.colleague@alpha.example", SUPPORT],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "It is the NRF rate plan.\r\n\r\nOn Mon, 23 Nov 2026, frontdesk support wrote:\r\n> Which rate plan?\r\n",
        "reply-1@alpha.example",
    );
    let done = post_mail(&app, &reply).await.expect_status(202).json();
    assert_eq!(done["outcome"], "appended", "{done}");
    assert_eq!(done["case_id"], id);
    let case = app.case(&w.agent, id).await;
    assert_eq!(
        case["status"], "in_progress",
        "a reply while waiting moves the case"
    );
    assert_eq!(bodies(&case).last().unwrap(), "It is the NRF rate plan.");
    let message = case["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(message["source"], "email");
    assert_eq!(message["side"], "partner");
    let original = message["original_url"]
        .as_str()
        .unwrap_or_else(|| panic!("{message}"));
    let raw = app.get(&w.agent, original).await.expect_status(200);
    assert!(
        raw.text().contains("> Which rate plan?"),
        "the original keeps the quote"
    );
    let participants: Vec<&str> = case["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        participants.contains(&"lena.colleague@alpha.example"),
        "{participants:?}"
    );
    assert!(
        !participants
            .iter()
            .any(|p| p.contains("frontdesk.localhost"))
    );
    assert!(
        case["timers"].as_array().unwrap().is_empty(),
        "the reminders are cancelled"
    );
    // Partners see the message, not the staff link to the original.
    let partner_view = app.case(&w.a_member, id).await;
    assert!(
        partner_view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("original_url").is_none())
    );

    // The same message delivered again is stored once.
    let again = post_mail(&app, &reply).await.expect_status(202).json();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["inbound_id"], done["inbound_id"]);
    assert_eq!(
        bodies(&app.case(&w.agent, id).await).len(),
        bodies(&case).len()
    );

    // An out-of-office answer to the same thread changes nothing.
    let ooo = format!(
        "From: {A_MEMBER}\r\nTo: support+case-{id}@frontdesk.localhost\r\nSubject: Automatic reply: [Case #{id}] Quote fails\r\n\
         Message-ID: <ooo-1@alpha.example>\r\nIn-Reply-To: <{asked}>\r\nAuto-Submitted: auto-replied\r\n\
         X-Auto-Response-Suppress: All\r\nContent-Type: text/plain\r\n\r\nI am away until Monday.\r\n"
    );
    let ignored = post_mail(&app, &ooo).await.expect_status(202).json();
    assert_eq!(ignored["outcome"], "ignored", "{ignored}");
    let after = app.case(&w.agent, id).await;
    assert_eq!(bodies(&after).len(), bodies(&case).len());
    assert_eq!(after["status"], "in_progress");
    app.settle().await;
    assert!(
        app.maildir_messages()
            .iter()
            .all(|m| !m.subject().contains("Automatic reply")),
        "automatic mail is never answered"
    );
}

async fn strangers_and_forgeries_are_held_for_staff(app: TestApp) {
    let w = app.world().await;
    let (id, asked) = waiting_case(&app, &w).await;
    // Someone outside the case writes to its reply address.
    let stranger = reply_mail(
        "mallory@evil.example",
        &format!("support+case-{id}@frontdesk.localhost"),
        &[],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "Please wire the refund to my account.",
        "s-1@evil.example",
    );
    let held = post_mail(&app, &stranger).await.expect_status(202).json();
    assert_eq!(held["outcome"], "held");
    assert!(
        held["reason"]
            .as_str()
            .unwrap()
            .contains("neither a participant"),
        "{held}"
    );
    // A partner of another organization forges the thread headers.
    let forged = reply_mail(
        B_MEMBER,
        SUPPORT,
        &[],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "Let me in.",
        "f-1@beta.example",
    );
    assert_eq!(
        post_mail(&app, &forged).await.expect_status(202).json()["outcome"],
        "held"
    );
    let case = app.case(&w.agent, id).await;
    assert!(
        bodies(&case)
            .iter()
            .all(|b| !b.contains("refund") && !b.contains("Let me in"))
    );
    assert_eq!(
        case["status"], "feedback_required",
        "held mail changes nothing"
    );
    app.settle().await;
    assert!(
        app.maildir_messages()
            .iter()
            .all(|m| !m.header("to").unwrap_or_default().contains("evil.example")),
        "nothing is sent back to a stranger"
    );

    let list = app
        .get(&w.agent, "/api/v1/staff/held-mail")
        .await
        .expect_status(200)
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["sender"], B_MEMBER);
    assert_eq!(items[1]["sender"], "mallory@evil.example");
    assert_eq!(items[1]["case_id"], id);
    app.get(&w.a_member, "/api/v1/staff/held-mail")
        .await
        .problem(403);

    // Staff let the stranger in after checking, and throw the forgery away.
    let stranger_id = items[1]["id"].as_i64().unwrap();
    let forged_id = items[0]["id"].as_i64().unwrap();
    let released = app
        .post_empty(
            &w.agent,
            &format!("/api/v1/staff/held-mail/{stranger_id}/release"),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(released["case_id"], id);
    let case = app.case(&w.agent, id).await;
    assert_eq!(
        bodies(&case).last().unwrap(),
        "Please wire the refund to my account."
    );
    assert_eq!(case["status"], "in_progress");
    app.post_empty(
        &w.agent,
        &format!("/api/v1/staff/held-mail/{stranger_id}/release"),
    )
    .await
    .problem(409);
    app.post_empty(
        &w.agent,
        &format!("/api/v1/staff/held-mail/{forged_id}/discard"),
    )
    .await
    .expect_status(204);
    app.post_empty(
        &w.agent,
        &format!("/api/v1/staff/held-mail/{forged_id}/discard"),
    )
    .await
    .problem(409);
    app.post_empty(&w.agent, "/api/v1/staff/held-mail/999999/discard")
        .await
        .problem(404);
    let empty = app
        .get(&w.agent, "/api/v1/staff/held-mail")
        .await
        .expect_status(200)
        .json();
    assert_eq!(empty["items"], json!([]));
}

async fn closed_cases_answer_and_new_mail_opens_a_case(app: TestApp) {
    let w = app.world().await;
    let (id, asked) = waiting_case(&app, &w).await;
    // Within the resolution window a reply reopens the same case.
    app.set_status(&w.agent, id, "resolved", Some("Fixed the mapping."))
        .await;
    let within = reply_mail(
        A_MEMBER,
        &format!("support+case-{id}@frontdesk.localhost"),
        &[],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "Not fixed for the NRF plan.",
        "within-1@alpha.example",
    );
    assert_eq!(
        post_mail(&app, &within).await.expect_status(202).json()["outcome"],
        "appended"
    );
    assert_eq!(app.case(&w.agent, id).await["status"], "in_progress");
    app.post_empty(&w.a_member, &format!("/api/v1/cases/{id}/close"))
        .await
        .expect_status(200);
    let late = reply_mail(
        A_MEMBER,
        &format!("support+case-{id}@frontdesk.localhost"),
        &[],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "Actually it still fails.",
        "late-1@alpha.example",
    );
    let done = post_mail(&app, &late).await.expect_status(202).json();
    assert_eq!(done["outcome"], "answered_closed", "{done}");
    let case = app.case(&w.agent, id).await;
    assert!(bodies(&case).iter().all(|b| !b.contains("still fails")));
    app.settle().await;
    let answer = app
        .mails_for(id)
        .into_iter()
        .find(|m| m.text.contains("Reopen case"))
        .expect("the sender is told how to reopen");
    assert!(answer.header("to").unwrap().contains(A_MEMBER));
    assert!(answer.header("auto-submitted").is_some());

    // A partner writing to the support address with no case opens one.
    let fresh = format!(
        "From: Max Member <{A_MEMBER}>\r\nTo: {SUPPORT}\r\nCc: lena.colleague@alpha.example\r\nSubject: Invoices are missing\r\n\
         Message-ID: <new-1@alpha.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         We cannot find the October invoices.\r\n"
    );
    let created = post_mail(&app, &fresh).await.expect_status(202).json();
    assert_eq!(created["outcome"], "created", "{created}");
    let new_id = created["case_id"].as_i64().unwrap();
    let new_case = app.case(&w.a_member, new_id).await;
    assert_eq!(new_case["subject"], "Invoices are missing");
    assert_eq!(new_case["category"], "customer_care");
    assert_eq!(
        new_case["description"],
        "We cannot find the October invoices."
    );
    assert_eq!(
        new_case["participants"],
        json!(["lena.colleague@alpha.example"])
    );
    app.settle().await;
    assert!(
        app.mails_for(new_id)
            .iter()
            .any(|m| m.header("to").is_some_and(|t| t.contains(A_MEMBER))),
        "the usual auto-response"
    );
    // Someone unknown who names no case is held.
    let unknown = "From: someone@nowhere.example\r\nTo: support@frontdesk.localhost\r\nSubject: Hello\r\n\
                   Message-ID: <u-1@nowhere.example>\r\n\r\nHi there\r\n";
    let held = post_mail(&app, unknown).await.expect_status(202).json();
    assert_eq!(held["outcome"], "held");
}

async fn the_webhook_refuses_what_it_cannot_take(app: TestApp) {
    let w = app.world().await;
    let raw = "From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n";
    app.send(
        app.request(Method::POST, "/api/v1/inbound/email", None)
            .header("content-type", "message/rfc822")
            .body(raw),
    )
    .await
    .problem(401);
    app.send(
        app.request(Method::POST, "/api/v1/inbound/email", Some(&w.admin))
            .header("content-type", "message/rfc822")
            .body(raw),
    )
    .await
    .problem(401);
    app.send(
        app.request(Method::POST, "/api/v1/inbound/email", Some(TOKEN))
            .header("content-type", "text/plain")
            .body(raw),
    )
    .await
    .problem(415);
    post_mail(&app, "").await.problem(422);
    let huge = format!(
        "From: a@b.example\r\nSubject: big\r\n\r\n{}",
        "x".repeat(300_000)
    );
    let r = post_mail(&app, &huge).await;
    assert_eq!(r.status.as_u16(), 413, "{}", r.text());
    // Garbage is kept for staff rather than lost.
    let garbage = post_mail(&app, "\u{0}\u{1}not a mail at all")
        .await
        .expect_status(202)
        .json();
    assert_eq!(garbage["outcome"], "held", "{garbage}");
}

async fn a_reply_through_the_smtp_listener_reaches_the_case(app: TestApp) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let w = app.world().await;
    let (id, asked) = waiting_case(&app, &w).await;
    let addr: std::net::SocketAddr = app.app.config.mail.smtp_listen.parse().unwrap();
    let raw = reply_mail(
        A_MEMBER,
        &format!("support+case-{id}@frontdesk.localhost"),
        &["lena.colleague@alpha.example"],
        &asked,
        &format!("Re: [Case #{id}] Quote fails for BCN"),
        "Sent by SMTP: the NRF plan.\r\n",
        "smtp-1@alpha.example",
    );
    let envelope = lettre::address::Envelope::new(
        Some(A_MEMBER.parse().unwrap()),
        vec![
            format!("support+case-{id}@frontdesk.localhost")
                .parse()
                .unwrap(),
        ],
    )
    .unwrap();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
        .port(addr.port())
        .build();
    transport.send_raw(&envelope, raw.as_bytes()).await.unwrap();
    let case = app.case(&w.agent, id).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(bodies(&case).last().unwrap(), "Sent by SMTP: the NRF plan.");
    assert!(
        case["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "lena.colleague@alpha.example")
    );
    // Relaying is refused.
    let outside = lettre::address::Envelope::new(
        Some(A_MEMBER.parse().unwrap()),
        vec!["someone@elsewhere.example".parse().unwrap()],
    )
    .unwrap();
    assert!(transport.send_raw(&outside, raw.as_bytes()).await.is_err());
}
