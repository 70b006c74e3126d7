//! `/api/v1`: routes, the JSON body extractor and the OpenAPI document.

mod assistant;
mod cases;
mod connections;
mod inbound;
mod kb;
mod session;
mod staff;

use crate::dto;
use crate::error::{ApiError, ApiResult, Problem, ProblemField};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use frontdesk_app::App;
use frontdesk_domain::CaseId;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

pub fn routes(app: &App) -> Router<App> {
    // Bodies up to four times the attachment limit are read to the end, so
    // the client hears a clear 413 instead of a reset connection.
    let upload_limit = app.config.limits.max_upload_bytes.saturating_mul(4) + 64 * 1024;
    let mut router = Router::new()
        .route(
            "/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/cases", get(cases::list).post(cases::create))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/messages", post(cases::post_message))
        .route("/cases/{id}/participants", post(cases::add_participant))
        .route("/cases/{id}/close", post(cases::close))
        .route("/cases/{id}/reopen", post(cases::reopen))
        .route(
            "/cases/{id}/attachments",
            post(cases::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/cases/{id}/attachments/{attachment}", get(cases::download))
        .route("/cases/{id}/status", post(staff::set_status))
        .route("/cases/{id}/assign", post(staff::assign))
        .route("/cases/{id}/escalate", post(staff::escalate))
        .route("/staff/cases", get(staff::queue))
        .route("/staff/queues", get(staff::queues))
        .route("/staff/outbox", get(staff::outbox))
        .route("/kb/articles", get(kb::list).post(kb::create))
        .route(
            "/kb/articles/{id}",
            get(kb::show).put(kb::update).delete(kb::delete),
        )
        .route("/kb/by-slug/{*slug}", get(kb::by_slug))
        .route("/kb/categories", get(kb::categories))
        .route("/kb/search", get(kb::search))
        .route("/admin/kb/reindex", post(kb::reindex))
        .route("/assistant/ask", post(assistant::ask))
        .route(
            "/assistant/sessions/{id}/feedback",
            post(assistant::feedback),
        )
        .route("/staff/assistant/stats", get(assistant::stats))
        .route(
            "/inbound/email",
            post(inbound::webhook).layer(axum::extract::DefaultBodyLimit::max(
                app.config.mail.max_inbound_bytes + 64 * 1024,
            )),
        )
        .route("/staff/held-mail", get(inbound::held))
        .route("/staff/held-mail/{id}/release", post(inbound::release))
        .route("/staff/held-mail/{id}/discard", post(inbound::discard))
        .route("/staff/inbound/{id}/raw", get(inbound::original))
        .route("/connections/partners", get(connections::partners))
        .route(
            "/connections/partners/{id}/types/{kind}/schema",
            get(connections::schema),
        )
        .route("/connections/validate", post(connections::validate))
        .route(
            "/connections",
            get(connections::list).post(connections::create),
        )
        .route(
            "/connections/{id}",
            get(connections::show).patch(connections::edit),
        )
        .route("/connections/{id}/cancel", post(connections::cancel))
        .route(
            "/connections/{id}/seller-fix",
            post(connections::seller_fix),
        )
        .route("/staff/connections", get(connections::staff_list))
        .route("/staff/connections/{id}/rerun", post(connections::rerun))
        .route(
            "/staff/connections/{id}/mark-working",
            post(connections::mark_working),
        )
        .route(
            "/staff/connections/{id}/not-completed",
            post(connections::not_completed),
        )
        .route(
            "/staff/connections/{id}/request-seller-fix",
            post(connections::request_seller_fix),
        )
        .route("/admin/sellers", get(connections::admin_sellers))
        .route(
            "/admin/sellers/{id}",
            get(connections::admin_seller).put(connections::admin_save_seller),
        )
        .route(
            "/admin/sellers/{id}/types/{kind}",
            axum::routing::put(connections::admin_save_type),
        );
    if app.config.dev_clock {
        router = router.route("/dev/clock", post(staff::advance_clock));
    }
    router.fallback(|| async { ApiError::not_found("no such API route; see /api/v1/openapi.json") })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "frontdesk API", description = "Support cases for B2B marketplace partners."),
    paths(
        session::login, session::logout, session::me,
        cases::list, cases::create, cases::show, cases::post_message, cases::add_participant,
        cases::close, cases::reopen, cases::upload, cases::download,
        staff::set_status, staff::assign, staff::escalate, staff::queue, staff::queues,
        staff::outbox, staff::advance_clock,
        kb::list, kb::categories, kb::show, kb::by_slug, kb::search, kb::create, kb::update,
        kb::delete, kb::reindex,
        assistant::ask, assistant::feedback, assistant::stats,
        inbound::webhook, inbound::held, inbound::release, inbound::discard, inbound::original,
        connections::partners, connections::schema, connections::validate, connections::create,
        connections::list, connections::show, connections::edit, connections::cancel,
        connections::seller_fix, connections::staff_list, connections::rerun,
        connections::mark_working, connections::not_completed, connections::request_seller_fix,
        connections::admin_sellers, connections::admin_seller, connections::admin_save_seller,
        connections::admin_save_type,
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Parses a JSON body with errors people can act on: wrong content type,
/// malformed JSON and unknown or missing fields are told apart.
pub(crate) fn json<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<T> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as JSON with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Data => {
                format!("the JSON does not match what this call takes: {e}")
            }
            _ => format!("the body is not valid JSON: {e}"),
        };
        ApiError::bad_request(detail)
    })
}

/// A call on one case with a JSON body: the case number from the path and
/// the parsed body, with the same errors as [`json`] and [`case_id`].
#[derive(Debug)]
pub(crate) struct CaseJson<T>(pub CaseId, pub T);

impl<T: DeserializeOwned> axum::extract::FromRequest<frontdesk_app::App> for CaseJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        req: axum::extract::Request,
        app: &frontdesk_app::App,
    ) -> Result<Self, ApiError> {
        use axum::extract::{FromRequestParts, Path};
        let (mut parts, body) = req.into_parts();
        let Path(raw) = Path::<String>::from_request_parts(&mut parts, app)
            .await
            .map_err(|_| ApiError::not_found("case not found"))?;
        let id = case_id(&raw)?;
        let headers = parts.headers.clone();
        let bytes = Bytes::from_request(axum::extract::Request::from_parts(parts, body), app)
            .await
            .map_err(|e| ApiError::new(e.status(), "bad-body", "Unreadable body", e.body_text()))?;
        Ok(Self(id, json(&headers, &bytes)?))
    }
}

/// The `Idempotency-Key` of a creating call with a digest of its body, so a
/// key reused with another request is told apart from a retry.
pub(crate) fn idempotency_key(
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<Option<frontdesk_app::cases::IdempotencyKey>> {
    use sha2::Digest as _;
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")
        })?;
    let request_hash = sha2::Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some(frontdesk_app::cases::IdempotencyKey {
        key: key.to_owned(),
        request_hash,
    }))
}

/// A case number from the path; anything else is simply not found.
pub(crate) fn case_id(raw: &str) -> ApiResult<CaseId> {
    path_id(raw, "case").map(CaseId)
}

/// A positive id from the path; anything else is "`what` not found".
pub(crate) fn path_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("{what} not found")))
}

pub(crate) use dto::*;
