//! Durable lifecycle timers.
//!
//! A due timer is taken by deleting it inside the transaction that applies
//! its effect: if that transaction fails, the timer is still there; if it
//! commits, nobody can take it again. On PostgreSQL `SKIP LOCKED` lets
//! several replicas sweep side by side; SQLite's single writer serializes.

use crate::sql::{Param, SqlBuilder, int, parsed};
use crate::{Store, StoreResult, Tx};
use frontdesk_domain::cases::TimerKind;
use frontdesk_domain::{CaseId, Timestamp};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub id: i64,
    pub case_id: CaseId,
    pub kind: TimerKind,
    pub epoch: i64,
    pub due_at: Timestamp,
}

fn timer_from(row: &AnyRow) -> StoreResult<Timer> {
    Ok(Timer {
        id: int(row, "id")?,
        case_id: CaseId(int(row, "case_id")?),
        kind: parsed(row, "kind", TimerKind::parse)?,
        epoch: int(row, "epoch")?,
        due_at: Timestamp(int(row, "due_at")?),
    })
}

impl Store {
    pub async fn timers(&self, case: CaseId) -> StoreResult<Vec<Timer>> {
        let rows = sqlx::query(
            "SELECT id, case_id, kind, epoch, due_at FROM timers WHERE case_id = $1 ORDER BY due_at",
        )
        .bind(case.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(timer_from).collect()
    }

    /// When the next timer comes due, so the worker can sleep until then.
    pub async fn next_timer_due(&self) -> StoreResult<Option<Timestamp>> {
        let due: Option<i64> = sqlx::query_scalar("SELECT MIN(due_at) FROM timers")
            .fetch_one(&self.read)
            .await?;
        Ok(due.map(Timestamp))
    }
}

impl Tx {
    pub async fn cancel_timers(&mut self, cases: &[CaseId]) -> StoreResult<()> {
        for chunk in cases.chunks(500) {
            let mut sql = SqlBuilder::new(self.backend, "DELETE FROM timers WHERE case_id IN (");
            for (i, c) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Int(c.0));
            }
            sql.push(")");
            sql.query().execute(self.conn()).await?;
        }
        Ok(())
    }

    pub async fn schedule_timers(
        &mut self,
        timers: &[(CaseId, TimerKind, i64, Timestamp)],
    ) -> StoreResult<()> {
        for chunk in timers.chunks(500) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO timers (case_id, kind, epoch, due_at) VALUES ",
            );
            for (i, (case, kind, epoch, due)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(case.0)).push(", ");
                sql.bind(Param::Text(kind.as_str().to_owned())).push(", ");
                sql.bind(Param::Int(*epoch)).push(", ");
                sql.bind(Param::Int(due.0)).push(")");
            }
            sql.query().execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Removes and returns up to `limit` timers due at `now`, oldest first.
    /// The caller must apply them in this same transaction.
    pub async fn take_due_timers(&mut self, now: Timestamp, limit: i64) -> StoreResult<Vec<Timer>> {
        let sql = format!(
            "DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE due_at <= $1 \
             ORDER BY due_at, id LIMIT $2{}) RETURNING id, case_id, kind, epoch, due_at",
            self.backend.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(now.0)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        let mut timers = rows
            .iter()
            .map(timer_from)
            .collect::<StoreResult<Vec<_>>>()?;
        timers.sort_by_key(|t| (t.due_at, t.id));
        Ok(timers)
    }
}
