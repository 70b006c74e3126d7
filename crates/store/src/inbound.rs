//! Inbound mail as it arrived: stored once per Message-ID, with what became
//! of it, and held mail waiting for staff.

use crate::sql::{int, opt_int, text};
use crate::{Store, StoreResult, Tx};
use frontdesk_domain::{CaseId, Timestamp, UserId};
use sqlx::any::AnyRow;

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Added to a case as a message.
    Appended,
    /// Opened a new case.
    Created,
    /// Sent to a closed case: answered with how to reopen it.
    AnsweredClosed,
    /// Automatic mail (auto-reply, bounce, list): kept, nothing done.
    Ignored,
    /// Waiting for staff: not allowed into a case, or not understood.
    Held,
    /// Held, then let in by staff.
    Released,
    /// Held, then thrown away by staff.
    Discarded,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appended => "appended",
            Self::Created => "created",
            Self::AnsweredClosed => "answered_closed",
            Self::Ignored => "ignored",
            Self::Held => "held",
            Self::Released => "released",
            Self::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "appended" => Self::Appended,
            "created" => Self::Created,
            "answered_closed" => Self::AnsweredClosed,
            "ignored" => Self::Ignored,
            "held" => Self::Held,
            "released" => Self::Released,
            "discarded" => Self::Discarded,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewInbound {
    pub message_id: String,
    pub channel: &'static str,
    pub sender: String,
    pub subject: String,
    pub outcome: Outcome,
    pub reason: String,
    pub case_id: Option<CaseId>,
    pub raw_key: String,
    pub raw_size: i64,
}

#[derive(Debug, Clone)]
pub struct InboundRecord {
    pub id: i64,
    pub message_id: String,
    pub channel: String,
    pub sender: String,
    pub subject: String,
    pub outcome: Outcome,
    pub reason: String,
    pub case_id: Option<CaseId>,
    pub raw_key: String,
    pub raw_size: i64,
    pub received_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<UserId>,
}

fn inbound_from(row: &AnyRow) -> StoreResult<InboundRecord> {
    Ok(InboundRecord {
        id: int(row, "id")?,
        message_id: text(row, "message_id")?,
        channel: text(row, "channel")?,
        sender: text(row, "sender")?,
        subject: text(row, "subject")?,
        outcome: crate::sql::parsed(row, "outcome", Outcome::parse)?,
        reason: text(row, "reason")?,
        case_id: opt_int(row, "case_id")?.map(CaseId),
        raw_key: text(row, "raw_key")?,
        raw_size: int(row, "raw_size")?,
        received_at: Timestamp(int(row, "received_at")?),
        resolved_at: opt_int(row, "resolved_at")?.map(Timestamp),
        resolved_by: opt_int(row, "resolved_by")?.map(UserId),
    })
}

const COLUMNS: &str = "id, message_id, channel, sender, subject, outcome, reason, case_id, \
     raw_key, raw_size, received_at, resolved_at, resolved_by";

impl Store {
    /// The stored message with this Message-ID, if it arrived before.
    pub async fn inbound_by_message_id(
        &self,
        message_id: &str,
    ) -> StoreResult<Option<InboundRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM inbound_mail WHERE message_id = $1");
        let row = sqlx::query(&sql)
            .bind(message_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(inbound_from).transpose()
    }

    pub async fn inbound(&self, id: i64) -> StoreResult<Option<InboundRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM inbound_mail WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(inbound_from).transpose()
    }

    /// The case an earlier inbound message with one of these Message-IDs
    /// went to (threads that continue a partner's own mail).
    pub async fn case_of_inbound_ids(&self, ids: &[String]) -> StoreResult<Option<CaseId>> {
        for id in ids.iter().take(50) {
            let case: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT case_id FROM inbound_mail WHERE message_id = $1 \
                 AND outcome IN ('appended', 'created', 'released')",
            )
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
            if let Some(Some(c)) = case {
                return Ok(Some(CaseId(c)));
            }
        }
        Ok(None)
    }

    /// Inbound mail with an outcome, newest first, keyset-paginated by id.
    pub async fn inbound_list(
        &self,
        outcome: Outcome,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<InboundRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM inbound_mail WHERE outcome = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(outcome.as_str())
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, 500))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(inbound_from).collect()
    }
}

impl Tx {
    /// Records an arrived message; `Conflict` when its Message-ID is
    /// already stored (a redelivery).
    pub async fn insert_inbound(&mut self, m: &NewInbound, now: Timestamp) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inbound_mail (message_id, channel, sender, subject, outcome, reason, \
             case_id, raw_key, raw_size, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&m.message_id)
        .bind(m.channel)
        .bind(&m.sender)
        .bind(&m.subject)
        .bind(m.outcome.as_str())
        .bind(&m.reason)
        .bind(m.case_id.map(|c| c.0))
        .bind(&m.raw_key)
        .bind(m.raw_size)
        .bind(now.0)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// A held message, locked for review; `None` unless it is still held.
    pub async fn held_for_update(&mut self, id: i64) -> StoreResult<Option<InboundRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM inbound_mail WHERE id = $1 AND outcome = 'held'{}",
            self.backend.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(inbound_from).transpose()
    }

    /// Settles a held message (released into `case`, or discarded).
    pub async fn resolve_inbound(
        &mut self,
        id: i64,
        outcome: Outcome,
        case: Option<CaseId>,
        by: UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inbound_mail SET outcome = $1, case_id = COALESCE($2, case_id), \
             resolved_at = $3, resolved_by = $4 WHERE id = $5",
        )
        .bind(outcome.as_str())
        .bind(case.map(|c| c.0))
        .bind(now.0)
        .bind(by.0)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
