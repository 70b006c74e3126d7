//! People who sign in.

use crate::sql::{flag, int, opt_text, text};
use crate::{Store, StoreError, StoreResult, Tx};
use frontdesk_domain::{EmailAddress, Timestamp, UserId};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    /// Argon2id PHC string; `None` for users who cannot sign in with a password.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub active: bool,
    pub created_at: Timestamp,
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.email, u.name, u.password_hash, u.is_admin, u.active, u.created_at";

pub(crate) fn user_from(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(int(row, "id")?),
        email: text(row, "email")?,
        name: text(row, "name")?,
        password_hash: opt_text(row, "password_hash")?,
        is_admin: flag(row, "is_admin")?,
        active: flag(row, "active")?,
        created_at: Timestamp(int(row, "created_at")?),
    })
}

impl Store {
    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub async fn user_by_email(&self, email: &EmailAddress) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1");
        let row = sqlx::query(&sql)
            .bind(email.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name, u.id");
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(user_from).collect()
    }

    /// Active staff: administrators and members of a team, by name.
    pub async fn staff_users(&self) -> StoreResult<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.active = TRUE AND (u.is_admin = TRUE \
             OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id)) \
             ORDER BY u.name, u.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(user_from).collect()
    }
}

impl Tx {
    pub async fn insert_user(
        &mut self,
        email: &EmailAddress,
        name: &str,
        password_hash: Option<&str>,
        is_admin: bool,
        now: Timestamp,
    ) -> StoreResult<UserId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, is_admin, active, created_at) \
             VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id",
        )
        .bind(email.as_str())
        .bind(name)
        .bind(password_hash)
        .bind(is_admin)
        .bind(now.0)
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(UserId(id))
    }

    pub async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.0)
            .bind(hash)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Administration of accounts.
impl Store {
    /// Users whose email or name contains `q` (any case), by name; all when empty.
    pub async fn search_users(&self, q: &str, limit: i64) -> StoreResult<Vec<User>> {
        let needle: String = q
            .trim()
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u \
             WHERE LOWER(u.email) LIKE $1 ESCAPE '\\' OR LOWER(u.name) LIKE $1 ESCAPE '\\' \
             ORDER BY u.name, u.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(format!("%{needle}%"))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user_from).collect()
    }
}

impl Tx {
    /// Changes a user's name and flags; `false` if the user does not exist.
    pub async fn update_user(
        &mut self,
        user: UserId,
        name: &str,
        active: bool,
        is_admin: bool,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE users SET name = $2, active = $3, is_admin = $4 WHERE id = $1")
                .bind(user.0)
                .bind(name)
                .bind(active)
                .bind(is_admin)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every session and API token of `user`.
    pub async fn delete_user_tokens(&mut self, user: UserId) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(user.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
