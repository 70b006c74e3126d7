//! The seller's fix link: no sign-in, the token in the address is the
//! permission. It shows only that access's non-secret settings and the
//! fields to fix; saving spends the link and tests the access again.

use super::credentials::{
    Input, Setting, credentials_from, inputs, settings, specs, stored_fields, values_of,
};
use super::criteria::{Criteria, CriteriaInputs};
use super::{Errs, Fields};
use crate::pages::error::{PageError, PageResult, render};
use crate::pages::portal::{Chrome, flash_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use frontdesk_app::{App, AppError};

pub fn routes() -> Router<App> {
    Router::new().route("/fix/{token}", get(show).post(save))
}

#[derive(Template)]
#[template(path = "fix.html")]
struct FixPage {
    chrome: Chrome,
    token: String,
    buyer: String,
    seller: String,
    connection_type: String,
    environment: String,
    name: String,
    reason: String,
    expires: String,
    settings: Vec<Setting>,
    inputs: Vec<Input>,
    criteria: CriteriaInputs,
    errors: Errs,
}

#[derive(Template)]
#[template(path = "fix_done.html")]
struct DonePage {
    chrome: Chrome,
    title: &'static str,
    message: String,
    thanks: bool,
}

/// An unknown token is 404; a used or expired link (or an access that no
/// longer waits for the seller) is 410 with a page saying so.
async fn closed(e: AppError) -> PageResult<Response> {
    match e {
        AppError::NotFound(_) => Err(PageError::NotFound(
            "This fix link does not exist. Check that the whole address was copied from the email."
                .into(),
        )),
        AppError::Conflict(m) => {
            let page = DonePage {
                chrome: Chrome::anonymous(String::new()),
                title: "This link can no longer be used",
                message: super::capitalized(&m),
                thanks: false,
            };
            super::render_status(&page, StatusCode::GONE)
        }
        other => Err(other.into()),
    }
}

async fn page(
    app: &App,
    token: String,
    flash: String,
    posted: Option<(Fields, Errs)>,
) -> PageResult<Response> {
    let v = match app.fix_view(&token).await {
        Ok(v) => v,
        Err(e) => return closed(e).await,
    };
    let fields = specs(&v.fields);
    let (form, errors) = posted.unwrap_or_default();
    let has_posted = errors.any();
    // No secrets, not even their masks: the link may be forwarded.
    let settings = settings(&fields, &values_of(&fields), false)
        .into_iter()
        .filter(|s| !s.secret && !s.value.is_empty())
        .collect();
    let (values, criteria) = if has_posted {
        let c = Criteria::from_form(&form);
        (form, c)
    } else {
        (
            stored_fields(&fields),
            Criteria::from_value(v.search_criteria.as_ref()),
        )
    };
    let inputs = inputs(&fields, "fix", &values, &errors, true);
    let criteria = CriteriaInputs::new("fix", criteria, &errors, &app.config.connections.market);
    let status = if has_posted {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FixPage {
        chrome: Chrome::anonymous(flash),
        token,
        buyer: v.buyer_name,
        seller: v.seller_name,
        connection_type: v.connection_type,
        environment: v.environment,
        name: v.name,
        reason: v.reason.unwrap_or_default(),
        expires: super::when_ms(v.expires_at),
        settings,
        inputs,
        criteria,
        errors,
    };
    super::render_status(&page, status)
}

async fn show(
    State(app): State<App>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> PageResult<Response> {
    page(&app, token, flash_of(&headers), None).await
}

async fn save(
    State(app): State<App>,
    Path(token): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult<Response> {
    let v = match app.fix_view(&token).await {
        Ok(v) => v,
        Err(e) => return closed(e).await,
    };
    let fields = specs(&v.fields);
    let mut errors = Errs::default();
    let criteria = Criteria::from_form(&form).to_value(&mut errors);
    if !errors.any() {
        let creds = credentials_from(&fields, &form);
        match app.fix_with_link(&token, Some(creds), criteria).await {
            Ok(_) => {
                let page = DonePage {
                    chrome: Chrome::anonymous(String::new()),
                    title: "Thank you",
                    message: format!(
                        "We test {}'s access \"{}\" again with your details and tell them how it went. \
                         You can close this page.",
                        v.buyer_name, v.name
                    ),
                    thanks: true,
                };
                return render(&page);
            }
            Err(e @ (AppError::NotFound(_) | AppError::Conflict(_))) => return closed(e).await,
            Err(e) => errors = Errs::from_app(e)?,
        }
    }
    page(&app, token, String::new(), Some((form, errors))).await
}
