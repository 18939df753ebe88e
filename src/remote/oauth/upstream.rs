//! Okta's org authorization server, as this server's OIDC web app uses it:
//! discovery, the sign-in URL (authorization code + PKCE + nonce), the code
//! exchange and refreshes (private key JWT client authentication, DPoP when
//! the app wants it, through [`crate::auth::dpop`]), and the check of the
//! ID token that names the person.
//!
//! Okta's tokens stay on this side: they go into the sealed store and onto
//! the person's API calls, never to an MCP client.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::grant::OktaTokens;
use super::settings::OAuthConfig;
use crate::auth::client_credentials::jwt_scp;
use crate::auth::dpop::{Dpop, DpopMode, TokenRefusal};
use crate::auth::keys::{DpopKey, client_assertion, now_secs};
use crate::auth::{token_http_client, transport_detail};

/// How long the org's signing keys are trusted before they are fetched
/// again (an unknown `kid` fetches them at once).
const JWKS_TTL: Duration = Duration::from_secs(3600);
/// Tolerated clock difference for the ID token.
const ID_TOKEN_LEEWAY: u64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("cannot reach Okta ({0}); retry in a moment")]
    Unreachable(String),
    #[error("Okta's discovery document is not usable: {0}")]
    Discovery(String),
    #[error("Okta refused: {error}{}{}", if .description.is_empty() { "" } else { ": " }, .description)]
    Refused { error: String, description: String },
    #[error("Okta's ID token is not acceptable: {0}")]
    IdToken(String),
    #[error("{0}")]
    Local(String),
}

impl UpstreamError {
    /// Whether Okta said the grant itself is gone (the refresh token was
    /// revoked, expired or already used): sign in again.
    pub fn grant_ended(&self) -> bool {
        matches!(self, UpstreamError::Refused { error, .. } if error == "invalid_grant")
    }

    fn from_refusal(r: TokenRefusal, key_var: &str) -> Self {
        match r.error.as_str() {
            "local" => UpstreamError::Local(r.description),
            "transport" => UpstreamError::Unreachable(r.description),
            "invalid_client" | "unauthorized_client" => UpstreamError::Refused {
                description: format!(
                    "{} (check OKTA_MCP_WEB_CLIENT_ID, OKTA_MCP_WEB_KEY_ID and that {key_var} matches the public key registered with the web app)",
                    r.description
                ),
                error: r.error,
            },
            _ => UpstreamError::Refused {
                error: r.error,
                description: r.description,
            },
        }
    }
}

#[derive(Debug, Clone)]
struct Discovery {
    issuer: String,
    authorization_endpoint: url::Url,
    token_endpoint: url::Url,
    jwks_uri: url::Url,
}

/// Who signed in, with their Okta tokens.
pub struct SignedIn {
    pub subject: String,
    pub name: String,
    pub granted: BTreeSet<String>,
    pub tokens: OktaTokens,
}

pub struct Upstream {
    http: reqwest::Client,
    org: url::Url,
    client_id: String,
    key_id: String,
    key_var: &'static str,
    key: std::sync::Arc<crate::auth::keys::SigningKey>,
    dpop_mode: DpopMode,
    callback_url: String,
    scopes: String,
    discovery: tokio::sync::OnceCell<Discovery>,
    jwks: tokio::sync::Mutex<Option<(Instant, Vec<Jwk>)>>,
    /// Whether Okta bound the last sign-in's tokens (DPoP `auto`).
    learned_dpop: std::sync::Mutex<Option<bool>>,
}

fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin() == b.origin()
}

/// The scopes of a token response: its `scope`, else the access token's
/// `scp` claim.
fn granted_of(body: &Value) -> BTreeSet<String> {
    body["scope"]
        .as_str()
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .or_else(|| body["access_token"].as_str().and_then(jwt_scp))
        .unwrap_or_default()
}

impl Upstream {
    pub fn new(config: &OAuthConfig) -> Result<Self, String> {
        Ok(Self {
            http: token_http_client().map_err(|e| e.to_string())?,
            org: config.org.clone(),
            client_id: config.web_client_id.clone(),
            key_id: config.web_key_id.clone(),
            key_var: config.web_key_var,
            key: config.web_key.clone(),
            dpop_mode: config.dpop,
            callback_url: config.callback_url.clone(),
            scopes: config.okta_scope_request(),
            discovery: tokio::sync::OnceCell::new(),
            jwks: tokio::sync::Mutex::new(None),
            learned_dpop: std::sync::Mutex::new(None),
        })
    }

    /// Okta's discovery document, fetched once (a failure is retried on
    /// the next use). Its issuer must be the org and its endpoints on the
    /// org's origin.
    async fn discovery(&self) -> Result<&Discovery, UpstreamError> {
        self.discovery
            .get_or_try_init(|| async {
                let url = self
                    .org
                    .join("/.well-known/openid-configuration")
                    .map_err(|e| UpstreamError::Discovery(e.to_string()))?;
                let resp = self
                    .http
                    .get(url)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .map_err(|e| UpstreamError::Unreachable(transport_detail(&e)))?;
                if !resp.status().is_success() {
                    return Err(UpstreamError::Discovery(format!(
                        "HTTP {} from {}/.well-known/openid-configuration: check OKTA_ORG_URL",
                        resp.status().as_u16(),
                        self.org.as_str().trim_end_matches('/')
                    )));
                }
                let doc: Value = resp
                    .json()
                    .await
                    .map_err(|_| UpstreamError::Discovery("not JSON".into()))?;
                let issuer = doc["issuer"].as_str().unwrap_or("").to_owned();
                if issuer.trim_end_matches('/') != self.org.as_str().trim_end_matches('/') {
                    return Err(UpstreamError::Discovery(format!(
                        "its issuer `{issuer}` is not OKTA_ORG_URL `{}` (the org authorization server is needed, not a custom one)",
                        self.org.as_str().trim_end_matches('/')
                    )));
                }
                let endpoint = |name: &str| -> Result<url::Url, UpstreamError> {
                    let u = doc[name]
                        .as_str()
                        .and_then(|s| url::Url::parse(s).ok())
                        .ok_or_else(|| UpstreamError::Discovery(format!("`{name}` is missing")))?;
                    if !same_origin(&u, &self.org) {
                        return Err(UpstreamError::Discovery(format!(
                            "`{name}` is not on the org's origin"
                        )));
                    }
                    Ok(u)
                };
                Ok(Discovery {
                    authorization_endpoint: endpoint("authorization_endpoint")?,
                    token_endpoint: endpoint("token_endpoint")?,
                    jwks_uri: endpoint("jwks_uri")?,
                    issuer,
                })
            })
            .await
    }

    /// Where to send the person to sign in at Okta.
    pub async fn authorize_url(
        &self,
        state: &str,
        nonce: &str,
        code_challenge: &str,
    ) -> Result<url::Url, UpstreamError> {
        let d = self.discovery().await?;
        let mut url = d.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &self.callback_url)
            .append_pair("scope", &self.scopes)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    fn assertion(&self, token_url: &url::Url) -> Result<String, crate::auth::AuthError> {
        client_assertion(
            &self.key,
            &self.key_id,
            &self.client_id,
            token_url,
            self.key_var,
        )
    }

    /// Posts a token request (`fields` plus the client assertion) with the
    /// DPoP handling of `dpop`.
    async fn token_request(
        &self,
        dpop: &Dpop,
        fields: Vec<(&'static str, String)>,
    ) -> Result<Value, UpstreamError> {
        let token_url = self.discovery().await?.token_endpoint.clone();
        let form = || {
            let mut f = fields.clone();
            f.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ));
            f.push(("client_assertion", self.assertion(&token_url)?));
            Ok(f)
        };
        dpop.token_request(&self.http, &token_url, &form)
            .await
            .map_err(|r| UpstreamError::from_refusal(r, self.key_var))
    }

    fn tokens_of(
        &self,
        body: &Value,
        dpop: &Dpop,
        old_refresh: Option<&str>,
    ) -> Result<OktaTokens, UpstreamError> {
        let access_token = body["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                UpstreamError::Local("Okta's token response has no access_token".into())
            })?
            .to_owned();
        let bound = body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
        if bound && dpop.key().is_none() {
            return Err(UpstreamError::Local(
                "Okta issued a DPoP-bound token but OKTA_DPOP=never: set OKTA_DPOP=auto".into(),
            ));
        }
        if self.dpop_mode == DpopMode::Always && !bound {
            return Err(UpstreamError::Local(
                "OKTA_DPOP=always but Okta issued a Bearer token: enable DPoP on the web app or set OKTA_DPOP=auto".into(),
            ));
        }
        Ok(OktaTokens {
            access_token,
            refresh_token: body["refresh_token"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| old_refresh.map(str::to_owned)),
            expires_at: now_secs() + body["expires_in"].as_u64().unwrap_or(3600),
            dpop: bound,
            dpop_key: bound
                .then(|| dpop.key().map(DpopKey::to_pkcs8_b64))
                .flatten(),
        })
    }

    /// Trades the code from Okta's redirect for tokens and checks the ID
    /// token against `nonce`.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        nonce: &str,
    ) -> Result<SignedIn, UpstreamError> {
        // In `auto`, once Okta has issued a Bearer token to this app, later
        // sign-ins send no proof (a refused proof is a failed grant in the
        // System Log); a refusal about DPoP forgets that again.
        let learned = self.learned_dpop.lock().ok().and_then(|l| *l);
        let mode = match (self.dpop_mode, learned) {
            (DpopMode::Auto, Some(false)) => DpopMode::Never,
            (m, _) => m,
        };
        let dpop =
            Dpop::unremembered(mode, None).map_err(|e| UpstreamError::Local(e.to_string()))?;
        let answer = self
            .token_request(
                &dpop,
                vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code.to_owned()),
                    ("redirect_uri", self.callback_url.clone()),
                    ("code_verifier", code_verifier.to_owned()),
                ],
            )
            .await;
        if let Ok(mut l) = self.learned_dpop.lock() {
            match &answer {
                Ok(body) => {
                    *l = Some(
                        body["token_type"]
                            .as_str()
                            .is_some_and(|t| t.eq_ignore_ascii_case("DPoP")),
                    );
                }
                Err(UpstreamError::Refused { error, description })
                    if error.contains("dpop")
                        || description.to_ascii_lowercase().contains("dpop") =>
                {
                    *l = None;
                }
                Err(_) => {}
            }
        }
        let body = answer?;
        let id_token = body["id_token"].as_str().ok_or_else(|| {
            UpstreamError::IdToken("Okta sent none (is `openid` granted to the web app?)".into())
        })?;
        let claims = self.verify_id_token(id_token, nonce).await?;
        let subject = claims["sub"].as_str().unwrap_or("").to_owned();
        if subject.is_empty() {
            return Err(UpstreamError::IdToken("it has no subject".into()));
        }
        let name = ["preferred_username", "name"]
            .iter()
            .find_map(|c| claims[*c].as_str().filter(|n| !n.is_empty()))
            .unwrap_or(&subject)
            .to_owned();
        Ok(SignedIn {
            granted: granted_of(&body),
            tokens: self.tokens_of(&body, &dpop, None)?,
            subject,
            name,
        })
    }

    /// Renews a person's Okta tokens with their refresh token (bound to the
    /// same DPoP key when the tokens are). Returns the new tokens and the
    /// scopes Okta now grants.
    pub async fn refresh(
        &self,
        tokens: &OktaTokens,
    ) -> Result<(OktaTokens, BTreeSet<String>), UpstreamError> {
        let refresh =
            tokens
                .refresh_token
                .as_deref()
                .ok_or_else(|| UpstreamError::Refused {
                    error: "invalid_grant".into(),
                    description:
                        "no refresh token was issued (is offline_access granted to the web app?)"
                            .into(),
                })?;
        let key = tokens.dpop_key.as_deref().and_then(DpopKey::from_pkcs8_b64);
        if tokens.dpop && key.is_none() {
            return Err(UpstreamError::Refused {
                error: "invalid_grant".into(),
                description: "the DPoP key of these tokens is lost".into(),
            });
        }
        let mode = if tokens.dpop {
            DpopMode::Always
        } else {
            DpopMode::Never
        };
        let dpop =
            Dpop::unremembered(mode, key).map_err(|e| UpstreamError::Local(e.to_string()))?;
        let body = self
            .token_request(
                &dpop,
                vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("refresh_token", refresh.to_owned()),
                ],
            )
            .await?;
        Ok((
            self.tokens_of(&body, &dpop, Some(refresh))?,
            granted_of(&body),
        ))
    }

    /// The org's signing keys, fetched again when stale or `again`.
    async fn keys(&self, again: bool) -> Result<Vec<Jwk>, UpstreamError> {
        let mut slot = self.jwks.lock().await;
        if !again
            && let Some((at, keys)) = slot.as_ref()
            && at.elapsed() < JWKS_TTL
        {
            return Ok(keys.clone());
        }
        let url = self.discovery().await?.jwks_uri.clone();
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| UpstreamError::Unreachable(transport_detail(&e)))?;
        let doc: Value = resp
            .json()
            .await
            .map_err(|_| UpstreamError::IdToken("Okta's signing keys are not JSON".into()))?;
        // Keys of kinds this client does not know are skipped, not fatal.
        let keys: Vec<Jwk> = doc["keys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| serde_json::from_value(k.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        *slot = Some((Instant::now(), keys.clone()));
        Ok(keys)
    }

    /// Checks the ID token: signature by one of the org's keys (asymmetric
    /// algorithms only), issuer, audience (the web app), expiry, nonce.
    async fn verify_id_token(&self, id_token: &str, nonce: &str) -> Result<Value, UpstreamError> {
        let bad = |why: &str| UpstreamError::IdToken(why.to_owned());
        let header = jsonwebtoken::decode_header(id_token).map_err(|_| bad("it is not a JWT"))?;
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
        ) {
            return Err(bad("its signing algorithm is not accepted"));
        }
        let pick = |keys: &[Jwk]| -> Option<Jwk> {
            match &header.kid {
                Some(kid) => JwkSet {
                    keys: keys.to_vec(),
                }
                .find(kid)
                .cloned(),
                None if keys.len() == 1 => keys.first().cloned(),
                None => None,
            }
        };
        let jwk = match pick(&self.keys(false).await?) {
            Some(k) => k,
            None => pick(&self.keys(true).await?)
                .ok_or_else(|| bad("it is signed by a key the org does not publish"))?,
        };
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|_| bad("the org's signing key is not usable"))?;
        let issuer = self.discovery().await?.issuer.clone();
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[issuer]);
        v.set_audience(&[&self.client_id]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = ID_TOKEN_LEEWAY;
        let data = jsonwebtoken::decode::<Value>(id_token, &key, &v)
            .map_err(|e| UpstreamError::IdToken(format!("{:?}", e.kind())))?;
        let got = data.claims["nonce"].as_str().unwrap_or("");
        if !super::vault::same(got, nonce) {
            return Err(bad("its nonce is not the one this sign-in sent"));
        }
        Ok(data.claims)
    }
}
