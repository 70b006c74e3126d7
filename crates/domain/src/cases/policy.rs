use super::CaseStatus;
use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// A durable timer of a waiting case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    FeedbackFirstReminder,
    FeedbackSecondReminder,
    FeedbackClose,
    ResolvedClose,
}

impl TimerKind {
    pub const ALL: [Self; 4] = [
        Self::FeedbackFirstReminder,
        Self::FeedbackSecondReminder,
        Self::FeedbackClose,
        Self::ResolvedClose,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FeedbackFirstReminder => "feedback_first_reminder",
            Self::FeedbackSecondReminder => "feedback_second_reminder",
            Self::FeedbackClose => "feedback_close",
            Self::ResolvedClose => "resolved_close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The status a case must still be in for this timer to matter.
    pub fn status(self) -> CaseStatus {
        match self {
            Self::ResolvedClose => CaseStatus::Resolved,
            _ => CaseStatus::FeedbackRequired,
        }
    }
}

/// How long the timers wait, counted from entering the waiting status.
/// Defaults are PRODUCT.md's 3/5/7 days and 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerPolicy {
    pub feedback_first_reminder: Duration,
    pub feedback_second_reminder: Duration,
    pub feedback_close: Duration,
    pub resolved_close: Duration,
}

impl Default for TimerPolicy {
    fn default() -> Self {
        Self {
            feedback_first_reminder: Duration::days(3),
            feedback_second_reminder: Duration::days(5),
            feedback_close: Duration::days(7),
            resolved_close: Duration::days(7),
        }
    }
}

impl TimerPolicy {
    /// The timers a case gets when it enters `status`.
    pub fn timers_for(&self, status: CaseStatus) -> Vec<(TimerKind, Duration)> {
        match status {
            CaseStatus::FeedbackRequired => vec![
                (
                    TimerKind::FeedbackFirstReminder,
                    self.feedback_first_reminder,
                ),
                (
                    TimerKind::FeedbackSecondReminder,
                    self.feedback_second_reminder,
                ),
                (TimerKind::FeedbackClose, self.feedback_close),
            ],
            CaseStatus::Resolved => vec![(TimerKind::ResolvedClose, self.resolved_close)],
            _ => Vec::new(),
        }
    }

    /// Reminders must come before the close, or the ladder makes no sense.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            self.feedback_first_reminder,
            self.feedback_second_reminder,
            self.feedback_close,
            self.resolved_close,
        ]
        .iter()
        .all(|d| d.0 > 0);
        if !positive {
            return Err("every timer duration must be positive".into());
        }
        if !(self.feedback_first_reminder < self.feedback_second_reminder
            && self.feedback_second_reminder < self.feedback_close)
        {
            return Err(
                "feedback timers must grow: first reminder < second reminder < close".into(),
            );
        }
        Ok(())
    }
}
