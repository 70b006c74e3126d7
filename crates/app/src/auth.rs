//! Passwords (argon2id) and bearer secrets (random, stored as SHA-256).

use crate::{App, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use frontdesk_domain::{Duration, EmailAddress, Timestamp, UserId};
use frontdesk_store::tokens::TokenKind;
use frontdesk_store::users::User;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    if password.chars().count() < 8 {
        return Err(AppError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh bearer secret: 32 random bytes, URL-safe base64 with a prefix
/// that makes leaked tokens recognisable.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "fd_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What is stored in place of a secret.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash that no submitted password is checked against successfully,
/// verified when the user is unknown so sign-in takes the same time either way.
fn decoy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("frontdesk-timing-equaliser").unwrap_or_default())
}

impl App {
    /// Checks email and password and opens a session: the secret is both
    /// the API bearer token and the portal's cookie value.
    pub async fn login(&self, email: &str, password: &str) -> AppResult<(User, String)> {
        let refused = || AppError::Unauthenticated("wrong email or password".into());
        let Ok(email) = EmailAddress::parse(email) else {
            verify_password(decoy_hash(), password);
            return Err(refused());
        };
        let user = self.store.user_by_email(&email).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = {
            let hash = hash.clone().unwrap_or_else(|| decoy_hash().to_owned());
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || verify_password(&hash, &password))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
        };
        let user = match user {
            Some(u) if ok && hash.is_some() && u.active => u,
            _ => return Err(refused()),
        };
        let now = self.now();
        let expires = now.plus(Duration::days(self.config.auth.session_days));
        let secret = self
            .issue_token(user.id, TokenKind::Session, "sign-in", Some(expires))
            .await?;
        tracing::info!(user_id = user.id.0, "signed in");
        Ok((user, secret))
    }

    pub async fn logout(&self, secret: &str) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.delete_token(&digest(secret)).await?;
        tx.commit().await?;
        self.auth_cache.forget(&digest(secret));
        Ok(())
    }

    /// Makes a token for `user`; the secret is returned once and never stored.
    pub async fn issue_token(
        &self,
        user: UserId,
        kind: TokenKind,
        name: &str,
        expires: Option<Timestamp>,
    ) -> AppResult<String> {
        let secret = new_secret();
        let mut tx = self.store.begin().await?;
        tx.insert_token(&digest(&secret), user, kind, name, self.now(), expires)
            .await?;
        tx.commit().await?;
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").expect("hashes");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong horse"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn secrets_are_random_and_digested() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert!(a.starts_with("fd_"));
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
    }
}
