//! The shared-state store behind remote mode.
//!
//! Replicas keep nothing another replica would need: every value that must
//! outlive one request goes through [`Store`]. The trait is a small
//! key-value surface with expiry, plus the two atomic steps one-time values
//! need (`put_new` to create once, `take` to use once), so it maps onto an
//! embedded map, a local file and Redis/Valkey alike.
//!
//! Keys are namespaced by what they hold (`code:`, `client:`, `okta:`,
//! `refresh:`, `mrtr:`, `allow:`, `session:`), see [`Namespace`].
//!
//! Three implementations, chosen by `OKTA_MCP_STORE` ([`open`]): [`memory`]
//! (the default, one instance), [`file`] (one instance whose state survives
//! a restart) and [`redis`] (Redis or Valkey, any number of replicas).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

#[doc(hidden)]
pub mod contract;
pub mod file;
pub mod memory;
pub mod redis;
mod table;

/// What can go wrong talking to a store. Messages name the store, never a
/// stored value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store at {store} cannot be reached: {reason}")]
    Unavailable { store: String, reason: String },
    #[error("the store at {store} answered unexpectedly: {reason}")]
    Protocol { store: String, reason: String },
    #[error("the store file {path} cannot be used: {reason}")]
    File { path: String, reason: String },
}

/// A key-value store with expiry, shared by every replica.
pub trait Store: Send + Sync + 'static {
    /// Writes `value` under `key`, replacing any value; it expires after
    /// `ttl` when given.
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Writes only when `key` holds nothing; true when it wrote.
    fn put_new<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// The value under `key`, if any and not expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;

    /// Reads and deletes in one step, so a one-time value (an authorization
    /// code, a refresh token) is used at most once across all replicas.
    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;

    /// Deletes `key`; deleting a missing key is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// A description for logs and `/readyz` (never a password).
    fn describe(&self) -> String;

    /// Checks that the store answers (for `/readyz`).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { self.get("ping:readyz").await.map(|_| ()) })
    }
}

/// The store `OKTA_MCP_STORE` names: empty or `memory` (this process only),
/// `file:///path/state.json` (one instance, survives a restart) or
/// `redis://[user:password@]host[:port][/db]` (Redis or Valkey, shared by
/// every replica). Opening does not wait for Redis: an unreachable server
/// shows in `/readyz` and as `503` answers, not as a failed start.
pub fn open(setting: &str) -> Result<Arc<dyn Store>, StoreError> {
    let text = setting.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("memory") {
        return Ok(Arc::new(memory::MemoryStore::new()));
    }
    if let Some(path) = text.strip_prefix("file://") {
        if path.is_empty() || !path.starts_with('/') {
            return Err(StoreError::File {
                path: path.to_owned(),
                reason: "OKTA_MCP_STORE=file:// needs an absolute path, e.g. file:///var/lib/okta-mcp/state.json".into(),
            });
        }
        return Ok(Arc::new(file::FileStore::open(std::path::Path::new(path))?));
    }
    if text.starts_with("redis://") || text.starts_with("valkey://") {
        return Ok(Arc::new(redis::RedisStore::new(text)?));
    }
    Err(StoreError::Unavailable {
        store: crate::config::mask_userinfo(text),
        reason: "OKTA_MCP_STORE must be memory, file:///absolute/path.json or redis://host:port"
            .into(),
    })
}

/// The kinds of value kept in the store, each under its own key prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// Authorization codes issued to MCP clients (one-time).
    Code,
    /// Registered MCP clients (dynamic registration).
    Client,
    /// A person's Okta tokens, encrypted.
    Okta,
    /// Refresh tokens issued to MCP clients (one-time, rotated).
    Refresh,
    /// Pending sign-ins at Okta (state -> the MCP client's request).
    Login,
    /// MRTR confirmations in flight.
    Mrtr,
    /// Tools a person allowed for the rest of a session.
    Allow,
    /// MCP sessions (protocol 2025-11-25), for restore on another replica.
    Session,
    /// Who started an MCP session: only that person may use it.
    SessionOwner,
    /// Confirmation questions open in an MCP session and their answers.
    Elicit,
}

impl Namespace {
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Code => "code:",
            Namespace::Client => "client:",
            Namespace::Okta => "okta:",
            Namespace::Refresh => "refresh:",
            Namespace::Login => "login:",
            Namespace::Mrtr => "mrtr:",
            Namespace::Allow => "allow:",
            Namespace::Session => "session:",
            Namespace::SessionOwner => "session-owner:",
            Namespace::Elicit => "elicit:",
        }
    }

    /// The full key for `id` in this namespace.
    pub fn key(self, id: &str) -> String {
        format!("{}{id}", self.prefix())
    }
}
