//! Administrators: seller listings (offered or not, description,
//! activation contacts) and each connection type's schema editor.

use super::{Errs, Fields, emails_from, json_from, pretty, render_status};
use crate::pages::error::{PageError, PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use frontdesk_app::App;
use frontdesk_app::connections::catalog::SellerAdminView;
use frontdesk_app::connections::{ConnectionTypeInput, SellerInput};
use serde_json::Value;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/sellers", get(list))
        .route("/admin/sellers/{id}", get(show).post(save_seller))
        .route("/admin/sellers/{id}/types/{kind}", post(save_type))
}

fn admin_chrome(portal: Portal) -> PageResult<Chrome> {
    portal.caller.admin()?;
    Ok(portal.chrome.with_nav("admin"))
}

#[derive(Template)]
#[template(path = "admin_sellers.html")]
struct ListPage {
    chrome: Chrome,
    sellers: Vec<SellerAdminView>,
}

async fn list(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let sellers = app.admin_sellers(&portal.caller).await?;
    let chrome = admin_chrome(portal)?;
    render(&ListPage { chrome, sellers })
}

pub struct TypeForm {
    pub kind: &'static str,
    pub label: &'static str,
    pub exists: bool,
    pub spec: String,
    pub endpoint_test: String,
    pub endpoint_live: String,
    pub default_search: String,
    pub active: bool,
    pub errors: Errs,
}

#[derive(Template)]
#[template(path = "admin_sellers_edit.html")]
struct SellerPage {
    chrome: Chrome,
    id: i64,
    code: String,
    name: String,
    org_active: bool,
    active: bool,
    description: String,
    contacts: String,
    errors: Errs,
    types: Vec<TypeForm>,
}

fn parse_id(raw: &str) -> PageResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| PageError::not_found("seller"))
}

/// The page; `listing` is a posted listing with its errors, `posted` a
/// posted connection type with its errors.
async fn seller_page(
    app: &App,
    portal: Portal,
    id: i64,
    listing: Option<(Fields, Errs)>,
    posted: Option<(&'static str, Fields, Errs)>,
) -> PageResult<Response> {
    let s = app.admin_seller(&portal.caller, id).await?;
    let chrome = admin_chrome(portal)?;
    let invalid = listing.as_ref().is_some_and(|(_, e)| e.any())
        || posted.as_ref().is_some_and(|(_, _, e)| e.any());
    let mut types = Vec::new();
    let mut posted = posted;
    for (kind, label) in [("pull", "Pull"), ("push", "Push")] {
        let stored = s.types.iter().find(|t| t.kind == kind);
        let form = match posted.take() {
            Some((k, f, errors)) if k == kind => TypeForm {
                kind,
                label,
                exists: stored.is_some(),
                spec: f.get("spec").to_owned(),
                endpoint_test: f.get("endpoint_test").to_owned(),
                endpoint_live: f.get("endpoint_live").to_owned(),
                default_search: f.get("default_search").to_owned(),
                active: f.checked("active"),
                errors,
            },
            other => {
                posted = other;
                TypeForm {
                    kind,
                    label,
                    exists: stored.is_some(),
                    spec: stored.map(|t| pretty(Some(&t.spec))).unwrap_or_default(),
                    endpoint_test: stored.map(|t| t.endpoint_test.clone()).unwrap_or_default(),
                    endpoint_live: stored.map(|t| t.endpoint_live.clone()).unwrap_or_default(),
                    default_search: stored
                        .and_then(|t| t.default_search.as_ref())
                        .map(|v| pretty(Some(v)))
                        .unwrap_or_default(),
                    active: stored.is_none_or(|t| t.active),
                    errors: Errs::default(),
                }
            }
        };
        types.push(form);
    }
    let (active, description, contacts, errors) = match listing {
        Some((f, e)) => (
            f.checked("active"),
            f.get("description").to_owned(),
            f.get("activation_contacts").to_owned(),
            e,
        ),
        None => (
            s.active,
            s.description.clone(),
            s.activation_contacts.join("\n"),
            Errs::default(),
        ),
    };
    let page = SellerPage {
        chrome,
        id: s.id,
        code: s.code,
        name: s.name,
        org_active: s.org_active,
        active,
        description,
        contacts,
        errors,
        types,
    };
    render_status(
        &page,
        if invalid {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

async fn show(
    State(app): State<App>,
    Path(id): Path<String>,
    portal: Portal,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let id = parse_id(&id)?;
    seller_page(&app, portal, id, None, None).await
}

async fn save_seller(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let id = parse_id(&id)?;
    let input = SellerInput {
        active: form.checked("active"),
        description: form.get("description").to_owned(),
        activation_contacts: emails_from(form.get("activation_contacts")),
    };
    match app.admin_save_seller(&portal.caller, id, input).await {
        Ok(()) => Ok(redirect_with_notice(
            &format!("/admin/sellers/{id}"),
            "Listing saved.",
        )),
        Err(e) => {
            let errors = Errs::from_app(e)?;
            seller_page(&app, portal, id, Some((form, errors)), None).await
        }
    }
}

async fn save_type(
    State(app): State<App>,
    Path((id, kind)): Path<(String, String)>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let id = parse_id(&id)?;
    let kind: &'static str = match kind.as_str() {
        "pull" => "pull",
        "push" => "push",
        _ => return Err(PageError::not_found("connection type")),
    };
    let mut errors = Errs::default();
    let spec = json_from(form.get("spec"), "spec", &mut errors);
    if spec.is_none() && !errors.has("spec") {
        errors.add("spec", "paste the credential schema (JSON)");
    }
    let default_search = json_from(form.get("default_search"), "default_search", &mut errors);
    if !errors.any() {
        let input = ConnectionTypeInput {
            spec: spec.unwrap_or(Value::Null),
            endpoint_test: form.get("endpoint_test").to_owned(),
            endpoint_live: form.get("endpoint_live").to_owned(),
            default_search,
            active: form.checked("active"),
        };
        match app
            .admin_save_connection_type(&portal.caller, id, kind, input)
            .await
        {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/sellers/{id}#type-{kind}"),
                    "Connection type saved.",
                ));
            }
            Err(e) => errors = Errs::from_app(e)?,
        }
    }
    seller_page(&app, portal, id, None, Some((kind, form, errors))).await
}
