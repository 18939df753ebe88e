//! Private key JWT client credentials (headless), with optional DPoP.
//!
//! The client signs an assertion (RFC 7523) with its private key and trades
//! it at `{org}/oauth2/v1/token` for an access token, cached in memory and
//! renewed a minute before expiry. With DPoP (RFC 9449) every token request
//! and API call carries a proof from a per-process ES256 key.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use serde_json::Value;
use tokio::sync::watch;

pub use super::dpop::DpopMode;
use super::dpop::{Dpop, TokenRefusal, token_rejected};
use super::keys::{SigningKey, client_assertion};
use super::{AuthError, Authorizer, GrantedScopes, token_http_client};

/// Renew this long before the token expires.
const SKEW: Duration = Duration::from_secs(60);

/// An access token. Never printed.
#[derive(Clone)]
pub struct Token {
    pub access_token: String,
    pub dpop: bool,
    pub expires_at: Instant,
    pub scopes: Option<BTreeSet<String>>,
}

pub struct ClientCredentials {
    http: reqwest::Client,
    token_url: url::Url,
    client_id: String,
    key_id: String,
    scopes: String,
    key: SigningKey,
    dpop: Dpop,
    token: Mutex<Option<Token>>,
    fetch: tokio::sync::Mutex<()>,
    granted: watch::Sender<GrantedScopes>,
}

impl ClientCredentials {
    pub fn new(
        org: &url::Url,
        client_id: &str,
        key_id: &str,
        scopes: &str,
        key: SigningKey,
        dpop_mode: DpopMode,
    ) -> Result<Self, AuthError> {
        let token_url = org
            .join("/oauth2/v1/token")
            .map_err(|_| AuthError::Config("OKTA_ORG_URL cannot carry a token path".into()))?;
        let dpop = Dpop::new(dpop_mode, None, org.as_str(), client_id)?;
        Ok(Self {
            http: token_http_client()?,
            token_url,
            client_id: client_id.to_owned(),
            key_id: key_id.to_owned(),
            scopes: scopes.to_owned(),
            key,
            dpop,
            token: Mutex::new(None),
            fetch: tokio::sync::Mutex::new(()),
            granted: watch::channel(None).0,
        })
    }

    fn assertion(&self) -> Result<String, AuthError> {
        client_assertion(
            &self.key,
            &self.key_id,
            &self.client_id,
            &self.token_url,
            "OKTA_PRIVATE_KEY",
        )
    }

    /// The current token, fetching a new one when missing or near expiry.
    pub async fn token(&self) -> Result<Token, AuthError> {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let _guard = self.fetch.lock().await;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let t = self.fetch_token().await?;
        if let Ok(mut slot) = self.token.lock() {
            *slot = Some(t.clone());
        }
        if let Some(s) = &t.scopes {
            self.granted.send_if_modified(|g| {
                let changed = g.as_ref() != Some(s);
                *g = Some(s.clone());
                changed
            });
        }
        Ok(t)
    }

    fn fresh(&self) -> Option<Token> {
        let slot = self.token.lock().ok()?;
        slot.as_ref()
            .filter(|t| t.expires_at > Instant::now() + SKEW)
            .cloned()
    }

    /// The token request's form. `scope` is exactly the configured scopes:
    /// Okta refuses a scope the app was not granted, so nothing implied
    /// (`.read` for `.manage`) is added.
    fn token_form(&self) -> Result<Vec<(&'static str, String)>, AuthError> {
        Ok(vec![
            ("grant_type", "client_credentials".to_owned()),
            ("scope", self.scopes.clone()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion", self.assertion()?),
        ])
    }

    async fn fetch_token(&self) -> Result<Token, AuthError> {
        // Fail early (and clearly) when the key cannot sign.
        self.assertion()?;
        let form = || self.token_form();
        match self
            .dpop
            .token_request(&self.http, &self.token_url, &form)
            .await
        {
            Ok(body) => self.parse_token(&body),
            Err(r) => Err(self.token_error(&r)),
        }
    }

    fn token_error(&self, r: &TokenRefusal) -> AuthError {
        let (status, error, desc) = (r.status, r.error.as_str(), r.description.as_str());
        if error == "local" {
            return AuthError::Config(desc.to_owned());
        }
        if error == "transport" {
            return AuthError::Transport(format!(
                "cannot reach Okta's token endpoint {}: {desc}",
                self.token_url
            ));
        }
        let detail = if desc.is_empty() {
            format!("{error} (HTTP {status})")
        } else {
            format!("{error}: {desc} (HTTP {status})")
        };
        match error {
            "invalid_client" | "unauthorized_client" => AuthError::Config(format!(
                "Okta refused the client credentials ({detail}): check OKTA_CLIENT_ID (`{}`), OKTA_KEY_ID (`{}`) and that OKTA_PRIVATE_KEY matches the public key registered for that app",
                self.client_id, self.key_id
            )),
            "invalid_scope" => AuthError::Refused(format!(
                "Okta refused the requested scopes ({detail}): check OKTA_SCOPES and the scopes granted to the app"
            )),
            "use_dpop_nonce" | "invalid_dpop_proof" => AuthError::Refused(format!(
                "Okta refused the DPoP proof ({detail}): check OKTA_DPOP and the app's DPoP setting"
            )),
            _ => AuthError::Refused(format!("Okta's token endpoint refused ({detail})")),
        }
    }

    fn parse_token(&self, body: &Value) -> Result<Token, AuthError> {
        let access_token = body["access_token"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Refused("Okta's token response has no access_token".into()))?
            .to_owned();
        let token_type = body["token_type"].as_str().unwrap_or("Bearer");
        let dpop = token_type.eq_ignore_ascii_case("DPoP");
        if self.dpop.mode() == DpopMode::Always && !dpop {
            return Err(AuthError::Refused(
                "OKTA_DPOP=always but Okta issued a Bearer token: enable DPoP on the app or set OKTA_DPOP=auto".into(),
            ));
        }
        let expires_in = body["expires_in"].as_u64().unwrap_or(3600);
        let scopes = body["scope"]
            .as_str()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .or_else(|| jwt_scp(&access_token));
        Ok(Token {
            access_token,
            dpop,
            expires_at: Instant::now() + Duration::from_secs(expires_in),
            scopes,
        })
    }
}

/// The `scp` claim of a JWT access token, read without verification (only to
/// narrow the tool list; Okta still checks every call).
pub fn jwt_scp(token: &str) -> Option<BTreeSet<String>> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    match &claims["scp"] {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        _ => None,
    }
}

impl Authorizer for ClientCredentials {
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let t = self.token().await?;
            self.dpop.authorize(request, &t.access_token, t.dpop)
        })
    }

    fn retry_after_unauthorized(&self, response: &reqwest::Response) -> bool {
        if self.dpop.nonce_challenge(response) {
            return true;
        }
        if token_rejected(response)
            && let Ok(mut slot) = self.token.lock()
        {
            *slot = None;
            return true;
        }
        false
    }

    fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        self.granted.borrow().clone()
    }

    fn token_status(&self) -> Option<super::TokenStatus> {
        let slot = self.token.lock().ok()?;
        let t = slot.as_ref()?;
        Some(super::TokenStatus {
            dpop: t.dpop,
            expires_in_secs: t
                .expires_at
                .saturating_duration_since(Instant::now())
                .as_secs(),
            // A new assertion gets a new token whenever needed.
            refreshable: true,
        })
    }

    fn granted_watch(&self) -> Option<watch::Receiver<GrantedScopes>> {
        Some(self.granted.subscribe())
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async move { self.token().await.map(|_| ()) })
    }

    fn describe(&self) -> String {
        format!(
            "private key JWT ({:?}, kid {}) for client {}, DPoP {:?}",
            self.key.alg,
            self.key_id,
            self.client_id,
            self.dpop.mode()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::test_ec_pem as ec_pem;
    use super::*;

    #[test]
    fn the_token_request_asks_for_exactly_the_configured_scopes() {
        let key = super::super::keys::load_private_key(&ec_pem(), "OKTA_PRIVATE_KEY").unwrap();
        let org = url::Url::parse("https://example.okta.com").unwrap();
        let cc = ClientCredentials::new(
            &org,
            "client",
            "kid",
            "okta.users.manage okta.apps.read okta.groups.manage",
            key,
            DpopMode::Never,
        )
        .unwrap();
        // The body exactly as it is sent.
        let request = reqwest::Client::new()
            .post(cc.token_url.clone())
            .form(&cc.token_form().unwrap())
            .build()
            .unwrap();
        let body = request.body().and_then(|b| b.as_bytes()).unwrap();
        let scopes: Vec<String> = form_urlencoded_scope(body);
        assert_eq!(
            scopes,
            ["okta.users.manage okta.apps.read okta.groups.manage"]
        );
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains("okta.users.read"), "{text}");
        assert!(!text.contains("okta.groups.read"), "{text}");
    }

    /// The `scope` values of an `application/x-www-form-urlencoded` body.
    fn form_urlencoded_scope(body: &[u8]) -> Vec<String> {
        url::form_urlencoded::parse(body)
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
            .collect()
    }
}
