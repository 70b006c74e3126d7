//! Sign-in sessions and API tokens, stored only as SHA-256 digests.

use crate::sql::{int, opt_int, text};
use crate::users::{USER_COLUMNS, User, user_from};
use crate::{Store, StoreError, StoreResult, Tx};
use frontdesk_domain::{Timestamp, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Made by signing in; expires.
    Session,
    /// Made by an administrator for a client program.
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Api => "api",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub expires_at: Option<Timestamp>,
}

impl Store {
    /// The active user a token digest belongs to, unless it expired.
    pub async fn authenticate(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(User, TokenInfo)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.name AS token_name, t.expires_at \
             FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.active = TRUE \
             AND (t.expires_at IS NULL OR t.expires_at > $2)"
        );
        let row = sqlx::query(&sql)
            .bind(digest)
            .bind(now.0)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let info = TokenInfo {
            id: int(&row, "token_id")?,
            name: text(&row, "token_name")?,
            expires_at: opt_int(&row, "expires_at")?.map(Timestamp),
        };
        Ok(Some((user_from(&row)?, info)))
    }
}

impl Tx {
    pub async fn insert_token(
        &mut self,
        digest: &str,
        user: UserId,
        kind: TokenKind,
        name: &str,
        now: Timestamp,
        expires_at: Option<Timestamp>,
    ) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tokens (token_hash, user_id, kind, name, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(digest)
        .bind(user.0)
        .bind(kind.as_str())
        .bind(name)
        .bind(now.0)
        .bind(expires_at.map(|t| t.0))
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(id)
    }

    pub async fn delete_token(&mut self, digest: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE token_hash = $1")
            .bind(digest)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Drops expired sessions (housekeeping).
    pub async fn purge_expired_tokens(&mut self, now: Timestamp) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= $1")
                .bind(now.0)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected())
    }
}
