//! AIna routes: ask, give feedback, and the staff's analytics.

use super::json;
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use frontdesk_app::assistant::{AskInput, Outcome};
use frontdesk_app::{App, AppError};
use frontdesk_assistant::answer::Answer;
use frontdesk_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// Continues a session (a rephrased question).
    #[serde(default)]
    pub session_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferenceView {
    pub title: String,
    /// `/kb/{slug}#{anchor}`.
    pub url: String,
    pub section: String,
    pub snippet: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub summary: String,
    pub steps: Vec<String>,
    pub references: Vec<ReferenceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AskView {
    pub session_id: String,
    pub answer: AnswerView,
    /// 0 to 1: how much of the question the sources cover.
    pub confidence: f32,
    /// False when the knowledge base has nothing relevant; the summary then
    /// says so and there are no references.
    pub answered: bool,
    /// `extractive` or `llm`.
    pub engine: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `solved`, `rephrase` or `need_help`.
    pub outcome: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    /// RFC 3339; 30 days before `to` by default.
    pub from: Option<String>,
    /// RFC 3339, exclusive; now by default.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapView {
    /// The question, normalized (lower case, words only).
    pub topic: String,
    /// One way it was asked.
    pub example: String,
    pub count: i64,
    pub unanswered: i64,
    pub escalated: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopArticleView {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    pub url: String,
    pub references: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub from: String,
    pub to: String,
    pub sessions: i64,
    pub questions: i64,
    pub unanswered: i64,
    pub with_feedback: i64,
    pub solved: i64,
    pub rephrased: i64,
    pub need_help: i64,
    /// Solved / sessions with feedback; null without feedback.
    pub deflection_rate: Option<f64>,
    /// Sessions that became cases.
    pub escalations: i64,
    /// Questions answered `false` or escalated, most frequent first.
    pub knowledge_gaps: Vec<GapView>,
    pub top_articles: Vec<TopArticleView>,
}

fn answer_view(a: Answer) -> AnswerView {
    AnswerView {
        summary: a.summary,
        steps: a.steps,
        references: a
            .references
            .into_iter()
            .map(|r| ReferenceView {
                title: r.title,
                url: r.url,
                section: r.section,
                snippet: r.snippet,
            })
            .collect(),
    }
}

/// Asks AIna: an answer from the knowledge base with its sources, or an
/// honest "nothing relevant" (`answered: false`).
#[utoipa::path(post, path = "/api/v1/assistant/ask", request_body = AskBody,
    responses((status = 200, body = AskView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AskView>> {
    let b: AskBody = json(&headers, &body)?;
    let asked = app
        .ask(
            &caller,
            AskInput {
                subject: b.subject,
                description: b.description,
                session_id: b.session_id,
            },
        )
        .await?;
    Ok(Json(AskView {
        session_id: asked.session_id,
        confidence: asked.reply.confidence,
        answered: asked.reply.answered,
        engine: asked.reply.engine.to_owned(),
        answer: answer_view(asked.reply.answer),
    }))
}

/// The partner's verdict: `solved` (no case), `rephrase` (ask again in the
/// same session) or `need_help` (a case follows, with `assistant_session_id`).
#[utoipa::path(post, path = "/api/v1/assistant/sessions/{id}/feedback", params(("id" = String, Path)),
    request_body = FeedbackBody,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn feedback(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let b: FeedbackBody = json(&headers, &body)?;
    let outcome = Outcome::parse(&b.outcome)
        .ok_or_else(|| AppError::invalid("outcome", "must be solved, rephrase or need_help"))?;
    app.assistant_feedback(&caller, &id, outcome).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn instant(field: &str, raw: Option<&str>) -> ApiResult<Option<Timestamp>> {
    let Some(raw) = raw else { return Ok(None) };
    let t = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            AppError::invalid(field, "must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z")
        })?;
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| AppError::invalid(field, "out of range"))?;
    Ok(Some(Timestamp(ms)))
}

/// Assistant analytics for staff: deflection, escalations, knowledge gaps
/// and the articles answers use most.
#[utoipa::path(get, path = "/api/v1/staff/assistant/stats", params(StatsParams),
    responses((status = 200, body = StatsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn stats(
    State(app): State<App>,
    Auth(caller): Auth,
    Query(p): Query<StatsParams>,
) -> ApiResult<Json<StatsView>> {
    let from = instant("from", p.from.as_deref())?;
    let to = instant("to", p.to.as_deref())?;
    let s = app.assistant_stats(&caller, from, to).await?;
    let r = s.raw;
    Ok(Json(StatsView {
        from: rfc3339(s.from),
        to: rfc3339(s.to),
        sessions: r.sessions,
        questions: r.questions,
        unanswered: r.unanswered,
        with_feedback: r.with_feedback,
        solved: r.solved,
        rephrased: r.rephrased,
        need_help: r.need_help,
        deflection_rate: s.deflection_rate,
        escalations: r.escalated,
        knowledge_gaps: r
            .gaps
            .into_iter()
            .map(|g| GapView {
                topic: g.topic,
                example: g.example,
                count: g.count,
                unanswered: g.unanswered,
                escalated: g.escalated,
            })
            .collect(),
        top_articles: r
            .top_articles
            .into_iter()
            .map(|a| TopArticleView {
                url: frontdesk_assistant::section_url(&a.slug, ""),
                article_id: a.article_id,
                slug: a.slug,
                title: a.title,
                references: a.references,
            })
            .collect(),
    }))
}
