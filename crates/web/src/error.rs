//! RFC 9457 problem+json for every error the API returns.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_app::{AppError, FieldError};
use frontdesk_domain::cases::Rejection;
use frontdesk_store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do about it.
    pub detail: String,
    /// Field by field, for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign-in required",
            detail,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; it was logged, please try again",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn into_response_owned(self) -> Response {
        self.into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("/problems/{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self
                .errors
                .into_iter()
                .map(|e| ProblemField {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(m) => Self::unauthenticated(m),
            AppError::Forbidden(m) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", m)
            }
            AppError::NotFound(what) => Self::not_found(format!("{what} not found")),
            AppError::Invalid(errors) => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                Self {
                    errors,
                    ..Self::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "Invalid input",
                        detail,
                    )
                }
            }
            AppError::Rejected(r) => {
                let status = match r {
                    Rejection::SolutionRequired => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::CONFLICT,
                };
                Self::new(
                    status,
                    "transition",
                    "Not possible in the case's current status",
                    r.to_string(),
                )
            }
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", m),
            AppError::TooLarge(m) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Too large", m)
            }
            AppError::Unavailable(m) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy", m)
            }
            AppError::Store(e) if e.is_transient() => {
                tracing::warn!(error = %e, "transient storage error");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Busy",
                    "the service is busy; retry shortly",
                )
            }
            AppError::Store(StoreError::Conflict(m)) => {
                Self::new(StatusCode::CONFLICT, "conflict", "Conflict", m)
            }
            other => {
                tracing::error!(error = %other, "request failed");
                Self::internal()
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// axum answers some refusals itself, before a handler runs, in plain text
/// (a body over the size limit, a method the route does not have). The API
/// promises problem+json for every error, so those are rewritten; headers
/// such as `Allow` are kept.
pub async fn problem_for_plain_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json");
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("Error");
    let (slug, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too-large",
            "the request body is larger than this call accepts".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not take that method; see the `Allow` header".to_owned(),
        ),
        _ if status.is_client_error() => ("bad-request", text),
        _ => ("internal", text),
    };
    let detail = if detail.is_empty() {
        title.to_owned()
    } else {
        detail
    };
    let mut rewritten = ApiError::new(status, slug, title, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name, value.clone());
        }
    }
    rewritten
}
