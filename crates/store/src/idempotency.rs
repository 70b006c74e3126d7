//! Stored responses of creating calls, keyed by (user, Idempotency-Key).

use crate::sql::{int, text};
use crate::{StoreError, StoreResult, Tx};
use frontdesk_domain::{Timestamp, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

impl Tx {
    pub async fn idempotent_response(
        &mut self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT request_hash, status_code, response FROM idempotency WHERE user_id = $1 AND key = $2",
        )
        .bind(user.0)
        .bind(key)
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| {
            Ok(StoredResponse {
                request_hash: text(&r, "request_hash")?,
                status: u16::try_from(int(&r, "status_code")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                body: text(&r, "response")?,
            })
        })
        .transpose()
    }

    /// Saves the response with the effect; a concurrent duplicate fails with `Conflict`.
    pub async fn save_idempotent_response(
        &mut self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO idempotency (user_id, key, request_hash, status_code, response, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user.0)
        .bind(key)
        .bind(&response.request_hash)
        .bind(i64::from(response.status))
        .bind(&response.body)
        .bind(now.0)
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}
