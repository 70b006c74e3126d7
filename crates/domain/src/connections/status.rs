use serde::{Deserialize, Serialize};

/// The status of a buyer's access to a seller (PRODUCT.md, "Connections").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessStatus {
    /// An activation run is queued or running (retries included).
    Pending,
    /// Waiting for details from the seller (or the buyer) before re-testing.
    PendingSeller,
    /// Every test passed, or Connectivity confirmed it by a manual check.
    Working,
    /// A test failed in a way nobody outside Connectivity can fix.
    NotWorking,
    /// Stopped by Connectivity or cancelled by the buyer. Final.
    NotCompleted,
}

impl AccessStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::PendingSeller,
        Self::Working,
        Self::NotWorking,
        Self::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PendingSeller => "pending_seller",
            Self::Working => "working",
            Self::NotWorking => "not_working",
            Self::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::PendingSeller => "Pending Seller",
            Self::Working => "Working",
            Self::NotWorking => "Not Working",
            Self::NotCompleted => "Not Completed",
        }
    }

    /// One line telling a partner what the status means for them (the
    /// badge's explanation on My connections).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Pending => {
                "We are testing the seller's system with your access; this takes a few minutes."
            }
            Self::PendingSeller => {
                "We are waiting for details from the seller before testing again."
            }
            Self::Working => "Every test passed: the access is ready to use.",
            Self::NotWorking => {
                "A test failed; our Connectivity team is reviewing it. Editing is blocked meanwhile."
            }
            Self::NotCompleted => "This request was cancelled or closed as a duplicate.",
        }
    }

    /// The connection case's status for this access status (PRODUCT.md's
    /// table). A function rather than stored data, so the two cannot drift.
    pub fn case_status(self) -> ConnectionCaseStatus {
        match self {
            Self::Pending | Self::NotWorking => ConnectionCaseStatus::InProgress,
            Self::PendingSeller => ConnectionCaseStatus::PendingSellersFeedback,
            Self::Working => ConnectionCaseStatus::Delivered,
            Self::NotCompleted => ConnectionCaseStatus::NotCompleted,
        }
    }

    /// Nothing moves a Not Completed access again.
    pub fn is_final(self) -> bool {
        self == Self::NotCompleted
    }

    /// Edit access is blocked while Connectivity reviews a failure, so the
    /// buyer cannot change what staff are looking at.
    pub fn edit_blocked(self) -> bool {
        self == Self::NotWorking
    }
}

/// The status of an access's Connections case, as partners see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionCaseStatus {
    InProgress,
    PendingSellersFeedback,
    Delivered,
    /// Cancelled or duplicate. Final.
    NotCompleted,
}

impl ConnectionCaseStatus {
    pub const ALL: [Self; 4] = [
        Self::InProgress,
        Self::PendingSellersFeedback,
        Self::Delivered,
        Self::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::PendingSellersFeedback => "pending_sellers_feedback",
            Self::Delivered => "delivered",
            Self::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::InProgress => "In Progress",
            Self::PendingSellersFeedback => "Pending Seller's Feedback",
            Self::Delivered => "Delivered",
            Self::NotCompleted => "Not Completed",
        }
    }

    pub fn is_final(self) -> bool {
        self == Self::NotCompleted
    }

    /// One line for the case page.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::InProgress => {
                "The connection is being tested or reviewed by our Connectivity team."
            }
            Self::PendingSellersFeedback => {
                "We are waiting for the seller to complete the access configuration."
            }
            Self::Delivered => "The connection works: every activation test passed or was checked.",
            Self::NotCompleted => "The connection request was cancelled or closed as a duplicate.",
        }
    }
}

/// Why Connectivity stopped an access (PRODUCT.md: "partner cancelled, or
/// duplicate"). A buyer's own cancel is recorded as `Cancelled` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCompletedReason {
    Cancelled,
    Duplicate,
}

impl NotCompletedReason {
    pub const ALL: [Self; 2] = [Self::Cancelled, Self::Duplicate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}
