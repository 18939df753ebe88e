//! Device Authorization Grant (RFC 8628) for a person at the keyboard, with
//! refresh tokens and a token cache file (mode 0600) per org, client and
//! scope set.
//!
//! Nothing here blocks `initialize` or `tools/list`: the first call needing a
//! token starts a sign-in and gets [`AuthError::SignInRequired`] while polling
//! continues in the background.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use super::client_credentials::jwt_scp;
use super::keys::now_secs;
use super::{AuthError, Authorizer, GrantedScopes};

/// Renew this many seconds before expiry.
const SKEW_SECS: u64 = 60;

/// What the cache file holds. Never printed whole.
#[derive(Clone, Serialize, Deserialize)]
pub struct Cached {
    pub org: String,
    pub client_id: String,
    pub scopes: String,
    pub granted: Option<BTreeSet<String>>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Unix seconds.
    pub expires_at: u64,
}

/// The cache file for org + client + scopes.
pub fn cache_path(org: &str, client_id: &str, scopes: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    let key = format!("{}\n{client_id}\n{scopes}", org.trim_end_matches('/'));
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
    let hex: String = hash.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(base.join("okta-mcp").join(format!("tokens-{hex}.json")))
}

pub fn read_cache(path: &std::path::Path) -> Option<Cached> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Writes atomically (tmp + rename), mode 0600.
pub fn write_cache(path: &std::path::Path, c: &Cached) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tokens-{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(&serde_json::to_vec(c).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[derive(Clone)]
struct Pending {
    sign_in: AuthError,
}

struct Inner {
    http: reqwest::Client,
    org: String,
    device_url: url::Url,
    token_url: url::Url,
    client_id: String,
    scopes: String,
    no_browser: bool,
    cache: Option<PathBuf>,
    tokens: Mutex<Option<Cached>>,
    pending: Mutex<Option<Pending>>,
    /// Set when the last attempt ended (denied, expired): reported once.
    ended: Mutex<Option<AuthError>>,
    refresh: tokio::sync::Mutex<()>,
    granted: watch::Sender<GrantedScopes>,
}

/// The device-flow authorizer.
#[derive(Clone)]
pub struct DeviceFlow(Arc<Inner>);

impl DeviceFlow {
    /// `scopes` are the configured ones; `openid profile offline_access` is
    /// added.
    pub fn new(
        org: &url::Url,
        client_id: &str,
        scopes: &str,
        no_browser: bool,
    ) -> Result<Self, AuthError> {
        let join = |p: &str| {
            org.join(p)
                .map_err(|_| AuthError::Config("OKTA_ORG_URL cannot carry OAuth paths".into()))
        };
        let mut all: Vec<&str> = scopes.split_whitespace().collect();
        for s in ["openid", "profile", "offline_access"] {
            if !all.contains(&s) {
                all.push(s);
            }
        }
        let scopes = all.join(" ");
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AuthError::Transport(format!("cannot build the HTTP client: {e}")))?;
        let org_s = org.as_str().trim_end_matches('/').to_owned();
        let cache = cache_path(&org_s, client_id, &scopes);
        let tokens = cache.as_deref().and_then(read_cache);
        let granted = watch::channel(tokens.as_ref().and_then(|t| t.granted.clone())).0;
        Ok(Self(Arc::new(Inner {
            http,
            device_url: join("/oauth2/v1/device/authorize")?,
            token_url: join("/oauth2/v1/token")?,
            org: org_s,
            client_id: client_id.to_owned(),
            scopes,
            no_browser,
            cache,
            tokens: Mutex::new(tokens),
            pending: Mutex::new(None),
            ended: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            granted,
        })))
    }

    pub fn cache_file(&self) -> Option<PathBuf> {
        self.0.cache.clone()
    }

    /// A usable access token, refreshing if needed; else starts (or reports)
    /// a sign-in.
    async fn access_token(&self) -> Result<String, AuthError> {
        let inner = &self.0;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        {
            let _g = inner.refresh.lock().await;
            if let Some(t) = self.fresh() {
                return Ok(t);
            }
            let refresh = inner
                .tokens
                .lock()
                .ok()
                .and_then(|t| t.as_ref().and_then(|c| c.refresh_token.clone()));
            if let Some(rt) = refresh {
                match self
                    .token_request(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", &rt),
                        ("client_id", &inner.client_id),
                    ])
                    .await
                {
                    Ok(body) => {
                        self.store(&body, Some(rt));
                        if let Some(t) = self.fresh() {
                            return Ok(t);
                        }
                    }
                    Err((e, _)) => {
                        tracing::warn!(
                            "refreshing the Okta token failed ({e}); a new sign-in is needed"
                        );
                        if let Ok(mut t) = inner.tokens.lock() {
                            *t = None;
                        }
                    }
                }
            }
        }
        // No refresh token: the current one still works until it expires.
        if let Some(t) = self.usable(0) {
            return Ok(t);
        }
        if let Some(e) = inner.ended.lock().ok().and_then(|mut e| e.take()) {
            return Err(e);
        }
        if let Some(p) = inner.pending.lock().ok().and_then(|p| p.clone()) {
            return Err(p.sign_in);
        }
        Err(self.start().await?)
    }

    fn fresh(&self) -> Option<String> {
        self.usable(SKEW_SECS)
    }

    fn usable(&self, margin: u64) -> Option<String> {
        let t = self.0.tokens.lock().ok()?;
        t.as_ref()
            .filter(|c| c.expires_at > now_secs() + margin)
            .map(|c| c.access_token.clone())
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<Value, (String, String)> {
        let resp = self
            .0
            .http
            .post(self.0.token_url.clone())
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| ("transport".to_owned(), e.without_url().to_string()))?;
        let ok = resp.status().is_success();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if ok && body["access_token"].is_string() {
            Ok(body)
        } else {
            Err((
                body["error"]
                    .as_str()
                    .unwrap_or("invalid_response")
                    .to_owned(),
                body["error_description"].as_str().unwrap_or("").to_owned(),
            ))
        }
    }

    fn store(&self, body: &Value, old_refresh: Option<String>) {
        let inner = &self.0;
        let access_token = body["access_token"].as_str().unwrap_or("").to_owned();
        let granted = body["scope"]
            .as_str()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .or_else(|| jwt_scp(&access_token));
        let c = Cached {
            org: inner.org.clone(),
            client_id: inner.client_id.clone(),
            scopes: inner.scopes.clone(),
            granted: granted.clone(),
            refresh_token: body["refresh_token"]
                .as_str()
                .map(str::to_owned)
                .or(old_refresh),
            expires_at: now_secs() + body["expires_in"].as_u64().unwrap_or(3600),
            access_token,
        };
        if let Some(path) = &inner.cache
            && let Err(e) = write_cache(path, &c)
        {
            tracing::warn!("cannot write the token cache {}: {e}", path.display());
        }
        if let Ok(mut t) = inner.tokens.lock() {
            *t = Some(c);
        }
        if let Some(g) = granted {
            inner.granted.send_if_modified(|cur| {
                let changed = cur.as_ref() != Some(&g);
                *cur = Some(g);
                changed
            });
        }
    }

    /// Starts a sign-in: asks for a device code, shows it, polls in the
    /// background. Returns the `SignInRequired` to show.
    async fn start(&self) -> Result<AuthError, AuthError> {
        let inner = &self.0;
        let resp = inner
            .http
            .post(inner.device_url.clone())
            .header("Accept", "application/json")
            .form(&[
                ("client_id", inner.client_id.as_str()),
                ("scope", &inner.scopes),
            ])
            .send()
            .await
            .map_err(|e| {
                AuthError::Transport(format!(
                    "cannot reach Okta's device authorization endpoint: {}",
                    e.without_url()
                ))
            })?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let (Some(device_code), Some(user_code), Some(uri)) = (
            body["device_code"].as_str(),
            body["user_code"].as_str(),
            body["verification_uri"].as_str(),
        ) else {
            let error = body["error"].as_str().unwrap_or("invalid_response");
            let desc = body["error_description"].as_str().unwrap_or("");
            return Err(AuthError::Config(format!(
                "Okta refused the device sign-in ({error}: {desc}, HTTP {}): check OKTA_CLIENT_ID (a native app with the Device Authorization grant) and OKTA_SCOPES",
                status.as_u16()
            )));
        };
        let expires_in = body["expires_in"].as_u64().unwrap_or(600);
        let interval = body["interval"].as_u64().unwrap_or(5).max(1);
        let complete = body["verification_uri_complete"]
            .as_str()
            .map(str::to_owned);
        let sign_in = AuthError::SignInRequired {
            verification_uri: uri.to_owned(),
            verification_uri_complete: complete.clone(),
            user_code: user_code.to_owned(),
            expires_in_secs: expires_in,
        };
        tracing::warn!(
            "sign in to Okta: open {} and enter code {user_code}",
            complete.as_deref().unwrap_or(uri)
        );
        if !inner.no_browser {
            open_browser(complete.as_deref().unwrap_or(uri));
        }
        if let Ok(mut p) = inner.pending.lock() {
            *p = Some(Pending {
                sign_in: sign_in.clone(),
            });
        }
        let me = self.clone();
        let device_code = device_code.to_owned();
        tokio::spawn(async move { me.poll(device_code, interval, expires_in).await });
        Ok(sign_in)
    }

    async fn poll(&self, device_code: String, mut interval: u64, expires_in: u64) {
        let inner = &self.0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(expires_in);
        let outcome = loop {
            tokio::time::sleep(Duration::from_secs(interval)).await;
            if tokio::time::Instant::now() > deadline {
                break Err(AuthError::Refused(
                    "the Okta sign-in code expired before it was approved; retry to get a new one"
                        .into(),
                ));
            }
            match self
                .token_request(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", &device_code),
                    ("client_id", &inner.client_id),
                ])
                .await
            {
                Ok(body) => break Ok(body),
                Err((e, d)) if e == "authorization_pending" || e == "transport" => {
                    tracing::debug!(error = %e, detail = %d, "device sign-in still pending");
                }
                Err((e, _)) if e == "slow_down" => interval += 5,
                Err((e, d)) if e == "access_denied" => {
                    break Err(AuthError::Refused(format!(
                        "the Okta sign-in was denied ({d}); retry to start a new one"
                    )));
                }
                Err((e, d)) => {
                    break Err(AuthError::Refused(format!(
                        "the Okta sign-in ended: {e} {d}; retry to start a new one"
                    )));
                }
            }
        };
        match outcome {
            Ok(body) => {
                self.store(&body, None);
                tracing::info!("signed in to Okta");
            }
            Err(e) => {
                tracing::warn!("{e}");
                if let Ok(mut x) = inner.ended.lock() {
                    *x = Some(e);
                }
            }
        }
        if let Ok(mut p) = inner.pending.lock() {
            *p = None;
        }
    }

    /// `okta-mcp login`: signs in (or refreshes) and waits for approval.
    pub async fn login(&self) -> Result<(), AuthError> {
        loop {
            match self.access_token().await {
                Ok(_) => return Ok(()),
                Err(AuthError::SignInRequired {
                    verification_uri,
                    verification_uri_complete,
                    user_code,
                    ..
                }) => {
                    eprintln!(
                        "Open {} and enter the code {user_code}; waiting for approval...",
                        verification_uri_complete
                            .as_deref()
                            .unwrap_or(&verification_uri)
                    );
                    loop {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        if self.0.pending.lock().map(|p| p.is_none()).unwrap_or(true) {
                            break;
                        }
                    }
                    if let Some(e) = self.0.ended.lock().ok().and_then(|mut e| e.take()) {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Opens `url` in a browser, detached; failures are ignored.
fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(cmd)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

impl Authorizer for DeviceFlow {
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let token = self.access_token().await?;
            let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| AuthError::Refused("Okta issued an unusable token".into()))?;
            v.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, v);
            Ok(())
        })
    }

    fn retry_after_unauthorized(&self, response: &reqwest::Response) -> bool {
        let expired = response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("invalid_token"));
        if expired && let Ok(mut t) = self.0.tokens.lock() {
            // Keep the refresh token, drop the access token.
            if let Some(c) = t.as_mut() {
                c.expires_at = 0;
            }
            return true;
        }
        false
    }

    fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        self.0.granted.borrow().clone()
    }

    fn granted_watch(&self) -> Option<watch::Receiver<GrantedScopes>> {
        Some(self.0.granted.subscribe())
    }

    fn describe(&self) -> String {
        format!("device sign-in for client {}", self.0.client_id)
    }
}
