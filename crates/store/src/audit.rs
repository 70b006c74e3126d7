//! The audit trail of cases.

use crate::sql::{Param, SqlBuilder, int, opt_int, text};
use crate::{Store, StoreResult, Tx};
use frontdesk_domain::{CaseId, Timestamp, UserId};

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub case_id: CaseId,
    pub actor_id: Option<UserId>,
    /// `partner`, `staff` or `system`.
    pub actor: &'static str,
    /// What happened, e.g. `created`, `status_changed`, `timer_fired`.
    pub kind: &'static str,
    /// Details as a JSON object.
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: i64,
    pub actor_id: Option<UserId>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
    pub created_at: Timestamp,
}

impl Store {
    pub async fn events(&self, case: CaseId) -> StoreResult<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT id, actor_id, actor, kind, detail, created_at FROM case_events \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(case.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRecord {
                    id: int(r, "id")?,
                    actor_id: opt_int(r, "actor_id")?.map(UserId),
                    actor: text(r, "actor")?,
                    kind: text(r, "kind")?,
                    detail: text(r, "detail")?,
                    created_at: Timestamp(int(r, "created_at")?),
                })
            })
            .collect()
    }
}

impl Tx {
    /// Records events in one statement.
    pub async fn record_events(&mut self, events: &[NewEvent], now: Timestamp) -> StoreResult<()> {
        for chunk in events.chunks(500) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO case_events (case_id, actor_id, actor, kind, detail, created_at) VALUES ",
            );
            for (i, e) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(e.case_id.0)).push(", ");
                match e.actor_id {
                    Some(u) => sql.bind(Param::Int(u.0)),
                    None => sql.push("NULL"),
                };
                sql.push(", ")
                    .bind(Param::Text(e.actor.to_owned()))
                    .push(", ");
                sql.bind(Param::Text(e.kind.to_owned())).push(", ");
                sql.bind(Param::Text(e.detail.to_string())).push(", ");
                sql.bind(Param::Int(now.0)).push(")");
            }
            sql.query().execute(self.conn()).await?;
        }
        Ok(())
    }
}
