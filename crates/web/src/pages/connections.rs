//! Connections: My connections (buyer or seller side), the request wizard,
//! the access page with Edit access and Cancel request, the seller's fix
//! (signed in or through a fix link), Connectivity's console and actions,
//! and the administrators' seller listings with their schema editor.

mod admin;
mod credentials;
mod criteria;
mod fix;
mod staff;
mod wizard;

use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use credentials::{
    Input, Setting, Spec, credentials_from, inputs, specs, stored_fields, values_of,
};
use criteria::{Criteria, CriteriaInputs};
use frontdesk_app::connections::{AccessEdit, AccessListInput, View};
use frontdesk_app::{App, AppError};
use frontdesk_domain::connections::AccessStatus;
use frontdesk_domain::{AccessId, Timestamp};
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/connections", get(list))
        .route("/connections/new", get(wizard::start).post(wizard::step))
        .route("/connections/{id}", get(show))
        .route("/connections/{id}/edit", post(edit))
        .route("/connections/{id}/cancel", post(cancel))
        .route("/connections/{id}/seller-fix", post(seller_fix))
        .merge(fix::routes())
        .merge(staff::routes())
        .merge(admin::routes())
}

// ---------------------------------------------------------------- helpers

/// A posted form as its name/value pairs (credential fields are dynamic).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The posted value of a checkbox.
    pub fn checked(&self, key: &str) -> bool {
        matches!(self.get(key), "on" | "true" | "1" | "yes")
    }
}

/// Field errors of a form, keyed like the use cases report them
/// (`name`, `credentials.user`, `notification_emails[0]`, `spec/...`).
#[derive(Debug, Default)]
pub struct Errs {
    fields: Vec<(String, String)>,
    pub general: String,
}

impl Errs {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .push((field.to_owned(), capitalized(&message.into())));
    }

    /// The messages of `field` and of anything under it, joined.
    pub fn get(&self, field: &str) -> String {
        self.fields
            .iter()
            .filter(|(f, _)| {
                f == field
                    || f.strip_prefix(field)
                        .is_some_and(|rest| rest.starts_with(['.', '[', '/', '#']))
            })
            .map(|(f, m)| {
                if f == field {
                    m.clone()
                } else {
                    format!(
                        "{}: {m}",
                        &f[field.len()..].trim_start_matches(['.', '/', '#'])
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    /// Adds the errors of another check of the same form.
    pub fn merge(&mut self, other: Self) {
        self.fields.extend(other.fields);
        if self.general.is_empty() {
            self.general = other.general;
        }
    }

    /// The messages of exactly `field`, without those under it.
    pub fn only(&self, field: &str) -> String {
        self.fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || !self.general.is_empty()
    }

    /// Every message, for a summary at the top of a form.
    pub fn all(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect()
    }

    /// A refusal as form errors; anything but invalid fields and conflicts
    /// is an error page.
    pub fn from_app(e: AppError) -> PageResult<Self> {
        let mut errors = Self::default();
        match e {
            AppError::Invalid(fields) => {
                for f in fields {
                    errors.add(&f.field, f.message);
                }
            }
            AppError::Conflict(m) => errors.general = format!("{}.", capitalized(&m)),
            other => return Err(PageError::from(other)),
        }
        Ok(errors)
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Renders a page with a status other than 200.
fn render_status(t: &impl Template, status: StatusCode) -> PageResult<Response> {
    let mut response = render(t)?;
    *response.status_mut() = status;
    Ok(response)
}

/// The CSS modifier of an access status badge.
pub fn status_class(status: AccessStatus) -> &'static str {
    match status {
        AccessStatus::Pending => "progress",
        AccessStatus::PendingSeller => "waiting",
        AccessStatus::Working => "resolved",
        AccessStatus::NotWorking => "failed",
        AccessStatus::NotCompleted => "closed",
    }
}

fn when_ms(ms: i64) -> String {
    view::when(Timestamp(ms))
}

/// Addresses from a textarea, one per line (commas work too).
pub fn emails_from(raw: &str) -> Vec<String> {
    raw.split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Optional JSON from a textarea (the admin's schema editor): blank is `None`.
pub fn json_from(raw: &str, field: &str, errors: &mut Errs) -> Option<Value> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.add(field, format!("is not valid JSON: {e}"));
            None
        }
    }
}

fn pretty(v: Option<&Value>) -> String {
    v.filter(|v| !v.is_null())
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_default()
}

// ------------------------------------------------------------- My connections

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    cursor: String,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub other: String,
    pub connection_type: String,
    pub environment: String,
    pub status: String,
    pub status_class: &'static str,
    pub meaning: &'static str,
    pub case_id: i64,
    pub updated: String,
    pub last_run: String,
}

pub fn rows(items: &[frontdesk_app::connections::AccessSummary], seller_side: bool) -> Vec<Row> {
    items
        .iter()
        .map(|a| Row {
            id: a.id,
            name: a.name.clone(),
            other: if seller_side {
                a.buyer.clone()
            } else {
                a.seller.clone()
            },
            connection_type: a.connection_type.clone(),
            environment: a.environment.clone(),
            status: a.status_label.to_owned(),
            status_class: status_class(a.status),
            meaning: a.status_meaning,
            case_id: a.case_id,
            updated: when_ms(a.updated_at),
            last_run: a.last_run_summary.clone().unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "connections.html")]
struct ListPage {
    chrome: Chrome,
    q: ListQuery,
    /// `buyer` or `seller`.
    view: &'static str,
    both: bool,
    rows: Vec<Row>,
    next: String,
    statuses: Vec<(&'static str, &'static str)>,
    filtered: bool,
    error: String,
}

impl ListPage {
    fn with(&self, key: &str, value: &str) -> String {
        let q = &self.q;
        let mut pairs = vec![
            ("view", q.view.as_str()),
            ("status", q.status.as_str()),
            ("environment", q.environment.as_str()),
            ("name", q.name.as_str()),
        ];
        for p in &mut pairs {
            if p.0 == key {
                p.1 = value;
            }
        }
        if key == "cursor" {
            pairs.push(("cursor", value));
        }
        format!("/connections{}", view::query(&pairs))
    }
}

async fn list(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let org = portal.caller.current.as_ref().map(|m| m.org.clone());
    let both = org.as_ref().is_some_and(|o| o.is_buyer && o.is_seller);
    let input = AccessListInput {
        view: Some(q.view.clone()).filter(|v| !v.is_empty()),
        statuses: if q.status.is_empty() {
            Vec::new()
        } else {
            vec![q.status.clone()]
        },
        environment: Some(q.environment.clone()).filter(|v| !v.is_empty()),
        name: Some(q.name.clone()).filter(|v| !v.trim().is_empty()),
        cursor: Some(q.cursor.clone()).filter(|v| !v.is_empty()),
        ..AccessListInput::default()
    };
    let (page_view, rows_, next, error) = match app.list_accesses(&portal.caller, input).await {
        Ok(p) => {
            let seller = p.view == View::Seller;
            (
                if seller { "seller" } else { "buyer" },
                rows(&p.items, seller),
                p.next_cursor.unwrap_or_default(),
                String::new(),
            )
        }
        Err(AppError::Invalid(es)) => (
            if q.view == "seller" {
                "seller"
            } else {
                "buyer"
            },
            Vec::new(),
            String::new(),
            es.iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(e) => return Err(e.into()),
    };
    let filtered = !q.status.is_empty() || !q.environment.is_empty() || !q.name.trim().is_empty();
    let page = ListPage {
        chrome: portal.with_nav("connections").chrome,
        view: page_view,
        both,
        rows: rows_,
        next,
        statuses: AccessStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        filtered,
        error,
        q,
    };
    render(&page)
}

// ---------------------------------------------------------------- access page

pub struct StepRow {
    pub name: String,
    pub status: String,
    pub duration: String,
    pub attempts: u32,
    pub code: String,
    pub message: String,
}

pub struct RunRow {
    pub run: i64,
    pub cause: String,
    pub state: String,
    pub summary: String,
    pub when: String,
    pub steps: Vec<StepRow>,
}

#[derive(Deserialize)]
struct StepJson {
    name: String,
    status: String,
    #[serde(default)]
    duration_ms: i64,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    failure_type: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    http_status: Option<u16>,
    #[serde(default)]
    message: Option<String>,
}

fn words(s: &str) -> String {
    capitalized(&s.replace('_', " "))
}

fn run_rows(runs: &[frontdesk_app::connections::RunView]) -> Vec<RunRow> {
    runs.iter()
        .map(|r| {
            let steps: Vec<StepJson> = serde_json::to_value(&r.steps)
                .ok()
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            RunRow {
                run: r.run,
                cause: words(&r.cause),
                state: words(&r.state),
                summary: r.summary.clone().unwrap_or_default(),
                when: when_ms(r.finished_at.or(r.started_at).unwrap_or(r.created_at)),
                steps: steps
                    .into_iter()
                    .map(|s| StepRow {
                        name: words(&s.name),
                        status: words(&s.status),
                        duration: if s.duration_ms > 0 {
                            format!("{} ms", s.duration_ms)
                        } else {
                            String::new()
                        },
                        attempts: s.attempts,
                        code: [
                            s.http_status.map(|h| format!("HTTP {h}")),
                            s.error_code,
                            s.failure_type.map(|f| words(&f)),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                        message: s.message.unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// What was posted to one of the access page's forms, shown again with
/// its errors.
#[derive(Debug, Default)]
pub struct Posted {
    /// `edit`, `fix`, `rerun`, `working`, `not-completed` or `seller-fix`.
    pub form: &'static str,
    pub fields: Fields,
    pub errors: Errs,
}

#[derive(Template)]
#[template(path = "connections_access.html")]
struct AccessPage {
    chrome: Chrome,
    id: i64,
    name: String,
    buyer: String,
    seller: String,
    connection_type: String,
    environment: String,
    status: String,
    status_class: &'static str,
    meaning: &'static str,
    case_id: i64,
    case_status: String,
    updated: String,
    settings: Vec<Setting>,
    emails: Vec<String>,
    criteria: Vec<(String, String)>,
    runs: Vec<RunRow>,
    is_buyer: bool,
    is_final: bool,
    edit_blocked: String,
    edit_inputs: Vec<Input>,
    edit_name: String,
    edit_emails: String,
    edit_criteria: CriteriaInputs,
    is_staff: bool,
    seller_can_fix: bool,
    fix_inputs: Vec<Input>,
    fix_criteria: CriteriaInputs,
    posted: Posted,
}

impl AccessPage {
    fn err(&self, form: &str, field: &str) -> String {
        if self.posted.form == form {
            self.posted.errors.get(field)
        } else {
            String::new()
        }
    }

    fn general(&self, form: &str) -> String {
        if self.posted.form == form {
            self.posted.errors.general.clone()
        } else {
            String::new()
        }
    }

    fn val(&self, form: &str, field: &str) -> String {
        if self.posted.form == form {
            self.posted.fields.get(field).to_owned()
        } else {
            String::new()
        }
    }
}

fn parse_id(raw: &str) -> PageResult<AccessId> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(AccessId)
        .ok_or_else(|| PageError::not_found("access"))
}

async fn access_page(
    app: &App,
    portal: Portal,
    id: AccessId,
    posted: Posted,
) -> PageResult<Response> {
    let d = app.access_detail(&portal.caller, id).await?;
    let org = portal.caller.current.as_ref().map(|m| m.org.id.0);
    let is_staff = portal.caller.is_staff();
    let is_buyer = !is_staff && org == Some(d.buyer_id);
    let is_seller = !is_staff && org == Some(d.seller_id) && !is_buyer;
    let fields = specs(&d.fields);
    let settings = credentials::settings(&fields, &values_of(&fields), false);
    let stored = stored_fields(&fields);
    let no_errors = Errs::default();
    // Each form shows what was posted to it, else the stored values.
    let form_of = |form: &str| {
        if posted.form == form {
            (&posted.fields, &posted.errors)
        } else {
            (&stored, &no_errors)
        }
    };
    let (edit_values, edit_errors) = form_of("edit");
    let edit_inputs = inputs(&fields, "edit", edit_values, edit_errors, true);
    let (fix_values, fix_errors) = form_of("fix");
    let fix_inputs = inputs(&fields, "fix", fix_values, fix_errors, true);
    let stored_criteria = Criteria::from_value(d.search_criteria.as_ref());
    let criteria_of = |form: &str, id: &'static str| {
        let c = if posted.form == form {
            Criteria::from_form(&posted.fields)
        } else {
            stored_criteria.clone()
        };
        let errors = if posted.form == form {
            &posted.errors
        } else {
            &no_errors
        };
        CriteriaInputs::new(id, c, errors, &app.config.connections.market)
    };
    let (edit_name, edit_emails) = if posted.form == "edit" {
        (
            posted.fields.get("name").to_owned(),
            posted.fields.get("emails").to_owned(),
        )
    } else {
        (d.summary.name.clone(), d.notification_emails.join("\n"))
    };
    let edit_criteria = criteria_of("edit", "edit");
    let fix_criteria = criteria_of("fix", "fix");
    let page = AccessPage {
        chrome: portal
            .with_nav(if is_staff {
                "connectivity"
            } else {
                "connections"
            })
            .chrome,
        id: d.summary.id,
        name: d.summary.name.clone(),
        buyer: d.summary.buyer.clone(),
        seller: d.summary.seller.clone(),
        connection_type: d.summary.connection_type.clone(),
        environment: d.summary.environment.clone(),
        status: d.summary.status_label.to_owned(),
        status_class: status_class(d.summary.status),
        meaning: d.summary.status_meaning,
        case_id: d.summary.case_id,
        case_status: d.case_status.to_owned(),
        updated: when_ms(d.summary.updated_at),
        settings,
        emails: d.notification_emails.clone(),
        criteria: stored_criteria.summary(),
        runs: run_rows(&d.runs),
        is_buyer,
        is_final: d.summary.status.is_final(),
        edit_blocked: d
            .edit_blocked
            .clone()
            .map(|m| capitalized(&m))
            .unwrap_or_default(),
        edit_inputs,
        edit_name,
        edit_emails,
        edit_criteria,
        is_staff,
        seller_can_fix: is_seller && d.summary.status == AccessStatus::PendingSeller,
        fix_inputs,
        fix_criteria,
        posted,
    };
    let status = if page.posted.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(&page, status)
}

async fn show(
    State(app): State<App>,
    Path(id): Path<String>,
    portal: Portal,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    access_page(&app, portal, id, Posted::default()).await
}

/// The schema fields of an access (for reading posted credentials).
async fn access_specs(app: &App, portal: &Portal, id: AccessId) -> PageResult<Vec<Spec>> {
    let d = app.access_detail(&portal.caller, id).await?;
    Ok(specs(&d.fields))
}

async fn edit(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let fields = access_specs(&app, &portal, id).await?;
    let mut errors = Errs::default();
    let criteria = Criteria::from_form(&form).to_value(&mut errors);
    if !errors.any() {
        let edit = AccessEdit {
            name: Some(form.get("name").to_owned()),
            credentials: Some(credentials_from(&fields, &form)),
            notification_emails: Some(emails_from(form.get("emails"))),
            search_criteria: Some(criteria.unwrap_or(Value::Null)),
        };
        match app.edit_access(&portal.caller, id, edit).await {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/connections/{}", id.0),
                    "Access saved. We test it again with the new settings.",
                ));
            }
            Err(e) => errors = Errs::from_app(e)?,
        }
    }
    let posted = Posted {
        form: "edit",
        fields: form,
        errors,
    };
    access_page(&app, portal, id, posted).await
}

async fn cancel(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, _form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    match app.cancel_access(&portal.caller, id).await {
        Ok(()) => Ok(redirect_with_notice(
            &format!("/connections/{}", id.0),
            "Request cancelled.",
        )),
        Err(e) => {
            let errors = Errs::from_app(e)?;
            access_page(
                &app,
                portal,
                id,
                Posted {
                    form: "cancel",
                    fields: Fields::default(),
                    errors,
                },
            )
            .await
        }
    }
}

async fn seller_fix(
    State(app): State<App>,
    Path(id): Path<String>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let fields = access_specs(&app, &portal, id).await?;
    let mut errors = Errs::default();
    let criteria = Criteria::from_form(&form).to_value(&mut errors);
    if !errors.any() {
        let creds = credentials_from(&fields, &form);
        match app
            .seller_fix(&portal.caller, id, Some(creds), criteria)
            .await
        {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/connections/{}", id.0),
                    "Thank you: we test the access again with your details.",
                ));
            }
            Err(e) => errors = Errs::from_app(e)?,
        }
    }
    access_page(
        &app,
        portal,
        id,
        Posted {
            form: "fix",
            fields: form,
            errors,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_gather_nested_fields() {
        let mut e = Errs::default();
        e.add("credentials.user", "is required");
        e.add("credentials.auth.key", "too short");
        e.add("credentials_other", "x");
        assert_eq!(e.get("credentials.user"), "Is required");
        assert_eq!(e.get("credentials.auth"), "key: Too short");
        assert!(!e.has("credentials.us"));
    }

    #[test]
    fn emails_split_on_lines_and_commas() {
        assert_eq!(
            emails_from(" a@x.io\n\nb@x.io, c@x.io "),
            ["a@x.io", "b@x.io", "c@x.io"]
        );
    }
}
