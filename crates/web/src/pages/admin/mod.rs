//! The administration pages: organizations and their members, users, staff
//! teams, the timer policy, and a link to the knowledge base editor.
//! Administrators only; everyone else gets 403.

mod orgs;
mod teams;
mod timers;
mod users;

use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, Portal};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use frontdesk_app::{App, AppError};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(overview))
        .merge(orgs::routes())
        .merge(users::routes())
        .merge(teams::routes())
        .merge(timers::routes())
}

/// The frame of an admin page, once the caller is known to be an administrator.
fn admin_chrome(portal: Portal) -> PageResult<Chrome> {
    portal.caller.admin()?;
    Ok(portal.chrome.with_nav("admin"))
}

/// What a form's fields got wrong, shown next to each field, and a
/// message for the whole form.
#[derive(Debug, Default)]
pub struct Errors {
    fields: Vec<(String, String)>,
    pub general: String,
}

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields.push((field.to_owned(), message.into()));
    }

    /// The message for `field`, empty when it is fine.
    pub fn get(&self, field: &str) -> &str {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || !self.general.is_empty()
    }

    /// A refusal of a use case as form errors: invalid fields and
    /// conflicts (reported on `conflict_field`) stay on the form, unknown
    /// users are reported on `email`; anything else is an error page.
    pub fn from_app(e: AppError, conflict_field: &str) -> PageResult<Self> {
        let mut errors = Self::default();
        match e {
            AppError::Invalid(fields) => {
                for f in fields {
                    let message = capitalized(&f.message);
                    errors.add(&f.field, message);
                }
            }
            AppError::Conflict(m) => errors.add(conflict_field, format!("{}.", capitalized(&m))),
            AppError::NotFound("user") => errors.add(
                "email",
                "No user has this email address. Create the user first on the Users page.",
            ),
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

/// Renders a form page that was sent back with mistakes (422).
fn render_invalid(t: &impl Template) -> PageResult<Response> {
    let mut response = render(t)?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// "3 days", "12 hours", "90 minutes", "45 seconds".
pub fn duration(d: frontdesk_domain::Duration) -> String {
    let s = d.as_seconds();
    let (n, unit) = if s % 86_400 == 0 {
        (s / 86_400, "day")
    } else if s % 3_600 == 0 {
        (s / 3_600, "hour")
    } else if s % 60 == 0 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[derive(Template)]
#[template(path = "admin.html")]
struct OverviewPage {
    chrome: Chrome,
    orgs: usize,
    active_orgs: usize,
    users: usize,
    admins: usize,
    teams: usize,
    articles: i64,
    policy: String,
}

async fn overview(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let (orgs, users, teams, categories) = tokio::try_join!(
        app.store.organizations(),
        app.store.users(),
        app.store.teams(),
        app.store.article_categories(),
    )
    .map_err(AppError::from)?;
    let p = &app.policy();
    let page = OverviewPage {
        chrome,
        orgs: orgs.len(),
        active_orgs: orgs.iter().filter(|o| o.active).count(),
        users: users.len(),
        admins: users.iter().filter(|u| u.is_admin).count(),
        teams: teams.len(),
        articles: categories.iter().map(|(_, n)| n).sum(),
        policy: format!(
            "Reminders after {} and {}, closed after {}; resolved cases close after {}.",
            duration(p.feedback_first_reminder),
            duration(p.feedback_second_reminder),
            duration(p.feedback_close),
            duration(p.resolved_close),
        ),
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::Duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::days(3)), "3 days");
        assert_eq!(duration(Duration::days(1)), "1 day");
        assert_eq!(duration(Duration::seconds(7_200)), "2 hours");
        assert_eq!(duration(Duration::seconds(90)), "90 seconds");
    }

    #[test]
    fn refusals_become_field_errors() {
        let e = Errors::from_app(AppError::Conflict("team already exists".into()), "slug")
            .expect("kept on the form");
        assert_eq!(e.get("slug"), "Team already exists.");
        let e = Errors::from_app(AppError::invalid("name", "must not be empty"), "x")
            .expect("kept on the form");
        assert_eq!(e.get("name"), "Must not be empty");
        assert!(Errors::from_app(AppError::NotFound("team"), "x").is_err());
    }
}
