//! Log files and other attachments of a case.

use super::refused;
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::cases::Rejection;
use frontdesk_domain::{AttachmentId, CaseId};
use frontdesk_store::audit::NewEvent;
use frontdesk_store::messages::AttachmentRecord;

/// An attachment's bytes with what a download needs.
#[derive(Debug)]
pub struct Download {
    pub record: AttachmentRecord,
    pub bytes: Vec<u8>,
}

/// Keeps a file name safe to show and to put in a header: no paths, no
/// control characters, at most 200 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

impl App {
    pub async fn add_attachment(
        &self,
        caller: &Caller,
        id: CaseId,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> AppResult<AttachmentRecord> {
        let scope = caller.case_scope()?;
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "the file is empty"));
        }
        if bytes.len() > self.config.limits.max_upload_bytes {
            return Err(AppError::TooLarge(format!(
                "attachments are limited to {} bytes",
                self.config.limits.max_upload_bytes
            )));
        }
        let name = clean_file_name(file_name);
        let content_type = if content_type.is_empty()
            || content_type.len() > 100
            || content_type.contains(['\r', '\n'])
        {
            "application/octet-stream"
        } else {
            content_type
        };
        // Check before writing bytes, then again under the lock.
        let case = self
            .store
            .case(scope, id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        if case.status.is_closed() {
            return Err(refused(Rejection::Closed));
        }
        let (key, sha) = self.blobs.put(bytes).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let case = tx
            .case_for_update(scope, id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        if case.status.is_closed() {
            return Err(refused(Rejection::Closed));
        }
        let size = i64::try_from(bytes.len()).map_err(|e| AppError::Internal(e.to_string()))?;
        let att = tx
            .insert_attachment(
                case.id,
                &name,
                content_type,
                size,
                &sha,
                &key,
                Some(caller.user.id),
                now,
            )
            .await?;
        tx.save_case_state(case.id, case.state(), false, now)
            .await?;
        tx.record_events(
            &[NewEvent {
                case_id: case.id,
                actor_id: Some(caller.user.id),
                actor: if caller.is_staff() { "staff" } else { "partner" },
                kind: "attachment_added",
                detail: serde_json::json!({ "attachment_id": att.0, "file_name": name, "size": size }),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        self.store
            .attachment(case.id, att)
            .await?
            .ok_or_else(|| AppError::Internal("attachment vanished after commit".into()))
    }

    pub async fn attachment(
        &self,
        caller: &Caller,
        id: CaseId,
        att: AttachmentId,
    ) -> AppResult<Download> {
        let scope = caller.case_scope()?;
        let case = self
            .store
            .case(scope, id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        let record = self
            .store
            .attachment(case.id, att)
            .await?
            .ok_or(AppError::NotFound("attachment"))?;
        let bytes = self.blobs.get(&record.blob_key).await?;
        Ok(Download { record, bytes })
    }
}
