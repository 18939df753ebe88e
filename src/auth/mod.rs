//! Credentials for Okta API calls.
//!
//! Every request passes through an [`Authorizer`], which adds the
//! `Authorization` header (and a DPoP proof when the token is bound). The
//! static kinds live in [`static_token`]; OAuth flows implement the same
//! trait. An authorizer never logs or returns a secret.

pub mod client_credentials;
pub mod device;
pub mod keys;
pub mod static_token;

use std::collections::BTreeSet;

use futures::future::BoxFuture;

/// What the granted-scopes channel carries: `None` until a token is known.
pub type GrantedScopes = Option<BTreeSet<String>>;

/// Why a request could not be given credentials.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// Nothing usable is configured; the message names the variables to set.
    #[error("{0}")]
    NotConfigured(String),
    /// The configuration is present but wrong (bad key, unknown client...).
    #[error("{0}")]
    Config(String),
    /// An interactive sign-in is needed: show this to the person.
    #[error("sign in to Okta: open {verification_uri} and enter code {user_code}, then retry")]
    SignInRequired {
        verification_uri: String,
        verification_uri_complete: Option<String>,
        user_code: String,
        expires_in_secs: u64,
    },
    /// The authorization server refused (denied, expired, invalid client...).
    #[error("{0}")]
    Refused(String),
    /// Talking to the authorization server failed.
    #[error("{0}")]
    Transport(String),
}

/// Adds credentials to API requests.
pub trait Authorizer: Send + Sync {
    /// Adds `Authorization` (and `DPoP`) to `request`, signing in or
    /// refreshing first if needed.
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Looks at a `401` from the API and answers whether one retry with fresh
    /// credentials can succeed (a DPoP nonce challenge, an expired token).
    fn retry_after_unauthorized(&self, _response: &reqwest::Response) -> bool {
        false
    }

    /// The scopes the current token really holds, when known.
    fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        None
    }

    /// A channel that changes whenever the granted scopes change.
    fn granted_watch(&self) -> Option<tokio::sync::watch::Receiver<GrantedScopes>> {
        None
    }

    /// Work worth doing at startup (fetch the first headless token); its
    /// error is logged once by the caller.
    fn prepare(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }

    /// A short description for logs and `whoami` (never a secret).
    fn describe(&self) -> String;
}
