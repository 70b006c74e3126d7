//! Durable lifecycle timers.
//!
//! A due timer is taken by deleting it inside the transaction that applies
//! its effect, holding its case: if that transaction fails, the timer is
//! still there; if it commits, nobody can take it again. On PostgreSQL
//! `SKIP LOCKED` on the cases lets several replicas sweep side by side;
//! SQLite's single writer serializes.
//!
//! Connections' timers live in the same table, on the access's case, with
//! kinds prefixed `access.` (see `connections.rs`); the case sweep leaves
//! them alone.

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
            "SELECT id, case_id, kind, epoch, due_at FROM timers WHERE case_id = $1 \
             AND kind NOT LIKE 'access.%' ORDER BY due_at",
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

    /// Removes and returns the due timers of up to `limit` cases (the
    /// cases with the oldest due timers), locking those cases. The caller
    /// must apply them in this same transaction.
    ///
    /// The case row is the lock: every writer of a case's timers (a sweep,
    /// a partner's reply) holds the case first, so two sweepers never wait
    /// on each other's timer rows; on PostgreSQL a case another sweeper
    /// holds is skipped.
    pub async fn take_due_timers(&mut self, now: Timestamp, limit: i64) -> StoreResult<Vec<Timer>> {
        let rows = self.take_due_rows(now, limit, false).await?;
        let mut timers = rows
            .iter()
            .map(timer_from)
            .collect::<StoreResult<Vec<_>>>()?;
        timers.sort_by_key(|t| (t.due_at, t.id));
        Ok(timers)
    }

    /// Deletes and returns the due timer rows of up to `limit` cases,
    /// holding those cases: the support lifecycle's (`access` false) or
    /// Connections' (`access.` kinds). See [`Tx::take_due_timers`].
    pub(crate) async fn take_due_rows(
        &mut self,
        now: Timestamp,
        limit: i64,
        access: bool,
    ) -> StoreResult<Vec<AnyRow>> {
        let lock = match self.backend {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => " FOR UPDATE OF c SKIP LOCKED",
        };
        let kinds = if access {
            "kind LIKE 'access.%'"
        } else {
            "kind NOT LIKE 'access.%'"
        };
        let sql = format!(
            "SELECT c.id FROM cases c WHERE c.id IN (SELECT t.case_id FROM timers t \
             WHERE t.due_at <= $1 AND t.{kinds} ORDER BY t.due_at, t.id LIMIT $2) \
             ORDER BY c.id{lock}"
        );
        let cases: Vec<i64> = sqlx::query_scalar(&sql)
            .bind(now.0)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        let mut rows = Vec::new();
        for chunk in cases.chunks(500) {
            let mut sql = SqlBuilder::new(self.backend, "DELETE FROM timers WHERE due_at <= ");
            sql.bind(Param::Int(now.0))
                .push(&format!(" AND {kinds} AND case_id IN ("));
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Int(*id));
            }
            sql.push(") RETURNING id, case_id, kind, epoch, due_at");
            rows.extend(sql.query().fetch_all(self.conn()).await?);
        }
        Ok(rows)
    }
}
