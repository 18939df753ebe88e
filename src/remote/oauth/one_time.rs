//! Secrets an MCP client may use once: authorization codes and refresh
//! tokens.
//!
//! Each is 256 random bits; the store keeps only its hash as the key and,
//! sealed, what it is bound to. Using one takes it out of the store in one
//! step ([`crate::remote::store::Store::take`]), so two replicas can never
//! both accept it, and leaves a marker behind: a second use is recognised as
//! a replay (a stolen code or refresh token) and ends the whole sign-in.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::vault::{Vault, new_secret};
use crate::remote::store::{Namespace, StoreError};

/// What an authorization code is bound to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeBinding {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub grant_id: String,
}

/// What a refresh token is bound to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshBinding {
    pub client_id: String,
    pub grant_id: String,
}

/// Something bound to a sign-in.
pub trait OfGrant {
    fn grant_id(&self) -> &str;
}

impl OfGrant for CodeBinding {
    fn grant_id(&self) -> &str {
        &self.grant_id
    }
}

impl OfGrant for RefreshBinding {
    fn grant_id(&self) -> &str {
        &self.grant_id
    }
}

#[derive(Serialize, Deserialize)]
enum Slot<T> {
    Live(T),
    Used { grant_id: String },
}

/// The outcome of presenting a one-time secret.
#[derive(Debug)]
pub enum Redeemed<T> {
    /// First use: here is what it was bound to.
    Fresh(T),
    /// Used before: a replay; the sign-in it belonged to must end.
    Reused { grant_id: String },
    /// Never issued, or expired.
    Unknown,
}

/// Issues a new secret bound to `value`, valid for `ttl`.
pub async fn issue<T: Serialize>(
    vault: &Vault,
    ns: Namespace,
    value: T,
    ttl: Duration,
) -> Result<String, StoreError> {
    let secret = new_secret();
    vault
        .put(&Vault::secret_key(ns, &secret), &Slot::Live(value), ttl)
        .await?;
    Ok(secret)
}

/// Uses `secret` up. A replay is remembered for `remember` after the first
/// use.
pub async fn redeem<T: Serialize + DeserializeOwned + OfGrant>(
    vault: &Vault,
    ns: Namespace,
    secret: &str,
    remember: Duration,
) -> Result<Redeemed<T>, StoreError> {
    let key = Vault::secret_key(ns, secret);
    match vault.take::<Slot<T>>(&key).await? {
        None => Ok(Redeemed::Unknown),
        Some(Slot::Used { grant_id }) => Ok(Redeemed::Reused { grant_id }),
        Some(Slot::Live(value)) => {
            let used: Slot<T> = Slot::Used {
                grant_id: value.grant_id().to_owned(),
            };
            if let Err(e) = vault.put(&key, &used, remember).await {
                // The secret is used up either way; only replay detection
                // is lost.
                tracing::warn!("cannot remember a used one-time secret: {e}");
            }
            Ok(Redeemed::Fresh(value))
        }
    }
}
