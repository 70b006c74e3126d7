//! The case page, for partners and staff: status with its meaning, the
//! conversation (the history of reopened cases first), replies and internal
//! notes, log uploads and downloads, participants, Close and Reopen.

use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use crate::api::{case_id, path_id};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use frontdesk_app::cases::CaseDetail;
use frontdesk_app::{App, AppError};
use frontdesk_domain::cases::Actor;
use frontdesk_domain::{AttachmentId, CaseId, Timestamp};
use frontdesk_store::messages::MessageRecord;
use serde::Deserialize;
use tower::{Layer, ServiceExt};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/reply", post(reply))
        .route("/cases/{id}/participants", post(add_participant))
        .route("/cases/{id}/reopen", post(reopen))
        .route("/cases/{id}/attachments", post(upload))
        .route("/cases/{id}/attachments/{attachment}", get(download))
}

/// One message as the page shows it.
#[derive(Debug)]
pub struct Msg {
    pub author: String,
    /// `partner`, `staff` or `system`.
    pub side: &'static str,
    pub internal: bool,
    pub body: String,
    pub when: String,
    pub iso: String,
    /// How it arrived: portal, api, email, assistant, system.
    pub source: String,
    /// Staff: where the original inbound mail can be read.
    pub original: String,
}

impl Msg {
    fn of(m: &MessageRecord, staff: bool) -> Self {
        Self {
            author: m.author_name.clone(),
            side: match m.side {
                Actor::Partner => "partner",
                Actor::Staff => "staff",
                Actor::System => "system",
            },
            internal: m.internal,
            body: m.body.clone(),
            when: view::when(m.created_at),
            iso: view::iso(m.created_at),
            source: m.source.clone(),
            original: match (staff, m.inbound_id) {
                (true, Some(id)) => format!("/api/v1/staff/inbound/{id}/raw"),
                _ => String::new(),
            },
        }
    }

    /// The description, shown as the conversation's opening message.
    fn opening(author: &str, description: &str, at: Timestamp) -> Self {
        Self {
            author: author.to_owned(),
            side: "partner",
            internal: false,
            body: description.to_owned(),
            when: view::when(at),
            iso: view::iso(at),
            source: "opening".into(),
            original: String::new(),
        }
    }
}

/// An earlier case this one continues.
#[derive(Debug)]
pub struct Earlier {
    pub id: i64,
    pub subject: String,
    pub created: String,
    pub messages: Vec<Msg>,
}

#[derive(Debug)]
pub struct Att {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub when: String,
    pub iso: String,
}

/// What a form on the page left behind when it was refused: the message
/// and the input, shown again next to the form.
#[derive(Debug, Default)]
pub struct Retry {
    pub reply_body: String,
    pub reply_internal: bool,
    pub reply_error: String,
    pub participant_email: String,
    pub participant_error: String,
    pub upload_error: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    subject: String,
    status: &'static str,
    status_class: &'static str,
    meaning: &'static str,
    closed: bool,
    resolved: bool,
    category: &'static str,
    org: String,
    requester: String,
    requester_email: String,
    created: String,
    created_iso: String,
    updated: String,
    updated_iso: String,
    staff: bool,
    team: String,
    assignee: String,
    reopened_from: Option<i64>,
    reopened_as: Option<i64>,
    history: Vec<Earlier>,
    thread: Vec<Msg>,
    attachments: Vec<Att>,
    participants: Vec<String>,
    panel: String,
    max_upload: String,
    retry: Retry,
}

async fn page(app: &App, portal: Portal, id: CaseId, retry: Retry) -> PageResult<CasePage> {
    let detail: CaseDetail = app.case_detail(&portal.caller, id).await?;
    let panel = super::staff::panel(app, &portal, &detail).await?;
    let staff = detail.staff_view;
    let c = &detail.case;
    let mut thread = vec![Msg::opening(
        &c.requester_name,
        &c.description,
        c.created_at,
    )];
    thread.extend(detail.messages.iter().map(|m| Msg::of(m, staff)));
    let history = detail
        .history
        .iter()
        .rev()
        .map(|h| {
            let mut messages = vec![Msg::opening(
                &h.case.requester_name,
                &h.case.description,
                h.case.created_at,
            )];
            messages.extend(
                h.messages
                    .iter()
                    .filter(|m| !m.internal)
                    .map(|m| Msg::of(m, false)),
            );
            Earlier {
                id: h.case.id.0,
                subject: h.case.subject.clone(),
                created: view::when(h.case.created_at),
                messages,
            }
        })
        .collect();
    Ok(CasePage {
        chrome: portal
            .chrome
            .with_nav(if staff { "staff" } else { "cases" }),
        id: c.id.0,
        subject: c.subject.clone(),
        status: view::case_status_label(c.status, c.connection_status.as_deref()),
        status_class: view::status_class(c.status),
        meaning: view::case_status_meaning(c.status, c.connection_status.as_deref()),
        closed: c.status.is_closed(),
        resolved: c.status == frontdesk_domain::cases::CaseStatus::Resolved,
        category: c.category.label(),
        org: c.org_name.clone(),
        requester: c.requester_name.clone(),
        requester_email: c.requester_email.clone(),
        created: view::when(c.created_at),
        created_iso: view::iso(c.created_at),
        updated: view::when(c.updated_at),
        updated_iso: view::iso(c.updated_at),
        staff,
        team: if staff { c.team.clone() } else { String::new() },
        assignee: if staff {
            c.assignee_name.clone().unwrap_or_default()
        } else {
            String::new()
        },
        reopened_from: c.reopened_from.map(|x| x.0),
        reopened_as: c.reopened_as.map(|x| x.0),
        history,
        thread,
        attachments: detail
            .attachments
            .iter()
            .map(|a| Att {
                id: a.id.0,
                name: a.file_name.clone(),
                size: view::size(a.size),
                when: view::when(a.created_at),
                iso: view::iso(a.created_at),
            })
            .collect(),
        participants: detail
            .participants
            .iter()
            .map(|p| p.email.clone())
            .collect(),
        panel,
        max_upload: view::size(i64::try_from(app.config.limits.max_upload_bytes).unwrap_or(0)),
        retry,
    })
}

fn the_case(raw: &str) -> PageResult<CaseId> {
    case_id(raw).map_err(|_| PageError::not_found("case"))
}

async fn show(
    State(app): State<App>,
    portal: Portal,
    Path(raw): Path<String>,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    render(&page(&app, portal, id, Retry::default()).await?)
}

/// The case page again with a refused form's message and input.
async fn again(
    app: &App,
    portal: Portal,
    id: CaseId,
    retry: Retry,
    status: StatusCode,
) -> PageResult<Response> {
    let mut response = render(&page(app, portal, id, retry).await?)?;
    *response.status_mut() = status;
    Ok(response)
}

/// A refusal the person can fix in the form: its status and message.
fn fixable(e: AppError) -> Result<(StatusCode, String), PageError> {
    match e {
        AppError::Invalid(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| {
                    let mut m = e.message.clone();
                    if let Some(first) = m.get(..1) {
                        let upper = first.to_uppercase();
                        m.replace_range(..1, &upper);
                    }
                    m
                })
                .collect::<Vec<_>>()
                .join(" "),
        )),
        AppError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        AppError::Rejected(r) => Ok((StatusCode::CONFLICT, r.to_string())),
        AppError::TooLarge(m) => Ok((StatusCode::PAYLOAD_TOO_LARGE, m)),
        other => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
    /// `public` (default) or `internal` (staff).
    #[serde(default)]
    visibility: String,
}

async fn reply(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<ReplyForm>,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    let internal = f.visibility == "internal";
    match app
        .post_message(&portal.caller, id, &f.body, internal, "portal")
        .await
    {
        Ok(_) => Ok(redirect_with_notice(
            &format!("/cases/{}#conversation-end", id.0),
            if internal {
                "Internal note added. The partner does not see it."
            } else {
                "Your reply was added to the case."
            },
        )),
        Err(e) => {
            let (status, message) = fixable(e)?;
            let retry = Retry {
                reply_body: f.body,
                reply_internal: internal,
                reply_error: message,
                ..Retry::default()
            };
            again(&app, portal, id, retry, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct ParticipantForm {
    #[serde(default)]
    email: String,
}

async fn add_participant(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<ParticipantForm>,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    let email = f.email.trim().to_owned();
    match app.add_participant(&portal.caller, id, &email).await {
        Ok(added) => Ok(redirect_with_notice(
            &format!("/cases/{}#participants", id.0),
            &if added {
                format!("{email} was added and will receive updates about this case.")
            } else {
                format!("{email} already takes part in this case.")
            },
        )),
        Err(e) => {
            let (status, message) = fixable(e)?;
            let retry = Retry {
                participant_email: email,
                participant_error: message,
                ..Retry::default()
            };
            again(&app, portal, id, retry, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn reopen(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, _): PageForm<Empty>,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    let new_id = app.reopen_case(&portal.caller, id).await?;
    Ok(redirect_with_notice(
        &format!("/cases/{}", new_id.0),
        &format!(
            "Case #{} was reopened as case #{}. Its history is shown below; add what still does \
             not work.",
            id.0, new_id.0
        ),
    ))
}

/// One uploaded file.
#[derive(Debug)]
pub struct File {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A multipart form read to the end: its text fields, its files within the
/// size limit, and the names of the files over it.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<File>,
    pub too_large: Vec<String>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of a field, or empty.
    pub fn text(&self, name: &str) -> String {
        self.field(name).unwrap_or_default().to_owned()
    }
}

/// Why a multipart form could not be read.
pub enum UploadError {
    /// The whole body is over what the server reads.
    TooLarge,
    Bad(PageError),
}

/// Reads a multipart form whose file fields are named `file_field`. Bodies
/// up to four times the attachment limit are read to the end, so that a
/// file over the limit gets a clear answer instead of a reset connection.
pub async fn read_upload(app: &App, req: Request, file_field: &str) -> Result<Upload, UploadError> {
    let limit = app.config.limits.max_upload_bytes;
    let cap = limit.saturating_mul(4) + 64 * 1024;
    // The body limit the extractor honours, set for this request only.
    let with_limit = DefaultBodyLimit::max(cap).layer(tower::service_fn(|r: Request| async {
        Ok::<_, std::convert::Infallible>(r)
    }));
    let Ok(req) = with_limit.oneshot(req).await;
    let mut multipart = Multipart::from_request(req, app).await.map_err(|_| {
        UploadError::Bad(PageError::BadRequest(
            "this form sends files; send it from the page".into(),
        ))
    })?;
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Bad(PageError::BadRequest(
                "the form could not be read; try again".into(),
            ))
        }
    };
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let mut bytes = Vec::new();
            let mut over = false;
            while let Some(chunk) = field.chunk().await.map_err(failed)? {
                // Past the limit the rest is read and dropped, then refused.
                over |= bytes.len() + chunk.len() > limit;
                if !over {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if over {
                upload.too_large.push(file_name);
            } else if !(file_name.is_empty() && bytes.is_empty()) {
                // (A file input left empty sends a nameless empty part.)
                upload.files.push(File {
                    name: file_name,
                    content_type,
                    bytes,
                });
            }
        } else {
            let text = field.text().await.map_err(failed)?;
            upload.fields.push((name, text));
        }
    }
    Ok(upload)
}

/// The sentence for files over the limit.
pub fn too_large_message(app: &App, names: &[String]) -> String {
    let limit = view::size(i64::try_from(app.config.limits.max_upload_bytes).unwrap_or(0));
    let names: Vec<&str> = names
        .iter()
        .map(|n| if n.is_empty() { "The file" } else { n.as_str() })
        .collect();
    format!(
        "{} is larger than {limit}, the most one file may be. Compress the log or send only \
         the part around the error.",
        names.join(", ")
    )
}

async fn upload(
    State(app): State<App>,
    Path(raw): Path<String>,
    portal: Portal,
    req: Request,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    let too_large = |portal: Portal, message: String| {
        let app = app.clone();
        async move {
            let retry = Retry {
                upload_error: message,
                ..Retry::default()
            };
            again(&app, portal, id, retry, StatusCode::PAYLOAD_TOO_LARGE).await
        }
    };
    let form = match read_upload(&app, req, "file").await {
        Ok(form) => form,
        Err(UploadError::TooLarge) => {
            let message = too_large_message(&app, &[String::new()]);
            return too_large(portal, message).await;
        }
        Err(UploadError::Bad(e)) => return Err(e),
    };
    portal.check_csrf(form.field(super::portal::CSRF_FIELD))?;
    if !form.too_large.is_empty() {
        let message = too_large_message(&app, &form.too_large);
        return too_large(portal, message).await;
    }
    if form.files.is_empty() {
        let retry = Retry {
            upload_error: "Choose a file to upload.".into(),
            ..Retry::default()
        };
        return again(&app, portal, id, retry, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut names = Vec::new();
    for file in &form.files {
        match app
            .add_attachment(
                &portal.caller,
                id,
                &file.name,
                &file.content_type,
                &file.bytes,
            )
            .await
        {
            Ok(record) => names.push(record.file_name),
            Err(e) => {
                let (status, message) = fixable(e)?;
                let retry = Retry {
                    upload_error: message,
                    ..Retry::default()
                };
                return again(&app, portal, id, retry, status).await;
            }
        }
    }
    Ok(redirect_with_notice(
        &format!("/cases/{}#attachments", id.0),
        &format!("Uploaded {}.", names.join(", ")),
    ))
}

/// Percent-encodes a file name for `filename*=UTF-8''…` (RFC 5987).
fn rfc5987(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Downloads an attachment: always as a file, never shown inline.
async fn download(
    State(app): State<App>,
    portal: Portal,
    Path((raw, att)): Path<(String, String)>,
) -> PageResult<Response> {
    let id = the_case(&raw)?;
    let att = path_id(&att, "attachment")
        .map(AttachmentId)
        .map_err(|_| PageError::not_found("attachment"))?;
    let file = app.attachment(&portal.caller, id, att).await?;
    let ascii: String = file
        .record
        .file_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | ';') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&file.record.file_name)
    );
    let is_text = file
        .record
        .content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain"));
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if is_text {
            "text/plain; charset=utf-8"
        } else {
            "application/octet-stream"
        }),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::rfc5987;

    #[test]
    fn file_names_are_encoded_for_headers() {
        assert_eq!(rfc5987("a b.log"), "a%20b.log");
        assert_eq!(rfc5987("ü\".txt"), "%C3%BC%22.txt");
    }
}
