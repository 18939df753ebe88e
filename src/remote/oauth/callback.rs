//! `/oauth/callback`: Okta sends the person back here after they signed in.
//!
//! The pending sign-in is taken (once) by its state and must belong to this
//! browser. Okta's code is traded for the person's tokens, which are kept
//! sealed as a new grant; the MCP client gets only a one-time code of this
//! server, bound to its client id, redirect URI and PKCE challenge.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::Shared;
use super::authorize::{Login, cookie_name};
use super::grant::{self, Grant};
use super::one_time::{self, CodeBinding};
use super::params::Params;
use super::reply::{page, redirect_with};
use super::vault::{Vault, same, sha256_b64};
use crate::auth::keys::random_id;
use crate::remote::store::Namespace;

/// How long an authorization code may wait for its exchange.
pub const CODE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

fn ended(message: &str) -> Response {
    page(StatusCode::BAD_REQUEST, "Sign-in failed", message)
}

/// The value of cookie `name` in the request, if any.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return ended(&e),
    };
    let Some(state) = params.get("state") else {
        return ended("The answer from Okta has no state. Start again from your MCP client.");
    };
    let key = Vault::secret_key(Namespace::Login, state);
    let login: Login = match shared.vault.take(&key).await {
        Ok(Some(l)) => l,
        Ok(None) => {
            return ended(
                "This sign-in has expired or was already finished. Start again from your MCP client.",
            );
        }
        Err(e) => {
            tracing::warn!("cannot read a pending sign-in: {e}");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in failed",
                "The server cannot reach its store right now. Start again from your MCP client in a moment.",
            );
        }
    };
    let from_this_browser =
        cookie(&headers, &cookie_name(state)).is_some_and(|v| same(&sha256_b64(v), &login.browser));
    if !from_this_browser {
        tracing::warn!(client_id = %login.client_id, "sign-in refused: the callback came to another browser than the one that started it");
        return ended(
            "This sign-in was started in another browser. Start again from your MCP client, in this browser.",
        );
    }
    let iss = shared.config.issuer.clone();
    let back = |extra: &[(&str, &str)]| {
        let mut p: Vec<(&str, &str)> = extra.to_vec();
        if let Some(s) = &login.client_state {
            p.push(("state", s));
        }
        p.push(("iss", &iss));
        redirect_with(&login.redirect_uri, &p)
    };
    if let Some(error) = params.get("error") {
        let description = params.get("error_description").unwrap_or("");
        tracing::info!(client_id = %login.client_id, %error, %description, "Okta did not sign the person in");
        let error = if error == "access_denied" {
            "access_denied"
        } else {
            "server_error"
        };
        let text = format!("Okta did not sign you in: {description}");
        return back(&[("error", error), ("error_description", &text)]);
    }
    let Some(code) = params.get("code") else {
        return back(&[
            ("error", "server_error"),
            ("error_description", "Okta's answer has no code"),
        ]);
    };
    let signed_in = match shared
        .upstream
        .exchange_code(code, &login.okta_verifier, &login.nonce)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(client_id = %login.client_id, "the sign-in at Okta could not be completed: {e}");
            let text = format!("the sign-in at Okta could not be completed: {e}");
            return back(&[("error", "server_error"), ("error_description", &text)]);
        }
    };
    let grant_id = random_id();
    let grant = Grant {
        subject: signed_in.subject,
        name: signed_in.name,
        client_id: login.client_id.clone(),
        granted: signed_in.granted,
        okta: signed_in.tokens,
    };
    let binding = CodeBinding {
        client_id: login.client_id.clone(),
        redirect_uri: login.redirect_uri.clone(),
        code_challenge: login.code_challenge.clone(),
        grant_id: grant_id.clone(),
    };
    let saved = async {
        grant::save(&shared.vault, &grant_id, &grant, shared.config.sign_in_ttl).await?;
        one_time::issue(&shared.vault, Namespace::Code, binding, CODE_TTL).await
    };
    match saved.await {
        Ok(code) => {
            tracing::info!(
                person = %grant.name,
                client_id = %grant.client_id,
                granted = %grant.granted.iter().cloned().collect::<Vec<_>>().join(" "),
                "signed in at Okta"
            );
            back(&[("code", &code)])
        }
        Err(e) => {
            tracing::warn!("cannot keep a new sign-in: {e}");
            back(&[
                ("error", "temporarily_unavailable"),
                (
                    "error_description",
                    "the server cannot reach its store; retry",
                ),
            ])
        }
    }
}
