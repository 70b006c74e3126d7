//! The named steps of an activation run and how their failures decide the
//! access status (SELLER-API.md §3 and §4).

use super::AccessStatus;
use serde::{Deserialize, Serialize};

/// The steps of SELLER-API.md §4, in the order every run executes them.
/// All are required: Working needs each one passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Validate,
    Authenticate,
    Search,
    Quote,
    Hotels,
    Destinations,
}

impl StepName {
    /// Execution order.
    pub const ALL: [Self; 6] = [
        Self::Validate,
        Self::Authenticate,
        Self::Search,
        Self::Quote,
        Self::Hotels,
        Self::Destinations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Authenticate => "authenticate",
            Self::Search => "search",
            Self::Quote => "quote",
            Self::Hotels => "hotels",
            Self::Destinations => "destinations",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The recorded `failure_type` of a step (Airbyte's trace error types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Retried inside the run; once the attempts are spent it counts as a
    /// failure needing manual review.
    Transient,
    /// Someone must change a setting.
    Configuration,
    /// Manual review by Connectivity.
    System,
}

impl FailureKind {
    pub const ALL: [Self; 3] = [Self::Transient, Self::Configuration, Self::System];

    /// The spelling SELLER-API.md records (`config`, not `configuration`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Configuration => "config",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a configuration failure's fix lives, which decides the status:
/// a value of *this access* or an action of the seller can be fixed through
/// the seller's fix link (Pending Seller); the seller's *registration* in
/// frontdesk (schema, registered endpoint) only by an administrator
/// (Not Working).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigFix {
    AccessOrSeller,
    Registration,
}

/// A step's failure as far as the status is concerned; the code, message
/// and timings are recorded by the runner, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StepFailure {
    /// Still failing after the last retry.
    Transient,
    Configuration {
        fix: ConfigFix,
    },
    System,
}

impl StepFailure {
    pub fn kind(self) -> FailureKind {
        match self {
            Self::Transient => FailureKind::Transient,
            Self::Configuration { .. } => FailureKind::Configuration,
            Self::System => FailureKind::System,
        }
    }

    /// What this failure gives the run when it is the deciding one.
    pub fn summary(self) -> RunSummary {
        match self {
            Self::Configuration {
                fix: ConfigFix::AccessOrSeller,
            } => RunSummary::NeedsAccessFix,
            Self::Configuration {
                fix: ConfigFix::Registration,
            } => RunSummary::NeedsRegistrationFix,
            Self::Transient | Self::System => RunSummary::Failed,
        }
    }
}

/// The outcome of one step of a finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum StepOutcome {
    Passed,
    Failed {
        failure: StepFailure,
    },
    /// Not run, because an earlier step failed.
    Skipped,
}

/// What a finished run means for the access: the input of
/// [`super::AccessEvent::RunFinished`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunSummary {
    /// Every required step passed.
    AllPassed,
    /// A configuration failure the seller (or buyer) fixes in the access.
    NeedsAccessFix,
    /// A configuration failure in the seller's registration in frontdesk.
    NeedsRegistrationFix,
    /// A system failure, or a transient one that outlived its retries.
    Failed,
}

impl RunSummary {
    pub const ALL: [Self; 4] = [
        Self::AllPassed,
        Self::NeedsAccessFix,
        Self::NeedsRegistrationFix,
        Self::Failed,
    ];

    /// The access status a run with this summary leads to.
    pub fn status(self) -> AccessStatus {
        match self {
            Self::AllPassed => AccessStatus::Working,
            Self::NeedsAccessFix => AccessStatus::PendingSeller,
            Self::NeedsRegistrationFix | Self::Failed => AccessStatus::NotWorking,
        }
    }

    /// Summarises recorded step outcomes: the first failure decides; with
    /// none, the run passes only if every step of [`StepName::ALL`] passed.
    /// A run that skipped or lost a step without any failure is a runner bug,
    /// so it is `Failed` (manual review) rather than trusted.
    pub fn of(steps: &[(StepName, StepOutcome)]) -> Self {
        if let Some(failure) = steps.iter().find_map(|(_, o)| match o {
            StepOutcome::Failed { failure } => Some(*failure),
            _ => None,
        }) {
            return failure.summary();
        }
        let all_passed = StepName::ALL.iter().all(|name| {
            steps
                .iter()
                .any(|(n, o)| n == name && *o == StepOutcome::Passed)
        });
        if all_passed {
            Self::AllPassed
        } else {
            Self::Failed
        }
    }
}
