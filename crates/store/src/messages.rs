//! The conversation of a case (public messages and internal notes) and its attachments.

use crate::sql::{flag, int, opt_int, opt_text, text};
use crate::{Store, StoreResult, Tx};
use frontdesk_domain::cases::Actor;
use frontdesk_domain::{AttachmentId, CaseId, MessageId, Timestamp, UserId};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub case_id: CaseId,
    pub author_id: Option<UserId>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub side: Actor,
    pub internal: bool,
    pub body: String,
    /// Where it came from: `portal`, `api`, `email`, `system`, `assistant`.
    pub source: &'static str,
    /// The inbound mail it came in (its original stays available to staff).
    pub inbound_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: MessageId,
    pub case_id: CaseId,
    pub author_id: Option<UserId>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub side: Actor,
    pub internal: bool,
    pub body: String,
    pub source: String,
    pub inbound_id: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: AttachmentId,
    pub case_id: CaseId,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
}

fn side_str(side: Actor) -> &'static str {
    match side {
        Actor::Partner => "partner",
        Actor::Staff => "staff",
        Actor::System => "system",
    }
}

fn side_parse(s: &str) -> Option<Actor> {
    match s {
        "partner" => Some(Actor::Partner),
        "staff" => Some(Actor::Staff),
        "system" => Some(Actor::System),
        _ => None,
    }
}

fn message_from(row: &AnyRow) -> StoreResult<MessageRecord> {
    Ok(MessageRecord {
        id: MessageId(int(row, "id")?),
        case_id: CaseId(int(row, "case_id")?),
        author_id: opt_int(row, "author_id")?.map(UserId),
        author_name: text(row, "author_name")?,
        author_email: opt_text(row, "author_email")?,
        side: crate::sql::parsed(row, "side", side_parse)?,
        internal: flag(row, "internal")?,
        body: text(row, "body")?,
        source: text(row, "source")?,
        inbound_id: opt_int(row, "inbound_id")?,
        created_at: Timestamp(int(row, "created_at")?),
    })
}

fn attachment_from(row: &AnyRow) -> StoreResult<AttachmentRecord> {
    Ok(AttachmentRecord {
        id: AttachmentId(int(row, "id")?),
        case_id: CaseId(int(row, "case_id")?),
        file_name: text(row, "file_name")?,
        content_type: text(row, "content_type")?,
        size: int(row, "size")?,
        sha256: text(row, "sha256")?,
        blob_key: text(row, "blob_key")?,
        uploaded_by: opt_int(row, "uploaded_by")?.map(UserId),
        created_at: Timestamp(int(row, "created_at")?),
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, case_id, file_name, content_type, size, sha256, blob_key, uploaded_by, created_at";

impl Store {
    /// Messages of cases already checked against the caller's scope, oldest
    /// first; internal notes only when asked (staff).
    pub async fn messages(
        &self,
        cases: &[CaseId],
        include_internal: bool,
    ) -> StoreResult<Vec<MessageRecord>> {
        let mut out = Vec::new();
        for case in cases {
            let sql = if include_internal {
                "SELECT * FROM case_messages WHERE case_id = $1 ORDER BY id"
            } else {
                "SELECT * FROM case_messages WHERE case_id = $1 AND internal = FALSE ORDER BY id"
            };
            let rows = sqlx::query(sql).bind(case.0).fetch_all(&self.read).await?;
            for row in &rows {
                out.push(message_from(row)?);
            }
        }
        Ok(out)
    }

    pub async fn attachments(&self, case: CaseId) -> StoreResult<Vec<AttachmentRecord>> {
        let sql =
            format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE case_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(case.0).fetch_all(&self.read).await?;
        rows.iter().map(attachment_from).collect()
    }

    pub async fn attachment(
        &self,
        case: CaseId,
        id: AttachmentId,
    ) -> StoreResult<Option<AttachmentRecord>> {
        let sql =
            format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE case_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(case.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(attachment_from).transpose()
    }
}

impl Tx {
    pub async fn insert_message(
        &mut self,
        m: &NewMessage,
        now: Timestamp,
    ) -> StoreResult<MessageId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_messages (case_id, author_id, author_name, author_email, side, \
             internal, body, source, created_at, inbound_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(m.case_id.0)
        .bind(m.author_id.map(|u| u.0))
        .bind(&m.author_name)
        .bind(m.author_email.as_deref())
        .bind(side_str(m.side))
        .bind(m.internal)
        .bind(&m.body)
        .bind(m.source)
        .bind(now.0)
        .bind(m.inbound_id)
        .fetch_one(self.conn())
        .await?;
        Ok(MessageId(id))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_attachment(
        &mut self,
        case: CaseId,
        file_name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
        blob_key: &str,
        uploaded_by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<AttachmentId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (case_id, file_name, content_type, size, sha256, blob_key, \
             uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(case.0)
        .bind(file_name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(blob_key)
        .bind(uploaded_by.map(|u| u.0))
        .bind(now.0)
        .fetch_one(self.conn())
        .await?;
        Ok(AttachmentId(id))
    }
}
