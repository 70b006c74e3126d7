use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// A durable timer of an access waiting in Pending Seller. They only ever
/// exist in that status: any fix, edit or re-run cancels them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionTimerKind {
    SellerFirstReminder,
    SellerSecondReminder,
    ConnectivityAlert,
}

impl ConnectionTimerKind {
    pub const ALL: [Self; 3] = [
        Self::SellerFirstReminder,
        Self::SellerSecondReminder,
        Self::ConnectivityAlert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SellerFirstReminder => "seller_first_reminder",
            Self::SellerSecondReminder => "seller_second_reminder",
            Self::ConnectivityAlert => "connectivity_alert",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How long Pending Seller waits before each timer, counted from entering
/// it. Defaults are PRODUCT.md's 3 and 5 days (reminders) and 7 (alert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTimerPolicy {
    pub seller_first_reminder: Duration,
    pub seller_second_reminder: Duration,
    pub connectivity_alert: Duration,
}

impl Default for ConnectionTimerPolicy {
    fn default() -> Self {
        Self {
            seller_first_reminder: Duration::days(3),
            seller_second_reminder: Duration::days(5),
            connectivity_alert: Duration::days(7),
        }
    }
}

impl ConnectionTimerPolicy {
    /// The timers an access gets on entering Pending Seller.
    pub fn timers(&self) -> [(ConnectionTimerKind, Duration); 3] {
        [
            (
                ConnectionTimerKind::SellerFirstReminder,
                self.seller_first_reminder,
            ),
            (
                ConnectionTimerKind::SellerSecondReminder,
                self.seller_second_reminder,
            ),
            (
                ConnectionTimerKind::ConnectivityAlert,
                self.connectivity_alert,
            ),
        ]
    }

    /// Reminders must come before the alert, or the ladder makes no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.timers().iter().any(|(_, d)| d.0 <= 0) {
            return Err("every connection timer duration must be positive".into());
        }
        if !(self.seller_first_reminder < self.seller_second_reminder
            && self.seller_second_reminder < self.connectivity_alert)
        {
            return Err(
                "connection timers must grow: first reminder < second reminder < alert".into(),
            );
        }
        Ok(())
    }
}
