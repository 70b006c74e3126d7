//! Inbound mail over HTTP: the mail providers' webhook, and the staff's
//! review of held mail.

use super::json;
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_app::App;
use frontdesk_app::inbound::{Channel, Ingested};
use frontdesk_domain::CaseId;
use frontdesk_store::inbound::InboundRecord;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestedView {
    pub inbound_id: i64,
    /// appended | created | answered_closed | ignored | held
    pub outcome: String,
    /// True when this Message-ID had been received before (nothing done).
    pub duplicate: bool,
    pub case_id: Option<i64>,
    pub reason: String,
}

impl From<Ingested> for IngestedView {
    fn from(i: Ingested) -> Self {
        Self {
            inbound_id: i.inbound_id,
            outcome: i.outcome.as_str().into(),
            duplicate: i.duplicate,
            case_id: i.case_id.map(|c| c.0),
            reason: i.reason,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WebhookParams {
    /// The envelope recipient, when the provider reports it.
    pub recipient: Option<String>,
}

/// Whether the bearer token is the configured inbound token (compared as
/// digests, so timing says nothing about it).
fn inbound_token_ok(app: &App, headers: &HeaderMap) -> bool {
    let Some(expected) = &app.config.mail.inbound_token else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.expose_secret().as_bytes())
}

/// Takes one raw message (`Content-Type: message/rfc822`) from a mail
/// provider, authenticated by the inbound token. 202 means stored for good;
/// 503 means retry later.
#[utoipa::path(post, path = "/api/v1/inbound/email", params(WebhookParams),
    request_body(content = String, content_type = "message/rfc822"),
    responses((status = 202, body = IngestedView), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 503, body = Problem)))]
pub async fn webhook(
    State(app): State<App>,
    Query(p): Query<WebhookParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    if !inbound_token_ok(&app, &headers) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Unauthenticated",
            "send the inbound token as `Authorization: Bearer …`",
        ));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("message/rfc822") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the raw message with `Content-Type: message/rfc822`",
        ));
    }
    let recipients: Vec<String> = p.recipient.into_iter().collect();
    let done = app
        .ingest_mail(&body, Channel::Webhook, &recipients)
        .await
        .map_err(|e| match e {
            frontdesk_app::AppError::Store(s) => {
                tracing::warn!(error = %s, "inbound mail not stored; the provider will retry");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Busy",
                    "the message was not stored; retry",
                )
            }
            other => other.into(),
        })?;
    Ok((StatusCode::ACCEPTED, Json(IngestedView::from(done))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HeldParams {
    /// The last id of the previous page.
    pub before: Option<i64>,
    /// 1 to 200; 50 by default.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldView {
    pub id: i64,
    pub sender: String,
    pub subject: String,
    /// Why it was held.
    pub reason: String,
    /// The case it names, when it names one.
    pub case_id: Option<i64>,
    pub channel: String,
    pub size: i64,
    pub received_at: String,
    /// The message as received (message/rfc822).
    pub original_url: String,
}

impl From<InboundRecord> for HeldView {
    fn from(r: InboundRecord) -> Self {
        Self {
            original_url: format!("/api/v1/staff/inbound/{}/raw", r.id),
            id: r.id,
            sender: r.sender,
            subject: r.subject,
            reason: r.reason,
            case_id: r.case_id.map(|c| c.0),
            channel: r.channel,
            size: r.raw_size,
            received_at: rfc3339(r.received_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldList {
    pub items: Vec<HeldView>,
    /// Pass as `before` for the next page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// The case to put it in; by default the one it names.
    #[serde(default)]
    pub case_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Released {
    pub case_id: i64,
}

fn inbound_id(raw: &str) -> ApiResult<i64> {
    super::path_id(raw, "held mail")
}

/// Mail held for review (staff): senders who may not write into the case
/// they name, unknown senders, messages that could not be read.
#[utoipa::path(get, path = "/api/v1/staff/held-mail", params(HeldParams),
    responses((status = 200, body = HeldList), (status = 403, body = Problem)))]
pub async fn held(
    State(app): State<App>,
    Auth(caller): Auth,
    Query(p): Query<HeldParams>,
) -> ApiResult<Json<HeldList>> {
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let items = app.held_mail(&caller, p.before, limit).await?;
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|r| r.id))
        .flatten();
    Ok(Json(HeldList {
        items: items.into_iter().map(HeldView::from).collect(),
        next_before,
    }))
}

/// Lets a held mail into a case as a reply from its sender, who becomes a
/// participant (staff).
#[utoipa::path(post, path = "/api/v1/staff/held-mail/{id}/release", params(("id" = i64, Path)),
    request_body = ReleaseBody,
    responses((status = 200, body = Released), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn release(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Released>> {
    caller.staff()?;
    let id = inbound_id(&raw)?;
    let b: ReleaseBody = if body.is_empty() {
        ReleaseBody::default()
    } else {
        json(&headers, &body)?
    };
    let case = app.release_held(&caller, id, b.case_id.map(CaseId)).await?;
    Ok(Json(Released { case_id: case.0 }))
}

/// Throws a held mail away (staff); it stays on record as discarded.
#[utoipa::path(post, path = "/api/v1/staff/held-mail/{id}/discard", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn discard(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.staff()?;
    app.discard_held(&caller, inbound_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An inbound mail exactly as received (staff).
#[utoipa::path(get, path = "/api/v1/staff/inbound/{id}/raw", params(("id" = i64, Path)),
    responses((status = 200, content_type = "message/rfc822"), (status = 404, body = Problem)))]
pub async fn original(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    caller.staff()?;
    let id = super::path_id(&raw, "inbound mail")?;
    let (_, bytes) = app.inbound_original(&caller, id).await?;
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "message/rfc822")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"inbound-{id}.eml\""),
        )
        .header("x-content-type-options", "nosniff")
        .body(Body::from(bytes))
        .map_err(|_| ApiError::internal())
}
