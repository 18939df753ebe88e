//! `/authorize`: an MCP client sends the person here to sign in.
//!
//! The request is checked in the order OAuth requires: first the client
//! and its redirect URI (a failure there is shown to the person, never
//! redirected, since the target is not trusted), then the rest (a failure
//! goes back to the client as `error=`). Only PKCE with S256 is accepted.
//! The pending sign-in (client, redirect URI, code challenge, and this
//! server's own PKCE verifier and nonce for Okta) is kept sealed in the
//! store under a random state, and the browser is sent to Okta. A cookie
//! ties the state to this browser, so a sign-in result cannot be planted
//! in someone else's browser.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::Shared;
use super::clients::{ClientError, find};
use super::params::Params;
use super::reply::{found, page, redirect_with};
use super::vault::{Vault, new_secret, sha256_b64};
use crate::remote::store::Namespace;

/// How long a person has to finish signing in at Okta.
pub const LOGIN_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// A sign-in in progress, between `/authorize` and `/oauth/callback`.
#[derive(Serialize, Deserialize)]
pub struct Login {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    /// The client's `state`, returned to it unchanged.
    pub client_state: Option<String>,
    /// This server's PKCE verifier for the code exchange at Okta.
    pub okta_verifier: String,
    pub nonce: String,
    /// SHA-256 of the browser cookie value.
    pub browser: String,
}

/// The cookie tying a state to the browser that started it; one name per
/// sign-in so two sign-ins in one browser do not collide.
pub fn cookie_name(state: &str) -> String {
    format!("okta_mcp_login_{}", &sha256_b64(state)[..12])
}

/// PKCE S256 of `verifier`.
pub fn s256(verifier: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(d.as_ref())
}

/// A code challenge is the base64url of a SHA-256: 43 characters.
fn is_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn bad_request(message: &str) -> Response {
    page(StatusCode::BAD_REQUEST, "Sign-in cannot start", message)
}

pub async fn handle(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return bad_request(&e),
    };
    // 1. The client and where to send the result.
    let Some(client_id) = params.get("client_id") else {
        return bad_request("the parameter `client_id` is missing");
    };
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return bad_request("the parameter `redirect_uri` is missing");
    };
    let client = match find(&shared, client_id).await {
        Ok(c) => c,
        Err(ClientError::Store(e)) => {
            tracing::warn!("cannot look up an MCP client: {e}");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in cannot start",
                "The server cannot reach its store right now; retry in a moment.",
            );
        }
        Err(e) => {
            tracing::info!(%client_id, "sign-in refused: {e}");
            return bad_request(&e.to_string());
        }
    };
    if !client.owns(redirect_uri) {
        tracing::info!(%client_id, "sign-in refused: redirect URI not registered for the client");
        return bad_request(
            "the redirect_uri is not one the MCP client registered (it must match exactly)",
        );
    }
    // 2. The rest goes back to the client as an OAuth error.
    let state = params.get("state");
    let iss = shared.config.issuer.as_str();
    let back = |error: &str, description: &str| {
        let mut p = vec![("error", error), ("error_description", description)];
        if let Some(s) = state {
            p.push(("state", s));
        }
        p.push(("iss", iss));
        redirect_with(redirect_uri, &p)
    };
    if params.get("response_type") != Some("code") {
        return back(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    match params.get("code_challenge_method") {
        Some("S256") => {}
        Some("plain") => {
            return back(
                "invalid_request",
                "PKCE method plain is not accepted: use S256",
            );
        }
        _ => {
            return back(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            );
        }
    }
    let Some(challenge) = params.get("code_challenge").filter(|c| is_challenge(c)) else {
        return back(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
        );
    };
    if let Some(r) = params.get("resource")
        && r != shared.config.resource
    {
        return back(
            "invalid_target",
            "this server issues tokens only for its own /mcp resource",
        );
    }
    // OpenID Connect scopes some clients add are harmless (the sign-in at
    // Okta always asks for them); any other unknown scope is refused.
    if let Some(scope) = params.get("scope")
        && let Some(unknown) = scope.split_whitespace().find(|s| {
            !shared.config.scopes.iter().any(|c| c == s)
                && !matches!(*s, "openid" | "profile" | "email" | "offline_access")
        })
    {
        return back(
            "invalid_scope",
            &format!("the scope `{unknown}` is not offered by this server"),
        );
    }
    start(&shared, &client.client_id, redirect_uri, challenge, state).await
}

/// Keeps the pending sign-in and sends the browser to Okta.
async fn start(
    shared: &Shared,
    client_id: &str,
    redirect_uri: &str,
    challenge: &str,
    client_state: Option<&str>,
) -> Response {
    let okta_state = new_secret();
    let browser = new_secret();
    let login = Login {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: challenge.to_owned(),
        client_state: client_state.map(str::to_owned),
        okta_verifier: new_secret(),
        nonce: new_secret(),
        browser: sha256_b64(&browser),
    };
    let okta_url = match shared
        .upstream
        .authorize_url(&okta_state, &login.nonce, &s256(&login.okta_verifier))
        .await
    {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!("cannot start a sign-in at Okta: {e}");
            return page(
                StatusCode::BAD_GATEWAY,
                "Sign-in cannot start",
                &format!("Okta cannot be used right now: {e}"),
            );
        }
    };
    let key = Vault::secret_key(Namespace::Login, &okta_state);
    if let Err(e) = shared.vault.put(&key, &login, LOGIN_TTL).await {
        tracing::warn!("cannot keep a pending sign-in: {e}");
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in cannot start",
            "The server cannot reach its store right now; retry in a moment.",
        );
    }
    tracing::info!(%client_id, "sign-in started; sending the person to Okta");
    let mut response = found(okta_url.as_str());
    let secure = if shared.config.issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={browser}; Path=/oauth/callback; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        cookie_name(&okta_state),
        LOGIN_TTL.as_secs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!is_challenge("short"));
        assert!(!is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
    }
}
