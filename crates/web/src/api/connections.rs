//! Connections routes: the wizard, My connections, Connectivity's actions
//! and administrators' seller registration. Thin: every rule lives in
//! `frontdesk_app::connections`.

use super::{json, path_id};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_app::App;
use frontdesk_app::connections::{
    AccessDetail, AccessEdit, AccessListInput, ConnectionRequest, ConnectionTypeInput, PartnerView,
    SchemaView, SellerInput, StepInput,
};
use frontdesk_domain::AccessId;
use serde::Deserialize;
use serde_json::{Value, json as j};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub view: Option<String>,
    pub status: Option<String>,
    pub seller: Option<i64>,
    pub environment: Option<String>,
    pub name: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl ListParams {
    fn input(self) -> AccessListInput {
        AccessListInput {
            view: self.view,
            statuses: self.status.into_iter().collect(),
            seller: self.seller,
            environment: self.environment,
            name: self.name,
            sort: self.sort,
            cursor: self.cursor,
            limit: self.limit,
        }
    }
}

fn params(
    p: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<ListParams> {
    p.map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("invalid query: {}", e.body_text())))
}

fn access_id(raw: &str) -> ApiResult<AccessId> {
    path_id(raw, "access").map(AccessId)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotCompletedBody {
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixBody {
    #[serde(default)]
    pub credentials: Option<Value>,
    #[serde(default)]
    pub search_criteria: Option<Value>,
}

#[utoipa::path(get, path = "/api/v1/connections/partners", responses((status = 200, description = "Active sellers with their connection types and the buyer's contract status")))]
pub async fn partners(State(app): State<App>, Auth(caller): Auth) -> ApiResult<Json<Value>> {
    let items: Vec<PartnerView> = app.partners(&caller).await?;
    Ok(Json(j!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/connections/partners/{id}/types/{kind}/schema", params(("id" = i64, Path), ("kind" = String, Path, description = "pull or push")), responses((status = 200, description = "The credential schema, its form fields and the registered endpoints"), (status = 404, body = Problem)))]
pub async fn schema(
    State(app): State<App>,
    Auth(caller): Auth,
    Path((seller, kind)): Path<(String, String)>,
) -> ApiResult<Json<SchemaView>> {
    let seller = path_id(&seller, "seller")?;
    Ok(Json(app.partner_schema(&caller, seller, &kind).await?))
}

#[utoipa::path(post, path = "/api/v1/connections/validate", request_body(content_type = "application/json", description = "`{step: partner|configuration|notifications|review, ...}`: one wizard step, nothing stored"), responses((status = 200, description = "valid"), (status = 422, body = Problem)))]
pub async fn validate(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: StepInput = json(&headers, &body)?;
    app.validate_connection_step(&caller, input).await?;
    Ok(Json(j!({ "valid": true })))
}

#[utoipa::path(post, path = "/api/v1/connections", request_body(content_type = "application/json", description = "`{seller_id, connection_type, name, environment, credentials, notification_emails, accept_financial_responsibility, search_criteria?}`"), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for repeats")), responses((status = 201, description = "The access (credentials masked), its case and the queued activation"), (status = 403, body = Problem, description = "No commercial contract: names the sales contact"), (status = 409, body = Problem, description = "A live duplicate: links the existing access"), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ConnectionRequest = json(&headers, &body)?;
    let idempotency = super::idempotency_key(&headers, &body)?;
    let created = app.request_connection(&caller, req, idempotency).await?;
    let detail = app.access_detail(&caller, created.id).await?;
    let run = detail
        .runs
        .first()
        .map(|r| j!({"run": r.run, "state": r.state, "cause": r.cause}));
    let mut body = serde_json::to_value(&detail).unwrap_or(Value::Null);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("activation".into(), run.unwrap_or(Value::Null));
    }
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/connections/{}", created.id.0)) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    if created.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/connections", params(("view" = Option<String>, Query, description = "buyer or seller"), ("status" = Option<String>, Query), ("environment" = Option<String>, Query), ("name" = Option<String>, Query), ("sort" = Option<String>, Query), ("cursor" = Option<String>, Query), ("limit" = Option<i64>, Query)), responses((status = 200, description = "My connections, one keyset page")))]
pub async fn list(
    State(app): State<App>,
    Auth(caller): Auth,
    p: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let page = app.list_accesses(&caller, params(p)?.input()).await?;
    Ok(Json(serde_json::to_value(page).unwrap_or(Value::Null)))
}

#[utoipa::path(get, path = "/api/v1/connections/{id}", params(("id" = i64, Path)), responses((status = 200, description = "The access: masked credentials, runs with every step"), (status = 404, body = Problem)))]
pub async fn show(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<AccessDetail>> {
    Ok(Json(app.access_detail(&caller, access_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/api/v1/connections/{id}", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{name?, credentials?, notification_emails?, search_criteria?}`; a blank secret keeps the stored one"), responses((status = 200, description = "Saved; activation re-runs"), (status = 409, body = Problem, description = "Not Working or Not Completed"), (status = 422, body = Problem)))]
pub async fn edit(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    let edit: AccessEdit = json(&headers, &body)?;
    app.edit_access(&caller, id, edit).await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/connections/{id}/cancel", params(("id" = i64, Path)), responses((status = 200, description = "Not Completed"), (status = 409, body = Problem)))]
pub async fn cancel(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    app.cancel_access(&caller, id).await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

/// A seller user fixes an access requested to it.
#[utoipa::path(post, path = "/api/v1/connections/{id}/seller-fix", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{credentials?, search_criteria?}` by a user of the seller"), responses((status = 200, description = "Saved; activation re-runs"), (status = 409, body = Problem)))]
pub async fn seller_fix(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    let fix: FixBody = json(&headers, &body)?;
    app.seller_fix(&caller, id, fix.credentials, fix.search_criteria)
        .await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/staff/connections", params(("status" = Option<String>, Query)), responses((status = 200, description = "Every access, with counts per status"), (status = 403, body = Problem)))]
pub async fn staff_list(
    State(app): State<App>,
    Auth(caller): Auth,
    p: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let page = app.staff_accesses(&caller, params(p)?.input()).await?;
    let counts: Vec<Value> = app
        .access_counts(&caller)
        .await?
        .into_iter()
        .map(|(s, n)| j!({"status": s, "count": n}))
        .collect();
    let mut body = serde_json::to_value(page).unwrap_or(Value::Null);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("counts".into(), Value::Array(counts));
    }
    Ok(Json(body))
}

#[utoipa::path(post, path = "/api/v1/staff/connections/{id}/rerun", params(("id" = i64, Path)), responses((status = 200, description = "A new run is queued"), (status = 409, body = Problem)))]
pub async fn rerun(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    app.staff_rerun(&caller, id).await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/staff/connections/{id}/mark-working", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{message}`: what the manual check found"), responses((status = 200, description = "Working, case Delivered"), (status = 422, body = Problem)))]
pub async fn mark_working(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    let b: MessageBody = json(&headers, &body)?;
    app.staff_mark_working(&caller, id, &b.message).await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/staff/connections/{id}/not-completed", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{reason: cancelled|duplicate, message}`"), responses((status = 200, description = "Not Completed (final)"), (status = 409, body = Problem)))]
pub async fn not_completed(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    let b: NotCompletedBody = json(&headers, &body)?;
    app.staff_not_completed(&caller, id, &b.reason, &b.message)
        .await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/staff/connections/{id}/request-seller-fix", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{message}`"), responses((status = 200, description = "Pending Seller; the seller gets a fix link"), (status = 409, body = Problem)))]
pub async fn request_seller_fix(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessDetail>> {
    let id = access_id(&id)?;
    let b: MessageBody = json(&headers, &body)?;
    app.staff_request_seller_fix(&caller, id, &b.message)
        .await?;
    Ok(Json(app.access_detail(&caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/sellers", responses((status = 200, description = "Seller organizations with their listings and connection types"), (status = 403, body = Problem)))]
pub async fn admin_sellers(State(app): State<App>, Auth(caller): Auth) -> ApiResult<Json<Value>> {
    let items = app.admin_sellers(&caller).await?;
    Ok(Json(j!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/admin/sellers/{id}", params(("id" = i64, Path)), responses((status = 200, description = "One seller"), (status = 404, body = Problem)))]
pub async fn admin_seller(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id, "seller")?;
    let s = app.admin_seller(&caller, id).await?;
    Ok(Json(serde_json::to_value(s).unwrap_or(Value::Null)))
}

#[utoipa::path(put, path = "/api/v1/admin/sellers/{id}", params(("id" = i64, Path)), request_body(content_type = "application/json", description = "`{active, description, activation_contacts}`"), responses((status = 200, description = "Saved"), (status = 422, body = Problem)))]
pub async fn admin_save_seller(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id, "seller")?;
    let input: SellerInput = json(&headers, &body)?;
    app.admin_save_seller(&caller, id, input).await?;
    let s = app.admin_seller(&caller, id).await?;
    Ok(Json(serde_json::to_value(s).unwrap_or(Value::Null)))
}

#[utoipa::path(put, path = "/api/v1/admin/sellers/{id}/types/{kind}", params(("id" = i64, Path), ("kind" = String, Path)), request_body(content_type = "application/json", description = "`{spec, endpoint_test, endpoint_live, default_search?, active}`; the schema is checked against SELLER-API.md §5"), responses((status = 200, description = "Saved"), (status = 422, body = Problem)))]
pub async fn admin_save_type(
    State(app): State<App>,
    Auth(caller): Auth,
    Path((id, kind)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id, "seller")?;
    let input: ConnectionTypeInput = json(&headers, &body)?;
    app.admin_save_connection_type(&caller, id, &kind, input)
        .await?;
    let s = app.admin_seller(&caller, id).await?;
    Ok(Json(serde_json::to_value(s).unwrap_or(Value::Null)))
}
