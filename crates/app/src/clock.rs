//! The one source of "now". Tests and `serve --dev-clock` move it forward;
//! production reads the system clock.

use frontdesk_domain::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug)]
pub struct Clock {
    /// A fixed starting instant (tests), or `None` for the system clock.
    base: Option<i64>,
    /// Milliseconds added by `advance`.
    offset: AtomicI64,
    adjustable: bool,
}

impl Clock {
    pub fn system() -> Self {
        Self {
            base: None,
            offset: AtomicI64::new(0),
            adjustable: false,
        }
    }

    /// The system clock, movable forward with `advance` (`--dev-clock`).
    pub fn dev() -> Self {
        Self {
            base: None,
            offset: AtomicI64::new(0),
            adjustable: true,
        }
    }

    /// Frozen at `start` until advanced: for deterministic tests.
    pub fn manual(start: Timestamp) -> Self {
        Self {
            base: Some(start.0),
            offset: AtomicI64::new(0),
            adjustable: true,
        }
    }

    pub fn now(&self) -> Timestamp {
        let base = self.base.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        });
        Timestamp(base + self.offset.load(Ordering::SeqCst))
    }

    pub fn is_adjustable(&self) -> bool {
        self.adjustable
    }

    /// Moves time forward; refused (false) on the production clock.
    pub fn advance(&self, seconds: i64) -> bool {
        if !self.adjustable || seconds < 0 {
            return false;
        }
        self.offset
            .fetch_add(seconds.saturating_mul(1000), Ordering::SeqCst);
        true
    }
}
