use serde::{Deserialize, Serialize};

/// The status of a support case (PRODUCT.md, "Statuses of a support case").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    InProgress,
    /// "Partner's feedback required": staff wait for the partner.
    FeedbackRequired,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::InProgress,
        Self::FeedbackRequired,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::FeedbackRequired => "feedback_required",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::InProgress => "In progress",
            Self::FeedbackRequired => "Partner's feedback required",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }

    /// One line telling a partner what the status means for them.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Open => "We received your case and will pick it up shortly.",
            Self::InProgress => "An agent is working on your case.",
            Self::FeedbackRequired => "We need information from you: reply to keep the case open.",
            Self::Resolved => {
                "We sent a solution. Reply within the resolution window to reopen it."
            }
            Self::Closed => "This case is finished. Reopen it if the problem comes back.",
        }
    }

    /// Position when sorting by status: the order a case moves through.
    pub fn rank(self) -> i64 {
        match self {
            Self::Open => 0,
            Self::InProgress => 1,
            Self::FeedbackRequired => 2,
            Self::Resolved => 3,
            Self::Closed => 4,
        }
    }

    pub fn is_closed(self) -> bool {
        self == Self::Closed
    }

    /// The states in which timers run.
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::FeedbackRequired | Self::Resolved)
    }
}
