//! The model engine against a local fake OpenAI-compatible server.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use frontdesk_assistant::answer::{Answer, Hit, NO_ANSWER, Question, Reply};
use frontdesk_assistant::llm::{LlmConfig, LlmEngine};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the fake answers.
#[derive(Clone)]
enum Mode {
    /// A completion whose message content is this text.
    Content(String),
    Status(u16),
    /// This content, after a pause.
    Slow(Duration, String),
    /// A body that is not a completion at all.
    Raw(&'static str),
}

struct Fake {
    mode: Mode,
    requests: AtomicUsize,
    body: Mutex<Option<Value>>,
    auth: Mutex<Option<String>>,
}

async fn completions(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    fake.requests.fetch_add(1, Ordering::SeqCst);
    *fake.auth.lock().expect("lock") = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    *fake.body.lock().expect("lock") = Some(body);
    let completion = |content: &str| {
        Json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop"
            }]
        }))
        .into_response()
    };
    match &fake.mode {
        Mode::Content(c) => completion(c),
        Mode::Status(s) => StatusCode::from_u16(*s)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Mode::Slow(pause, c) => {
            tokio::time::sleep(*pause).await;
            completion(c)
        }
        Mode::Raw(body) => (StatusCode::OK, *body).into_response(),
    }
}

/// Starts a fake on a free port; returns its base URL (`…/v1`).
async fn fake(mode: Mode) -> (String, Arc<Fake>) {
    let state = Arc::new(Fake {
        mode,
        requests: AtomicUsize::new(0),
        body: Mutex::new(None),
        auth: Mutex::new(None),
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (format!("http://{addr}/v1"), state)
}

fn engine(url: &str, timeout_ms: u64) -> LlmEngine {
    LlmEngine::new(LlmConfig {
        url: url.to_owned(),
        model: "test-model".into(),
        api_key: Some("sk-secret-123".into()),
        timeout_ms,
        max_sections: 5,
    })
    .expect("engine")
}

fn hit(n: i64, title: &str, heading: &str, text: &str, steps: &[&str]) -> Hit {
    Hit {
        article_id: n,
        slug: format!("cases/article-{n}"),
        title: title.into(),
        anchor: if heading.is_empty() {
            String::new()
        } else {
            format!("section-{n}")
        },
        heading: heading.into(),
        text: text.into(),
        steps: steps.iter().map(|s| (*s).to_owned()).collect(),
        score: 10.0 - n as f32,
        coverage: 1.0,
    }
}

fn hits() -> Vec<Hit> {
    vec![
        hit(
            1,
            "How case statuses work",
            "Resolved",
            "A resolved case waits 7 days for your reply.",
            &[],
        ),
        hit(
            2,
            "Reopening a case",
            "",
            "Press Reopen case on a closed case to open a new linked case.",
            &["Open the case", "Press Reopen case"],
        ),
        hit(
            3,
            "Replying by email",
            "Reply address",
            "Replies go to support+case-N.",
            &[],
        ),
    ]
}

fn question() -> Question {
    Question {
        subject: "Reopen my case".into(),
        description: "My case was closed, how do I continue?".into(),
    }
}

fn fallback() -> Reply {
    Reply {
        answer: Answer {
            summary: "extractive summary".into(),
            steps: vec!["extractive step".into()],
            references: Vec::new(),
        },
        confidence: 0.42,
        answered: true,
        engine: "extractive",
    }
}

fn content(value: Value) -> Mode {
    Mode::Content(value.to_string())
}

#[tokio::test]
async fn a_cited_answer_references_the_cited_hits_in_order() {
    let (url, fake) = fake(content(json!({
        "answered": true,
        "summary": "Press Reopen case to continue in a new case [2].",
        "steps": ["Open the closed case", "Press Reopen case"],
        "citations": [2, 1, 2]
    })))
    .await;
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits(), fallback())
        .await;

    assert_eq!(reply.engine, "llm");
    assert!(reply.answered);
    assert_eq!(reply.confidence, 0.42);
    // Source 2 is the first reference shown, so its marker becomes [1].
    assert_eq!(
        reply.answer.summary,
        "Press Reopen case to continue in a new case [1]."
    );
    assert_eq!(reply.answer.steps.len(), 2);
    let refs = &reply.answer.references;
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].article_id, 2);
    assert_eq!(refs[0].url, "/kb/cases/article-2");
    assert_eq!(refs[0].section, "Reopening a case");
    assert_eq!(refs[1].article_id, 1);
    assert_eq!(refs[1].url, "/kb/cases/article-1#section-1");
    assert_eq!(refs[1].section, "Resolved");
    assert_eq!(
        refs[1].snippet,
        "A resolved case waits 7 days for your reply."
    );

    assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
    assert_eq!(
        fake.auth.lock().expect("lock").as_deref(),
        Some("Bearer sk-secret-123")
    );
    let body = fake.body.lock().expect("lock").clone().expect("body");
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["temperature"], 0);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["role"], "user");
    let user = body["messages"][1]["content"].as_str().expect("user text");
    for expected in [
        "[1] How case statuses work",
        "[2] Reopening a case",
        "[3] Replying by email",
        "URL: /kb/cases/article-1#section-1",
        "1. Open the case",
        "My case was closed, how do I continue?",
    ] {
        assert!(user.contains(expected), "user message lacks {expected:?}");
    }
}

#[tokio::test]
async fn fenced_json_is_accepted() {
    let (url, _) = fake(Mode::Content(
        "```json\n{\"answered\": true, \"summary\": \"Reply within 7 days.\", \"steps\": [], \"citations\": [1]}\n```"
            .into(),
    ))
    .await;
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits(), fallback())
        .await;
    assert_eq!(reply.engine, "llm");
    assert_eq!(reply.answer.summary, "Reply within 7 days.");
    assert_eq!(reply.answer.references.len(), 1);
    assert_eq!(reply.answer.references[0].article_id, 1);
}

#[tokio::test]
async fn a_citation_out_of_range_falls_back() {
    for citations in [json!([4]), json!([0]), json!([1, 9]), json!([])] {
        let (url, _) = fake(content(json!({
            "answered": true, "summary": "Something.", "steps": [], "citations": citations
        })))
        .await;
        let reply = engine(&url, 2_000)
            .answer(&question(), &hits(), fallback())
            .await;
        assert_eq!(reply, fallback(), "citations {citations}");
    }
}

#[tokio::test]
async fn an_inline_marker_of_a_source_not_given_falls_back() {
    let (url, _) = fake(content(json!({
        "answered": true, "summary": "See [7].", "steps": [], "citations": [1]
    })))
    .await;
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits(), fallback())
        .await;
    assert_eq!(reply, fallback());
}

#[tokio::test]
async fn sources_beyond_max_sections_are_neither_sent_nor_citable() {
    let (url, fake) = fake(content(json!({
        "answered": true, "summary": "Reply by email.", "steps": [], "citations": [3]
    })))
    .await;
    let engine = LlmEngine::new(LlmConfig {
        url,
        model: "m".into(),
        api_key: None,
        timeout_ms: 2_000,
        max_sections: 2,
    })
    .expect("engine");
    let reply = engine.answer(&question(), &hits(), fallback()).await;
    assert_eq!(reply, fallback());
    let body = fake.body.lock().expect("lock").clone().expect("body");
    let user = body["messages"][1]["content"].as_str().expect("user text");
    assert!(!user.contains("[3]"));
    assert_eq!(*fake.auth.lock().expect("lock"), None);
}

#[tokio::test]
async fn answered_false_says_no_answer_without_references() {
    let (url, _) = fake(content(json!({
        "answered": false, "summary": "Invented text", "steps": ["x"], "citations": [1]
    })))
    .await;
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits(), fallback())
        .await;
    assert!(!reply.answered);
    assert_eq!(reply.engine, "llm");
    assert_eq!(reply.answer.summary, NO_ANSWER);
    assert!(reply.answer.steps.is_empty());
    assert!(reply.answer.references.is_empty());
    assert_eq!(reply.confidence, 0.42);
}

#[tokio::test]
async fn http_500_falls_back() {
    let (url, fake) = fake(Mode::Status(500)).await;
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits(), fallback())
        .await;
    assert_eq!(reply, fallback());
    assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_slow_server_falls_back_within_the_timeout() {
    let good = json!({"answered": true, "summary": "Late.", "steps": [], "citations": [1]});
    let (url, _) = fake(Mode::Slow(Duration::from_secs(5), good.to_string())).await;
    let started = Instant::now();
    let reply = engine(&url, 300)
        .answer(&question(), &hits(), fallback())
        .await;
    assert_eq!(reply, fallback());
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_garbage_body_falls_back() {
    for mode in [
        Mode::Raw("<html>gateway</html>"),
        Mode::Raw("{\"choices\": []}"),
        Mode::Content("I think you should reopen it.".into()),
        Mode::Content("{\"answered\": \"yes\"}".into()),
        Mode::Content(
            json!({"answered": true, "summary": "x".repeat(2_001), "citations": [1]}).to_string(),
        ),
    ] {
        let (url, _) = fake(mode).await;
        let reply = engine(&url, 2_000)
            .answer(&question(), &hits(), fallback())
            .await;
        assert_eq!(reply, fallback());
    }
}

#[tokio::test]
async fn a_closed_port_falls_back() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let reply = engine(&format!("http://{addr}/v1"), 2_000)
        .answer(&question(), &hits(), fallback())
        .await;
    assert_eq!(reply, fallback());
}

#[tokio::test]
async fn no_hits_or_no_extractive_answer_means_no_request() {
    let good = json!({"answered": true, "summary": "Hi.", "steps": [], "citations": [1]});
    let (url, fake) = fake(content(good)).await;
    let engine = engine(&url, 2_000);

    let reply = engine.answer(&question(), &[], fallback()).await;
    assert_eq!(reply, fallback());

    let mut unanswered = fallback();
    unanswered.answered = false;
    let reply = engine
        .answer(&question(), &hits(), unanswered.clone())
        .await;
    assert_eq!(reply, unanswered);

    assert_eq!(fake.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn snippets_are_cut_on_a_character_boundary() {
    let long = "é".repeat(300);
    let (url, _) = fake(content(json!({
        "answered": true, "summary": "Accents.", "steps": [], "citations": [1]
    })))
    .await;
    let hits = vec![hit(1, "Accents", "", &long, &[])];
    let reply = engine(&url, 2_000)
        .answer(&question(), &hits, fallback())
        .await;
    let snippet = &reply.answer.references[0].snippet;
    assert_eq!(snippet.chars().count(), 201);
    assert!(snippet.ends_with('…'));
}

#[test]
fn debug_masks_the_key() {
    let config = LlmConfig {
        url: "http://127.0.0.1:1/v1".into(),
        model: "m".into(),
        api_key: Some("sk-secret-123".into()),
        timeout_ms: 8_000,
        max_sections: 5,
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("sk-secret-123"));
    assert!(shown.contains("********"));
    let engine = LlmEngine::new(config).expect("engine");
    assert!(!format!("{engine:?}").contains("sk-secret-123"));
}

#[test]
fn config_defaults_and_validation() {
    let config: LlmConfig =
        serde_json::from_value(json!({"url": "http://127.0.0.1:8000/v1", "model": "m"}))
            .expect("config");
    assert_eq!(config.timeout_ms, 8_000);
    assert_eq!(config.max_sections, 5);
    assert!(config.api_key.is_none());

    let mut bad = config.clone();
    bad.url = "ftp://example".into();
    assert!(LlmEngine::new(bad).is_err());
    let mut bad = config;
    bad.model = " ".into();
    assert!(LlmEngine::new(bad).is_err());
}
