//! The partner dashboard: My cases and Company cases with filters, sort and
//! keyset pagination, and the Close action of each row.

use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use crate::api::case_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use frontdesk_app::App;
use frontdesk_app::cases::ListInput;
use frontdesk_domain::cases::Category;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/cases", get(list))
        .route("/cases/{id}/close", post(close))
}

/// Staff start in their console, partners on their cases.
async fn home(portal: Portal) -> Redirect {
    if portal.caller.is_staff() {
        Redirect::to("/staff")
    } else {
        Redirect::to("/cases")
    }
}

/// The dashboard's query string; unknown values are reported, not guessed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub tab: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub team: String,
    /// Staff queues: `me`, `none` or empty for anyone.
    #[serde(default)]
    pub assignee: String,
}

impl ListQuery {
    /// The address of this list under `base` with `key` set to `value`
    /// (the page reset unless `key` is the cursor); empty values left out.
    pub fn link(&self, base: &str, key: &str, value: &str) -> String {
        let mut pairs = vec![
            ("tab", self.tab.as_str()),
            ("team", self.team.as_str()),
            ("assignee", self.assignee.as_str()),
            ("status", self.status.as_str()),
            ("id", self.id.as_str()),
            ("q", self.q.as_str()),
            ("category", self.category.as_str()),
            ("sort", self.sort.as_str()),
            ("cursor", ""),
        ];
        for p in &mut pairs {
            if p.0 == key {
                p.1 = value;
            }
        }
        format!("{base}{}", view::query(&pairs))
    }
}

/// One row of a case list.
#[derive(Debug)]
pub struct Row {
    pub id: i64,
    /// The organization, for the staff queues' Organization column.
    pub org_id: i64,
    pub subject: String,
    pub category: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub closed: bool,
    pub requester: String,
    pub team: String,
    /// Who works the case; empty when nobody does.
    pub assignee: String,
    pub created: String,
    pub created_iso: String,
    pub updated: String,
    pub updated_iso: String,
}

/// A sort choice: its value in the URL, label, and the list order.
pub const SORTS: [(&str, &str, &str, &str); 6] = [
    ("updated", "Last updated, newest first", "updated", "desc"),
    (
        "updated-asc",
        "Last updated, oldest first",
        "updated",
        "asc",
    ),
    ("created", "Created, newest first", "created", "desc"),
    ("created-asc", "Created, oldest first", "created", "asc"),
    ("status", "Status, Open first", "status", "asc"),
    ("status-desc", "Status, Closed first", "status", "desc"),
];

/// The filters as the list service takes them, plus the rows and the
/// cursor of the next page.
pub struct Listed {
    pub rows: Vec<Row>,
    pub next: String,
    pub error: String,
}

/// Runs a list query for a page (dashboard or staff queue).
pub async fn list_rows(app: &App, portal: &Portal, q: &ListQuery, staff: bool) -> Listed {
    let (sort, order) = SORTS
        .iter()
        .find(|(v, ..)| *v == q.sort)
        .map_or(("updated", "desc"), |(_, _, s, o)| (*s, *o));
    let input = ListInput {
        scope: Some(
            if q.tab == "company" {
                "company"
            } else {
                "mine"
            }
            .into(),
        ),
        status: Some(
            if q.status.is_empty() {
                "open"
            } else {
                &q.status
            }
            .into(),
        ),
        category: Some(q.category.clone()),
        id: Some(q.id.clone()),
        q: Some(q.q.clone()),
        sort: Some(sort.into()),
        order: Some(order.into()),
        limit: Some(25),
        cursor: Some(q.cursor.clone()),
        team: Some(q.team.clone()),
        assignee: staff.then(|| q.assignee.clone()),
    };
    let result = if staff {
        app.staff_queue(&portal.caller, &input).await
    } else {
        app.list_cases(&portal.caller, &input).await
    };
    match result {
        Ok((page, next)) => Listed {
            rows: page
                .items
                .into_iter()
                .map(|c| Row {
                    id: c.id.0,
                    org_id: c.org_id.0,
                    subject: c.subject,
                    category: c.category.label(),
                    status: view::case_status_label(c.status, c.connection_status.as_deref()),
                    status_class: view::status_class(c.status),
                    closed: c.status.is_closed(),
                    requester: c.requester_name,
                    team: c.team,
                    assignee: c.assignee_name.unwrap_or_default(),
                    created: view::when(c.created_at),
                    created_iso: view::iso(c.created_at),
                    updated: view::when(c.updated_at),
                    updated_iso: view::iso(c.updated_at),
                })
                .collect(),
            next: next.unwrap_or_default(),
            error: String::new(),
        },
        Err(e) => Listed {
            rows: Vec::new(),
            next: String::new(),
            error: match e {
                frontdesk_app::AppError::Invalid(errors) => errors
                    .iter()
                    .map(|e| match e.field.as_str() {
                        "id" => "Case ID must be a number such as 1234.".to_owned(),
                        "cursor" => {
                            "That page no longer exists; start from the first page.".to_owned()
                        }
                        _ => format!("{}: {}", e.field, e.message),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                other => PageError::from(other).to_string(),
            },
        },
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignIn(_) => f.write_str("Sign in to see this."),
            Self::Csrf => f.write_str("The form expired; reload the page."),
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::TooLarge(m)
            | Self::TooManyRequests(m)
            | Self::Invalid(m)
            | Self::Unavailable(m) => f.write_str(m),
            Self::Internal => f.write_str("Something went wrong; try again."),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    q: ListQuery,
    company_allowed: bool,
    listed: Listed,
    categories: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
    filtered: bool,
}

impl DashboardPage {
    /// Where this list lives (the shared sort form posts back here).
    fn base(&self) -> &'static str {
        "/cases"
    }

    /// The URL of this list with one parameter changed (and the page reset).
    fn with(&self, key: &str, value: &str) -> String {
        self.q.link("/cases", key, value)
    }

    fn next_url(&self) -> String {
        self.q.link("/cases", "cursor", &self.listed.next)
    }

    fn status_is(&self, s: &str) -> bool {
        (self.q.status.is_empty() && s == "open") || self.q.status == s
    }
}

async fn list(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let company_allowed = portal.caller.partner().is_ok_and(|p| p.company);
    if portal.caller.current.is_none() && !portal.caller.is_staff() {
        return Err(PageError::Forbidden(
            "Your account is not a member of any organization yet. Ask your organization's \
             administrator to add you."
                .into(),
        ));
    }
    let listed = list_rows(&app, &portal, &q, false).await;
    let filtered = !(q.id.is_empty() && q.q.is_empty() && q.category.is_empty());
    let page = DashboardPage {
        chrome: portal.chrome.with_nav("cases"),
        q,
        company_allowed,
        listed,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        sorts: SORTS.iter().map(|(v, l, ..)| (*v, *l)).collect(),
        filtered,
    };
    render(&page)
}

#[derive(Debug, Deserialize)]
struct CloseForm {
    #[serde(default)]
    back: String,
}

/// "Close case" from a list row or the case page.
async fn close(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<CloseForm>,
) -> PageResult<Response> {
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    app.close_case(&portal.caller, id).await?;
    let back = super::error::safe_next(&f.back);
    let back = if back == "/" {
        format!("/cases/{}", id.0)
    } else {
        back.to_owned()
    };
    Ok(redirect_with_notice(
        &back,
        &format!("Case #{} is closed. You can reopen it from its page.", id.0),
    ))
}
