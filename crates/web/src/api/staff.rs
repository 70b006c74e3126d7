//! Staff routes: status, assignment, escalation, queues, outbox, dev clock.

use super::cases::{ListParams, query, view};
use super::{
    AssignBody, CaseJson, CaseList, CaseListItem, CaseView, ClockBody, ClockView, EscalateBody,
    OutboxList, OutboxView, QueueCount, StatusBody, json,
};
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use frontdesk_app::{App, AppError};
use frontdesk_domain::cases::CaseStatus;
use frontdesk_domain::{CaseId, UserId};
use frontdesk_store::outbox::{MailStatus, OutboxQuery};
use serde::Deserialize;

/// Moves a case (staff). Resolving requires the solution in `message`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 403, body = Problem)))]
pub async fn set_status(
    State(app): State<App>,
    Auth(caller): Auth,
    CaseJson(id, body): CaseJson<StatusBody>,
) -> ApiResult<Json<CaseView>> {
    caller.staff()?;
    let status = CaseStatus::parse(&body.status).ok_or_else(|| {
        AppError::invalid(
            "status",
            "must be in_progress, feedback_required, resolved or closed",
        )
    })?;
    app.set_status(&caller, id, status, body.message.as_deref())
        .await?;
    Ok(Json(view(&app, &caller, id).await?))
}

/// Assigns a case to a staff member (or unassigns it).
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", params(("id" = i64, Path)), request_body = AssignBody,
    responses((status = 200, body = CaseView)))]
pub async fn assign(
    State(app): State<App>,
    Auth(caller): Auth,
    CaseJson(id, body): CaseJson<AssignBody>,
) -> ApiResult<Json<CaseView>> {
    app.assign(&caller, id, body.assignee_id.map(UserId))
        .await?;
    Ok(Json(view(&app, &caller, id).await?))
}

/// Escalates a case to another team; invisible to partners.
#[utoipa::path(post, path = "/api/v1/cases/{id}/escalate", params(("id" = i64, Path)), request_body = EscalateBody,
    responses((status = 200, body = CaseView)))]
pub async fn escalate(
    State(app): State<App>,
    Auth(caller): Auth,
    CaseJson(id, body): CaseJson<EscalateBody>,
) -> ApiResult<Json<CaseView>> {
    app.escalate(&caller, id, &body.team).await?;
    Ok(Json(view(&app, &caller, id).await?))
}

/// A team's queue (or every case), with the dashboard's filters and sort.
#[utoipa::path(get, path = "/api/v1/staff/cases", params(ListParams), responses((status = 200, body = CaseList)))]
pub async fn queue(
    State(app): State<App>,
    Auth(caller): Auth,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<CaseList>> {
    let input = query(params)?.input();
    let (page, next_cursor) = app.staff_queue(&caller, &input).await?;
    Ok(Json(CaseList {
        items: page
            .items
            .iter()
            .map(|c| CaseListItem::from(c, true))
            .collect(),
        next_cursor,
    }))
}

/// Open cases per team.
#[utoipa::path(get, path = "/api/v1/staff/queues", responses((status = 200, body = Vec<QueueCount>)))]
pub async fn queues(
    State(app): State<App>,
    Auth(caller): Auth,
) -> ApiResult<Json<Vec<QueueCount>>> {
    caller.staff()?;
    let counts = app
        .store
        .open_counts_by_team()
        .await
        .map_err(AppError::from)?;
    let mut out: Vec<QueueCount> = Vec::new();
    for team in app.store.teams().await.map_err(AppError::from)? {
        let open = counts
            .iter()
            .find(|(t, _)| *t == team.slug)
            .map_or(0, |(_, n)| *n);
        out.push(QueueCount {
            team: team.slug,
            open,
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxParams {
    pub case_id: Option<i64>,
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Mail frontdesk sent or is sending, newest first.
#[utoipa::path(get, path = "/api/v1/staff/outbox", params(OutboxParams), responses((status = 200, body = OutboxList)))]
pub async fn outbox(
    State(app): State<App>,
    Auth(caller): Auth,
    params: Result<Query<OutboxParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<OutboxList>> {
    caller.staff()?;
    let p = query(params)?;
    let status = match p.status.as_deref() {
        None => None,
        Some(s) => Some(
            MailStatus::parse(s)
                .ok_or_else(|| AppError::invalid("status", "must be pending, sent or failed"))?,
        ),
    };
    let before_id = match p.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| AppError::invalid("cursor", "not a cursor from this list"))?,
        ),
    };
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let q = OutboxQuery {
        case_id: p.case_id.map(CaseId),
        status,
        before_id,
        limit,
    };
    let mails = app.store.outbox(&q).await.map_err(AppError::from)?;
    let next_cursor = (mails.len() == limit as usize)
        .then(|| mails.last().map(|m| m.id.to_string()))
        .flatten();
    let items = mails
        .iter()
        .map(|m| OutboxView {
            id: m.id,
            case_id: m.case_id.map(|c| c.0),
            kind: m.kind.clone(),
            recipients: m.recipients.clone(),
            subject: m.subject.clone(),
            message_id: m.message_id.clone(),
            status: m.status.as_str().into(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: rfc3339(m.created_at),
            sent_at: m.sent_at.map(rfc3339),
        })
        .collect();
    Ok(Json(OutboxList { items, next_cursor }))
}

/// Development only (`serve --dev-clock`): moves time forward and runs
/// whatever became due. Administrators only.
#[utoipa::path(post, path = "/api/v1/dev/clock", request_body = ClockBody, responses((status = 200, body = ClockView)))]
pub async fn advance_clock(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ClockView>> {
    caller.admin()?;
    let body: ClockBody = json(&headers, &body)?;
    if !(0..=365 * 86_400).contains(&body.advance_seconds) {
        return Err(AppError::invalid("advance_seconds", "must be between 0 and one year").into());
    }
    if !app.clock.advance(body.advance_seconds) {
        return Err(ApiError::not_found(
            "the clock of this server cannot be moved",
        ));
    }
    let now = app.now();
    let timers_applied = app.sweep_timers(now).await?;
    let (mails_sent, _) = app.deliver_mail(now).await?;
    Ok(Json(ClockView {
        now: rfc3339(now),
        timers_applied,
        mails_sent,
    }))
}
