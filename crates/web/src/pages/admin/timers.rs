//! The timer policy in force, and how an installation changes it. The
//! policy is configuration (read at start), so the page shows it rather
//! than editing it: every replica then runs the same policy.

use super::{admin_chrome, duration};
use crate::pages::error::{PageResult, render};
use crate::pages::portal::{Chrome, Portal};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use frontdesk_app::App;

pub fn routes() -> Router<App> {
    Router::new().route("/admin/timers", get(show))
}

/// One timer: what it does, how long it waits, and its configuration key.
pub struct TimerRow {
    pub what: &'static str,
    pub when: &'static str,
    pub after: String,
    pub configured: String,
    pub key: &'static str,
    pub env: String,
}

#[derive(Template)]
#[template(path = "admin_timers.html")]
struct TimersPage {
    chrome: Chrome,
    rows: Vec<TimerRow>,
}

async fn show(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let p = &app.policy;
    let t = &app.config.timers;
    let row = |what: &'static str,
               when: &'static str,
               d: frontdesk_domain::Duration,
               configured: &String,
               key: &'static str| TimerRow {
        what,
        when,
        after: duration(d),
        configured: configured.clone(),
        key,
        env: format!("FRONTDESK_TIMERS__{}", key.to_uppercase()),
    };
    let rows = vec![
        row(
            "First friendly reminder",
            "Partner's feedback required",
            p.feedback_first_reminder,
            &t.feedback_first_reminder,
            "feedback_first_reminder",
        ),
        row(
            "Second reminder",
            "Partner's feedback required",
            p.feedback_second_reminder,
            &t.feedback_second_reminder,
            "feedback_second_reminder",
        ),
        row(
            "Case closed, partner notified",
            "Partner's feedback required",
            p.feedback_close,
            &t.feedback_close,
            "feedback_close",
        ),
        row(
            "Case closed without a reply",
            "Resolved",
            p.resolved_close,
            &t.resolved_close,
            "resolved_close",
        ),
    ];
    render(&TimersPage { chrome, rows })
}
