//! Credentials for Okta API calls.
//!
//! Every request passes through an [`Authorizer`], which adds the
//! `Authorization` header (and a DPoP proof when the token is bound). The
//! static kinds live in [`static_token`]; OAuth flows implement the same
//! trait. An authorizer never logs or returns a secret.

pub mod client_credentials;
pub mod device;
pub mod dpop;
pub mod keys;
pub mod static_token;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// A transport error with its causes (`a: b: c`), never the URL (which may
/// carry a code in a query) nor any header.
pub fn transport_detail(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    if let Some(url) = e.url() {
        out = out.replace(url.as_str(), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The HTTP client for Okta's authorization server. It keeps no idle
/// connection: token requests are minutes apart (device polling every 5 s or
/// more, refreshes hourly) and a pooled connection may have been closed by
/// the server meanwhile (Node's default keep-alive is exactly 5 s), which
/// would fail the next request before it is sent.
pub fn token_http_client() -> Result<reqwest::Client, AuthError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .user_agent(concat!("okta-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AuthError::Transport(format!("cannot build the HTTP client: {e}")))
}

/// Sends `request`, once more when the first attempt provably never reached
/// the server (the connection could not be made).
pub async fn send_token_request(
    http: &reqwest::Client,
    request: reqwest::Request,
) -> Result<reqwest::Response, reqwest::Error> {
    let again = request.try_clone();
    match http.execute(request).await {
        Err(e) if e.is_connect() => match again {
            Some(r) => {
                tracing::debug!(detail = %transport_detail(&e), "token request not sent; retrying once");
                tokio::time::sleep(Duration::from_millis(200)).await;
                http.execute(r).await
            }
            None => Err(e),
        },
        other => other,
    }
}

/// The okta-mcp state folder (token cache, DPoP memory, default audit log):
/// `$XDG_STATE_HOME/okta-mcp` when `XDG_STATE_HOME` is set (on every
/// platform, so a test or a person can move it), otherwise
/// `%LOCALAPPDATA%\okta-mcp` on Windows and `~/.local/state/okta-mcp`
/// elsewhere. `None` when none of these variables is set.
pub fn state_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let base = var("XDG_STATE_HOME").map(PathBuf::from);
    #[cfg(windows)]
    let base = base.or_else(|| var("LOCALAPPDATA").map(PathBuf::from));
    #[cfg(not(windows))]
    let base = base.or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local").join("state")));
    base.map(|b| b.join("okta-mcp"))
}

/// A short stable file-name key for `parts` (hex of SHA-256).
pub fn state_key(parts: &[&str]) -> String {
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, parts.join("\n").as_bytes());
    hash.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to `path` atomically (temporary file + rename) with mode
/// 0600, creating the directory (0700) if needed.
///
/// On Windows there are no modes to set: files and folders inherit the ACL
/// of their parent, and the default state folder lives under the user's
/// `%LOCALAPPDATA%`, whose ACL grants access to that user, SYSTEM and
/// Administrators only, so the cache is private to the user there too.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        keys::random_id()
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The current token as `okta-mcp doctor` reports it (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStatus {
    /// Bound to a key (`Authorization: DPoP`).
    pub dpop: bool,
    /// Seconds until it expires (0 when it has).
    pub expires_in_secs: u64,
    /// A refresh token can renew it without a person.
    pub refreshable: bool,
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

    /// The current token, when there is one (API tokens have none).
    fn token_status(&self) -> Option<TokenStatus> {
        None
    }

    /// Whether getting a first token needs a person (device sign-in).
    fn needs_person(&self) -> bool {
        false
    }
}
