//! DPoP (RFC 9449) for both OAuth flows: the key, the nonces the
//! authorization server and the API hand out, the token request exchange
//! (nonce retry, `auto` fallback) and, in `auto`, what this org + client
//! needed last time, remembered in the state directory so a later run sends
//! the right request first (every failed grant is a System Log entry).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::DpopKey;
use super::{AuthError, send_token_request, state_dir, state_key, transport_detail, write_private};

/// `OKTA_DPOP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopMode {
    Auto,
    Always,
    Never,
}

impl DpopMode {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "always" => Self::Always,
            "never" => Self::Never,
            _ => Self::Auto,
        }
    }
}

/// What `auto` learned about one org + client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    /// Whether token requests should carry a proof.
    pub dpop: Option<bool>,
    /// The last nonce of the authorization server (not a secret; it lets the
    /// first request of the next run skip the `use_dpop_nonce` round trip).
    pub nonce: Option<String>,
}

/// The file remembering [`Learned`] for `org` + `client_id`.
pub fn learned_path(org: &str, client_id: &str) -> Option<PathBuf> {
    let key = state_key(&[org.trim_end_matches('/'), client_id]);
    Some(state_dir()?.join(format!("dpop-{key}.json")))
}

pub fn read_learned(path: &std::path::Path) -> Option<Learned> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// A refusal of the token endpoint.
#[derive(Debug, Clone)]
pub struct TokenRefusal {
    pub status: u16,
    /// The OAuth `error`, or `transport` when the server was not reached.
    pub error: String,
    pub description: String,
}

impl TokenRefusal {
    /// A failure on this side before anything was sent (signing).
    fn local(e: AuthError) -> Self {
        Self {
            status: 0,
            error: "local".into(),
            description: e.to_string(),
        }
    }

    fn transport(e: &reqwest::Error) -> Self {
        Self {
            status: 0,
            error: "transport".into(),
            description: transport_detail(e),
        }
    }

    /// Whether the refusal is about DPoP (missing, unwanted or invalid
    /// proof), as Okta and other servers word it.
    fn about_dpop(&self) -> bool {
        self.error == "invalid_dpop_proof" || self.description.to_ascii_lowercase().contains("dpop")
    }
}

/// DPoP state of one authorizer.
pub struct Dpop {
    mode: DpopMode,
    key: Option<DpopKey>,
    /// Whether token requests carry a proof now (`auto` may switch it).
    send: AtomicBool,
    as_nonce: Mutex<Option<String>>,
    api_nonce: Mutex<Option<String>>,
    memory: Option<PathBuf>,
    learned: Mutex<Learned>,
}

impl Dpop {
    /// `key` is the key a cached token is bound to, if any; otherwise a new
    /// one is generated (unless `mode` is `never`).
    pub fn new(
        mode: DpopMode,
        key: Option<DpopKey>,
        org: &str,
        client_id: &str,
    ) -> Result<Self, AuthError> {
        let memory = match mode {
            DpopMode::Auto => learned_path(org, client_id),
            _ => None,
        };
        Self::with_memory(mode, key, memory)
    }

    /// Like [`Dpop::new`] but `auto` remembers nothing in the state
    /// directory (a server's sign-ins, where the file system is not ours).
    pub fn unremembered(mode: DpopMode, key: Option<DpopKey>) -> Result<Self, AuthError> {
        Self::with_memory(mode, key, None)
    }

    fn with_memory(
        mode: DpopMode,
        key: Option<DpopKey>,
        memory: Option<PathBuf>,
    ) -> Result<Self, AuthError> {
        let key = match (mode, key) {
            (DpopMode::Never, _) => None,
            (_, Some(k)) => Some(k),
            (_, None) => Some(DpopKey::generate()?),
        };
        let learned = memory.as_deref().and_then(read_learned).unwrap_or_default();
        let send = match mode {
            DpopMode::Never => false,
            DpopMode::Always => true,
            // Okta turns DPoP on for new apps: try it unless told otherwise.
            DpopMode::Auto => learned.dpop.unwrap_or(true),
        };
        if mode == DpopMode::Auto && learned.dpop.is_some() {
            tracing::debug!(
                dpop = send,
                "DPoP setting remembered for this org and client"
            );
        }
        Ok(Self {
            mode,
            key,
            send: AtomicBool::new(send),
            as_nonce: Mutex::new(learned.nonce.clone()),
            api_nonce: Mutex::new(None),
            memory,
            learned: Mutex::new(learned),
        })
    }

    pub fn mode(&self) -> DpopMode {
        self.mode
    }

    pub fn key(&self) -> Option<&DpopKey> {
        self.key.as_ref()
    }

    fn sending(&self) -> bool {
        self.key.is_some() && self.send.load(Ordering::Relaxed)
    }

    fn remember(&self, dpop: Option<bool>) {
        let Some(path) = &self.memory else {
            return;
        };
        let nonce = self.as_nonce.lock().ok().and_then(|n| n.clone());
        let Ok(mut learned) = self.learned.lock() else {
            return;
        };
        let next = Learned {
            dpop: dpop.or(learned.dpop),
            nonce: nonce.or_else(|| learned.nonce.clone()),
        };
        if *learned == next {
            return;
        }
        match serde_json::to_vec(&next).map(|b| write_private(path, &b)) {
            Ok(Ok(())) => *learned = next,
            Ok(Err(e)) => tracing::debug!(
                "cannot remember the DPoP setting in {}: {e}",
                path.display()
            ),
            Err(_) => {}
        }
    }

    /// Posts `form` to the token endpoint with a proof when DPoP is on:
    /// answers a `use_dpop_nonce` with one retry carrying the nonce, and in
    /// `auto` switches proofs on or off once when the refusal is about DPoP.
    /// Returns the JSON body of a successful answer.
    /// `form` is built again for every attempt (a client assertion's `jti`
    /// is single-use).
    pub async fn token_request(
        &self,
        http: &reqwest::Client,
        url: &url::Url,
        form: &(dyn Fn() -> Result<Vec<(&'static str, String)>, AuthError> + Sync),
    ) -> Result<Value, TokenRefusal> {
        let mut nonce_retried = false;
        let mut switched = false;
        loop {
            let sent_proof = self.sending();
            let fields = form().map_err(TokenRefusal::local)?;
            let mut request = http
                .post(url.clone())
                .header("Accept", "application/json")
                .form(&fields)
                .build()
                .map_err(|e| TokenRefusal::transport(&e))?;
            if sent_proof && let Some(k) = &self.key {
                let nonce = self.as_nonce.lock().ok().and_then(|n| n.clone());
                let proof = k
                    .proof("POST", url, nonce.as_deref(), None)
                    .map_err(TokenRefusal::local)?;
                if let Ok(mut v) = HeaderValue::from_str(&proof) {
                    v.set_sensitive(true);
                    request.headers_mut().insert("DPoP", v);
                }
            }
            let resp = send_token_request(http, request)
                .await
                .map_err(|e| TokenRefusal::transport(&e))?;
            let status = resp.status();
            if let Some(n) = resp
                .headers()
                .get("DPoP-Nonce")
                .and_then(|v| v.to_str().ok())
                && let Ok(mut slot) = self.as_nonce.lock()
            {
                *slot = Some(n.to_owned());
            }
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if status.is_success() && body["access_token"].is_string() {
                let bound = body["token_type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
                self.remember(Some(sent_proof && bound));
                return Ok(body);
            }
            let refusal = TokenRefusal {
                status: status.as_u16(),
                error: body["error"]
                    .as_str()
                    .unwrap_or(if status.is_success() {
                        "invalid_response"
                    } else {
                        "invalid_request"
                    })
                    .to_owned(),
                description: body["error_description"].as_str().unwrap_or("").to_owned(),
            };
            tracing::debug!(
                status = refusal.status,
                error = %refusal.error,
                description = %refusal.description,
                dpop = sent_proof,
                "token endpoint refused"
            );
            if refusal.error == "use_dpop_nonce" && sent_proof && !nonce_retried {
                nonce_retried = true;
                continue;
            }
            if self.mode == DpopMode::Auto && !switched && refusal.about_dpop() {
                switched = true;
                let now = !sent_proof;
                if now && self.key.is_none() {
                    return Err(refusal);
                }
                tracing::info!(
                    dpop = now,
                    "Okta's answer is about DPoP; retrying {} a proof",
                    if now { "with" } else { "without" }
                );
                self.send.store(now, Ordering::Relaxed);
                continue;
            }
            if sent_proof && refusal.error != "use_dpop_nonce" {
                // The proof was accepted (the refusal is about something
                // else): remember the nonce for the next run.
                self.remember(None);
            }
            return Err(refusal);
        }
    }

    /// Sets `Authorization` for `token` on an API request, with a proof
    /// (`ath`, API nonce) when the token is DPoP-bound.
    pub fn authorize(
        &self,
        request: &mut reqwest::Request,
        token: &str,
        bound: bool,
    ) -> Result<(), AuthError> {
        let scheme = if bound { "DPoP" } else { "Bearer" };
        let mut v = HeaderValue::from_str(&format!("{scheme} {token}"))
            .map_err(|_| AuthError::Refused("Okta issued an unusable token".into()))?;
        v.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, v);
        if !bound {
            return Ok(());
        }
        let key = self.key.as_ref().ok_or_else(|| {
            AuthError::Config(
                "Okta issued a DPoP-bound token but OKTA_DPOP=never: set OKTA_DPOP=auto".into(),
            )
        })?;
        let nonce = self.api_nonce.lock().ok().and_then(|n| n.clone());
        let proof = key.proof(
            request.method().as_str(),
            request.url(),
            nonce.as_deref(),
            Some(token),
        )?;
        let mut v = HeaderValue::from_str(&proof)
            .map_err(|_| AuthError::Config("bad DPoP proof".into()))?;
        v.set_sensitive(true);
        request.headers_mut().insert("DPoP", v);
        Ok(())
    }

    /// A `401` from the API: `use_dpop_nonce` with a `DPoP-Nonce` header
    /// stores the nonce and asks for one retry.
    pub fn nonce_challenge(&self, response: &reqwest::Response) -> bool {
        let challenge = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if challenge.contains("use_dpop_nonce")
            && let Some(n) = response
                .headers()
                .get("DPoP-Nonce")
                .and_then(|v| v.to_str().ok())
            && let Ok(mut slot) = self.api_nonce.lock()
        {
            *slot = Some(n.to_owned());
            return true;
        }
        false
    }
}

/// Whether a `401` says the access token is no longer good.
pub fn token_rejected(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("invalid_token"))
}
