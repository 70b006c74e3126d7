//! The staff console: team queues with the dashboard's filters, the staff
//! tools on a case page (status, assignment, escalation, timers, audit
//! trail), held inbound mail, the outbox and the assistant's analytics.
//! Every page and post requires staff; partners get 403.

use super::dashboard::{ListQuery, Listed, Row, SORTS, list_rows};
use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use crate::api::{case_id, path_id};
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use frontdesk_app::cases::CaseDetail;
use frontdesk_app::{App, AppError};
use frontdesk_domain::cases::{CaseStatus, Category, TimerKind};
use frontdesk_domain::org::TeamKind;
use frontdesk_domain::{CaseId, Duration, Timestamp, UserId};
use frontdesk_store::audit::EventRecord;
use frontdesk_store::orgs::Team;
use frontdesk_store::outbox::{MailStatus, OutboxQuery};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/staff", get(queues))
        .route("/staff/cases/{id}/panel", get(panel_fragment))
        .route("/staff/cases/{id}/status", post(set_status))
        .route("/staff/cases/{id}/assign", post(assign))
        .route("/staff/cases/{id}/escalate", post(escalate))
        .route("/staff/held-mail", get(held))
        .route("/staff/held-mail/{id}/release", post(release))
        .route("/staff/held-mail/{id}/discard", post(discard))
        .route("/staff/inbound/{id}/raw", get(original))
        .route("/staff/outbox", get(outbox))
        .route("/staff/analytics", get(analytics))
}

fn store_err(e: frontdesk_store::StoreError) -> PageError {
    AppError::from(e).into()
}

/// The status filters of a queue: value in the URL and label.
const STATUS_FILTERS: [(&str, &str); 6] = [
    ("", "Open"),
    ("in_progress", "In progress"),
    ("feedback_required", "Partner's feedback required"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("all", "All"),
];

// ----- queues ------------------------------------------------------------

/// One queue in the queue bar.
struct Queue {
    slug: String,
    name: String,
    product: bool,
    open: i64,
}

/// A queue row: the dashboard's row and what staff need besides.
struct QueueRow {
    r: Row,
    org: String,
    team: String,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct QueuesPage {
    chrome: Chrome,
    q: ListQuery,
    queues: Vec<Queue>,
    all_open: i64,
    /// Open cases assigned to the signed-in staff member.
    mine_open: i64,
    queue_name: String,
    rows: Vec<QueueRow>,
    listed: Listed,
    categories: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    filtered: bool,
}

impl QueuesPage {
    /// Where this list lives (the shared sort form posts back here).
    fn base(&self) -> &'static str {
        "/staff"
    }

    /// The URL of this queue with one parameter changed (and the page reset).
    fn with(&self, key: &str, value: &str) -> String {
        self.q.link("/staff", key, value)
    }

    /// The first page of this queue without filters other than status.
    fn unfiltered(&self) -> String {
        let q = &self.q;
        format!(
            "/staff{}",
            view::query(&[
                ("team", q.team.as_str()),
                ("status", q.status.as_str()),
                ("sort", q.sort.as_str()),
            ])
        )
    }

    fn next_url(&self) -> String {
        self.q.link("/staff", "cursor", &self.listed.next)
    }

    /// The first page of the caller's own cases, across teams.
    fn mine(&self) -> String {
        format!("/staff{}", view::query(&[("assignee", "me")]))
    }

    fn status_is(&self, s: &str) -> bool {
        self.q.status == s || (s.is_empty() && self.q.status == "open")
    }
}

async fn queues(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let me = portal.caller.staff()?.user;
    let (counts, teams, orgs, mine_open) = tokio::try_join!(
        app.store.open_counts_by_team(),
        app.store.teams(),
        app.store.organizations(),
        app.store.open_count_assigned(me),
    )
    .map_err(store_err)?;
    let listed = list_rows(&app, &portal, &q, true).await;
    let team_names: HashMap<&str, &str> = teams
        .iter()
        .map(|t| (t.slug.as_str(), t.name.as_str()))
        .collect();
    let org_names: HashMap<i64, &str> = orgs.iter().map(|o| (o.id.0, o.name.as_str())).collect();
    let queues: Vec<Queue> = teams
        .iter()
        .map(|t| Queue {
            slug: t.slug.clone(),
            name: t.name.clone(),
            product: t.kind == TeamKind::Product,
            open: counts
                .iter()
                .find(|(slug, _)| *slug == t.slug)
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let all_open = counts.iter().map(|(_, n)| n).sum();
    let team_name = if q.team.is_empty() {
        "All teams".to_owned()
    } else {
        team_names
            .get(q.team.as_str())
            .map_or_else(|| q.team.clone(), |n| (*n).to_owned())
    };
    let queue_name = match (q.assignee.as_str(), q.team.is_empty()) {
        ("me", true) => "Assigned to me".to_owned(),
        ("me", false) => format!("{team_name} · assigned to me"),
        ("none", _) => format!("{team_name} · unassigned"),
        _ => team_name,
    };
    let filtered =
        !(q.id.is_empty() && q.q.is_empty() && q.category.is_empty() && q.assignee.is_empty());
    let Listed { rows, next, error } = listed;
    let rows = rows
        .into_iter()
        .map(|r| QueueRow {
            org: org_names.get(&r.org_id).copied().unwrap_or("").to_owned(),
            team: team_names
                .get(r.team.as_str())
                .map_or_else(|| r.team.clone(), |n| (*n).to_owned()),
            r,
        })
        .collect();
    let page = QueuesPage {
        chrome: portal.with_nav("staff").chrome,
        q,
        queues,
        all_open,
        mine_open,
        queue_name,
        rows,
        listed: Listed {
            rows: Vec::new(),
            next,
            error,
        },
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        sorts: SORTS.iter().map(|(v, l, ..)| (*v, *l)).collect(),
        statuses: STATUS_FILTERS.to_vec(),
        filtered,
    };
    render(&page)
}

// ----- the case page's staff panel ------------------------------------------

struct TimerRow {
    what: &'static str,
    due: String,
    due_iso: String,
}

struct EventRow {
    when: String,
    when_iso: String,
    who: String,
    what: String,
}

struct TeamChoice {
    slug: String,
    name: String,
}

#[derive(Template)]
#[template(path = "staff_panel.html")]
struct Panel {
    csrf: String,
    id: i64,
    status: &'static str,
    status_class: &'static str,
    closed: bool,
    reopened_as: Option<i64>,
    org: String,
    team: String,
    escalated: bool,
    assignee: String,
    assignee_id: i64,
    me: i64,
    staff: Vec<(i64, String)>,
    can_progress: bool,
    can_wait: bool,
    can_resolve: bool,
    product_teams: Vec<TeamChoice>,
    support_teams: Vec<TeamChoice>,
    timers: Vec<TimerRow>,
    events: Vec<EventRow>,
    feedback_hint: String,
    resolved_hint: String,
}

/// "3 days", "12 hours", "30 minutes": a timer policy's wait.
fn span(d: Duration) -> String {
    let s = d.as_seconds();
    let (n, unit) = if s % 86_400 == 0 {
        (s / 86_400, "day")
    } else if s % 3600 == 0 {
        (s / 3600, "hour")
    } else {
        ((s + 59) / 60, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn timer_what(kind: TimerKind) -> &'static str {
    match kind {
        TimerKind::FeedbackFirstReminder => "First friendly reminder to the partner",
        TimerKind::FeedbackSecondReminder => "Second reminder to the partner",
        TimerKind::FeedbackClose => "Case closes (no feedback) and the partner is told",
        TimerKind::ResolvedClose => "Case closes (no reply to the solution)",
    }
}

fn status_label(raw: Option<&str>) -> &'static str {
    raw.and_then(CaseStatus::parse)
        .map_or("?", CaseStatus::label)
}

/// One line a person can read for an audit event.
fn event_what(
    e: &EventRecord,
    staff: &HashMap<i64, String>,
    teams: &HashMap<&str, &str>,
) -> String {
    let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let s = |k: &str| d.get(k).and_then(serde_json::Value::as_str);
    let n = |k: &str| d.get(k).and_then(serde_json::Value::as_i64);
    match e.kind.as_str() {
        "created" => "Case created".into(),
        "created_by_email" => "Case created from an email".into(),
        "status_set" => format!("Status set to {}", status_label(s("to"))),
        "status_changed" => format!(
            "Status: {} → {}",
            status_label(s("from")),
            status_label(s("to"))
        ),
        "assigned" => match n("assignee_id") {
            Some(id) => format!(
                "Assigned to {}",
                staff.get(&id).map_or("a staff member", String::as_str)
            ),
            None => "Unassigned".into(),
        },
        "escalated" => {
            let team = s("team").unwrap_or("?");
            format!("Handed to {}", teams.get(team).copied().unwrap_or(team))
        }
        "closed" => "Closed by the partner".into(),
        "timer_fired" => format!(
            "Timer: {}",
            s("timer")
                .and_then(TimerKind::parse)
                .map_or("?", timer_what)
        ),
        "participant_added" => format!("Participant added: {}", s("email").unwrap_or("?")),
        "attachment_added" => format!("Attachment added: {}", s("file_name").unwrap_or("?")),
        "email_reply" => "Reply received by email".into(),
        "email_released" => "Held email released into the case".into(),
        "reopened_as" => format!("Reopened as #{}", n("case_id").unwrap_or(0)),
        "reopened_from" => format!("Reopens #{}", n("case_id").unwrap_or(0)),
        other => other.replace('_', " "),
    }
}

fn event_who(e: &EventRecord, staff: &HashMap<i64, String>) -> String {
    match (e.actor.as_str(), e.actor_id) {
        ("staff", Some(id)) => staff.get(&id.0).cloned().unwrap_or_else(|| "Staff".into()),
        ("partner", _) => "Partner".into(),
        ("system", _) => "frontdesk".into(),
        (other, _) => other.to_owned(),
    }
}

/// The staff tools on a case page (status, assignment, escalation, audit),
/// as HTML the case page embeds. Empty for partners.
pub async fn panel(app: &App, portal: &Portal, detail: &CaseDetail) -> PageResult<String> {
    if !portal.caller.is_staff() || !detail.staff_view {
        return Ok(String::new());
    }
    let (teams, staff_users) =
        tokio::try_join!(app.store.teams(), app.store.staff_users()).map_err(store_err)?;
    let c = &detail.case;
    let staff: HashMap<i64, String> = staff_users
        .iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    let team_names: HashMap<&str, &str> = teams
        .iter()
        .map(|t| (t.slug.as_str(), t.name.as_str()))
        .collect();
    let current_team = teams.iter().find(|t| t.slug == c.team);
    let choice = |t: &Team| TeamChoice {
        slug: t.slug.clone(),
        name: t.name.clone(),
    };
    let others = |kind: TeamKind| {
        teams
            .iter()
            .filter(|t| t.kind == kind && t.slug != c.team)
            .map(choice)
            .collect::<Vec<_>>()
    };
    let timers = detail
        .timers
        .iter()
        .filter(|t| t.epoch == c.epoch && t.kind.status() == c.status)
        .map(|t| TimerRow {
            what: timer_what(t.kind),
            due: view::when(t.due_at),
            due_iso: view::iso(t.due_at),
        })
        .collect();
    let events = detail
        .events
        .iter()
        .rev()
        .map(|e| EventRow {
            when: view::when(e.created_at),
            when_iso: view::iso(e.created_at),
            who: event_who(e, &staff),
            what: event_what(e, &staff, &team_names),
        })
        .collect();
    let panel = Panel {
        csrf: portal.chrome.csrf.clone(),
        id: c.id.0,
        status: c.status.label(),
        status_class: view::status_class(c.status),
        closed: c.status.is_closed(),
        reopened_as: c.reopened_as.map(|r| r.0),
        org: c.org_name.clone(),
        team: current_team.map_or_else(|| c.team.clone(), |t| t.name.clone()),
        escalated: current_team.is_some_and(|t| t.kind == TeamKind::Product),
        assignee: c.assignee_name.clone().unwrap_or_default(),
        assignee_id: c.assignee_id.map_or(0, |u| u.0),
        me: portal.caller.user.id.0,
        staff: staff_users
            .iter()
            .map(|u| (u.id.0, u.name.clone()))
            .collect(),
        can_progress: c.status != CaseStatus::InProgress,
        can_wait: c.status != CaseStatus::FeedbackRequired,
        can_resolve: c.status != CaseStatus::Resolved,
        product_teams: others(TeamKind::Product),
        support_teams: others(TeamKind::Support),
        timers,
        events,
        feedback_hint: format!(
            "Reminders go out after {} and {}; without an answer the case closes after {}.",
            span(app.policy().feedback_first_reminder),
            span(app.policy().feedback_second_reminder),
            span(app.policy().feedback_close)
        ),
        resolved_hint: format!(
            "The partner can reply within {} to reopen it; then it closes.",
            span(app.policy().resolved_close)
        ),
    };
    panel.render().map_err(|e| {
        tracing::error!(error = %e, "staff panel template failed");
        PageError::Internal
    })
}

/// The panel alone (for htmx refreshes and for checking what staff see).
async fn panel_fragment(
    State(app): State<App>,
    portal: Portal,
    Path(raw): Path<String>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    let detail = app.case_detail(&portal.caller, id).await?;
    Ok(Html(panel(&app, &portal, &detail).await?).into_response())
}

/// A refused change: back to the case with what to do about it.
fn refused(id: CaseId, e: AppError) -> PageResult<Response> {
    let why = match e {
        AppError::Rejected(r) => {
            use frontdesk_domain::cases::Rejection;
            match r {
                Rejection::SolutionRequired => {
                    "to resolve a case, write the solution; it is sent to the partner.".to_owned()
                }
                Rejection::Closed => {
                    "the case is closed. The partner can reopen it as a new case.".to_owned()
                }
                other => format!("{other}."),
            }
        }
        AppError::Invalid(errors) => errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict(m) => m,
        other => return Err(other.into()),
    };
    Ok(redirect_with_notice(
        &format!("/cases/{}", id.0),
        &format!("Case #{} was not changed: {why}", id.0),
    ))
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    status: String,
    #[serde(default)]
    message: String,
}

async fn set_status(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<StatusForm>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    let Some(to) = CaseStatus::parse(&f.status) else {
        return Err(PageError::BadRequest(
            "choose a status from the list".into(),
        ));
    };
    let message = Some(f.message.as_str()).filter(|m| !m.trim().is_empty());
    match app.set_status(&portal.caller, id, to, message).await {
        Ok(()) => {
            let notice = match to {
                CaseStatus::Resolved => format!(
                    "Case #{} is resolved; the solution was sent to the partner.",
                    id.0
                ),
                CaseStatus::FeedbackRequired => format!(
                    "Case #{} now waits for the partner's feedback; your question was sent.",
                    id.0
                ),
                other => format!("Case #{} is now {}.", id.0, other.label()),
            };
            Ok(redirect_with_notice(&format!("/cases/{}", id.0), &notice))
        }
        Err(e) => refused(id, e),
    }
}

#[derive(Debug, Deserialize)]
struct AssignForm {
    /// `me`, a user id, or empty to unassign.
    #[serde(default)]
    assignee: String,
}

async fn assign(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<AssignForm>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    let assignee = match f.assignee.trim() {
        "" => None,
        "me" => Some(portal.caller.user.id),
        other => Some(UserId(other.parse::<i64>().map_err(|_| {
            PageError::BadRequest("choose a staff member from the list".into())
        })?)),
    };
    match app.assign(&portal.caller, id, assignee).await {
        Ok(()) => {
            let notice = match assignee {
                None => format!("Case #{} is unassigned.", id.0),
                Some(u) if u == portal.caller.user.id => {
                    format!("Case #{} is assigned to you.", id.0)
                }
                Some(u) => {
                    let name = app
                        .store
                        .user(u)
                        .await
                        .map_err(store_err)?
                        .map_or_else(|| "a staff member".to_owned(), |u| u.name);
                    format!("Case #{} is assigned to {name}.", id.0)
                }
            };
            Ok(redirect_with_notice(&format!("/cases/{}", id.0), &notice))
        }
        Err(e) => refused(id, e),
    }
}

#[derive(Debug, Deserialize)]
struct EscalateForm {
    team: String,
}

async fn escalate(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<EscalateForm>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = case_id(&raw).map_err(|_| PageError::not_found("case"))?;
    match app.escalate(&portal.caller, id, f.team.trim()).await {
        Ok(()) => {
            let team = app.store.team(f.team.trim()).await.map_err(store_err)?;
            let notice = match team {
                Some(t) if t.kind == TeamKind::Product => format!(
                    "Case #{} is escalated to {}. The partner still sees \u{201c}In progress\u{201d}.",
                    id.0, t.name
                ),
                Some(t) => format!("Case #{} is now with {}.", id.0, t.name),
                None => format!("Case #{} was handed over.", id.0),
            };
            Ok(redirect_with_notice(&format!("/cases/{}", id.0), &notice))
        }
        Err(e) => refused(id, e),
    }
}

// ----- held mail -------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct HeldQuery {
    #[serde(default)]
    before: String,
}

struct HeldRow {
    id: i64,
    sender: String,
    subject: String,
    reason: String,
    case_id: Option<i64>,
    channel: String,
    size: String,
    received: String,
    received_iso: String,
    /// What was typed into the release form (kept after an error).
    typed: String,
    error: String,
}

#[derive(Template)]
#[template(path = "staff_held.html")]
struct HeldPage {
    chrome: Chrome,
    rows: Vec<HeldRow>,
    first_page: bool,
    next_before: Option<i64>,
}

const HELD_PAGE: i64 = 50;

async fn held_page(
    app: &App,
    portal: Portal,
    before: Option<i64>,
    failed: Option<(i64, String, String)>,
) -> PageResult<HeldPage> {
    let items = app.held_mail(&portal.caller, before, HELD_PAGE).await?;
    let next_before = (items.len() as i64 == HELD_PAGE)
        .then(|| items.last().map(|r| r.id))
        .flatten();
    let rows = items
        .into_iter()
        .map(|r| {
            let (typed, error) = match &failed {
                Some((id, typed, error)) if *id == r.id => (typed.clone(), error.clone()),
                _ => (
                    r.case_id.map(|c| c.0.to_string()).unwrap_or_default(),
                    String::new(),
                ),
            };
            HeldRow {
                id: r.id,
                sender: r.sender,
                subject: r.subject,
                reason: r.reason,
                case_id: r.case_id.map(|c| c.0),
                channel: r.channel,
                size: view::size(r.raw_size),
                received: view::when(r.received_at),
                received_iso: view::iso(r.received_at),
                typed,
                error,
            }
        })
        .collect();
    Ok(HeldPage {
        chrome: portal.with_nav("held").chrome,
        rows,
        first_page: before.is_none(),
        next_before,
    })
}

async fn held(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<HeldQuery>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let before = match q.before.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .map_err(|_| PageError::BadRequest("that page does not exist".into()))?,
        ),
    };
    render(&held_page(&app, portal, before, None).await?)
}

#[derive(Debug, Deserialize)]
struct ReleaseForm {
    #[serde(default)]
    case: String,
}

async fn release(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<ReleaseForm>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = path_id(&raw, "held mail").map_err(|_| PageError::not_found("held mail"))?;
    let typed = f.case.trim().trim_start_matches('#').to_owned();
    let target = if typed.is_empty() {
        Ok(None)
    } else {
        typed
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Some(CaseId(n)))
            .ok_or_else(|| "A case number is digits, such as 1234.".to_owned())
    };
    let result = match target {
        Ok(target) => app
            .release_held(&portal.caller, id, target)
            .await
            .map_err(|e| match e {
                AppError::Invalid(errors) => Ok(errors
                    .iter()
                    .map(|e| match e.message.as_str() {
                        "no such case" => format!("There is no case #{typed}."),
                        m => format!("{}{}.", m[..1].to_uppercase(), &m[1..]),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")),
                AppError::Rejected(r) => Ok(format!(
                    "That case cannot take it: {r}. Release it into another case."
                )),
                other => Err(other),
            }),
        Err(msg) => Err(Ok(msg)),
    };
    match result {
        Ok(case) => Ok(redirect_with_notice(
            "/staff/held-mail",
            &format!(
                "The mail was added to case #{} as a reply from its sender.",
                case.0
            ),
        )),
        Err(Ok(message)) => {
            let page = held_page(&app, portal, None, Some((id, typed, message))).await?;
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(Err(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn discard(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, _): PageForm<Empty>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = path_id(&raw, "held mail").map_err(|_| PageError::not_found("held mail"))?;
    app.discard_held(&portal.caller, id).await?;
    Ok(redirect_with_notice(
        "/staff/held-mail",
        "The mail was discarded. It stays on record.",
    ))
}

#[derive(Debug, Default, Deserialize)]
struct RawQuery {
    #[serde(default)]
    download: String,
}

/// The original message as received, as plain text (never rendered as
/// HTML), or as a download of the .eml file.
async fn original(
    State(app): State<App>,
    portal: Portal,
    Path(raw): Path<String>,
    Query(q): Query<RawQuery>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let id = path_id(&raw, "inbound mail").map_err(|_| PageError::not_found("inbound mail"))?;
    let (_, bytes) = app.inbound_original(&portal.caller, id).await?;
    let (content_type, disposition) = if q.download.is_empty() {
        (
            "text/plain; charset=utf-8",
            format!("inline; filename=\"inbound-{id}.txt\""),
        )
    } else {
        (
            "message/rfc822",
            format!("attachment; filename=\"inbound-{id}.eml\""),
        )
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(bytes))
        .map_err(|_| PageError::Internal)
}

// ----- outbox ----------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct OutboxQueryForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    before: String,
}

struct MailRow {
    id: i64,
    case_id: Option<i64>,
    kind: String,
    recipients: String,
    subject: String,
    status: &'static str,
    status_class: &'static str,
    attempts: i64,
    last_error: String,
    created: String,
    created_iso: String,
    sent: String,
    sent_iso: String,
}

#[derive(Template)]
#[template(path = "staff_outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    status: String,
    case: String,
    rows: Vec<MailRow>,
    next_before: Option<i64>,
    first_page: bool,
    error: String,
}

impl OutboxPage {
    fn url(&self, status: &str, before: &str) -> String {
        format!(
            "/staff/outbox{}",
            view::query(&[
                ("status", status),
                ("case", self.case.as_str()),
                ("before", before)
            ])
        )
    }

    fn next_url(&self) -> String {
        let before = self.next_before.map(|b| b.to_string()).unwrap_or_default();
        self.url(&self.status, &before)
    }
}

const OUTBOX_PAGE: u32 = 50;

async fn outbox(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<OutboxQueryForm>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let mut error = String::new();
    let status = match q.status.as_str() {
        "" => None,
        s => MailStatus::parse(s).or_else(|| {
            error = "Choose pending, sent or failed.".into();
            None
        }),
    };
    let case = q.case.trim().trim_start_matches('#');
    let case_id = match case {
        "" => None,
        c => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(CaseId)
            .or_else(|| {
                error = "Case ID must be a number such as 1234.".into();
                None
            }),
    };
    let before_id = q.before.trim().parse::<i64>().ok();
    let mails = if error.is_empty() {
        app.store
            .outbox(&OutboxQuery {
                case_id,
                status,
                before_id,
                limit: OUTBOX_PAGE,
            })
            .await
            .map_err(store_err)?
    } else {
        Vec::new()
    };
    let next_before = (mails.len() == OUTBOX_PAGE as usize)
        .then(|| mails.last().map(|m| m.id))
        .flatten();
    let rows = mails
        .into_iter()
        .map(|m| MailRow {
            id: m.id,
            case_id: m.case_id.map(|c| c.0),
            kind: m.kind.replace('_', " "),
            recipients: m.recipients.join(", "),
            subject: m.subject,
            status: m.status.as_str(),
            status_class: match m.status {
                MailStatus::Pending => "waiting",
                MailStatus::Sent => "resolved",
                MailStatus::Failed => "failed",
            },
            attempts: m.attempts,
            last_error: m.last_error.unwrap_or_default(),
            created: view::when(m.created_at),
            created_iso: view::iso(m.created_at),
            sent: m.sent_at.map(view::when).unwrap_or_default(),
            sent_iso: m.sent_at.map(view::iso).unwrap_or_default(),
        })
        .collect();
    let page = OutboxPage {
        chrome: portal.with_nav("outbox").chrome,
        status: q.status.clone(),
        case: case.to_owned(),
        rows,
        next_before,
        first_page: before_id.is_none(),
        error,
    };
    render(&page)
}

// ----- analytics ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct AnalyticsQuery {
    #[serde(default)]
    days: String,
}

struct GapRow {
    topic: String,
    example: String,
    count: i64,
    unanswered: i64,
    escalated: i64,
}

struct ArticleRow {
    url: String,
    title: String,
    references: i64,
}

#[derive(Template)]
#[template(path = "staff_analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    days: i64,
    periods: [i64; 3],
    from: String,
    to: String,
    sessions: i64,
    questions: i64,
    /// "42 %", or "—" without any feedback.
    deflection: String,
    with_feedback: i64,
    solved: i64,
    rephrased: i64,
    need_help: i64,
    escalations: i64,
    unanswered: i64,
    gaps: Vec<GapRow>,
    articles: Vec<ArticleRow>,
}

async fn analytics(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<AnalyticsQuery>,
) -> PageResult<Response> {
    portal.caller.staff()?;
    let days = match q.days.as_str() {
        "7" => 7,
        "90" => 90,
        _ => 30,
    };
    let to = Timestamp(app.now().0 + 1);
    let from = Timestamp(to.0 - days * 24 * 3600 * 1000);
    let s = app
        .assistant_stats(&portal.caller, Some(from), Some(to))
        .await?;
    let r = s.raw;
    let page = AnalyticsPage {
        chrome: portal.with_nav("analytics").chrome,
        days,
        periods: [7, 30, 90],
        from: view::when(s.from),
        to: view::when(s.to),
        sessions: r.sessions,
        questions: r.questions,
        deflection: s
            .deflection_rate
            .map_or_else(|| "—".to_owned(), |d| format!("{:.0} %", d * 100.0)),
        with_feedback: r.with_feedback,
        solved: r.solved,
        rephrased: r.rephrased,
        need_help: r.need_help,
        escalations: r.escalated,
        unanswered: r.unanswered,
        gaps: r
            .gaps
            .into_iter()
            .map(|g| GapRow {
                topic: g.topic,
                example: g.example,
                count: g.count,
                unanswered: g.unanswered,
                escalated: g.escalated,
            })
            .collect(),
        articles: r
            .top_articles
            .into_iter()
            .map(|a| ArticleRow {
                url: frontdesk_assistant::section_url(&a.slug, ""),
                title: a.title,
                references: a.references,
            })
            .collect(),
    };
    render(&page)
}
