//! Who is calling, in remote mode.
//!
//! The HTTP transport asks the [`Gate`] about every request to `/mcp` before
//! anything reaches the MCP server or Okta. The gate answers with the
//! [`Person`] the bearer token stands for, or a [`Refusal`] that becomes a
//! `401`/`403` with a `WWW-Authenticate` challenge. For an admitted person it
//! hands out the Okta credential their calls use, so Okta sees each person's
//! own token and their admin role bounds what they can do.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::auth::Authorizer;

/// A signed-in person, as the gate admitted them for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Stable id (Okta's `sub`), used for store keys.
    pub subject: String,
    /// What audit lines and logs call them (Okta's `preferred_username` or
    /// `name`).
    pub name: String,
    /// The MCP client the token was issued to.
    pub client_id: String,
    /// The Okta scopes this person granted (what their Okta token holds);
    /// gating uses the intersection with the configured scopes.
    pub granted_scopes: BTreeSet<String>,
    /// The grant this token belongs to (one sign-in); it names the stored
    /// Okta tokens and survives access-token refreshes.
    pub grant_id: String,
}

/// Why a request was refused. The transport turns it into the HTTP answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("no bearer token: sign in first")]
    MissingToken,
    #[error("the bearer token is not valid: {0}")]
    InvalidToken(String),
    #[error("the token lacks the scope {0}")]
    InsufficientScope(String),
    #[error(
        "the sign-in behind this token has ended or its Okta tokens were revoked: sign in again"
    )]
    SignInEnded,
    #[error("the server cannot check tokens right now: {0}")]
    Unavailable(String),
}

/// Checks bearer tokens and hands out per-person Okta credentials.
pub trait Gate: Send + Sync + 'static {
    /// Checks the `Authorization` header value of a request to `/mcp`.
    fn authenticate<'a>(
        &'a self,
        authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Person, Refusal>>;

    /// The Okta credential for this person's calls (refreshed as needed).
    fn authorizer_for(&self, person: &Person) -> Arc<dyn Authorizer>;

    /// The URL of this server's protected-resource metadata (RFC 9728), for
    /// the `resource_metadata` parameter of a challenge.
    fn resource_metadata_url(&self) -> String;
}
