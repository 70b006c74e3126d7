//! Attachment bytes in a local folder, content-addressed by SHA-256 and
//! written atomically (temporary file, then rename).

use crate::{AppError, AppResult};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: PathBuf) -> AppResult<Self> {
        std::fs::create_dir_all(root.join("tmp"))
            .map_err(|e| AppError::Config(format!("attachments folder {}: {e}", root.display())))?;
        Ok(Self { root })
    }

    /// Stores `bytes`; returns (key, sha256 hex). Identical files share a blob.
    pub async fn put(&self, bytes: &[u8]) -> AppResult<(String, String)> {
        let sha = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let key = format!("{}/{}", &sha[..2], sha);
        let path = self.root.join(&key);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok((key, sha));
        }
        let dir = self.root.join(&sha[..2]);
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{sha}.{}", rand::random::<u64>()));
        let io = |e: std::io::Error| AppError::Internal(format!("storing attachment: {e}"));
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok((key, sha))
    }

    pub async fn get(&self, key: &str) -> AppResult<Vec<u8>> {
        if key.contains("..") || key.starts_with('/') {
            return Err(AppError::NotFound("attachment"));
        }
        tokio::fs::read(self.root.join(key))
            .await
            .map_err(|e| AppError::Internal(format!("reading attachment {key}: {e}")))
    }
}
