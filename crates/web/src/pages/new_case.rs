//! Creating a case through AIna: the question (subject and description),
//! AIna's answer with its steps and sources, the three choices, and the case
//! form (category, participants, logs) whose one-time key makes a double
//! submit replay the same case instead of creating two.

use super::case::{UploadError, read_upload, too_large_message};
use super::error::{PageError, PageResult, render};
use super::portal::{CSRF_FIELD, Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use crate::api::case_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use frontdesk_app::assistant::{AskInput, Outcome};
use frontdesk_app::cases::{IdempotencyKey, NewCaseInput};
use frontdesk_app::{App, AppError, FieldError};
use frontdesk_domain::cases::Category;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/cases/new", get(start))
        .route("/cases/new/ask", post(ask))
        .route("/cases/new/choose", post(choose))
        .route("/cases/new/submit", post(submit))
        .route("/cases/new/solved", get(solved))
        .route("/cases/new/created/{id}", get(created))
}

/// The question as the forms carry it from step to step.
#[derive(Debug, Default, Deserialize)]
struct Question {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    session_id: String,
}

impl Question {
    fn category_or_default(&self) -> String {
        Category::parse(&self.category)
            .unwrap_or(Category::CustomerCare)
            .as_str()
            .to_owned()
    }
}

/// Messages next to the fields of a refused form.
#[derive(Debug, Default)]
struct Errors {
    subject: String,
    description: String,
    category: String,
    participants: String,
    files: String,
    general: String,
}

impl Errors {
    fn any(&self) -> bool {
        !(self.subject.is_empty()
            && self.description.is_empty()
            && self.category.is_empty()
            && self.participants.is_empty()
            && self.files.is_empty()
            && self.general.is_empty())
    }

    /// Sorts the service's field errors onto the form's fields.
    fn of(errors: &[FieldError], participants: &[String]) -> Self {
        let mut out = Self::default();
        for e in errors {
            let message = sentence(&e.message);
            let (slot, text) = match e.field.as_str() {
                "subject" => (&mut out.subject, message),
                "description" => (&mut out.description, message),
                "category" => (&mut out.category, "Choose a category from the list.".into()),
                f if f.starts_with("participants") => {
                    let address = f
                        .strip_prefix("participants[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| participants.get(i));
                    let text = match address {
                        Some(a) => format!("{a}: {}", e.message),
                        None => message,
                    };
                    (&mut out.participants, text)
                }
                _ => (&mut out.general, message),
            };
            if !slot.is_empty() {
                slot.push(' ');
            }
            slot.push_str(&text);
        }
        out
    }
}

/// "subject must not be empty" → "Subject must not be empty."
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    let mut s: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

fn categories() -> Vec<(&'static str, &'static str)> {
    Category::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect()
}

#[derive(Template)]
#[template(path = "new_case.html")]
struct AskPage {
    chrome: Chrome,
    q: Question,
    categories: Vec<(&'static str, &'static str)>,
    errors: Errors,
    rephrasing: bool,
}

/// One source AIna used.
#[derive(Debug)]
struct Source {
    title: String,
    section: String,
    snippet: String,
    /// Empty unless it points into our help center.
    url: String,
}

#[derive(Template)]
#[template(path = "new_case_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    q: Question,
    answered: bool,
    summary: String,
    steps: Vec<String>,
    sources: Vec<Source>,
}

#[derive(Template)]
#[template(path = "new_case_form.html")]
struct CaseFormPage {
    chrome: Chrome,
    q: Question,
    categories: Vec<(&'static str, &'static str)>,
    participants: String,
    /// The one-time key of this form.
    key: String,
    errors: Errors,
    max_upload: String,
}

#[derive(Template)]
#[template(path = "new_case_created.html")]
struct CreatedPage {
    chrome: Chrome,
    id: i64,
    subject: String,
    status: &'static str,
    status_class: &'static str,
    meaning: &'static str,
    requester_email: String,
    files: Vec<String>,
}

#[derive(Template)]
#[template(path = "new_case_solved.html")]
struct SolvedPage {
    chrome: Chrome,
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

fn ask_page(portal: Portal, q: Question, errors: Errors) -> PageResult<Response> {
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let q = Question {
        category: q.category_or_default(),
        ..q
    };
    let page = AskPage {
        chrome: portal.chrome.with_nav("new"),
        rephrasing: !q.session_id.is_empty(),
        q,
        categories: categories(),
        errors,
    };
    Ok(with_status(render(&page)?, status))
}

/// Step 1: the question.
async fn start(portal: Portal) -> PageResult<Response> {
    portal.caller.partner()?;
    ask_page(portal, Question::default(), Errors::default())
}

/// Step 2: AIna answers.
async fn ask(
    State(app): State<App>,
    PageForm(portal, q): PageForm<Question>,
) -> PageResult<Response> {
    let input = |session: Option<String>| AskInput {
        subject: q.subject.clone(),
        description: q.description.clone(),
        session_id: session,
    };
    let session = Some(q.session_id.clone()).filter(|s| !s.is_empty());
    let asked = match app.ask(&portal.caller, input(session.clone())).await {
        // The session already became a case (the back button): start afresh.
        Err(AppError::Conflict(_) | AppError::NotFound(_)) if session.is_some() => {
            app.ask(&portal.caller, input(None)).await
        }
        other => other,
    };
    let asked = match asked {
        Ok(a) => a,
        Err(AppError::Invalid(errors)) => {
            let errors = Errors::of(&errors, &[]);
            return ask_page(portal, q, errors);
        }
        Err(e) => return Err(e.into()),
    };
    let answer = asked.reply.answer;
    let page = AnswerPage {
        chrome: portal.chrome.with_nav("new"),
        q: Question {
            session_id: asked.session_id,
            category: q.category_or_default(),
            ..q
        },
        answered: asked.reply.answered,
        summary: answer.summary,
        steps: answer.steps,
        sources: answer
            .references
            .into_iter()
            .map(|r| Source {
                url: if r.url.starts_with("/kb/") {
                    r.url
                } else {
                    String::new()
                },
                title: r.title,
                section: r.section,
                snippet: r.snippet,
            })
            .collect(),
    };
    render(&page)
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    choice: String,
    #[serde(flatten)]
    q: Question,
}

/// Step 3: the partner's verdict on the answer.
async fn choose(
    State(app): State<App>,
    PageForm(portal, f): PageForm<Choice>,
) -> PageResult<Response> {
    let outcome = Outcome::parse(&f.choice).ok_or_else(|| {
        PageError::BadRequest("choose one of the three answers on the page".into())
    })?;
    if f.q.session_id.is_empty() {
        return Err(PageError::BadRequest(
            "this answer has expired; ask your question again".into(),
        ));
    }
    app.assistant_feedback(&portal.caller, &f.q.session_id, outcome)
        .await?;
    match outcome {
        Outcome::Solved => Ok(Redirect::to("/cases/new/solved").into_response()),
        Outcome::Rephrase => ask_page(portal, f.q, Errors::default()),
        Outcome::NeedHelp => form_page(
            &app,
            portal,
            f.q,
            String::new(),
            one_time_key(),
            Errors::default(),
        ),
    }
}

fn form_page(
    app: &App,
    portal: Portal,
    q: Question,
    participants: String,
    key: String,
    errors: Errors,
) -> PageResult<Response> {
    let status = if !errors.files.is_empty() && errors.files.contains("larger than") {
        StatusCode::PAYLOAD_TOO_LARGE
    } else if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CaseFormPage {
        chrome: portal.chrome.with_nav("new"),
        q: Question {
            category: q.category_or_default(),
            ..q
        },
        categories: categories(),
        participants,
        key,
        errors,
        max_upload: view::size(i64::try_from(app.config.limits.max_upload_bytes).unwrap_or(0)),
    };
    Ok(with_status(render(&page)?, status))
}

/// A fresh key for one rendering of the case form: whatever submits that
/// form again (a double click, a reload) replays the same case.
fn one_time_key() -> String {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // Randomly keyed per process (and per call) by the standard library.
    let mixed = std::collections::hash_map::RandomState::new().hash_one((n, nanos));
    let digest = Sha256::digest(format!("frontdesk-form\0{mixed}\0{n}\0{nanos}").as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("form_{hex}")
}

fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Addresses separated by commas, semicolons, spaces or lines.
fn split_participants(raw: &str) -> Vec<String> {
    raw.split([',', ';', '\n', '\r', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Step 4: the case is filed, then its logs stored.
async fn submit(State(app): State<App>, portal: Portal, req: Request) -> PageResult<Response> {
    let form = match read_upload(&app, req, "files").await {
        Ok(form) => form,
        Err(UploadError::TooLarge) => {
            return Err(PageError::TooLarge(format!(
                "The files together are larger than this server accepts. Each file may be up to \
                 {}; go back, compress the logs or leave some out, and send the form again.",
                view::size(i64::try_from(app.config.limits.max_upload_bytes).unwrap_or(0))
            )));
        }
        Err(UploadError::Bad(e)) => return Err(e),
    };
    portal.check_csrf(form.field(CSRF_FIELD))?;
    let q = Question {
        subject: form.text("subject"),
        description: form.text("description"),
        category: form.text("category"),
        session_id: form.text("session_id"),
    };
    let participants_raw = form.text("participants");
    let key = form.text("key");
    let key = if valid_key(&key) { key } else { one_time_key() };
    if !form.too_large.is_empty() {
        let errors = Errors {
            files: too_large_message(&app, &form.too_large),
            ..Errors::default()
        };
        return form_page(&app, portal, q, participants_raw, key, errors);
    }
    let participants = split_participants(&participants_raw);
    let idempotency = IdempotencyKey {
        request_hash: Sha256::digest(format!("page:new-case\0{key}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        key: key.clone(),
    };
    let input = NewCaseInput {
        category: q.category.clone(),
        subject: q.subject.clone(),
        description: q.description.clone(),
        participants: participants.clone(),
        assistant_session_id: Some(q.session_id.clone()).filter(|s| !s.is_empty()),
    };
    let mut result = app
        .create_case(&portal.caller, input.clone(), Some(idempotency.clone()))
        .await;
    if matches!(result, Err(AppError::Conflict(_))) {
        // The same form is being created by a click a moment ago: wait for
        // it, then replay its case.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        result = app
            .create_case(&portal.caller, input, Some(idempotency))
            .await;
    }
    let created = match result {
        Ok(c) => c,
        Err(AppError::Invalid(errors)) => {
            let errors = Errors::of(&errors, &participants);
            return form_page(&app, portal, q, participants_raw, key, errors);
        }
        Err(e) => return Err(e.into()),
    };
    let to = format!("/cases/new/created/{}", created.id.0);
    if created.replayed {
        return Ok(redirect_with_notice(
            &to,
            "This form had already been sent, so no second case was created.",
        ));
    }
    let mut failed = Vec::new();
    for file in &form.files {
        if let Err(e) = app
            .add_attachment(
                &portal.caller,
                created.id,
                &file.name,
                &file.content_type,
                &file.bytes,
            )
            .await
        {
            tracing::warn!(error = %e, case = created.id.0, "attachment of a new case refused");
            failed.push(format!("{} ({})", file.name, PageError::from(e)));
        }
    }
    if failed.is_empty() {
        Ok(Redirect::to(&to).into_response())
    } else {
        Ok(redirect_with_notice(
            &to,
            &format!(
                "The case was created, but these files could not be stored: {}. Upload them \
                 from the case page.",
                failed.join(", ")
            ),
        ))
    }
}

/// The confirmation: the new case's number.
async fn created(
    State(app): State<App>,
    portal: Portal,
    Path(raw): Path<String>,
) -> PageResult<Response> {
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    let detail = app.case_detail(&portal.caller, id).await?;
    let c = &detail.case;
    let page = CreatedPage {
        chrome: portal.chrome.with_nav("new"),
        id: c.id.0,
        subject: c.subject.clone(),
        status: c.status.label(),
        status_class: view::status_class(c.status),
        meaning: c.status.meaning(),
        requester_email: c.requester_email.clone(),
        files: detail
            .attachments
            .iter()
            .map(|a| a.file_name.clone())
            .collect(),
    };
    render(&page)
}

/// "Yes, it solved my issue": no case, a thank-you.
async fn solved(portal: Portal) -> PageResult<Response> {
    render(&SolvedPage {
        chrome: portal.chrome.with_nav("new"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_split_on_commas_and_lines() {
        assert_eq!(
            split_participants(" a@x.example,b@x.example\n\nc@x.example ; "),
            vec!["a@x.example", "b@x.example", "c@x.example"]
        );
    }

    #[test]
    fn keys_are_fresh_and_well_formed() {
        let a = one_time_key();
        assert!(valid_key(&a), "{a}");
        assert_ne!(a, one_time_key());
        assert!(!valid_key("a b"));
        assert!(!valid_key(""));
    }

    #[test]
    fn field_errors_land_next_to_their_fields() {
        let e = Errors::of(
            &[
                FieldError::new("subject", "subject must not be empty"),
                FieldError::new("participants[1]", "not an email address"),
            ],
            &["a@x.example".into(), "nope".into()],
        );
        assert_eq!(e.subject, "Subject must not be empty.");
        assert_eq!(e.participants, "nope: not an email address");
        assert!(e.any());
    }
}
