//! Partner-facing case routes (staff use them too).

use super::{
    AttachmentView, CaseJson, CaseList, CaseListItem, CaseView, MessageBody, NewCaseBody,
    ParticipantBody, case_id, json,
};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_app::cases::{ListInput, NewCaseInput};
use frontdesk_app::{App, Caller};
use frontdesk_domain::{AttachmentId, CaseId};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `mine` (default) or `company`.
    pub scope: Option<String>,
    /// `open` (default), `closed`, `all`, or one status.
    pub status: Option<String>,
    pub category: Option<String>,
    /// A case number.
    pub id: Option<String>,
    /// Text in the subject.
    pub q: Option<String>,
    /// `created`, `updated` (default) or `status`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub order: Option<String>,
    /// 1 to 200, default 25.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Staff: a team's queue.
    pub team: Option<String>,
    /// Staff: `me`, `none` (unassigned) or a user id.
    pub assignee: Option<String>,
    /// The organization to act in (also `X-Organization`); read by the `Auth` extractor.
    #[allow(dead_code)]
    pub org: Option<String>,
}

impl ListParams {
    pub fn input(self) -> ListInput {
        ListInput {
            scope: self.scope,
            status: self.status,
            category: self.category,
            id: self.id,
            q: self.q,
            sort: self.sort,
            order: self.order,
            limit: self.limit,
            cursor: self.cursor,
            team: self.team,
            assignee: self.assignee,
        }
    }
}

pub(crate) fn query<T: serde::de::DeserializeOwned>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(format!("query string: {}", e.body_text())))
}

/// The dashboard: My cases or Company cases, open by default.
#[utoipa::path(get, path = "/api/v1/cases", params(ListParams),
    responses((status = 200, body = CaseList), (status = 422, body = Problem)))]
pub async fn list(
    State(app): State<App>,
    Auth(caller): Auth,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<CaseList>> {
    let input = query(params)?.input();
    let (page, next_cursor) = app.list_cases(&caller, &input).await?;
    let staff = caller.is_staff();
    Ok(Json(CaseList {
        items: page
            .items
            .iter()
            .map(|c| CaseListItem::from(c, staff))
            .collect(),
        next_cursor,
    }))
}

pub(crate) async fn view(app: &App, caller: &Caller, id: CaseId) -> ApiResult<CaseView> {
    let detail = app.case_detail(caller, id).await?;
    Ok(CaseView::from(&detail))
}

/// Submits a case; honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for repeats")),
    responses((status = 201, body = CaseView), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let parsed: NewCaseBody = json(&headers, &body)?;
    let idempotency = super::idempotency_key(&headers, &body)?;
    let input = NewCaseInput {
        category: parsed.category,
        subject: parsed.subject,
        description: parsed.description,
        participants: parsed.participants,
        assistant_session_id: parsed.assistant_session_id,
    };
    let created = app.create_case(&caller, input, idempotency).await?;
    let view = match &created.detail {
        Some(detail) => CaseView::from(&**detail),
        None => view(&app, &caller, created.id).await?,
    };
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/cases/{}", created.id.0)) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    if created.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A case with its public conversation (staff also see internal notes,
/// the audit trail and pending timers).
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
pub async fn show(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(view(&app, &caller, case_id(&id)?).await?))
}

/// A public reply, or an internal note (staff).
#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", params(("id" = i64, Path)), request_body = MessageBody,
    responses((status = 201, body = CaseView), (status = 409, body = Problem)))]
pub async fn post_message(
    State(app): State<App>,
    Auth(caller): Auth,
    CaseJson(id, body): CaseJson<MessageBody>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    app.post_message(&caller, id, &body.body, body.internal, "api")
        .await?;
    Ok((StatusCode::CREATED, Json(view(&app, &caller, id).await?)))
}

/// Adds a participant by email.
#[utoipa::path(post, path = "/api/v1/cases/{id}/participants", params(("id" = i64, Path)), request_body = ParticipantBody,
    responses((status = 200, body = CaseView), (status = 422, body = Problem)))]
pub async fn add_participant(
    State(app): State<App>,
    Auth(caller): Auth,
    CaseJson(id, body): CaseJson<ParticipantBody>,
) -> ApiResult<Json<CaseView>> {
    app.add_participant(&caller, id, &body.email).await?;
    Ok(Json(view(&app, &caller, id).await?))
}

/// "Close case".
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
pub async fn close(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseView>> {
    let id = case_id(&id)?;
    app.close_case(&caller, id).await?;
    Ok(Json(view(&app, &caller, id).await?))
}

/// "Reopen case": answers with the new case, which carries the history.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reopen", params(("id" = i64, Path)),
    responses((status = 201, body = CaseView), (status = 409, body = Problem)))]
pub async fn reopen(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    let new_id = app.reopen_case(&caller, case_id(&id)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&app, &caller, new_id).await?),
    ))
}

/// Uploads one file (multipart field `file`), e.g. logs.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "a `file` field"),
    responses((status = 201, body = AttachmentView), (status = 413, body = Problem)))]
pub async fn upload(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let id = case_id(&id)?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!("expected multipart/form-data: {}", e.body_text()))
    })?;
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(frontdesk_app::AppError::TooLarge(format!(
                "attachments are limited to {} bytes",
                app.config.limits.max_upload_bytes
            )))
        } else {
            ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("attachment").to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let limit = app.config.limits.max_upload_bytes;
        let mut field = field;
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(too_large)? {
            // Past the limit the rest is read and dropped, then refused.
            over |= bytes.len() + chunk.len() > limit;
            if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        if over {
            return Err(ApiError::from(frontdesk_app::AppError::TooLarge(format!(
                "attachments are limited to {limit} bytes"
            ))));
        }
        let record = app
            .add_attachment(&caller, id, &name, &content_type, &bytes)
            .await?;
        return Ok((StatusCode::CREATED, Json(AttachmentView::from(&record))));
    }
    Err(ApiError::from(frontdesk_app::AppError::invalid(
        "file",
        "send the file in a multipart field named `file`",
    )))
}

/// Downloads an attachment (always as a download, never rendered inline).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{attachment}",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn download(
    State(app): State<App>,
    Auth(caller): Auth,
    Path((id, att)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let att = att
        .parse::<i64>()
        .map(AttachmentId)
        .map_err(|_| ApiError::not_found("attachment not found"))?;
    let file = app.attachment(&caller, id, att).await?;
    let ascii: String = file
        .record
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{}\"",
        ascii.replace(['"', '\\'], "_")
    );
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
