//! The timer sweep: applies every due lifecycle timer exactly once.

use crate::cases::{ActorRef, Change};
use crate::notify::NoticeInput;
use crate::{App, AppResult};
use frontdesk_domain::Timestamp;
use frontdesk_domain::cases::{Event, Rejection, decide};
use frontdesk_store::CaseScope;

/// Timers taken per transaction: large enough to amortise the commit,
/// small enough to keep the write lock short.
const BATCH: i64 = 256;

impl App {
    /// Applies timers due at `now`; returns how many changed a case. Each
    /// batch takes (deletes) its timers and writes their effects in one
    /// transaction, so a crash repeats nothing and loses nothing.
    pub async fn sweep_timers(&self, now: Timestamp) -> AppResult<usize> {
        let actor = ActorRef::system();
        let mut applied = 0;
        loop {
            let mut tx = self.store.begin().await?;
            let due = tx.take_due_timers(now, BATCH).await?;
            if due.is_empty() {
                return Ok(applied);
            }
            for timer in &due {
                let Some(case) = tx.case_for_update(CaseScope::Staff, timer.case_id).await? else {
                    continue;
                };
                let event = Event::TimerFired {
                    kind: timer.kind,
                    epoch: timer.epoch,
                };
                let transition = match decide(case.state(), event, now, &self.policy) {
                    Ok(t) => t,
                    Err(Rejection::StaleTimer) => continue,
                    Err(other) => {
                        tracing::warn!(case_id = case.id.0, error = %other, "timer refused");
                        continue;
                    }
                };
                let detail =
                    serde_json::json!({ "timer": timer.kind.as_str(), "due_at": timer.due_at.0 });
                let change = Change {
                    case: &case,
                    transition,
                    actor: &actor,
                    kind: "timer_fired",
                    detail,
                    notice: NoticeInput::default(),
                };
                self.apply(&mut tx, change, now).await?;
                applied += 1;
            }
            tx.commit().await?;
            metrics::counter!("frontdesk_timers_fired_total").increment(due.len() as u64);
            if (due.len() as i64) < BATCH {
                self.wake.notify_one();
                return Ok(applied);
            }
        }
    }
}
