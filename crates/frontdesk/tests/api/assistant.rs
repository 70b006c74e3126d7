//! The knowledge base and AIna over HTTP: administrators write articles,
//! partners ask, say what helped, and hand over to a case that carries the
//! answer as an internal note; staff see the analytics.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    articles_are_written_read_and_searched,
    ask_rephrase_need_help_and_the_case_carries_the_answer,
    assistant_sessions_are_private_and_bad_input_is_refused,
    a_model_answers_with_citations with fake_model,
    a_failing_model_falls_back_to_the_extractive_answer with unreachable_model,
);

/// A chat-completions endpoint on a free port that always answers from
/// source 1, speaking just enough HTTP/1.1.
fn fake_model(config: &mut frontdesk_app::Config) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.assistant.engine = "llm".into();
    config.assistant.llm_url = format!("http://{}/v1", listener.local_addr().unwrap());
    config.assistant.llm_model = "fake-model".into();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 2 {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let request: Value = serde_json::from_slice(&body).unwrap_or_default();
            assert_eq!(request["model"], "fake-model");
            let content = json!({
                "answered": true,
                "summary": "Use Reopen case on the closed case; a new linked case starts.",
                "steps": ["Open the closed case", "Press Reopen case"],
                "citations": [1]
            })
            .to_string();
            let reply = json!({
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": "fake-model",
                "choices": [{ "index": 0, "finish_reason": "stop",
                    "message": { "role": "assistant", "content": content } }]
            })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
}

/// A model endpoint nobody listens on.
fn unreachable_model(config: &mut frontdesk_app::Config) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.assistant.engine = "llm".into();
    config.assistant.llm_url = format!("http://127.0.0.1:{port}/v1");
    config.assistant.llm_model = "gone".into();
    config.assistant.llm_timeout_ms = 2000;
}

async fn a_model_answers_with_citations(app: TestApp) {
    let w = app.world().await;
    write_article(
        &app,
        &w.admin,
        "Reopening a closed case",
        "Cases",
        REOPENING,
    )
    .await;
    let reply = ask(
        &app,
        &w.a_member,
        json!({ "subject": "How do I reopen a closed case?" }),
    )
    .await;
    assert_eq!(reply["engine"], "llm", "{reply}");
    assert_eq!(reply["answered"], true);
    assert_eq!(
        reply["answer"]["summary"],
        "Use Reopen case on the closed case; a new linked case starts."
    );
    assert_eq!(
        reply["answer"]["steps"],
        json!(["Open the closed case", "Press Reopen case"])
    );
    assert_eq!(
        reply["answer"]["references"][0]["url"],
        "/kb/reopening-a-closed-case#reopen-a-closed-case"
    );
    // Nothing relevant: the model is not even asked.
    let none = ask(
        &app,
        &w.a_member,
        json!({ "subject": "Apple Pay at checkout?" }),
    )
    .await;
    assert_eq!(none["answered"], false);
    assert_eq!(none["engine"], "extractive");
}

async fn a_failing_model_falls_back_to_the_extractive_answer(app: TestApp) {
    let w = app.world().await;
    write_article(
        &app,
        &w.admin,
        "Reopening a closed case",
        "Cases",
        REOPENING,
    )
    .await;
    let reply = ask(
        &app,
        &w.a_member,
        json!({ "subject": "How do I reopen a closed case?" }),
    )
    .await;
    assert_eq!(reply["engine"], "extractive", "{reply}");
    assert_eq!(reply["answered"], true);
    assert_eq!(reply["answer"]["steps"][1], "Press Reopen case.");
}

const REOPENING: &str = "A closed case cannot receive new messages.\n\n\
## Reopen a closed case\n\n\
To continue the conversation of a closed case:\n\n\
1. Open the case from the dashboard.\n\
2. Press **Reopen case**.\n\
3. Describe what still does not work and submit.\n\n\
A new case is created that shows the original history.\n";

const STATUSES: &str = "## Pending Seller\n\n\
The seller must act before the access can work, for example by enabling your credentials.\n\n\
## Not Working\n\nA test failed; the connection case explains which one.\n";

async fn write_article(
    app: &TestApp,
    admin: &str,
    title: &str,
    category: &str,
    body: &str,
) -> Value {
    app.post(
        admin,
        "/api/v1/kb/articles",
        json!({ "title": title, "category": category, "body": body }),
    )
    .await
    .expect_status(201)
    .json()
}

async fn ask(app: &TestApp, token: &str, body: Value) -> Value {
    app.post(token, "/api/v1/assistant/ask", body)
        .await
        .expect_status(200)
        .json()
}

async fn articles_are_written_read_and_searched(app: TestApp) {
    let w = app.world().await;
    let reopening = write_article(
        &app,
        &w.admin,
        "Reopening a closed case",
        "Cases",
        REOPENING,
    )
    .await;
    assert_eq!(reopening["slug"], "reopening-a-closed-case");
    assert_eq!(reopening["url"], "/kb/reopening-a-closed-case");
    assert_eq!(reopening["sections"][0]["anchor"], "reopen-a-closed-case");
    assert_eq!(
        reopening["sections"][0]["url"],
        "/kb/reopening-a-closed-case#reopen-a-closed-case"
    );
    write_article(
        &app,
        &w.admin,
        "Connection statuses",
        "Connections",
        STATUSES,
    )
    .await;
    let hostile = app
        .post(
            &w.admin,
            "/api/v1/kb/articles",
            json!({
                "title": "Invoices <script>alert(1)</script>",
                "slug": "billing/invoices",
                "category": "Billing",
                "body": "Invoices are monthly.\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
                "source_url": "https://docs.example.com/billing/"
            }),
        )
        .await
        .expect_status(201)
        .json();
    let html = hostile["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML is shown as text: {html}"
    );

    // Partners read and search; they do not write.
    let page1 = app
        .get(&w.a_member, "/api/v1/kb/articles?limit=2")
        .await
        .expect_status(200)
        .json();
    let titles: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Invoices <script>alert(1)</script>",
            "Reopening a closed case"
        ]
    );
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(
            &w.a_member,
            &format!("/api/v1/kb/articles?limit=2&cursor={cursor}"),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(page2["items"][0]["title"], "Connection statuses");
    assert!(page2["next_cursor"].is_null());
    let cases_only = app
        .get(&w.a_member, "/api/v1/kb/articles?category=Cases")
        .await
        .expect_status(200)
        .json();
    assert_eq!(cases_only["items"].as_array().unwrap().len(), 1);
    let categories = app
        .get(&w.b_member, "/api/v1/kb/categories")
        .await
        .expect_status(200)
        .json();
    assert_eq!(
        categories,
        json!([
            { "category": "Billing", "articles": 1 },
            { "category": "Cases", "articles": 1 },
            { "category": "Connections", "articles": 1 },
        ])
    );
    let by_slug = app
        .get(&w.a_member, "/api/v1/kb/by-slug/billing/invoices")
        .await
        .expect_status(200)
        .json();
    assert_eq!(by_slug["id"], hostile["id"]);
    let found = app
        .get(
            &w.a_member,
            "/api/v1/kb/search?q=seller%20must%20enable%20credentials",
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(found["items"][0]["title"], "Connection statuses");
    assert_eq!(
        found["items"][0]["url"],
        "/kb/connection-statuses#pending-seller"
    );

    app.post(
        &w.a_admin,
        "/api/v1/kb/articles",
        json!({ "title": "Mine", "category": "Cases", "body": "x" }),
    )
    .await
    .problem(403);

    // Edits and deletions reach the index at once.
    let id = reopening["id"].as_i64().unwrap();
    let updated = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/kb/articles/{id}"),
                Some(&w.admin),
            )
            .json(&json!({
                "title": "Reopening a closed case",
                "category": "Cases",
                "body": "## Reopen\n\nPress the lighthouse button to reopen.\n"
            })),
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(updated["sections"][0]["anchor"], "reopen");
    let lighthouse = app
        .get(&w.a_member, "/api/v1/kb/search?q=lighthouse")
        .await
        .expect_status(200)
        .json();
    assert_eq!(lighthouse["items"][0]["article_id"], id);
    app.send(app.request(
        Method::DELETE,
        &format!("/api/v1/kb/articles/{id}"),
        Some(&w.admin),
    ))
    .await
    .expect_status(204);
    app.get(&w.a_member, &format!("/api/v1/kb/articles/{id}"))
        .await
        .problem(404);
    let gone = app
        .get(&w.a_member, "/api/v1/kb/search?q=lighthouse")
        .await
        .expect_status(200)
        .json();
    assert_eq!(gone["items"], json!([]));

    // Bad input.
    app.post(
        &w.admin,
        "/api/v1/kb/articles",
        json!({ "title": "Other", "slug": "billing/invoices", "category": "Billing", "body": "x" }),
    )
    .await
    .problem(409);
    let invalid = app
        .post(
            &w.admin,
            "/api/v1/kb/articles",
            json!({ "title": "", "slug": "Not A Slug", "category": "", "body": "x", "source_url": "ftp://x" }),
        )
        .await;
    for field in ["title", "slug", "category", "source_url"] {
        invalid.invalid_field(field);
    }
    app.get(&w.a_member, "/api/v1/kb/articles/abc")
        .await
        .problem(404);
    app.get(&w.a_member, "/api/v1/kb/articles/999999")
        .await
        .problem(404);
    app.get(&w.a_member, "/api/v1/kb/articles?cursor=zz")
        .await
        .problem(400);
    app.get(&w.a_member, "/api/v1/kb/search?q=%20")
        .await
        .invalid_field("q");
    let reindexed = app
        .post_empty(&w.admin, "/api/v1/admin/kb/reindex")
        .await
        .expect_status(200)
        .json();
    assert_eq!(reindexed["articles"], 2);
    app.post_empty(&w.agent, "/api/v1/admin/kb/reindex")
        .await
        .problem(403);
}

async fn ask_rephrase_need_help_and_the_case_carries_the_answer(app: TestApp) {
    let w = app.world().await;
    write_article(
        &app,
        &w.admin,
        "Reopening a closed case",
        "Cases",
        REOPENING,
    )
    .await;
    write_article(
        &app,
        &w.admin,
        "Connection statuses",
        "Connections",
        STATUSES,
    )
    .await;

    // A vague question, then a rephrased one in the same session.
    let first = ask(
        &app,
        &w.a_member,
        json!({ "subject": "Apple Pay at checkout?" }),
    )
    .await;
    assert_eq!(first["answered"], false);
    assert_eq!(first["answer"]["references"], json!([]));
    let session = first["session_id"].as_str().unwrap().to_owned();
    app.post(
        &w.a_member,
        &format!("/api/v1/assistant/sessions/{session}/feedback"),
        json!({ "outcome": "rephrase" }),
    )
    .await
    .expect_status(204);
    let second = ask(
        &app,
        &w.a_member,
        json!({
            "subject": "How do I reopen a closed case?",
            "description": "Our case #1001 was closed but the problem came back.",
            "session_id": session,
        }),
    )
    .await;
    assert_eq!(second["session_id"], session.as_str());
    assert_eq!(second["answered"], true);
    assert_eq!(second["engine"], "extractive");
    assert_eq!(second["answer"]["steps"][1], "Press Reopen case.");
    let reference = &second["answer"]["references"][0];
    assert_eq!(
        reference["url"],
        "/kb/reopening-a-closed-case#reopen-a-closed-case"
    );
    assert_eq!(reference["title"], "Reopening a closed case");
    assert_eq!(reference["section"], "Reopen a closed case");
    app.post(
        &w.a_member,
        &format!("/api/v1/assistant/sessions/{session}/feedback"),
        json!({ "outcome": "need_help" }),
    )
    .await
    .expect_status(204);

    // "No, I still need help": the case carries the answer for staff only.
    let case = app
        .post(
            &w.a_member,
            "/api/v1/cases",
            json!({
                "category": "customer_care",
                "subject": "How do I reopen a closed case?",
                "description": "Our case was closed but the problem came back.",
                "assistant_session_id": session,
            }),
        )
        .await
        .expect_status(201)
        .json();
    let id = case["id"].as_i64().unwrap();
    let staff_view = app.case(&w.agent, id).await;
    let notes: Vec<&Value> = staff_view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["internal"] == true)
        .collect();
    assert_eq!(notes.len(), 1, "{staff_view}");
    let note = notes[0]["body"].as_str().unwrap();
    assert_eq!(notes[0]["author_name"], "AIna");
    assert!(
        note.contains("Question: How do I reopen a closed case?"),
        "{note}"
    );
    assert!(note.contains("2. Press Reopen case."), "{note}");
    assert!(
        note.contains("/kb/reopening-a-closed-case#reopen-a-closed-case"),
        "{note}"
    );
    let partner_view = app.case(&w.a_member, id).await;
    assert!(
        partner_view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m["body"].as_str().unwrap().contains("AIna")),
        "partners never see internal notes: {partner_view}"
    );
    // One session, one case.
    app.post(
        &w.a_member,
        "/api/v1/cases",
        json!({
            "category": "customer_care",
            "subject": "Again",
            "description": "Again",
            "assistant_session_id": session,
        }),
    )
    .await
    .problem(409);
    app.post(
        &w.a_member,
        &format!("/api/v1/assistant/sessions/{session}/feedback"),
        json!({ "outcome": "solved" }),
    )
    .await
    .problem(409);

    // Another partner is helped by an answer.
    let helped = ask(
        &app,
        &w.b_member,
        json!({ "subject": "What does Pending Seller mean for my connection?" }),
    )
    .await;
    assert_eq!(helped["answered"], true);
    assert_eq!(
        helped["answer"]["references"][0]["url"],
        "/kb/connection-statuses#pending-seller"
    );
    app.post(
        &w.b_member,
        &format!(
            "/api/v1/assistant/sessions/{}/feedback",
            helped["session_id"].as_str().unwrap()
        ),
        json!({ "outcome": "solved" }),
    )
    .await
    .expect_status(204);

    let stats = app
        .get(&w.agent, "/api/v1/staff/assistant/stats")
        .await
        .expect_status(200)
        .json();
    assert_eq!(stats["sessions"], 2);
    assert_eq!(stats["questions"], 3);
    assert_eq!(stats["unanswered"], 1);
    assert_eq!(stats["with_feedback"], 2);
    assert_eq!(stats["solved"], 1);
    assert_eq!(stats["deflection_rate"], 0.5);
    assert_eq!(stats["escalations"], 1);
    let gaps: Vec<&str> = stats["knowledge_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["topic"].as_str().unwrap())
        .collect();
    assert!(gaps.contains(&"apple pay at checkout"), "{stats}");
    assert!(gaps.contains(&"how do i reopen a closed case"), "{stats}");
    let top: Vec<&str> = stats["top_articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        top.contains(&"Reopening a closed case") && top.contains(&"Connection statuses"),
        "{stats}"
    );
    let empty = app
        .get(
            &w.agent,
            "/api/v1/staff/assistant/stats?from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z",
        )
        .await
        .expect_status(200)
        .json();
    assert_eq!(empty["sessions"], 0);
    assert!(empty["deflection_rate"].is_null());
    app.get(&w.a_admin, "/api/v1/staff/assistant/stats")
        .await
        .problem(403);
    app.get(&w.agent, "/api/v1/staff/assistant/stats?from=yesterday")
        .await
        .invalid_field("from");
}

async fn assistant_sessions_are_private_and_bad_input_is_refused(app: TestApp) {
    let w = app.world().await;
    write_article(
        &app,
        &w.admin,
        "Reopening a closed case",
        "Cases",
        REOPENING,
    )
    .await;
    let mine = ask(
        &app,
        &w.a_member,
        json!({ "subject": "reopen a closed case" }),
    )
    .await;
    let session = mine["session_id"].as_str().unwrap();

    // Another organization's user, and a colleague, get nothing.
    for other in [&w.b_member, &w.a_admin] {
        app.post(
            other,
            &format!("/api/v1/assistant/sessions/{session}/feedback"),
            json!({ "outcome": "solved" }),
        )
        .await
        .problem(404);
        app.post(
            other,
            "/api/v1/assistant/ask",
            json!({ "subject": "reopen", "session_id": session }),
        )
        .await
        .problem(404);
        app.post(
            other,
            "/api/v1/cases",
            json!({ "category": "billing", "subject": "s", "description": "d", "assistant_session_id": session }),
        )
        .await
        .invalid_field("assistant_session_id");
    }
    app.post(
        &w.a_member,
        "/api/v1/assistant/sessions/as_00000000000000000000000000000000/feedback",
        json!({ "outcome": "solved" }),
    )
    .await
    .problem(404);

    // Bad questions and verdicts.
    app.post(
        &w.a_member,
        "/api/v1/assistant/ask",
        json!({ "subject": "" }),
    )
    .await
    .invalid_field("subject");
    app.post(
        &w.a_member,
        "/api/v1/assistant/ask",
        json!({ "subject": "logs", "description": "x".repeat(50_000) }),
    )
    .await
    .invalid_field("description");
    app.post(
        &w.a_member,
        "/api/v1/assistant/ask",
        json!({ "subject": "bell\u{7}", "description": "" }),
    )
    .await
    .invalid_field("subject");
    app.post(
        &w.a_member,
        &format!("/api/v1/assistant/sessions/{session}/feedback"),
        json!({ "outcome": "maybe" }),
    )
    .await
    .invalid_field("outcome");
    app.post(
        &w.a_member,
        "/api/v1/assistant/ask",
        json!({ "question": "?" }),
    )
    .await
    .problem(400);
    // Staff have no organization to ask for.
    app.post(
        &w.agent,
        "/api/v1/assistant/ask",
        json!({ "subject": "reopen" }),
    )
    .await
    .problem(403);
    // The session is still the owner's.
    app.post(
        &w.a_member,
        &format!("/api/v1/assistant/sessions/{session}/feedback"),
        json!({ "outcome": "solved" }),
    )
    .await
    .expect_status(204);
}
