//! Everything sign-in related goes into the shared store sealed.
//!
//! Each value (a person's Okta tokens, an authorization code's binding, a
//! pending sign-in) is serialized and encrypted with AES-256-GCM under
//! OKTA_MCP_STORE_KEY, with the store key as associated data, so a value
//! can be neither read nor moved to another key without the key. Secrets
//! handed to clients (codes, refresh tokens, sign-in states) never become
//! store keys themselves: the key is their SHA-256 ([`Vault::secret_key`]).
//!
//! A value that does not open (another key, corruption) counts as absent:
//! the person signs in again; nothing panics.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::remote::store::{Namespace, Store, StoreError};

/// The version byte in front of every sealed value.
const FORMAT: u8 = 1;

/// AES-256-GCM with a random nonce per value.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(AES-256-GCM)")
    }
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Self {
        // A 32-byte key is always valid for AES-256.
        let unbound = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        Self {
            key: LessSafeKey::new(unbound),
        }
    }

    /// `FORMAT || nonce || ciphertext || tag`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).ok()?;
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut body,
            )
            .ok()?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + body.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend(body);
        Some(out)
    }

    /// The plaintext, or `None` when the value was not sealed by this key
    /// for this `aad` (or was changed).
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let (&format, rest) = sealed.split_first()?;
        if format != FORMAT || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut body)
            .ok()?;
        Some(plain.to_vec())
    }
}

/// The store, sealed.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn Store>,
    sealer: Arc<Sealer>,
}

/// 256 random bits, base64url: codes, refresh tokens, states, verifiers.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    // aws-lc's system generator does not fail once initialized (the same
    // assumption as `keys::random_id`).
    let _ = aws_lc_rs::rand::fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256, base64url.
pub fn sha256_b64(text: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    URL_SAFE_NO_PAD.encode(d.as_ref())
}

/// Constant-time equality of two strings.
pub fn same(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

impl Vault {
    pub fn new(store: Arc<dyn Store>, key: &[u8; 32]) -> Self {
        Self {
            store,
            sealer: Arc::new(Sealer::new(key)),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The store key for a secret a client holds: its hash, never itself.
    pub fn secret_key(ns: Namespace, secret: &str) -> String {
        ns.key(&sha256_b64(secret))
    }

    fn seal<T: Serialize>(&self, key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
        let plain = serde_json::to_vec(value).map_err(|e| StoreError::Protocol {
            store: self.store.describe(),
            reason: format!("cannot encode a value: {e}"),
        })?;
        self.sealer
            .seal(key.as_bytes(), &plain)
            .ok_or_else(|| StoreError::Protocol {
                store: self.store.describe(),
                reason: "cannot encrypt a value".into(),
            })
    }

    fn open<T: DeserializeOwned>(&self, key: &str, sealed: Option<Vec<u8>>) -> Option<T> {
        let sealed = sealed?;
        let opened = self
            .sealer
            .open(key.as_bytes(), &sealed)
            .and_then(|plain| serde_json::from_slice(&plain).ok());
        if opened.is_none() {
            tracing::warn!(
                namespace = key.split(':').next().unwrap_or(""),
                "a stored value does not open with OKTA_MCP_STORE_KEY (another key, or changed); treating it as absent"
            );
        }
        opened
    }

    pub async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let sealed = self.seal(key, value)?;
        self.store.put(key, &sealed, Some(ttl)).await
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let raw = self.store.get(key).await?;
        Ok(self.open(key, raw))
    }

    pub async fn take<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let raw = self.store.take(key).await?;
        Ok(self.open(key, raw))
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_place() {
        let s = Sealer::new(&[3u8; 32]);
        let sealed = s.seal(b"okta:g1", b"secret tokens").unwrap();
        assert!(
            !sealed.windows(6).any(|w| w == b"secret"),
            "not in the clear"
        );
        assert_eq!(s.open(b"okta:g1", &sealed).unwrap(), b"secret tokens");
        assert!(
            s.open(b"okta:g2", &sealed).is_none(),
            "moved to another key"
        );
        assert!(Sealer::new(&[4u8; 32]).open(b"okta:g1", &sealed).is_none());
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(s.open(b"okta:g1", &changed).is_none(), "changed");
        assert!(s.open(b"okta:g1", b"").is_none());
        assert!(s.open(b"okta:g1", &[FORMAT, 1, 2]).is_none());
        assert_ne!(
            s.seal(b"k", b"same").unwrap(),
            s.seal(b"k", b"same").unwrap(),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn secrets_are_random_and_hashed_for_keys() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret());
        let key = Vault::secret_key(Namespace::Code, &a);
        assert!(key.starts_with("code:") && !key.contains(&a));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
