//! Settings an administrator changes at run time (the timer policy), as
//! JSON values by key. Absent means "as configured".

use crate::{Store, StoreResult, Tx};
use frontdesk_domain::{Timestamp, UserId};

impl Store {
    /// The stored value of `key`, if an administrator set one.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.read)
                .await?,
        )
    }
}

impl Tx {
    pub async fn put_setting(
        &mut self,
        key: &str,
        value: &str,
        by: UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(by.0)
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Back to the configured value.
    pub async fn delete_setting(&mut self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
