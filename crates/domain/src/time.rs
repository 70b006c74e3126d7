//! Instants and durations as plain integers: the domain never reads a clock,
//! it is handed `now`.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// A span of time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Duration(pub i64);

impl Duration {
    pub const fn seconds(s: i64) -> Self {
        Self(s * 1000)
    }
    pub const fn days(d: i64) -> Self {
        Self::seconds(d * 86_400)
    }
    pub const fn as_seconds(self) -> i64 {
        self.0 / 1000
    }
}

impl Timestamp {
    pub const fn millis(self) -> i64 {
        self.0
    }
    /// Saturating, so absurd configuration cannot overflow.
    pub const fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d.0))
    }
}
