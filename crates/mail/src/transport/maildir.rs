//! Delivery into a maildir folder (`tmp/`, `new/`, `cur/`), readable by any
//! mail client or by tests.
//!
//! Naming: maildir readers accept any unique file name in `new/`; we use
//! `<key>.eml`, with `key` the outbox row's stable key (bytes other than
//! ASCII letters, digits, `-` and `_` written as `%XX`, so names stay unique
//! and contain no `/`, `:` or leading dot). The message is written and synced
//! in `tmp/` and then renamed into `new/`, which is atomic: a reader never
//! sees half a mail, and delivering the same key again replaces the earlier
//! file instead of adding a second one. (Once a reader has moved the file on
//! to `cur/`, a re-delivery shows up again in `new/`.)
//!
//! Files hold exactly the bytes an SMTP relay would receive, CRLF line ends.

use super::TransportError;
use lettre::Message;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
}

impl Maildir {
    /// Opens the maildir at `root`, creating it and its three folders.
    pub fn new(root: PathBuf) -> io::Result<Self> {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder delivered mails appear in.
    pub fn new_dir(&self) -> PathBuf {
        self.root.join("new")
    }

    pub async fn deliver(&self, key: &str, message: &Message) -> Result<(), TransportError> {
        if key.is_empty() {
            return Err(TransportError::permanent("empty delivery key"));
        }
        let name = format!("{}.eml", file_stem(key));
        let tmp = self.root.join("tmp").join(&name);
        let dest = self.root.join("new").join(&name);
        let io_err = |e: io::Error| {
            TransportError::temporary(format!("maildir {}: {e}", self.root.display()))
        };
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io_err)?;
        file.write_all(&message.formatted()).await.map_err(io_err)?;
        file.sync_all().await.map_err(io_err)?;
        drop(file);
        tokio::fs::rename(&tmp, &dest).await.map_err(io_err)
    }
}

/// `key` as a safe, collision-free file name stem.
fn file_stem(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use lettre::message::header::ContentType;

    fn message(subject: &str) -> Message {
        Message::builder()
            .from("support@frontdesk.local".parse().unwrap())
            .to("ana@partner.example".parse().unwrap())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(String::from("hello"))
            .unwrap()
    }

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "frontdesk-mail-{name}-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn redelivery_with_same_key_keeps_one_file() {
        let root = temp_root("maildir");
        let maildir = Maildir::new(root.clone()).unwrap();
        for sub in ["tmp", "new", "cur"] {
            assert!(root.join(sub).is_dir(), "{sub}/ missing");
        }
        maildir
            .deliver("outbox-42", &message("first"))
            .await
            .unwrap();
        maildir
            .deliver("outbox-42", &message("second"))
            .await
            .unwrap();

        let delivered = files(&maildir.new_dir());
        assert_eq!(delivered, vec![root.join("new/outbox-42.eml")]);
        let raw = std::fs::read_to_string(&delivered[0]).unwrap();
        assert!(raw.contains("Subject: second"));
        assert!(files(&root.join("tmp")).is_empty());

        maildir
            .deliver("outbox-43", &message("other"))
            .await
            .unwrap();
        assert_eq!(files(&maildir.new_dir()).len(), 2);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn keys_become_safe_distinct_names() {
        assert_eq!(file_stem("outbox-42_a"), "outbox-42_a");
        assert_eq!(file_stem("../x"), "%2E%2E%2Fx");
        assert_eq!(file_stem("a:b"), "a%3Ab");
        assert_ne!(file_stem("a%2E"), file_stem("a."));
    }

    #[tokio::test]
    async fn empty_key_is_refused() {
        let root = temp_root("maildir-empty");
        let maildir = Maildir::new(root.clone()).unwrap();
        let err = maildir.deliver("", &message("x")).await.unwrap_err();
        assert!(err.is_permanent());
        std::fs::remove_dir_all(root).unwrap();
    }
}
