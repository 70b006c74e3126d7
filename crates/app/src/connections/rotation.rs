//! Rotating the key that seals credential secrets: after the operator makes
//! a new key current (the old one kept in `older_secret_keys`), a reseal
//! pass moves every access's secrets and duplicate fingerprint onto it, so
//! the old key can then be dropped from configuration.
//!
//! The pass is safe beside running servers: rows are read in id order
//! (keyset pages, outside any transaction so SQLite's writer is held only
//! for the writes), and each page is written in one transaction with a
//! compare-and-set on the row's stored configuration and fingerprint, so an
//! edit saved meanwhile is never overwritten with what was read before it.

use super::credentials::{self, Resealed};
use crate::{App, AppResult};
use frontdesk_activation::secrets::Keyring;
use frontdesk_domain::AccessId;
use frontdesk_store::connections::StoredSecrets;
use std::collections::BTreeMap;

/// What a reseal pass did. Holds access ids only, never a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Accesses moved onto the current key (secrets, fingerprint or both).
    pub resealed: usize,
    /// Accesses already wholly under the current key, left untouched.
    pub current: usize,
    /// Accesses edited while the pass ran: the edit's own seal stands and
    /// another pass finds them current (or reseals them).
    pub changed_meanwhile: usize,
    /// Accesses whose secrets did not open (damaged, copied from another
    /// row, or sealed with a key no longer configured); left as they are.
    pub failed: Vec<AccessId>,
}

/// Which keys stored secrets are sealed with, counted per access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUsage {
    /// Accesses with at least one secret under each key id.
    pub by_key: BTreeMap<String, usize>,
    /// Accesses whose type has no secret field.
    pub without_secrets: usize,
    /// Accesses whose stored configuration is not readable JSON.
    pub unreadable: Vec<AccessId>,
}

impl App {
    /// Reseals every access's secrets under the current key and recomputes
    /// its fingerprint, `batch` rows per transaction. Idempotent: rows
    /// already current are not written.
    pub async fn reseal_secrets(&self, batch: i64) -> AppResult<ResealReport> {
        let keyring = self.keyring()?;
        let mut report = ResealReport::default();
        let mut after = AccessId(0);
        loop {
            let page = self.store.access_secrets_after(after, batch.max(1)).await?;
            let Some(last) = page.last() else {
                return Ok(report);
            };
            after = last.id;
            self.reseal_page(keyring, &page, &mut report).await?;
        }
    }

    /// Computes each row's resealed form (no transaction open), then writes
    /// the ones that changed in one transaction.
    async fn reseal_page(
        &self,
        keyring: &Keyring,
        page: &[StoredSecrets],
        report: &mut ResealReport,
    ) -> AppResult<()> {
        let mut writes: Vec<(&StoredSecrets, Resealed)> = Vec::new();
        for row in page {
            match credentials::reseal(keyring, &row.config, row.id) {
                Err(_) => report.failed.push(row.id),
                Ok(moved) if moved.config.is_none() && moved.fingerprint == row.fingerprint => {
                    report.current += 1;
                }
                Ok(moved) => writes.push((row, moved)),
            }
        }
        if writes.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let (mut resealed, mut changed) = (0, 0);
        for (row, moved) in &writes {
            let config = moved.config.as_deref().unwrap_or(&row.config);
            if tx
                .replace_access_secrets(row, config, &moved.fingerprint)
                .await?
            {
                resealed += 1;
            } else {
                changed += 1;
            }
        }
        tx.commit().await?;
        report.resealed += resealed;
        report.changed_meanwhile += changed;
        Ok(())
    }

    /// Counts accesses per key id of their sealed secrets, reading no key:
    /// shows whether an older key is still in use before it is dropped.
    pub async fn secret_key_usage(&self, batch: i64) -> AppResult<KeyUsage> {
        let mut usage = KeyUsage::default();
        let mut after = AccessId(0);
        loop {
            let page = self.store.access_secrets_after(after, batch.max(1)).await?;
            let Some(last) = page.last() else {
                return Ok(usage);
            };
            after = last.id;
            for row in &page {
                match credentials::sealed_key_ids(&row.config) {
                    None => usage.unreadable.push(row.id),
                    Some(ids) if ids.is_empty() => usage.without_secrets += 1,
                    Some(ids) => {
                        for id in ids {
                            *usage.by_key.entry(id).or_default() += 1;
                        }
                    }
                }
            }
        }
    }
}
