//! Errors on pages: a readable page with the right status (never JSON,
//! never a stack trace), or a redirect to sign-in.

use super::portal::Chrome;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontdesk_app::AppError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): sign in, then come back here.
    SignIn(String),
    /// The form's CSRF token is missing or not this session's.
    Csrf,
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    TooLarge(String),
    TooManyRequests(String),
    Invalid(String),
    Unavailable(String),
    Internal,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    detail: String,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(_) => Self::SignIn("/".into()),
            AppError::Forbidden(m) => Self::Forbidden(m),
            AppError::NotFound(what) => Self::NotFound(format!(
                "This {what} does not exist, or it is not shared with you."
            )),
            AppError::Invalid(errors) => Self::Invalid(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::Rejected(r) => Self::Conflict(r.to_string()),
            AppError::Conflict(m) => Self::Conflict(m),
            AppError::TooLarge(m) => Self::TooLarge(m),
            AppError::Unavailable(m) => Self::Unavailable(m),
            other => {
                tracing::error!(error = %other, "page failed");
                Self::Internal
            }
        }
    }
}

impl PageError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!(
            "This {what} does not exist, or it is not shared with you."
        ))
    }
}

/// Where to go after signing in: only paths on this site.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, detail) = match self {
            Self::SignIn(next) => {
                let next = safe_next(&next);
                let to = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!(
                        "/login?{}",
                        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
                    )
                };
                return Redirect::to(&to).into_response();
            }
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was not sent from this site, or your session changed since the page \
                 was opened. Go back, reload the page and send it again."
                    .to_owned(),
            ),
            Self::BadRequest(d) => (StatusCode::BAD_REQUEST, "That did not work", d),
            Self::Forbidden(d) => (StatusCode::FORBIDDEN, "Not allowed", d),
            Self::NotFound(d) => (StatusCode::NOT_FOUND, "Not found", d),
            Self::Conflict(d) => (StatusCode::CONFLICT, "That cannot be done now", d),
            Self::TooLarge(d) => (StatusCode::PAYLOAD_TOO_LARGE, "Too large", d),
            Self::TooManyRequests(d) => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", d),
            Self::Invalid(d) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please check what you entered",
                d,
            ),
            Self::Unavailable(d) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                d,
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The error was recorded. Try again in a moment.".to_owned(),
            ),
        };
        let page = ErrorPage {
            chrome: Chrome::anonymous(String::new()),
            status: status.as_u16(),
            title,
            detail,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// Renders a template into a 200 page.
pub fn render(t: &impl Template) -> PageResult<Response> {
    t.render().map(|h| Html(h).into_response()).map_err(|e| {
        tracing::error!(error = %e, "template failed");
        PageError::Internal
    })
}
