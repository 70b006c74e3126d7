//! The transactional outbox: mail written with the change it announces,
//! delivered later by a worker holding a lease on each row.

use crate::sql::{Param, SqlBuilder, int, opt_int, opt_text, text};
use crate::{Store, StoreResult, Tx};
use frontdesk_domain::{CaseId, Timestamp};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewMail {
    pub case_id: Option<CaseId>,
    /// The notice it carries, e.g. `received`, `reminder_1`.
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    /// What the notice mentions, as JSON; rendered at delivery.
    pub context: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Pending,
    Sent,
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutboxMail {
    pub id: i64,
    pub case_id: Option<CaseId>,
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub context: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub status: MailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

fn mail_from(row: &AnyRow) -> StoreResult<OutboxMail> {
    let list = |col: &str| -> StoreResult<Vec<String>> {
        serde_json::from_str(&text(row, col)?)
            .map_err(|e| crate::StoreError::Corrupt(format!("outbox.{col}: {e}")))
    };
    Ok(OutboxMail {
        id: int(row, "id")?,
        case_id: opt_int(row, "case_id")?.map(CaseId),
        kind: text(row, "kind")?,
        recipients: list("recipients")?,
        subject: text(row, "subject")?,
        context: text(row, "context")?,
        message_id: text(row, "message_id")?,
        in_reply_to: opt_text(row, "in_reply_to")?,
        references: list("refs")?,
        status: crate::sql::parsed(row, "status", MailStatus::parse)?,
        attempts: int(row, "attempts")?,
        last_error: opt_text(row, "last_error")?,
        created_at: Timestamp(int(row, "created_at")?),
        sent_at: opt_int(row, "sent_at")?.map(Timestamp),
    })
}

const MAIL_COLUMNS: &str = "id, case_id, kind, recipients, subject, context, \
     message_id, in_reply_to, refs, status, attempts, last_error, created_at, sent_at";

/// Filter for the staff outbox view.
#[derive(Debug, Clone, Default)]
pub struct OutboxQuery {
    pub case_id: Option<CaseId>,
    pub status: Option<MailStatus>,
    /// Newest first; continue below this id.
    pub before_id: Option<i64>,
    pub limit: u32,
}

impl Store {
    pub async fn outbox(&self, q: &OutboxQuery) -> StoreResult<Vec<OutboxMail>> {
        let mut sql = SqlBuilder::new(
            self.backend,
            &format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE 1 = 1"),
        );
        if let Some(case) = q.case_id {
            sql.push(" AND case_id = ").bind(Param::Int(case.0));
        }
        if let Some(status) = q.status {
            sql.push(" AND status = ")
                .bind(Param::Text(status.as_str().to_owned()));
        }
        if let Some(id) = q.before_id {
            sql.push(" AND id < ").bind(Param::Int(id));
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(Param::Int(i64::from(q.limit.clamp(1, 200))));
        let rows = sql.query().fetch_all(&self.read).await?;
        rows.iter().map(mail_from).collect()
    }

    /// Leases up to `limit` deliverable mails until `lease_until`.
    pub async fn claim_mail(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMail>> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE outbox SET lease_until = $1 WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= $2 \
             AND (lease_until IS NULL OR lease_until <= $2) ORDER BY next_attempt_at, id LIMIT $3{}) \
             RETURNING {MAIL_COLUMNS}",
            tx.backend.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(lease_until.0)
            .bind(now.0)
            .bind(limit)
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        let mut mails = rows
            .iter()
            .map(mail_from)
            .collect::<StoreResult<Vec<_>>>()?;
        mails.sort_by_key(|m| m.id);
        Ok(mails)
    }

    pub async fn mark_mail_sent(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
             lease_until = NULL, last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Records a failed attempt: retried at `retry_at`, or given up when `None`.
    pub async fn mark_mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (status, next) = match retry_at {
            Some(at) => ("pending", at.0),
            None => ("failed", 0),
        };
        sqlx::query(
            "UPDATE outbox SET status = $2, attempts = attempts + 1, lease_until = NULL, \
             last_error = $3, next_attempt_at = CASE WHEN $4 = 0 THEN next_attempt_at ELSE $4 END \
             WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(next)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    pub async fn pending_mail_count(&self) -> StoreResult<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            .fetch_one(&self.read)
            .await?;
        Ok(n)
    }
}

impl Tx {
    /// Queues mails in one statement, in the caller's transaction.
    pub async fn enqueue_mail(&mut self, mails: &[NewMail], now: Timestamp) -> StoreResult<()> {
        for chunk in mails.chunks(200) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO outbox (case_id, kind, recipients, subject, context, \
                 message_id, in_reply_to, refs, status, attempts, next_attempt_at, created_at) VALUES ",
            );
            for (i, m) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                match m.case_id {
                    Some(c) => sql.bind(Param::Int(c.0)),
                    None => sql.push("NULL"),
                };
                for value in [
                    m.kind.clone(),
                    json_list(&m.recipients),
                    m.subject.clone(),
                    m.context.clone(),
                    m.message_id.clone(),
                ] {
                    sql.push(", ").bind(Param::Text(value));
                }
                sql.push(", ");
                match &m.in_reply_to {
                    Some(r) => sql.bind(Param::Text(r.clone())),
                    None => sql.push("NULL"),
                };
                sql.push(", ").bind(Param::Text(json_list(&m.references)));
                sql.push(", 'pending', 0, ").bind(Param::Int(now.0));
                sql.push(", ").bind(Param::Int(now.0)).push(")");
            }
            sql.query().execute(self.conn()).await?;
        }
        Ok(())
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}
