//! Connectivity's console: the accesses by status, and the staff actions
//! on the access page (re-run, mark working, not completed, seller fix).

use super::{Errs, Fields, Posted, Row, access_page, parse_id, rows};
use crate::pages::error::{PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use crate::pages::view;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use frontdesk_app::connections::AccessListInput;
use frontdesk_app::{App, AppResult};
use frontdesk_domain::AccessId;
use frontdesk_domain::connections::AccessStatus;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/staff/connections", get(console))
        .route("/staff/connections/{id}/rerun", post(rerun))
        .route("/staff/connections/{id}/mark-working", post(mark_working))
        .route("/staff/connections/{id}/not-completed", post(not_completed))
        .route("/staff/connections/{id}/seller-fix", post(request_fix))
}

#[derive(Debug, Default, Deserialize)]
struct ConsoleQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    cursor: String,
}

pub struct Tile {
    pub status: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "connectivity.html")]
struct ConsolePage {
    chrome: Chrome,
    q: ConsoleQuery,
    tiles: Vec<Tile>,
    all_count: i64,
    rows: Vec<Row>,
    next: String,
}

impl ConsolePage {
    fn next_url(&self) -> String {
        format!(
            "/staff/connections{}",
            view::query(&[
                ("status", &self.q.status),
                ("name", &self.q.name),
                ("cursor", &self.next)
            ])
        )
    }
}

async fn console(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<ConsoleQuery>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let counts = app.access_counts(&portal.caller).await?;
    let count = |s: AccessStatus| counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    let tiles = [
        AccessStatus::NotWorking,
        AccessStatus::PendingSeller,
        AccessStatus::Pending,
        AccessStatus::Working,
        AccessStatus::NotCompleted,
    ]
    .into_iter()
    .map(|s| Tile {
        status: s.as_str(),
        label: s.label(),
        count: count(s),
        current: q.status == s.as_str(),
    })
    .collect();
    let status = AccessStatus::parse(&q.status).map(|s| s.as_str().to_owned());
    let page = app
        .staff_accesses(
            &portal.caller,
            AccessListInput {
                statuses: status.into_iter().collect(),
                name: Some(q.name.clone()).filter(|n| !n.trim().is_empty()),
                cursor: Some(q.cursor.clone()).filter(|c| !c.is_empty()),
                ..AccessListInput::default()
            },
        )
        .await?;
    let page = ConsolePage {
        chrome: portal.with_nav("connectivity").chrome,
        all_count: counts.iter().map(|(_, n)| n).sum(),
        tiles,
        rows: rows(&page.items, false),
        next: page.next_cursor.unwrap_or_default(),
        q,
    };
    render(&page)
}

/// The end of a staff action: back to the access page with a notice, or
/// the refusal shown next to the action's form.
async fn finish(
    app: &App,
    portal: Portal,
    id: AccessId,
    posted: (&'static str, Fields),
    notice: &str,
    result: AppResult<()>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(redirect_with_notice(
            &format!("/connections/{}", id.0),
            notice,
        )),
        Err(e) => {
            let errors = Errs::from_app(e)?;
            let (form, fields) = posted;
            access_page(
                app,
                portal,
                id,
                Posted {
                    form,
                    fields,
                    errors,
                },
            )
            .await
        }
    }
}

async fn rerun(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let r = app.staff_rerun(&portal.caller, id).await;
    finish(
        &app,
        portal,
        id,
        ("rerun", form),
        "Activation queued again.",
        r,
    )
    .await
}

async fn mark_working(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let r = app
        .staff_mark_working(&portal.caller, id, form.get("message"))
        .await;
    finish(&app, portal, id, ("working", form), "Marked Working.", r).await
}

async fn not_completed(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let r = app
        .staff_not_completed(&portal.caller, id, form.get("reason"), form.get("message"))
        .await;
    finish(
        &app,
        portal,
        id,
        ("not-completed", form),
        "Marked Not Completed.",
        r,
    )
    .await
}

async fn request_fix(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let r = app
        .staff_request_seller_fix(&portal.caller, id, form.get("message"))
        .await;
    let notice = "The seller was asked for a fix; the access is Pending Seller.";
    finish(&app, portal, id, ("seller-fix", form), notice, r).await
}
