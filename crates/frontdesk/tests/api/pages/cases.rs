//! The case page and the create-case flow through AIna, over HTTP: what
//! partners and staff see, that every form really changes the case, double
//! submits, escaping, isolation, CSRF and oversized uploads.

use super::client::PageSession;
use crate::helpers::{Resp, TestApp, both_backends};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

both_backends!(
    a_partner_files_a_case_through_the_three_aina_choices,
    a_double_submitted_case_form_creates_one_case,
    the_case_form_keeps_the_text_when_it_is_refused,
    the_case_page_hides_internal_notes_from_partners,
    reply_upload_participants_close_and_reopen,
    hostile_content_is_escaped_everywhere,
    other_organizations_and_forged_posts_get_nothing,
    oversized_uploads_get_a_clear_413_page with small_uploads,
);

const UPLOAD_LIMIT: usize = 4 * 1024;

fn small_uploads(config: &mut frontdesk_app::Config) {
    config.limits.max_upload_bytes = UPLOAD_LIMIT;
}

const REOPENING: &str = "A closed case cannot receive new messages.\n\n\
## Reopen a closed case\n\n\
To continue the conversation of a closed case:\n\n\
1. Open the case from the dashboard.\n\
2. Press **Reopen case**.\n\
3. Describe what still does not work and submit.\n\n\
A new case is created that shows the original history.\n";

async fn seed_article(app: &TestApp, admin: &str) {
    app.post(
        admin,
        "/api/v1/kb/articles",
        json!({ "title": "Reopening a closed case", "category": "Cases", "body": REOPENING }),
    )
    .await
    .expect_status(201);
}

/// The value of the first `<input name="name" value="…">` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[i + marker.len()..];
    unescape(&rest[..rest.find('"').unwrap_or(0)])
}

/// Undoes the HTML escaping of an attribute value.
fn unescape(v: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(v.to_owned(), |acc, (from, to)| acc.replace(from, to))
}

/// A Customer Care case filed over the API; its number.
async fn new_case(app: &TestApp, token: &str, subject: &str, description: &str) -> i64 {
    app.create_case(token, None, "customer_care", subject, description)
        .await["id"]
        .as_i64()
        .unwrap()
}

/// The case number a confirmation redirect points to.
fn created_id(r: &Resp) -> i64 {
    assert_eq!(r.status, 303, "{}", r.text());
    r.location()
        .strip_prefix("/cases/new/created/")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a confirmation: {}", r.location()))
}

/// Asks AIna through the page; the answer page.
async fn ask(app: &TestApp, s: &PageSession, subject: &str, description: &str) -> String {
    app.submit(
        s,
        "/cases/new/ask",
        &[
            ("subject", subject),
            ("description", description),
            ("category", "customer_care"),
        ],
    )
    .await
    .expect_status(200)
    .text()
}

/// Presses one of the three buttons under an answer page.
async fn choose(app: &TestApp, s: &PageSession, answer: &str, choice: &str) -> Resp {
    app.submit(
        s,
        "/cases/new/choose",
        &[
            ("choice", choice),
            ("session_id", &hidden(answer, "session_id")),
            ("subject", &hidden(answer, "subject")),
            ("description", &hidden(answer, "description")),
            ("category", &hidden(answer, "category")),
        ],
    )
    .await
}

/// The multipart body of the case form as a browser sends it.
fn case_form(
    page: &str,
    subject: &str,
    category: &str,
    participants: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> Form {
    let mut form = Form::new()
        .text("key", hidden(page, "key"))
        .text("session_id", hidden(page, "session_id"))
        .text("subject", subject.to_owned())
        .text(
            "description",
            "Search for Paris returns no rates since Monday.",
        )
        .text("category", category.to_owned())
        .text("participants", participants.to_owned());
    for (name, mime, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes.clone())
                .file_name((*name).to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    form
}

async fn stats(app: &TestApp, staff: &str) -> Value {
    app.get(staff, "/api/v1/staff/assistant/stats")
        .await
        .expect_status(200)
        .json()
}

async fn a_partner_files_a_case_through_the_three_aina_choices(app: TestApp) {
    let w = app.world().await;
    seed_article(&app, &w.admin).await;
    let s = app.page_session(&w.a_member).await;

    let start = app.page(&s, "/cases/new").await.expect_status(200).text();
    assert!(start.contains("action=\"/cases/new/ask\""));
    assert!(
        start.contains("<option value=\"customer_care\" selected>"),
        "Customer Care is preselected"
    );

    // An answer with its steps and the exact section it comes from.
    let answer = ask(&app, &s, "How do I reopen a closed case?", "It is closed.").await;
    assert!(answer.contains("data-testid=\"answer\""));
    assert!(
        answer.contains("href=\"/kb/reopening-a-closed-case#reopen-a-closed-case\""),
        "{answer}"
    );
    assert!(answer.contains("class=\"steps\""), "numbered steps");
    for button in [
        "Yes, it solved my issue",
        "Go back and rephrase your question",
        "No, I still need help",
    ] {
        assert!(answer.contains(button), "{button}");
    }

    // 1. "Yes, it solved my issue": no case, a thank-you.
    let solved = choose(&app, &s, &answer, "solved").await;
    assert_eq!(solved.status, 303);
    assert_eq!(solved.location(), "/cases/new/solved");
    let thanks = app.page(&s, &solved.location()).await.expect_status(200);
    assert!(thanks.text().contains("No case was created"));
    assert!(thanks.text().contains("href=\"/cases\""));
    assert!(
        app.list_ids(&w.a_member, &[("status", "all")])
            .await
            .is_empty()
    );
    assert_eq!(stats(&app, &w.agent).await["solved"], 1);

    // Nothing relevant: AIna says so plainly.
    let nothing = ask(&app, &s, "Apple Pay at checkout?", "").await;
    assert!(nothing.contains("could not find anything"), "{nothing}");
    assert!(!nothing.contains("data-testid=\"sources\""));

    // 2. "Go back and rephrase": step 1 with the text kept, same session.
    let first = ask(&app, &s, "Rates missing", "Paris shows no rates.").await;
    let session = hidden(&first, "session_id");
    let back = choose(&app, &s, &first, "rephrase")
        .await
        .expect_status(200)
        .text();
    assert!(back.contains("action=\"/cases/new/ask\""));
    assert!(back.contains("value=\"Rates missing\""));
    assert!(back.contains(">Paris shows no rates.</textarea>"));
    assert_eq!(hidden(&back, "session_id"), session);
    let again = app
        .submit(
            &s,
            "/cases/new/ask",
            &[
                ("subject", "Reopen a closed case for Paris rates"),
                ("description", "Paris shows no rates."),
                ("category", "customer_care"),
                ("session_id", &session),
            ],
        )
        .await
        .expect_status(200)
        .text();
    assert_eq!(hidden(&again, "session_id"), session, "the session goes on");

    // 3. "No, I still need help": the case form, prefilled.
    let form = choose(&app, &s, &again, "need_help")
        .await
        .expect_status(200)
        .text();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("value=\"Reopen a closed case for Paris rates\""));
    assert!(form.contains(">Paris shows no rates.</textarea>"));
    assert!(form.contains("<option value=\"customer_care\" selected>"));
    assert_eq!(hidden(&form, "session_id"), session);
    assert!(!hidden(&form, "key").is_empty());

    let files = vec![
        ("search.log", "text/plain", b"GET /search 500".to_vec()),
        ("trace.json", "application/json", b"{\"a\":1}".to_vec()),
    ];
    let sent = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(
                &form,
                "Paris rates missing",
                "billing",
                "colleague@alpha.example,\nana.admin@alpha.example",
                &files,
            ),
        )
        .await;
    let id = created_id(&sent);
    let confirmation = app
        .page(&s, &sent.location())
        .await
        .expect_status(200)
        .text();
    assert!(confirmation.contains(&format!("Case #{id} created")));
    assert!(confirmation.contains(&format!("href=\"/cases/{id}\"")));

    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["subject"], "Paris rates missing");
    assert_eq!(case["category"], "billing");
    let mut participants = case["participants"].as_array().unwrap().clone();
    participants.sort_by_key(|p| p.as_str().unwrap().to_owned());
    assert_eq!(
        participants,
        [
            json!("ana.admin@alpha.example"),
            json!("colleague@alpha.example")
        ]
    );
    let names: Vec<&str> = case["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["search.log", "trace.json"]);
    // Agents see what AIna suggested; the partner does not.
    let staff_view = app.case(&w.agent, id).await;
    let note = &staff_view["messages"][0];
    assert_eq!(note["internal"], true);
    assert!(note["body"].as_str().unwrap().contains("AIna answered"));
    assert!(
        app.case(&w.a_member, id).await["messages"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(stats(&app, &w.agent).await["escalations"], 1);
    app.shutdown().await;
}

async fn a_double_submitted_case_form_creates_one_case(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.a_member).await;
    let answer = ask(&app, &s, "Invoices are wrong", "March invoice").await;
    let form = choose(&app, &s, &answer, "need_help")
        .await
        .expect_status(200)
        .text();
    let files = vec![("a.log", "text/plain", b"one".to_vec())];
    let first = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(&form, "Invoices are wrong", "billing", "", &files),
        )
        .await;
    let second = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(&form, "Invoices are wrong", "billing", "", &files),
        )
        .await;
    let id = created_id(&first);
    assert_eq!(created_id(&second), id, "the same case again");
    let ids = app.list_ids(&w.a_member, &[("status", "all")]).await;
    assert_eq!(ids, vec![id], "one case");
    assert_eq!(
        app.case(&w.a_member, id).await["attachments"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "its files are not stored twice"
    );
    // A fresh form is a new case.
    let answer = ask(&app, &s, "Another question", "").await;
    let form = choose(&app, &s, &answer, "need_help").await.text();
    let third = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(&form, "Another question", "customer_care", "", &[]),
        )
        .await;
    assert_ne!(created_id(&third), id);
    app.shutdown().await;
}

async fn the_case_form_keeps_the_text_when_it_is_refused(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.a_member).await;
    // Step 1 refuses an empty subject and keeps the description.
    let empty = app
        .submit(
            &s,
            "/cases/new/ask",
            &[
                ("subject", "  "),
                ("description", "Kept text"),
                ("category", "billing"),
            ],
        )
        .await
        .expect_status(422)
        .text();
    assert!(empty.contains("Subject must not be empty"), "{empty}");
    assert!(empty.contains(">Kept text</textarea>"));
    assert!(empty.contains("<option value=\"billing\" selected>"));

    let answer = ask(&app, &s, "Help", "Kept text").await;
    let form = choose(&app, &s, &answer, "need_help").await.text();
    let long = "x".repeat(201);
    for (subject, participants, message) in [
        ("", "", "Subject must not be empty"),
        (long.as_str(), "", "too long"),
        (
            "Fine subject",
            "friend@alpha.example, not-an-address",
            "not-an-address:",
        ),
    ] {
        let r = app
            .submit_multipart(
                &s,
                "/cases/new/submit",
                case_form(&form, subject, "customer_care", participants, &[]),
            )
            .await
            .expect_status(422);
        let html = r.text();
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains("Search for Paris returns no rates since Monday.</textarea>"));
        assert_eq!(hidden(&html, "key"), hidden(&form, "key"), "the same form");
        if !participants.is_empty() {
            assert!(html.contains(&format!(">{participants}</textarea>")));
        }
    }
    assert!(
        app.list_ids(&w.a_member, &[("status", "all")])
            .await
            .is_empty()
    );
    // Staff do not file cases for themselves.
    let staff = app.page_session(&w.agent).await;
    assert_eq!(app.page(&staff, "/cases/new").await.status, 403);
    app.shutdown().await;
}

async fn the_case_page_hides_internal_notes_from_partners(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Rates wrong", "Opening description.").await;
    app.message(&w.agent, id, "Public answer from the agent.", false)
        .await;
    app.message(&w.agent, id, "Secret: escalate to hotel-search.", true)
        .await;
    app.message(&w.a_member, id, "Partner follow-up.", false)
        .await;

    let s = app.page_session(&w.a_member).await;
    let html = app
        .page(&s, &format!("/cases/{id}"))
        .await
        .expect_status(200)
        .text();
    assert!(html.contains(&format!("<span class=\"case-id\">#{id}</span> Rates wrong")));
    let meaning = app.case(&w.a_member, id).await["status_meaning"].clone();
    assert!(
        html.contains(meaning.as_str().unwrap()),
        "the status' meaning"
    );
    assert!(html.contains("Alpha Travel") && html.contains("Max Member"));
    assert!(html.contains("Customer Care"));
    let pos = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(pos("Opening description.") < pos("Public answer from the agent."));
    assert!(pos("Public answer from the agent.") < pos("Partner follow-up."));
    assert!(!html.contains("Secret: escalate"), "no internal note");
    assert!(!html.contains("Internal note"), "not even the choice");
    assert!(!html.contains("name=\"visibility\""));

    let staff = app.page_session(&w.agent).await;
    let html = app
        .page(&staff, &format!("/cases/{id}"))
        .await
        .expect_status(200)
        .text();
    assert!(html.contains("Secret: escalate to hotel-search."));
    assert!(html.contains("class=\"msg staff internal\""));
    assert!(html.contains("Internal note — not visible to the partner"));
    assert!(html.contains("name=\"visibility\" value=\"internal\""));

    // A note written on the page stays internal.
    let r = app
        .submit(
            &staff,
            &format!("/cases/{id}/reply"),
            &[("body", "Page note for staff."), ("visibility", "internal")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = app
        .submit(
            &staff,
            &format!("/cases/{id}/reply"),
            &[
                ("body", "Page reply to the partner."),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let seen = app.case(&w.a_member, id).await;
    let bodies: Vec<&str> = seen["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert!(bodies.contains(&"Page reply to the partner."));
    assert!(!bodies.contains(&"Page note for staff."));
    let staff_seen = app.case(&w.agent, id).await;
    assert!(
        staff_seen["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Page note for staff." && m["internal"] == true)
    );
    // A partner cannot write an internal note by forging the field.
    let forged = app
        .submit(
            &s,
            &format!("/cases/{id}/reply"),
            &[("body", "Am I internal?"), ("visibility", "internal")],
        )
        .await;
    assert_eq!(forged.status, 403);
    app.shutdown().await;
}

async fn reply_upload_participants_close_and_reopen(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Booking timeout", "Bookings time out.").await;
    let s = app.page_session(&w.a_member).await;
    let path = format!("/cases/{id}");

    // Reply.
    let r = app
        .submit(
            &s,
            &format!("{path}/reply"),
            &[("body", "More details here.")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with(&path));
    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["messages"][0]["body"], "More details here.");
    let empty = app
        .submit(&s, &format!("{path}/reply"), &[("body", "   ")])
        .await
        .expect_status(422)
        .text();
    assert!(empty.contains("must not be empty"));

    // Upload, then download as a file.
    let form = Form::new()
        .part(
            "file",
            Part::bytes(b"line 1\nline 2\n".to_vec())
                .file_name("server.log")
                .mime_str("text/plain")
                .unwrap(),
        )
        .part(
            "file",
            Part::bytes(b"<html><script>alert(1)</script></html>".to_vec())
                .file_name("page.html")
                .mime_str("text/html")
                .unwrap(),
        );
    let r = app
        .submit_multipart(&s, &format!("{path}/attachments"), form)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let atts = app.case(&w.a_member, id).await["attachments"].clone();
    let att = |i: usize| atts[i]["id"].as_i64().unwrap();
    let html = app.page(&s, &path).await.text();
    assert!(html.contains(&format!("href=\"{path}/attachments/{}\"", att(0))));
    assert!(html.contains("server.log") && html.contains("page.html"));
    let log = app
        .page(&s, &format!("{path}/attachments/{}", att(0)))
        .await
        .expect_status(200);
    assert_eq!(log.bytes, b"line 1\nline 2\n");
    assert!(
        log.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        log.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"server.log\"")
    );
    let page = app
        .page(&s, &format!("{path}/attachments/{}", att(1)))
        .await
        .expect_status(200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/octet-stream"),
        "uploaded HTML is never rendered"
    );
    assert!(
        page.header("content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(
        page.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        app.page(&s, &format!("{path}/attachments/999999"))
            .await
            .status,
        404
    );
    let none = app
        .submit_multipart(&s, &format!("{path}/attachments"), Form::new())
        .await
        .expect_status(422);
    assert!(none.text().contains("Choose a file"));

    // Participants.
    let r = app
        .submit(
            &s,
            &format!("{path}/participants"),
            &[("email", "ops@alpha.example")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.case(&w.a_member, id).await["participants"],
        json!(["ops@alpha.example"])
    );
    let bad = app
        .submit(
            &s,
            &format!("{path}/participants"),
            &[("email", "nonsense")],
        )
        .await
        .expect_status(422)
        .text();
    assert!(bad.contains("value=\"nonsense\""), "the input is kept");
    assert!(
        app.page(&s, &path)
            .await
            .text()
            .contains("ops@alpha.example")
    );

    // Close, then Reopen.
    let r = app
        .submit(&s, &format!("{path}/close"), &[("back", &path)])
        .await;
    assert_eq!(r.status, 303);
    let closed = app.page(&s, &path).await.text();
    assert!(closed.contains("Reopen case"));
    assert!(!closed.contains(&format!("action=\"{path}/reply\"")));
    assert!(!closed.contains(&format!("action=\"{path}/close\"")));
    let r = app.submit(&s, &format!("{path}/reopen"), &[]).await;
    assert_eq!(r.status, 303);
    let new_id: i64 = r
        .location()
        .strip_prefix("/cases/")
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert_ne!(new_id, id);
    let reopened = app.page(&s, &r.location()).await.expect_status(200).text();
    assert!(reopened.contains(&format!("Continues case #{id}")));
    assert!(reopened.contains("Bookings time out.") && reopened.contains("More details here."));
    assert!(reopened.contains("action=\"/cases/") && reopened.contains("/reply\""));
    assert_eq!(app.case(&w.a_member, new_id).await["status"], "open");
    let original = app.page(&s, &path).await.text();
    assert!(original.contains(&format!("href=\"/cases/{new_id}\"")));
    assert!(original.contains(&format!(
        "reopened as <a href=\"/cases/{new_id}\">case #{new_id}</a>"
    )));
    assert!(
        !original.contains("data-testid=\"reopen-case\""),
        "only once"
    );
    // Staff see and can act on the same page.
    let staff = app.page_session(&w.agent).await;
    let r = app
        .submit(&staff, &format!("/cases/{new_id}/close"), &[("back", "")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.case(&w.a_member, new_id).await["status"], "closed");
    app.shutdown().await;
}

async fn hostile_content_is_escaped_everywhere(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.a_member).await;
    let script = "<script>alert(1)</script>";
    let id = new_case(
        &app,
        &w.a_member,
        &format!("{script} subject"),
        "<img src=x onerror=alert(2)> description",
    )
    .await;
    app.submit(
        &s,
        &format!("/cases/{id}/reply"),
        &[("body", "</div><script>alert(3)</script>")],
    )
    .await;
    app.submit(
        &s,
        &format!("/cases/{id}/participants"),
        &[("email", "\"<script>\"@alpha.example")],
    )
    .await;
    let form = Form::new().part(
        "file",
        Part::bytes(b"x".to_vec())
            .file_name("\"><script>alert(4)</script>&.log")
            .mime_str("text/plain")
            .unwrap(),
    );
    app.submit_multipart(&s, &format!("/cases/{id}/attachments"), form)
        .await;
    for who in [&s, &app.page_session(&w.agent).await] {
        let html = app
            .page(who, &format!("/cases/{id}"))
            .await
            .expect_status(200)
            .text();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("</div><script>"));
    }
    let download = app
        .page(
            &s,
            &format!(
                "/cases/{id}/attachments/{}",
                app.case(&w.a_member, id).await["attachments"][0]["id"]
            ),
        )
        .await
        .expect_status(200);
    let disposition = download.header("content-disposition").unwrap();
    assert!(
        !disposition.contains('<') && disposition.matches('"').count() == 2,
        "{disposition}"
    );

    // AIna's pages echo the question escaped.
    let answer = ask(&app, &s, &format!("{script} question"), script).await;
    assert!(!answer.contains("<script>alert"));
    let form = choose(&app, &s, &answer, "need_help").await.text();
    assert!(!form.contains("<script>alert"));
    let created = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(&form, &format!("{script} filed"), "customer_care", "", &[]),
        )
        .await;
    let confirmation = app.page(&s, &created.location()).await.text();
    assert!(!confirmation.contains("<script>alert"));
    app.shutdown().await;
}

async fn other_organizations_and_forged_posts_get_nothing(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Alpha secret", "Alpha details").await;
    app.submit_multipart(
        &app.page_session(&w.a_member).await,
        &format!("/cases/{id}/attachments"),
        Form::new().part("file", Part::bytes(b"alpha".to_vec()).file_name("a.log")),
    )
    .await;
    let att = app.case(&w.a_member, id).await["attachments"][0]["id"]
        .as_i64()
        .unwrap();
    let b = app.page_session(&w.b_member).await;
    let path = format!("/cases/{id}");
    for page in [
        path.clone(),
        format!("{path}/attachments/{att}"),
        format!("/cases/new/created/{id}"),
    ] {
        let r = app.page(&b, &page).await;
        assert_eq!(r.status, 404, "{page}");
        assert!(!r.text().contains("Alpha secret"));
    }
    for (action, fields) in [
        ("reply", vec![("body", "intrusion")]),
        ("participants", vec![("email", "spy@beta.example")]),
        ("close", vec![]),
        ("reopen", vec![]),
    ] {
        let r = app.submit(&b, &format!("{path}/{action}"), &fields).await;
        assert_eq!(r.status, 404, "{action}");
    }
    let upload = app
        .submit_multipart(
            &b,
            &format!("{path}/attachments"),
            Form::new().part("file", Part::bytes(b"spy".to_vec()).file_name("spy.log")),
        )
        .await;
    assert_eq!(upload.status, 404);
    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["status"], "open");
    assert!(case["messages"].as_array().unwrap().is_empty());
    assert!(case["participants"].as_array().unwrap().is_empty());
    assert_eq!(case["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(app.page(&b, "/cases/abc").await.status, 404);

    // Posts without the CSRF token are refused and change nothing.
    let a = app.page_session(&w.a_member).await;
    for (action, fields) in [
        (format!("{path}/reply"), vec![("body", "forged")]),
        (
            format!("{path}/participants"),
            vec![("email", "forged@alpha.example")],
        ),
        (format!("{path}/reopen"), vec![]),
        ("/cases/new/ask".to_owned(), vec![("subject", "forged")]),
        (
            "/cases/new/choose".to_owned(),
            vec![("choice", "solved"), ("session_id", "as_x")],
        ),
    ] {
        let r = app.submit_raw(&a, &action, &fields).await;
        assert_eq!(r.status, 403, "{action}");
        assert!(r.text().contains("This form has expired"));
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (target, form) in [
        (
            format!("{path}/attachments"),
            Form::new().part("file", Part::bytes(b"forged".to_vec()).file_name("f.log")),
        ),
        (
            "/cases/new/submit".to_owned(),
            Form::new()
                .text("subject", "Forged case")
                .text("description", "x")
                .text("category", "customer_care")
                .text("csrf", "0123456789abcdef0123456789abcdef"),
        ),
    ] {
        let r = app
            .send(
                client
                    .post(app.url(&target))
                    .header("cookie", &a.cookie)
                    .multipart(form),
            )
            .await;
        assert_eq!(r.status, 403, "{target}");
    }
    let case = app.case(&w.a_member, id).await;
    assert!(case["messages"].as_array().unwrap().is_empty());
    assert!(case["participants"].as_array().unwrap().is_empty());
    assert_eq!(case["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.list_ids(&w.a_member, &[("status", "all")]).await,
        vec![id]
    );
    app.shutdown().await;
}

async fn oversized_uploads_get_a_clear_413_page(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Big logs", "See logs").await;
    let s = app.page_session(&w.a_member).await;
    let path = format!("/cases/{id}/attachments");
    // Over the file limit: the case page again, with the reason.
    let big = Form::new().part(
        "file",
        Part::bytes(vec![b'x'; UPLOAD_LIMIT + 1]).file_name("big.log"),
    );
    let r = app
        .submit_multipart(&s, &path, big)
        .await
        .expect_status(413);
    let html = r.text();
    assert!(html.contains("big.log is larger than 4.0 KB"), "{html}");
    assert!(html.contains("data-testid=\"upload-error\""));
    assert!(html.contains("Big logs"), "the case page, not a bare error");
    // Up to four times the limit the rest is read and the page is clean.
    for _ in 0..3 {
        let thrice = Form::new().part(
            "file",
            Part::bytes(vec![b'y'; UPLOAD_LIMIT * 3]).file_name("thrice.log"),
        );
        let r = app
            .submit_multipart(&s, &path, thrice)
            .await
            .expect_status(413);
        assert!(r.text().contains("thrice.log is larger than"));
    }
    // Far beyond, the server stops reading: a 413, or only a closed
    // connection, never a success.
    let huge = Form::new().text("csrf", s.csrf.clone()).part(
        "file",
        Part::bytes(vec![b'x'; UPLOAD_LIMIT * 4 + 256 * 1024]).file_name("huge.log"),
    );
    let sent = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(app.url(&path))
        .header("cookie", &s.cookie)
        .multipart(huge)
        .send()
        .await;
    if let Ok(r) = sent {
        assert_eq!(r.status(), 413);
        let body = r.text().await.unwrap_or_default();
        assert!(body.is_empty() || body.contains("larger than"), "{body}");
    }
    assert!(
        app.case(&w.a_member, id).await["attachments"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // On the case form: the text is kept and no case is created.
    let answer = ask(&app, &s, "Logs too big", "").await;
    let form = choose(&app, &s, &answer, "need_help").await.text();
    let r = app
        .submit_multipart(
            &s,
            "/cases/new/submit",
            case_form(
                &form,
                "Logs too big",
                "customer_care",
                "",
                &[("big.log", "text/plain", vec![b'x'; UPLOAD_LIMIT + 1])],
            ),
        )
        .await
        .expect_status(413);
    let html = r.text();
    assert!(html.contains("data-testid=\"files-error\""));
    assert!(html.contains("value=\"Logs too big\""));
    assert_eq!(
        app.list_ids(&w.a_member, &[("status", "all")]).await,
        vec![id]
    );
    app.shutdown().await;
}
