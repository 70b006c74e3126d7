//! Secrets at rest for seller credentials (issue 7).
//!
//! Secret credential fields (passwords, API tokens, client secrets) are
//! stored encrypted with an AEAD, XChaCha20-Poly1305, under a key that comes
//! from configuration (`demo` generates one into its data directory). They
//! must never be logged and never be returned in full, so:
//!
//! * [`SecretKey`] and [`Keyring`] never print key material (`Debug` shows
//!   `***` or key ids only; there is no `Display`).
//! * [`Sensitive`] wraps plaintext secrets so `Debug`, `Display` and serde
//!   serialisation all print `***`; reading the value takes an explicit
//!   [`Sensitive::expose`].
//! * [`SecretError`] never carries plaintext, ciphertext or key material, so
//!   an error can be logged freely.
//!
//! A sealed value looks like `v1.<key id>.<base64url(nonce || ciphertext)>`.
//! The key id lets the keyring pick the right key after rotation: new values
//! are sealed with the current key, old values still open with older keys,
//! and [`Keyring::reseal`] moves a value onto the current key.
//!
//! Every seal takes *associated data* (`aad`) naming where the secret lives,
//! e.g. `access:<id>:<field>`. It is authenticated but not stored, so a
//! ciphertext copied to another row or field fails to open there.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize, Serializer};

/// Length of a key in bytes (XChaCha20-Poly1305 uses 256-bit keys).
pub const KEY_LEN: usize = 32;
/// Length of the random nonce; XChaCha's 192 bits make random nonces safe.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag appended to every ciphertext.
const TAG_LEN: usize = 16;
/// Format version of sealed values, so the format can change later.
const VERSION: &str = "v1";
/// Prefix of a key in configuration: `base64:<44 chars>`.
const KEY_PREFIX: &str = "base64:";
/// Longest allowed key id.
const KEY_ID_MAX: usize = 16;

/// What went wrong with a key or a sealed secret.
///
/// No variant carries plaintext, ciphertext or key material, so these errors
/// are safe to log and to show to an operator. Variants carry only static
/// reasons, lengths, or a key id (which is not secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// A key from configuration could not be parsed. The reason never
    /// echoes the configured value, which may be (most of) a real key.
    #[error("invalid secret key in configuration: {0}")]
    InvalidKey(&'static str),
    /// A key id is not `^[a-z0-9]{1,16}$`.
    #[error("invalid key id: must be 1 to 16 characters of a-z and 0-9")]
    InvalidKeyId,
    /// Two keys in a keyring share one id, so sealed values would be ambiguous.
    #[error("duplicate key id `{0}` in keyring")]
    DuplicateKeyId(KeyId),
    /// A sealed value names a key the keyring does not have (e.g. a retired
    /// key was dropped from configuration too early).
    #[error("sealed secret uses unknown key id `{0}`")]
    UnknownKeyId(KeyId),
    /// A sealed value is not `v1.<key id>.<base64url>` of a plausible length.
    #[error("sealed secret is malformed: {0}")]
    Malformed(&'static str),
    /// Authentication failed: the value was tampered with, belongs to another
    /// place (different associated data), or the key is wrong.
    #[error("sealed secret failed authentication (tampered, moved, or wrong key)")]
    Decrypt,
    /// Encryption failed (only possible for absurdly large plaintexts).
    #[error("could not encrypt secret")]
    Encrypt,
}

/// A 256-bit AEAD key.
///
/// Deliberately has no `Display` and a redacting `Debug`, so key material can
/// only leave through [`SecretKey::to_config_string`], whose result is itself
/// [`Sensitive`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; KEY_LEN]);

impl SecretKey {
    /// A fresh random key from the thread-local CSPRNG (seeded by the OS).
    /// Used by `demo` to create a key in its data directory.
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A key from raw bytes (for callers that hold keys in another form).
    #[must_use]
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses `base64:<44 characters of standard, padded base64>`.
    ///
    /// Errors say what is wrong without quoting the input: a mistyped key is
    /// still mostly a real key and must not end up in logs.
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let encoded = s
            .trim()
            .strip_prefix(KEY_PREFIX)
            .ok_or(SecretError::InvalidKey(
                "expected `base64:` followed by 32 bytes in base64",
            ))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::InvalidKey("the part after `base64:` is not valid base64"))?;
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| SecretError::InvalidKey("the key must be exactly 32 bytes"))?;
        Ok(Self(bytes))
    }

    /// The configuration form, `base64:<44 chars>`, wrapped in [`Sensitive`]
    /// so that writing it out is an explicit `expose()`.
    #[must_use]
    pub fn to_config_string(&self) -> Sensitive<String> {
        Sensitive::new(format!("{KEY_PREFIX}{}", STANDARD.encode(self.0)))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// A short, non-secret name for a key, `^[a-z0-9]{1,16}$`, written into
/// every sealed value so the keyring knows which key opens it.
///
/// Ids are chosen by the operator in configuration rather than derived from
/// the key, which would need a hash or leak a key-dependent value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// Validates a key id. The error does not echo the input because a
    /// misplaced separator can make "the id" be part of a key.
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let ok = !s.is_empty()
            && s.len() <= KEY_ID_MAX
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(SecretError::InvalidKeyId)
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The keys secrets are sealed with: one current key, used for every new
/// seal, and older keys kept only to open values sealed before a rotation.
///
/// Rotation: add a new key as current, move the old current key to the old
/// list, [`reseal`](Keyring::reseal) stored values, then drop the old key.
#[derive(Clone)]
pub struct Keyring {
    current: (KeyId, SecretKey),
    older: Vec<(KeyId, SecretKey)>,
}

impl Keyring {
    /// A keyring with just a current key.
    #[must_use]
    pub fn new(id: KeyId, key: SecretKey) -> Self {
        Self {
            current: (id, key),
            older: Vec::new(),
        }
    }

    /// Adds an older key that can still open values but never seals.
    /// Fails if the id is already in the keyring.
    pub fn with_older(mut self, id: KeyId, key: SecretKey) -> Result<Self, SecretError> {
        if self.key(&id).is_some() {
            return Err(SecretError::DuplicateKeyId(id));
        }
        self.older.push((id, key));
        Ok(self)
    }

    /// A keyring with a freshly generated current key (for `demo`).
    #[must_use]
    pub fn generate(id: KeyId) -> Self {
        Self::new(id, SecretKey::generate())
    }

    /// Parses one configuration entry, `<id>:base64:<44 chars>`.
    pub fn parse_entry(s: &str) -> Result<(KeyId, SecretKey), SecretError> {
        let (id, key) = s
            .trim()
            .split_once(':')
            .ok_or(SecretError::InvalidKey("expected `<id>:base64:<key>`"))?;
        Ok((KeyId::parse(id)?, SecretKey::parse(key)?))
    }

    /// Builds a keyring from configuration: the current entry and any older
    /// entries, each `<id>:base64:<44 chars>`.
    pub fn from_config<'a>(
        current: &str,
        older: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, SecretError> {
        let (id, key) = Self::parse_entry(current)?;
        older
            .into_iter()
            .try_fold(Self::new(id, key), |ring, entry| {
                let (id, key) = Self::parse_entry(entry)?;
                ring.with_older(id, key)
            })
    }

    /// The current key's configuration entry, `<id>:base64:<44 chars>`, for
    /// `demo` to write into its data directory.
    #[must_use]
    pub fn current_config_entry(&self) -> Sensitive<String> {
        let (id, key) = &self.current;
        Sensitive::new(format!("{id}:{}", key.to_config_string().expose()))
    }

    /// The id of the key new values are sealed with.
    #[must_use]
    pub fn current_id(&self) -> &KeyId {
        &self.current.0
    }

    fn key(&self, id: &KeyId) -> Option<&SecretKey> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .find(|(kid, _)| kid == id)
            .map(|(_, key)| key)
    }

    /// Encrypts `plaintext` with the current key and a fresh random nonce,
    /// bound to `aad` (the secret's place, e.g. `access:<id>:<field>`).
    ///
    /// Returns `v1.<key id>.<base64url(nonce || ciphertext)>`. Two seals of the
    /// same plaintext differ, so equal secrets cannot be spotted in the store.
    pub fn seal(&self, plaintext: &str, aad: &[u8]) -> Result<String, SecretError> {
        let (id, key) = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = key
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| SecretError::Encrypt)?;
        let mut body = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION}.{id}.{}", URL_SAFE_NO_PAD.encode(body)))
    }

    /// Decrypts a sealed value with whichever key its id names, checking it
    /// was sealed for this `aad`. The plaintext comes back [`Sensitive`].
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Sensitive<String>, SecretError> {
        let (id, body) = split_sealed(sealed)?;
        let key = self.key(&id).ok_or(SecretError::UnknownKeyId(id))?;
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let plaintext = key
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plaintext)
            .map(Sensitive::new)
            .map_err(|_| SecretError::Malformed("plaintext is not UTF-8"))
    }

    /// Opens a value with any key in the ring and seals it again with the
    /// current key (same `aad`). Used to migrate stored secrets after a
    /// rotation so the old key can be retired.
    pub fn reseal(&self, sealed: &str, aad: &[u8]) -> Result<String, SecretError> {
        let plaintext = self.open(sealed, aad)?;
        self.seal(plaintext.expose(), aad)
    }

    /// A keyed digest of `data` (HMAC-SHA256 under the current key, hex):
    /// lets equal credentials be found (duplicate requests) without storing
    /// anything that can be checked against a guessed password offline.
    #[must_use]
    pub fn digest(&self, data: &[u8]) -> String {
        hmac_hex(&self.current.1, data)
    }

    /// The digest of `data` under every key in the ring, current first.
    /// During a rotation stored digests may still be under an older key,
    /// so a lookup must try them all until every row is resealed.
    #[must_use]
    pub fn digests(&self, data: &[u8]) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .map(|(_, key)| hmac_hex(key, data))
            .collect()
    }

    /// Whether a sealed value already uses the current key, so a rotation
    /// job can skip it. Malformed values report `false`.
    #[must_use]
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed_key_id(sealed).is_some_and(|id| &id == self.current_id())
    }
}

/// HMAC-SHA256 of `data` under `key`, in hex.
fn hmac_hex(key: &SecretKey, data: &[u8]) -> String {
    use hmac::Mac as _;
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&key.0) else {
        return String::new();
    };
    mac.update(data);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The id of the key a sealed value names (`None` if malformed), read
/// without any key: lets an operator count values per key before retiring
/// one.
#[must_use]
pub fn sealed_key_id(sealed: &str) -> Option<KeyId> {
    split_sealed(sealed).ok().map(|(id, _)| id)
}

/// Splits `v1.<id>.<base64url>` into the key id and the decoded
/// `nonce || ciphertext`, checking it is long enough to hold both and a tag.
fn split_sealed(sealed: &str) -> Result<(KeyId, Vec<u8>), SecretError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some(version), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SecretError::Malformed("expected `v1.<key id>.<data>`"));
    };
    if version != VERSION {
        return Err(SecretError::Malformed("unknown format version"));
    }
    let id = KeyId::parse(id).map_err(|_| SecretError::Malformed("invalid key id"))?;
    let body = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| SecretError::Malformed("data is not base64url"))?;
    if body.len() < NONCE_LEN + TAG_LEN {
        return Err(SecretError::Malformed("data is too short"));
    }
    Ok((id, body))
}

impl fmt::Debug for Keyring {
    /// Shows key ids only, never key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.0.as_str())
            .field(
                "older",
                &self
                    .older
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A value that must not leak by accident: `Debug`, `Display` and serde
/// serialisation all print `***`. Reading it takes [`Sensitive::expose`],
/// which is easy to find in review.
///
/// Deserialisation is transparent so secrets can come in from forms and
/// configuration; only the way out is redacted.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

/// What every redacted rendering prints.
pub const REDACTED: &str = "***";

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself. Every call is a place a secret can leave; keep
    /// them few (sealing, sending to the seller).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> Serialize for Sensitive<T> {
    /// Serialises as the string `"***"`, so a secret that slips into an API
    /// response or a JSON log is redacted rather than exposed.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AAD: &[u8] = b"access:42:password";

    fn id(s: &str) -> KeyId {
        KeyId::parse(s).unwrap()
    }

    fn ring() -> Keyring {
        Keyring::generate(id("k1"))
    }

    #[test]
    fn round_trip() {
        let ring = ring();
        let sealed = ring.seal("hunter2", AAD).unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(ring.open(&sealed, AAD).unwrap().expose(), "hunter2");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let ring = ring();
        let sealed = ring.seal("", b"").unwrap();
        assert_eq!(ring.open(&sealed, b"").unwrap().expose(), "");
    }

    #[test]
    fn tampering_any_byte_fails() {
        let ring = ring();
        let sealed = ring.seal("s3cret-token", AAD).unwrap();
        let (prefix, body) = sealed.rsplit_once('.').unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
        for i in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[i] ^= 0x01;
            let tampered = format!("{prefix}.{}", URL_SAFE_NO_PAD.encode(&tampered));
            assert_eq!(ring.open(&tampered, AAD).unwrap_err(), SecretError::Decrypt);
        }
        // Truncation and extension fail too.
        let short = format!(
            "{prefix}.{}",
            URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1])
        );
        assert!(ring.open(&short, AAD).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        let longer = format!("{prefix}.{}", URL_SAFE_NO_PAD.encode(&longer));
        assert!(ring.open(&longer, AAD).is_err());
    }

    #[test]
    fn tampering_any_character_of_the_text_fails() {
        let ring = ring();
        let sealed = ring.seal("s3cret-token", AAD).unwrap();
        for i in 0..sealed.len() {
            let mut chars: Vec<char> = sealed.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let tampered: String = chars.into_iter().collect();
            assert!(ring.open(&tampered, AAD).is_err(), "position {i}");
        }
    }

    #[test]
    fn wrong_aad_fails() {
        let ring = ring();
        let sealed = ring.seal("hunter2", b"access:1:password").unwrap();
        assert_eq!(
            ring.open(&sealed, b"access:2:password").unwrap_err(),
            SecretError::Decrypt
        );
        assert_eq!(
            ring.open(&sealed, b"access:1:token").unwrap_err(),
            SecretError::Decrypt
        );
    }

    #[test]
    fn unknown_key_id_fails() {
        let sealed = ring().seal("hunter2", AAD).unwrap();
        let other = Keyring::generate(id("k2"));
        assert_eq!(
            other.open(&sealed, AAD).unwrap_err(),
            SecretError::UnknownKeyId(id("k1"))
        );
    }

    #[test]
    fn same_id_different_key_fails_authentication() {
        let sealed = ring().seal("hunter2", AAD).unwrap();
        assert_eq!(ring().open(&sealed, AAD).unwrap_err(), SecretError::Decrypt);
    }

    #[test]
    fn malformed_values_are_rejected() {
        let ring = ring();
        for bad in [
            "",
            "v1",
            "v1.k1",
            "v2.k1.AAAA",
            "v1.K1.AAAA",
            "v1..AAAA",
            "v1.k1.not base64!",
            "v1.k1.AAAA",
        ] {
            assert!(
                matches!(ring.open(bad, AAD), Err(SecretError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rotation_old_key_opens_and_reseal_moves_to_current() {
        let old = Keyring::generate(id("old"));
        let sealed = old.seal("hunter2", AAD).unwrap();
        let (old_id, old_key) = Keyring::parse_entry(old.current_config_entry().expose()).unwrap();

        let rotated = Keyring::generate(id("new"))
            .with_older(old_id, old_key)
            .unwrap();
        assert!(!rotated.is_current(&sealed));
        assert_eq!(rotated.open(&sealed, AAD).unwrap().expose(), "hunter2");

        let resealed = rotated.reseal(&sealed, AAD).unwrap();
        assert!(resealed.starts_with("v1.new."));
        assert!(rotated.is_current(&resealed));
        assert_eq!(rotated.open(&resealed, AAD).unwrap().expose(), "hunter2");

        // Once the old key is retired the old value no longer opens, the new one does.
        let retired = Keyring::parse_entry(rotated.current_config_entry().expose())
            .map(|(id, key)| Keyring::new(id, key))
            .unwrap();
        assert_eq!(
            retired.open(&sealed, AAD).unwrap_err(),
            SecretError::UnknownKeyId(id("old"))
        );
        assert_eq!(retired.open(&resealed, AAD).unwrap().expose(), "hunter2");
        // Reseal keeps the binding to the place.
        assert!(rotated.reseal(&sealed, b"elsewhere").is_err());
    }

    #[test]
    fn digests_try_every_key_current_first() {
        let old = Keyring::generate(id("old"));
        let (old_id, old_key) = Keyring::parse_entry(old.current_config_entry().expose()).unwrap();
        let rotated = Keyring::generate(id("new"))
            .with_older(old_id, old_key)
            .unwrap();
        let all = rotated.digests(b"creds");
        assert_eq!(all, vec![rotated.digest(b"creds"), old.digest(b"creds")]);
        assert_ne!(all[0], all[1]);
        assert_eq!(
            sealed_key_id(&rotated.seal("x", AAD).unwrap()),
            Some(id("new"))
        );
        assert_eq!(sealed_key_id("v1.k1"), None);
    }

    #[test]
    fn relabelling_to_another_key_in_the_ring_fails() {
        let ring = Keyring::generate(id("new"))
            .with_older(id("old"), SecretKey::generate())
            .unwrap();
        let sealed = ring.seal("hunter2", AAD).unwrap();
        let relabelled = sealed.replacen("v1.new.", "v1.old.", 1);
        assert_eq!(
            ring.open(&relabelled, AAD).unwrap_err(),
            SecretError::Decrypt
        );
    }

    #[test]
    fn duplicate_key_ids_are_rejected() {
        let err = ring()
            .with_older(id("k1"), SecretKey::generate())
            .unwrap_err();
        assert_eq!(err, SecretError::DuplicateKeyId(id("k1")));
    }

    #[test]
    fn from_config_reads_current_and_older() {
        let a = SecretKey::generate();
        let b = SecretKey::generate();
        let current = format!("a:{}", a.to_config_string().expose());
        let older = format!("b:{}", b.to_config_string().expose());
        let ring = Keyring::from_config(&current, [older.as_str()]).unwrap();
        assert_eq!(ring.current_id(), &id("a"));
        let sealed_b = Keyring::new(id("b"), b).seal("x", AAD).unwrap();
        assert_eq!(ring.open(&sealed_b, AAD).unwrap().expose(), "x");
        assert_eq!(ring.current_config_entry().expose(), &current);
    }

    #[test]
    fn two_seals_differ() {
        let ring = ring();
        let a = ring.seal("hunter2", AAD).unwrap();
        let b = ring.seal("hunter2", AAD).unwrap();
        assert_ne!(a, b);
        assert_eq!(ring.open(&a, AAD).unwrap(), ring.open(&b, AAD).unwrap());
    }

    #[test]
    fn key_config_string_round_trips() {
        let key = SecretKey::generate();
        let config = key.to_config_string();
        assert_eq!(config.expose().len(), KEY_PREFIX.len() + 44);
        assert_eq!(SecretKey::parse(config.expose()).unwrap(), key);
    }

    #[test]
    fn debug_never_shows_material() {
        let key = SecretKey::from_bytes([7u8; KEY_LEN]);
        let encoded = STANDARD.encode([7u8; KEY_LEN]);
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
        assert_eq!(format!("{:?}", key.to_config_string()), "***");
        assert_eq!(format!("{}", key.to_config_string()), "***");

        let ring = Keyring::new(id("k1"), key.clone())
            .with_older(id("k0"), SecretKey::generate())
            .unwrap();
        let debug = format!("{ring:?} {:?}", ring.current_config_entry());
        assert!(!debug.contains(&encoded), "{debug}");
        assert!(debug.contains("k1") && debug.contains("k0"));

        let secret = Sensitive::new("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{:#?}", Some(&secret)), "Some(\n    ***,\n)");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"***\"");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn sensitive_deserialises_transparently() {
        #[derive(Serialize, Deserialize)]
        struct Form {
            user: String,
            password: Sensitive<String>,
        }
        let form: Form = serde_json::from_str(r#"{"user":"u","password":"hunter2"}"#).unwrap();
        assert_eq!(form.password.expose(), "hunter2");
        let out = serde_json::to_string(&form).unwrap();
        assert_eq!(out, r#"{"user":"u","password":"***"}"#);
    }

    #[test]
    fn parse_errors_do_not_echo_input() {
        let good = SecretKey::generate().to_config_string().into_inner();
        let body = good.strip_prefix(KEY_PREFIX).unwrap().to_owned();
        let cases = [
            body.clone(),                                     // missing prefix
            format!("base64:{}", &body[..40]),                // too short / bad padding
            format!("base64:{}", STANDARD.encode([1u8; 31])), // 31 bytes
            format!("base64:{}", STANDARD.encode([1u8; 33])), // 33 bytes
            format!("base64:{}*", &body[..43]),               // bad character
            format!("hex:{body}"),
        ];
        for input in &cases {
            let err = SecretKey::parse(input).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, SecretError::InvalidKey(_)));
            assert!(!shown.contains(&body[..8]), "{shown}");
            assert!(!shown.contains(input.as_str()), "{shown}");
        }
        for entry in [
            body.clone(),
            format!("BAD:{good}"),
            format!("{}:{good}", "a".repeat(17)),
            format!("{}:{good}", &body[..12]),
        ] {
            let err = Keyring::parse_entry(&entry).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(&body[..8]), "{shown}");
        }
    }

    #[test]
    fn key_id_rules() {
        for ok in ["a", "k1", "2026q4", "abcdefghij012345"] {
            assert!(KeyId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "K1", "k-1", "k.1", "k 1", "abcdefghij0123456", "é"] {
            assert_eq!(
                KeyId::parse(bad).unwrap_err(),
                SecretError::InvalidKeyId,
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_never_contain_plaintext() {
        let ring = ring();
        let sealed = ring.seal("hunter2", AAD).unwrap();
        let errs = [
            ring.open(&sealed, b"other").unwrap_err(),
            Keyring::generate(id("zz")).open(&sealed, AAD).unwrap_err(),
            ring.open(&sealed[..sealed.len() - 3], AAD).unwrap_err(),
        ];
        for err in errs {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("hunter2"));
            assert!(!shown.contains(&sealed[6..]));
        }
    }

    proptest! {
        #[test]
        fn any_plaintext_and_aad_round_trip(
            plaintext in any::<String>(),
            aad in proptest::collection::vec(any::<u8>(), 0..64),
            other in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let ring = ring();
            let sealed = ring.seal(&plaintext, &aad).unwrap();
            let opened = ring.open(&sealed, &aad).unwrap();
            prop_assert_eq!(opened.expose(), &plaintext);
            if other != aad {
                prop_assert_eq!(ring.open(&sealed, &other).unwrap_err(), SecretError::Decrypt);
            }
        }
    }
}
