//! The timer policy: what is in force, where it comes from, and a form to
//! change it for every replica (stored in the database, applied to timers
//! scheduled from then on) or to go back to the configuration's.

use super::{admin_chrome, duration};
use crate::pages::error::{PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use frontdesk_app::policy::PolicySource;
use frontdesk_app::{App, AppError};
use frontdesk_domain::Duration;
use frontdesk_domain::cases::TimerPolicy;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new().route("/admin/timers", get(show).post(save))
}

/// One timer: what it does, how long it waits, the configured value and
/// the form field (named as its configuration key).
pub struct TimerRow {
    pub what: &'static str,
    pub when: &'static str,
    pub after: String,
    pub configured: String,
    pub key: &'static str,
    pub env: String,
    /// What the form shows (the value in force, or what was typed).
    pub input: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin_timers.html")]
struct TimersPage {
    chrome: Chrome,
    rows: Vec<TimerRow>,
    from_admin: bool,
    error: String,
}

/// `3d`, `12h`, `30m` or `45s`: the largest unit that divides exactly.
fn short(d: Duration) -> String {
    let s = d.as_seconds();
    if s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s % 3_600 == 0 {
        format!("{}h", s / 3_600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

const TIMERS: [(&str, &str, &str); 4] = [
    (
        "feedback_first_reminder",
        "First friendly reminder",
        "Partner's feedback required",
    ),
    (
        "feedback_second_reminder",
        "Second reminder",
        "Partner's feedback required",
    ),
    (
        "feedback_close",
        "Case closed, partner notified",
        "Partner's feedback required",
    ),
    ("resolved_close", "Case closed without a reply", "Resolved"),
];

fn value(p: &TimerPolicy, key: &str) -> Duration {
    match key {
        "feedback_first_reminder" => p.feedback_first_reminder,
        "feedback_second_reminder" => p.feedback_second_reminder,
        "feedback_close" => p.feedback_close,
        _ => p.resolved_close,
    }
}

async fn page(app: &App, chrome: Chrome, typed: Option<&TimersForm>) -> PageResult<TimersPage> {
    let p = app.policy();
    let configured = app.configured_policy()?;
    let from_admin = app.policy_source().await? == PolicySource::Administrator;
    let rows = TIMERS
        .iter()
        .map(|(key, what, when)| TimerRow {
            what,
            when,
            after: duration(value(&p, key)),
            configured: short(value(&configured, key)),
            key,
            env: format!("FRONTDESK_TIMERS__{}", key.to_uppercase()),
            input: typed.map_or_else(|| short(value(&p, key)), |f| f.get(key).to_owned()),
            error: String::new(),
        })
        .collect();
    Ok(TimersPage {
        chrome,
        rows,
        from_admin,
        error: String::new(),
    })
}

async fn show(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    render(&page(&app, chrome, None).await?)
}

#[derive(Debug, Default, Deserialize)]
struct TimersForm {
    #[serde(default)]
    feedback_first_reminder: String,
    #[serde(default)]
    feedback_second_reminder: String,
    #[serde(default)]
    feedback_close: String,
    #[serde(default)]
    resolved_close: String,
    /// `save` or `reset` (back to the configuration's policy).
    #[serde(default)]
    action: String,
}

impl TimersForm {
    fn get(&self, key: &str) -> &str {
        match key {
            "feedback_first_reminder" => &self.feedback_first_reminder,
            "feedback_second_reminder" => &self.feedback_second_reminder,
            "feedback_close" => &self.feedback_close,
            _ => &self.resolved_close,
        }
    }
}

async fn save(
    State(app): State<App>,
    PageForm(portal, f): PageForm<TimersForm>,
) -> PageResult<Response> {
    let caller = portal.caller.clone();
    let chrome = admin_chrome(portal)?;
    if f.action == "reset" {
        app.set_timer_policy(&caller, None).await?;
        return Ok(redirect_with_notice(
            "/admin/timers",
            "The timer policy is the configuration's again; new timers use it.",
        ));
    }
    let mut errors: Vec<(&str, String)> = Vec::new();
    let mut parsed =
        |key: &'static str| match frontdesk_app::config::parse_duration(key, f.get(key)) {
            Ok(d) if d.as_seconds() >= 60 && d.as_seconds() <= 365 * 86_400 => d,
            Ok(_) => {
                errors.push((key, "between 1 minute and 365 days".into()));
                Duration(0)
            }
            Err(_) => {
                errors.push((key, "a number and a unit: 3d, 12h, 30m".into()));
                Duration(0)
            }
        };
    let policy = TimerPolicy {
        feedback_first_reminder: parsed("feedback_first_reminder"),
        feedback_second_reminder: parsed("feedback_second_reminder"),
        feedback_close: parsed("feedback_close"),
        resolved_close: parsed("resolved_close"),
    };
    let general = if errors.is_empty() {
        match app.set_timer_policy(&caller, Some(policy)).await {
            Ok(_) => {
                return Ok(redirect_with_notice(
                    "/admin/timers",
                    "Timer policy saved. Timers scheduled from now on use it; those already \
                     running keep their time.",
                ));
            }
            Err(AppError::Invalid(e)) => e
                .first()
                .map(|e| format!("Not saved: {}.", e.message))
                .unwrap_or_default(),
            Err(e) => return Err(e.into()),
        }
    } else {
        "Not saved: check the marked durations.".to_owned()
    };
    let mut page = page(&app, chrome, Some(&f)).await?;
    for row in &mut page.rows {
        if let Some((_, m)) = errors.iter().find(|(k, _)| *k == row.key) {
            row.error.clone_from(m);
        }
    }
    page.error = general;
    let mut response = render(&page)?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response.into_response())
}
