//! Which MCP clients may ask for sign-ins, and where their results may go.
//!
//! A client is either registered here (dynamic registration, kept in the
//! store under [`Namespace::Client`]) or names a Client ID Metadata
//! Document by its https `client_id`. Either way the answer is the list of
//! redirect URIs the client owns; a sign-in's result goes only to one of
//! them, matched exactly.

use serde::{Deserialize, Serialize};

use super::Shared;
use super::cimd::is_metadata_url;
use crate::remote::store::{Namespace, StoreError};

/// A registered client (dynamic registration).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registered {
    pub client_id: String,
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub issued_at: u64,
}

/// A client known well enough to send it a sign-in result.
#[derive(Debug, Clone)]
pub struct KnownClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
}

impl KnownClient {
    /// Exact string match, as OAuth 2.1 requires.
    pub fn owns(&self, redirect_uri: &str) -> bool {
        self.redirect_uris.iter().any(|u| u == redirect_uri)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "the MCP client `{0}` is not registered with this server: register it (dynamic registration) or use a client metadata document URL as client_id"
    )]
    Unknown(String),
    #[error("the MCP client's metadata cannot be used: {0}")]
    Metadata(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Looks `client_id` up.
pub async fn find(shared: &Shared, client_id: &str) -> Result<KnownClient, ClientError> {
    if is_metadata_url(client_id) {
        let doc = shared
            .metadata
            .fetch(client_id)
            .await
            .map_err(ClientError::Metadata)?;
        return Ok(KnownClient {
            client_id: client_id.to_owned(),
            redirect_uris: doc.redirect_uris,
        });
    }
    let registered: Option<Registered> =
        shared.vault.get(&Namespace::Client.key(client_id)).await?;
    match registered {
        Some(r) if r.client_id == client_id => Ok(KnownClient {
            client_id: r.client_id,
            redirect_uris: r.redirect_uris,
        }),
        _ => Err(ClientError::Unknown(client_id.to_owned())),
    }
}

/// Whether `uri` may be a redirect URI: absolute, no fragment, https (or
/// http on a loopback host, for native clients), or a private-use scheme of
/// a native app; never a scheme that runs or reads something locally.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = url::Url::parse(uri)
        .map_err(|_| format!("the redirect URI `{uri}` is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(format!("the redirect URI `{uri}` must not have a fragment"));
    }
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "the redirect URI `{uri}` uses http on a non-loopback host: use https"
        )),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws" | "wss" => {
            Err(format!(
                "the redirect URI `{uri}` has a scheme that is not allowed"
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_checked_and_matched_exactly() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/",
            "http://localhost:6274/oauth/callback",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://evil.example.com/cb",
            "https://a.example.com/cb#frag",
            "javascript:alert(1)",
            "data:text/html,x",
            "/relative",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
        let c = KnownClient {
            client_id: "c".into(),
            redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
        };
        assert!(c.owns("http://127.0.0.1:9/cb"));
        assert!(!c.owns("http://127.0.0.1:9/cb/"));
        assert!(!c.owns("http://127.0.0.1:9/cb?x=1"));
    }
}
