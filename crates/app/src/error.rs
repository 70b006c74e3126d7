//! One error type for every use case; the web layer turns it into
//! problem+json, the CLI into a message.

use frontdesk_domain::cases::Rejection;
use frontdesk_store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but this is not theirs to do.
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or belongs to someone else (never says which).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input is malformed, field by field.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The lifecycle refuses the change in the case's current state.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Conflicts with what exists (duplicates, already done).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Temporarily impossible; the client should retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<frontdesk_domain::cases::TextError> for AppError {
    fn from(e: frontdesk_domain::cases::TextError) -> Self {
        use frontdesk_domain::cases::TextError as T;
        let field = match &e {
            T::Empty { field } | T::TooLong { field, .. } | T::Control { field } => *field,
        };
        Self::invalid(field, e.to_string())
    }
}
