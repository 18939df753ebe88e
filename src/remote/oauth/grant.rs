//! A sign-in ("grant"): who signed in, through which MCP client, and the
//! Okta tokens their calls use, kept sealed in the store under
//! [`Namespace::Okta`] by a random grant id.
//!
//! The grant outlives access tokens and refresh-token rotations; ending it
//! (deleting the record) ends every token issued for it at once, on every
//! replica. Each save renews its lifetime (OKTA_MCP_SIGN_IN_TTL), so a
//! sign-in in use stays, and one left alone expires.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::vault::Vault;
use crate::remote::store::{Namespace, StoreError};

/// A person's Okta tokens. Never printed.
#[derive(Clone, Serialize, Deserialize)]
pub struct OktaTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Unix seconds.
    pub expires_at: u64,
    /// The access token is DPoP-bound.
    pub dpop: bool,
    /// The DPoP private key (PKCS#8, base64url) the tokens are bound to.
    pub dpop_key: Option<String>,
}

impl std::fmt::Debug for OktaTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaTokens")
            .field("expires_at", &self.expires_at)
            .field("dpop", &self.dpop)
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    /// Okta's `sub`.
    pub subject: String,
    /// `preferred_username`, else `name`, else the subject.
    pub name: String,
    /// The MCP client the sign-in was for.
    pub client_id: String,
    /// The scopes Okta granted (its token response's `scope`).
    pub granted: BTreeSet<String>,
    pub okta: OktaTokens,
}

fn key(grant_id: &str) -> String {
    Namespace::Okta.key(grant_id)
}

/// The key of the cross-replica refresh lock of a grant.
pub fn lock_key(grant_id: &str) -> String {
    Namespace::Okta.key(&format!("{grant_id}.refreshing"))
}

pub async fn load(vault: &Vault, grant_id: &str) -> Result<Option<Grant>, StoreError> {
    vault.get(&key(grant_id)).await
}

pub async fn save(
    vault: &Vault,
    grant_id: &str,
    grant: &Grant,
    ttl: std::time::Duration,
) -> Result<(), StoreError> {
    vault.put(&key(grant_id), grant, ttl).await
}

/// Ends a sign-in: its access and refresh tokens stop working everywhere.
pub async fn end(vault: &Vault, grant_id: &str) -> Result<(), StoreError> {
    vault.delete(&key(grant_id)).await
}
