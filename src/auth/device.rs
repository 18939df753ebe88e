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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use super::client_credentials::jwt_scp;
use super::dpop::{Dpop, DpopMode, TokenRefusal, token_rejected};
use super::keys::{DpopKey, now_secs};
use super::{AuthError, Authorizer, GrantedScopes, state_dir, state_key, token_http_client};

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
    /// The token is DPoP-bound (`Authorization: DPoP`).
    #[serde(default)]
    pub dpop: bool,
    /// The DPoP private key (PKCS#8, base64url) the tokens are bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<String>,
}

/// The scope set as a cache key part: sorted, each once.
fn scope_key(scopes: &str) -> String {
    let set: BTreeSet<&str> = scopes.split_whitespace().collect();
    set.into_iter().collect::<Vec<_>>().join(" ")
}

/// The cache file for org + client + scope set (order does not matter).
pub fn cache_path(org: &str, client_id: &str, scopes: &str) -> Option<PathBuf> {
    let key = state_key(&[org.trim_end_matches('/'), client_id, &scope_key(scopes)]);
    Some(state_dir()?.join(format!("tokens-{key}.json")))
}

pub fn read_cache(path: &std::path::Path) -> Option<Cached> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Writes atomically (tmp + rename), mode 0600.
pub fn write_cache(path: &std::path::Path, c: &Cached) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(c).map_err(std::io::Error::other)?;
    super::write_private(path, &bytes)
}

#[derive(Clone)]
struct Pending {
    sign_in: AuthError,
}

struct Inner {
    http: reqwest::Client,
    dpop: Dpop,
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
    /// `scopes` are the configured ones, asked for as they are (nothing
    /// implied is added: Okta refuses a scope the app was not granted);
    /// only the OpenID Connect scopes `openid profile offline_access` are
    /// appended, which any OIDC app may ask for and which bring the refresh
    /// token.
    pub fn new(
        org: &url::Url,
        client_id: &str,
        scopes: &str,
        no_browser: bool,
        dpop_mode: DpopMode,
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
        let http = token_http_client()?;
        let org_s = org.as_str().trim_end_matches('/').to_owned();
        let cache = cache_path(&org_s, client_id, &scopes);
        let mut tokens = cache.as_deref().and_then(read_cache);
        // Tokens bound to a DPoP key are usable only with that key.
        let cached_key = tokens
            .as_ref()
            .and_then(|t| t.dpop_key.as_deref())
            .and_then(DpopKey::from_pkcs8_b64);
        if let Some(t) = tokens.as_ref()
            && t.dpop
            && (cached_key.is_none() || dpop_mode == DpopMode::Never)
        {
            tracing::info!(
                "the cached Okta tokens are DPoP-bound but unusable here; a new sign-in is needed"
            );
            tokens = None;
        }
        let dpop = Dpop::new(dpop_mode, cached_key, &org_s, client_id)?;
        let granted = watch::channel(tokens.as_ref().and_then(|t| t.granted.clone())).0;
        Ok(Self(Arc::new(Inner {
            http,
            dpop,
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
    /// The token and whether it is DPoP-bound.
    async fn access_token(&self) -> Result<(String, bool), AuthError> {
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
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                    ("client_id", inner.client_id.as_str()),
                ];
                match self.token_request(&form).await {
                    Ok(body) => {
                        self.store(&body, Some(rt));
                        if let Some(t) = self.usable(0) {
                            return Ok(t);
                        }
                    }
                    Err(r) if r.error == "transport" => {
                        // Okta was not reached: keep the refresh token for
                        // the next call rather than forcing a new sign-in.
                        if let Some(t) = self.usable(0) {
                            return Ok(t);
                        }
                        return Err(AuthError::Transport(format!(
                            "cannot reach Okta to refresh the token: {}",
                            r.description
                        )));
                    }
                    Err(r) => {
                        tracing::warn!(
                            "refreshing the Okta token failed ({}); a new sign-in is needed",
                            r.error
                        );
                        if let Ok(mut t) = inner.tokens.lock() {
                            *t = None;
                        }
                        if let Some(path) = &inner.cache {
                            let _ = std::fs::remove_file(path);
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

    fn fresh(&self) -> Option<(String, bool)> {
        self.usable(SKEW_SECS)
    }

    fn usable(&self, margin: u64) -> Option<(String, bool)> {
        let t = self.0.tokens.lock().ok()?;
        t.as_ref()
            .filter(|c| c.expires_at > now_secs() + margin)
            .map(|c| (c.access_token.clone(), c.dpop))
    }

    async fn token_request(&self, form: &[(&'static str, &str)]) -> Result<Value, TokenRefusal> {
        let fields: Vec<(&'static str, String)> =
            form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let build = || Ok(fields.clone());
        self.0
            .dpop
            .token_request(&self.0.http, &self.0.token_url, &build)
            .await
    }

    fn store(&self, body: &Value, old_refresh: Option<String>) {
        let inner = &self.0;
        let access_token = body["access_token"].as_str().unwrap_or("").to_owned();
        let dpop = body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
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
            dpop,
            dpop_key: dpop
                .then(|| inner.dpop.key().map(DpopKey::to_pkcs8_b64))
                .flatten(),
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
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", device_code.as_str()),
                ("client_id", inner.client_id.as_str()),
            ];
            match self.token_request(&form).await {
                Ok(body) => break Ok(body),
                Err(r) if r.error == "authorization_pending" || r.error == "transport" => {
                    tracing::debug!(error = %r.error, detail = %r.description, "device sign-in still pending");
                }
                Err(r) if r.error == "slow_down" => {
                    interval += 5;
                    tracing::debug!(interval, "Okta asked to slow down device polling");
                }
                Err(r) if r.error == "access_denied" => {
                    break Err(AuthError::Refused(format!(
                        "the Okta sign-in was denied ({}); retry to start a new one",
                        r.description
                    )));
                }
                Err(r) if r.error == "expired_token" => {
                    break Err(AuthError::Refused(
                        "the Okta sign-in code expired before it was approved; retry to get a new one"
                            .into(),
                    ));
                }
                Err(r) => {
                    break Err(AuthError::Refused(format!(
                        "the Okta sign-in ended: {} {}; retry to start a new one",
                        r.error, r.description
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
            let (token, bound) = self.access_token().await?;
            self.0.dpop.authorize(request, &token, bound)
        })
    }

    fn token_status(&self) -> Option<super::TokenStatus> {
        let t = self.0.tokens.lock().ok()?;
        let c = t.as_ref()?;
        Some(super::TokenStatus {
            dpop: c.dpop,
            expires_in_secs: c.expires_at.saturating_sub(now_secs()),
            refreshable: c.refresh_token.is_some(),
        })
    }

    fn needs_person(&self) -> bool {
        true
    }

    fn retry_after_unauthorized(&self, response: &reqwest::Response) -> bool {
        if self.0.dpop.nonce_challenge(response) {
            return true;
        }
        if token_rejected(response)
            && let Ok(mut t) = self.0.tokens.lock()
        {
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
        format!(
            "device sign-in for client {}, DPoP {:?}",
            self.0.client_id,
            self.0.dpop.mode()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_the_configured_scopes_in_order_plus_only_oidc_ones() {
        let org = url::Url::parse("https://example.okta.com").unwrap();
        let flow = DeviceFlow::new(
            &org,
            "native",
            "okta.users.manage okta.apps.read openid",
            true,
            DpopMode::Never,
        )
        .unwrap();
        assert_eq!(
            flow.0.scopes,
            "okta.users.manage okta.apps.read openid profile offline_access"
        );
    }

    #[test]
    fn cache_is_keyed_by_org_client_and_scope_set() {
        let Some(base) = cache_path("https://a.okta.com", "c1", "okta.users.read openid") else {
            return; // no HOME or XDG_STATE_HOME: nothing to key
        };
        let same = cache_path(
            "https://a.okta.com/",
            "c1",
            " openid  okta.users.read openid",
        );
        assert_eq!(
            Some(&base),
            same.as_ref(),
            "order and repeats do not matter"
        );
        for other in [
            cache_path("https://b.okta.com", "c1", "okta.users.read openid"),
            cache_path("https://a.okta.com", "c2", "okta.users.read openid"),
            cache_path("https://a.okta.com", "c1", "okta.users.manage openid"),
        ] {
            assert_ne!(Some(&base), other.as_ref());
        }
    }
}
