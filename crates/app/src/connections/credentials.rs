//! How an access's credentials are stored: the validated values, with each
//! secret field replaced by `{"$sealed": <AEAD, bound to the access and
//! field>, "$mask": <at most the last 2 characters>}`. The mask is what
//! people are shown, so pages never decrypt; only activation runs do.

use crate::{AppError, AppResult};
use frontdesk_activation::schema::{CredentialSchema, Credentials, mask};
use frontdesk_activation::secrets::{Keyring, sealed_key_id};
use frontdesk_domain::AccessId;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const SEALED: &str = "$sealed";
const MASK: &str = "$mask";

fn pointer(field: &str) -> String {
    format!("/{}", field.replace('.', "/"))
}

fn aad(access: AccessId, field: &str) -> Vec<u8> {
    format!("access:{}:{field}", access.0).into_bytes()
}

/// The stored form of validated credentials.
pub(crate) fn seal(
    keyring: &Keyring,
    schema: &CredentialSchema,
    creds: &Credentials,
    access: AccessId,
) -> AppResult<String> {
    let mut stored = Value::Object(creds.values().clone());
    for field in schema.secret_fields() {
        let Some(slot) = stored.pointer_mut(&pointer(&field)) else {
            continue;
        };
        let Some(plain) = slot.as_str() else {
            continue;
        };
        let sealed = keyring
            .seal(plain, &aad(access, &field))
            .map_err(|e| AppError::Internal(format!("sealing a secret failed: {e}")))?;
        let mut obj = Map::new();
        obj.insert(SEALED.into(), Value::String(sealed));
        obj.insert(MASK.into(), Value::String(mask(plain)));
        *slot = Value::Object(obj);
    }
    Ok(stored.to_string())
}

/// A keyed digest of the credentials, for finding duplicate requests.
pub(crate) fn fingerprint(keyring: &Keyring, creds: &Credentials) -> String {
    keyring.digest(canonical(creds).as_bytes())
}

/// The credentials' digest under every key in the ring (current first):
/// what a duplicate lookup must match while a rotation is under way.
pub(crate) fn fingerprints(keyring: &Keyring, creds: &Credentials) -> Vec<String> {
    keyring.digests(canonical(creds).as_bytes())
}

/// The text the fingerprint is taken of: the values as JSON, which is
/// also what [`open`] gives back from the stored form.
fn canonical(creds: &Credentials) -> String {
    Value::Object(creds.values().clone()).to_string()
}

/// A stored configuration moved onto the current key.
pub(crate) struct Resealed {
    /// The new stored form, `None` when every secret already uses the
    /// current key (the stored text is then left as it is).
    pub config: Option<String>,
    /// The fingerprint under the current key.
    pub fingerprint: String,
}

/// Reseals every secret of a stored configuration that is not under the
/// current key (masks kept) and recomputes its fingerprint, opening every
/// secret first so a damaged row is reported before anything changes.
pub(crate) fn reseal(
    keyring: &Keyring,
    stored: &str,
    access: AccessId,
) -> Result<Resealed, OpenError> {
    let plain = open(keyring, stored, access)?;
    let mut values: Value = serde_json::from_str(stored).map_err(|_| OpenError::Corrupt)?;
    let changed = reseal_in(keyring, &mut values, access, "")?;
    Ok(Resealed {
        config: changed.then(|| values.to_string()),
        fingerprint: keyring.digest(plain.to_string().as_bytes()),
    })
}

/// Reseals the secrets under `value`; true if any was.
fn reseal_in(
    keyring: &Keyring,
    value: &mut Value,
    access: AccessId,
    prefix: &str,
) -> Result<bool, OpenError> {
    let Some(obj) = value.as_object_mut() else {
        return Ok(false);
    };
    let mut changed = false;
    for (key, slot) in obj.iter_mut() {
        let field = field_name(prefix, key);
        if let Some(Value::String(sealed)) = slot.get_mut(SEALED) {
            if !keyring.is_current(sealed) {
                *sealed = keyring
                    .reseal(sealed, &aad(access, &field))
                    .map_err(|_| OpenError::Decrypt)?;
                changed = true;
            }
        } else {
            changed |= reseal_in(keyring, slot, access, &field)?;
        }
    }
    Ok(changed)
}

/// The ids of the keys a stored configuration's secrets are sealed with
/// (read without any key); `None` if the stored text is not JSON.
pub(crate) fn sealed_key_ids(stored: &str) -> Option<BTreeSet<String>> {
    let values: Value = serde_json::from_str(stored).ok()?;
    let mut ids = BTreeSet::new();
    collect_key_ids(&values, &mut ids);
    Some(ids)
}

fn collect_key_ids(value: &Value, ids: &mut BTreeSet<String>) {
    let Some(obj) = value.as_object() else {
        return;
    };
    for slot in obj.values() {
        if let Some(sealed) = slot.get(SEALED).and_then(Value::as_str) {
            ids.insert(
                sealed_key_id(sealed)
                    .map_or_else(|| "(malformed)".to_owned(), |id| id.as_str().to_owned()),
            );
        } else {
            collect_key_ids(slot, ids);
        }
    }
}

fn field_name(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Why stored credentials could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    Decrypt,
    Corrupt,
}

/// The plaintext values (to validate again and send), decrypting every
/// sealed secret.
pub(crate) fn open(keyring: &Keyring, stored: &str, access: AccessId) -> Result<Value, OpenError> {
    let mut values: Value = serde_json::from_str(stored).map_err(|_| OpenError::Corrupt)?;
    open_in(keyring, &mut values, access, "")?;
    Ok(values)
}

fn open_in(
    keyring: &Keyring,
    value: &mut Value,
    access: AccessId,
    prefix: &str,
) -> Result<(), OpenError> {
    let Some(obj) = value.as_object_mut() else {
        return Ok(());
    };
    for (key, slot) in obj.iter_mut() {
        let field = field_name(prefix, key);
        if let Some(sealed) = slot.get(SEALED).and_then(Value::as_str) {
            let plain = keyring
                .open(sealed, &aad(access, &field))
                .map_err(|_| OpenError::Decrypt)?;
            *slot = Value::String(plain.expose().to_owned());
        } else if slot.is_object() {
            open_in(keyring, slot, access, &field)?;
        }
    }
    Ok(())
}

/// What people are shown: the stored values with each secret as its mask.
pub(crate) fn masked(stored: &str) -> Value {
    let mut values: Value = serde_json::from_str(stored).unwrap_or(Value::Object(Map::new()));
    mask_in(&mut values);
    values
}

fn mask_in(value: &mut Value) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    for slot in obj.values_mut() {
        if let Some(m) = slot.get(MASK).and_then(Value::as_str) {
            *slot = Value::String(m.to_owned());
        } else if slot.is_object() {
            mask_in(slot);
        }
    }
}

/// Fills secret fields left blank in an edit with the stored plaintext, so
/// "leave blank to keep" works; other fields are taken as submitted.
pub(crate) fn keep_blank_secrets(
    schema: &CredentialSchema,
    submitted: &mut Value,
    stored_plain: &Value,
) {
    for field in schema.secret_fields() {
        let p = pointer(&field);
        let blank = submitted
            .pointer(&p)
            .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()));
        if !blank {
            continue;
        }
        let Some(old) = stored_plain.pointer(&p).cloned() else {
            continue;
        };
        // Alternatives: only keep the secret while the same branch is chosen.
        if let Some((parent, _)) = field.split_once('.') {
            let disc = schema
                .fields()
                .iter()
                .find(|f| f.name == parent)
                .and_then(|f| f.discriminator.clone());
            let same = disc.is_some_and(|d| {
                let now = submitted.get(parent).and_then(|v| v.get(&d));
                now.is_some() && now == stored_plain.get(parent).and_then(|v| v.get(&d))
            });
            if !same {
                continue;
            }
        }
        set_pointer(submitted, &field, old);
    }
}

fn set_pointer(target: &mut Value, field: &str, value: Value) {
    let mut cur = target;
    let parts: Vec<&str> = field.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Some(obj) = cur.as_object_mut() else {
            return;
        };
        if i == parts.len() - 1 {
            obj.insert((*part).to_owned(), value);
            return;
        }
        cur = obj
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use frontdesk_activation::secrets::KeyId;
    use serde_json::json;

    fn schema() -> CredentialSchema {
        CredentialSchema::parse(
            &json!({"type": "object", "required": ["user", "password"], "properties": {
            "user": {"type": "string", "title": "User"},
            "password": {"type": "string", "title": "Password", "secret": true}}}),
        )
        .unwrap()
    }

    #[test]
    fn sealed_at_rest_masked_for_people_open_for_runs() {
        let ring = Keyring::generate(KeyId::parse("k1").unwrap());
        let s = schema();
        let creds = s
            .validate(&json!({"user": "ok", "password": "hunter22"}))
            .unwrap();
        let stored = seal(&ring, &s, &creds, AccessId(7)).unwrap();
        assert!(!stored.contains("hunter22"), "{stored}");
        assert_eq!(
            masked(&stored),
            json!({"user": "ok", "password": "••••••22"})
        );
        assert_eq!(
            open(&ring, &stored, AccessId(7)).unwrap(),
            json!({"user": "ok", "password": "hunter22"})
        );
        // Bound to its row: another access cannot open it.
        assert!(matches!(
            open(&ring, &stored, AccessId(8)),
            Err(OpenError::Decrypt)
        ));
        // Same credentials, same fingerprint; different ones differ.
        let again = s
            .validate(&json!({"user": "ok", "password": "hunter22"}))
            .unwrap();
        let other = s.validate(&json!({"user": "ok", "password": "x"})).unwrap();
        assert_eq!(fingerprint(&ring, &creds), fingerprint(&ring, &again));
        assert_ne!(fingerprint(&ring, &creds), fingerprint(&ring, &other));
    }

    #[test]
    fn reseal_moves_secrets_to_the_current_key_once() {
        let old = Keyring::generate(KeyId::parse("old").unwrap());
        let (old_id, old_key) = Keyring::parse_entry(old.current_config_entry().expose()).unwrap();
        let new = Keyring::generate(KeyId::parse("new").unwrap())
            .with_older(old_id, old_key)
            .unwrap();
        let s = schema();
        let creds = s
            .validate(&json!({"user": "ok", "password": "hunter22"}))
            .unwrap();
        let stored = seal(&old, &s, &creds, AccessId(7)).unwrap();
        assert_eq!(
            sealed_key_ids(&stored).unwrap(),
            BTreeSet::from(["old".into()])
        );

        let moved = reseal(&new, &stored, AccessId(7)).unwrap();
        let config = moved.config.unwrap();
        assert_eq!(
            sealed_key_ids(&config).unwrap(),
            BTreeSet::from(["new".into()])
        );
        assert_eq!(masked(&config), masked(&stored));
        assert_eq!(
            open(&new, &config, AccessId(7)).unwrap(),
            open(&old, &stored, AccessId(7)).unwrap()
        );
        assert_eq!(moved.fingerprint, fingerprint(&new, &creds));
        assert_eq!(fingerprints(&new, &creds)[1], fingerprint(&old, &creds));

        let again = reseal(&new, &config, AccessId(7)).unwrap();
        assert!(again.config.is_none());
        assert_eq!(again.fingerprint, moved.fingerprint);
        // A value moved from another row does not open: reported, not resealed.
        assert!(matches!(
            reseal(&new, &stored, AccessId(8)),
            Err(OpenError::Decrypt)
        ));
    }

    #[test]
    fn blank_secret_keeps_the_stored_one() {
        let s = schema();
        let mut submitted = json!({"user": "new", "password": ""});
        keep_blank_secrets(
            &s,
            &mut submitted,
            &json!({"user": "old", "password": "p1"}),
        );
        assert_eq!(submitted, json!({"user": "new", "password": "p1"}));
        let mut changed = json!({"user": "new", "password": "p2"});
        keep_blank_secrets(&s, &mut changed, &json!({"user": "old", "password": "p1"}));
        assert_eq!(changed["password"], "p2");
    }
}
