//! The timer sweep: applies every due lifecycle timer exactly once.

use crate::cases::{ActorRef, Change, Plan, write_plan};
use crate::notify::NoticeInput;
use crate::{App, AppResult};
use frontdesk_domain::cases::{CaseState, Event, Rejection, decide};
use frontdesk_domain::{CaseId, Timestamp};
use std::collections::HashMap;

/// Timers taken per transaction: large enough to amortise the commit and
/// the statements, small enough to keep the write lock short.
const BATCH: i64 = 4096;

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
            let mut ids: Vec<_> = due.iter().map(|t| t.case_id).collect();
            ids.sort();
            ids.dedup();
            let mut cases: HashMap<_, _> = tx
                .cases_for_system_update(&ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect();
            let participants = tx.participants_of(&ids).await?;
            let policy = self.policy();
            let mut plan = Plan::default();
            // `due` is in due order, so two timers of one case apply in turn.
            for timer in &due {
                let Some(case) = cases.get(&timer.case_id) else {
                    continue;
                };
                let event = Event::TimerFired {
                    kind: timer.kind,
                    epoch: timer.epoch,
                };
                let transition = match decide(case.state(), event, now, &policy) {
                    Ok(t) => t,
                    Err(Rejection::StaleTimer) => continue,
                    Err(other) => {
                        tracing::warn!(case_id = case.id.0, error = %other, "timer refused");
                        continue;
                    }
                };
                let new_state = transition.state;
                let detail =
                    serde_json::json!({ "timer": timer.kind.as_str(), "due_at": timer.due_at.0 });
                let change = Change {
                    case,
                    transition,
                    actor: &actor,
                    kind: "timer_fired",
                    detail,
                    notice: NoticeInput::default(),
                };
                let empty = Vec::new();
                self.plan(
                    &mut plan,
                    change,
                    participants.get(&timer.case_id).unwrap_or(&empty),
                    now,
                );
                if let Some(case) = cases.get_mut(&timer.case_id) {
                    case.status = new_state.status;
                    case.epoch = new_state.epoch;
                }
                applied += 1;
            }
            plan.states = merge_states(std::mem::take(&mut plan.states));
            write_plan(&mut tx, &plan, now).await?;
            tx.commit().await?;
            metrics::counter!("frontdesk_timers_fired_total").increment(due.len() as u64);
            self.wake.notify_one();
            if (due.len() as i64) < BATCH {
                return Ok(applied);
            }
        }
    }
}

/// A case changed twice in one batch is saved once: its last state, marked
/// changed if any step changed the status. Keeps first-seen order; indexed
/// so a large batch stays linear.
fn merge_states(states: Vec<(CaseId, CaseState, bool)>) -> Vec<(CaseId, CaseState, bool)> {
    let mut at: HashMap<CaseId, usize> = HashMap::with_capacity(states.len());
    let mut merged: Vec<(CaseId, CaseState, bool)> = Vec::with_capacity(states.len());
    for (id, state, changed) in states {
        match at.get(&id) {
            Some(&i) => merged[i] = (id, state, merged[i].2 || changed),
            None => {
                at.insert(id, merged.len());
                merged.push((id, state, changed));
            }
        }
    }
    merged
}
