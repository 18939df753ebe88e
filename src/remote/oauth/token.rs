//! `/token`: MCP clients trade a code (with its PKCE verifier) or a refresh
//! token for a short-lived access token and a new refresh token.
//!
//! Every refusal is `invalid_grant` (or `invalid_request` for a malformed
//! request) without saying which binding failed, so a guesser learns
//! nothing. A replayed code or refresh token ends the sign-in it belonged
//! to (RFC 9700 section 4.14.2).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Shared;
use super::authorize::s256;
use super::callback::CODE_TTL;
use super::grant;
use super::one_time::{self, CodeBinding, Redeemed, RefreshBinding};
use super::params::Params;
use super::reply::{no_store, oauth_error};
use super::vault::same;
use crate::remote::store::{Namespace, StoreError};

fn refused(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

fn unavailable(e: &StoreError) -> Response {
    tracing::warn!("token endpoint: {e}");
    oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the server cannot reach its store right now; retry",
    )
}

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return refused(
            "invalid_request",
            "send the token request as application/x-www-form-urlencoded",
        );
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "clients of this server are public: send client_id in the body and no client secret",
        );
    }
    let params = match Params::parse(&body) {
        Ok(p) => p,
        Err(e) => return refused("invalid_request", &e),
    };
    if params.get("client_secret").is_some() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "clients of this server are public: send no client secret",
        );
    }
    let Some(client_id) = params.get("client_id") else {
        return refused("invalid_request", "the parameter `client_id` is missing");
    };
    if let Some(r) = params.get("resource")
        && r != shared.config.resource
    {
        return refused(
            "invalid_target",
            "this server issues tokens only for its own /mcp resource",
        );
    }
    match params.get("grant_type") {
        Some("authorization_code") => authorization_code(&shared, &params, client_id).await,
        Some("refresh_token") => refresh_token(&shared, &params, client_id).await,
        Some(_) => refused(
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        ),
        None => refused("invalid_request", "the parameter `grant_type` is missing"),
    }
}

/// Ends the sign-in behind a replayed secret.
async fn replayed(shared: &Shared, grant_id: &str, what: &str) -> Response {
    tracing::warn!("a used {what} was presented again: ending that sign-in");
    if let Err(e) = grant::end(&shared.vault, grant_id).await {
        tracing::warn!("cannot end the sign-in: {e}");
    }
    refused(
        "invalid_grant",
        &format!("this {what} was already used; the sign-in has been ended: sign in again"),
    )
}

async fn authorization_code(shared: &Shared, params: &Params, client_id: &str) -> Response {
    let (Some(code), Some(verifier), Some(redirect_uri)) = (
        params.get("code"),
        params.get("code_verifier"),
        params.get("redirect_uri"),
    ) else {
        return refused(
            "invalid_request",
            "code, code_verifier and redirect_uri are required",
        );
    };
    let binding: CodeBinding =
        match one_time::redeem(&shared.vault, Namespace::Code, code, CODE_TTL * 10).await {
            Ok(Redeemed::Fresh(b)) => b,
            Ok(Redeemed::Reused { grant_id }) => {
                return replayed(shared, &grant_id, "authorization code").await;
            }
            Ok(Redeemed::Unknown) => {
                return refused(
                    "invalid_grant",
                    "the authorization code is not valid (unknown, expired or used)",
                );
            }
            Err(e) => return unavailable(&e),
        };
    let bound = same(&binding.client_id, client_id)
        && same(&binding.redirect_uri, redirect_uri)
        && same(&s256(verifier), &binding.code_challenge);
    if !bound {
        // A code presented wrongly is spent: whoever holds the right
        // verifier must sign in again, and nobody can keep guessing.
        tracing::info!(%client_id, "a code exchange did not match its client, redirect URI or PKCE challenge");
        if let Err(e) = grant::end(&shared.vault, &binding.grant_id).await {
            tracing::warn!("cannot end the sign-in: {e}");
        }
        return refused(
            "invalid_grant",
            "the authorization code does not match this client, redirect_uri or code_verifier",
        );
    }
    issue(shared, client_id, &binding.grant_id).await
}

async fn refresh_token(shared: &Shared, params: &Params, client_id: &str) -> Response {
    let Some(token) = params.get("refresh_token") else {
        return refused(
            "invalid_request",
            "the parameter `refresh_token` is missing",
        );
    };
    let remember = shared.config.sign_in_ttl;
    let binding: RefreshBinding =
        match one_time::redeem(&shared.vault, Namespace::Refresh, token, remember).await {
            Ok(Redeemed::Fresh(b)) => b,
            Ok(Redeemed::Reused { grant_id }) => {
                return replayed(shared, &grant_id, "refresh token").await;
            }
            Ok(Redeemed::Unknown) => {
                return refused(
                    "invalid_grant",
                    "the refresh token is not valid (unknown or expired): sign in again",
                );
            }
            Err(e) => return unavailable(&e),
        };
    if !same(&binding.client_id, client_id) {
        return replayed(shared, &binding.grant_id, "refresh token").await;
    }
    issue(shared, client_id, &binding.grant_id).await
}

/// A new access token and refresh token for a sign-in that still exists.
async fn issue(shared: &Shared, client_id: &str, grant_id: &str) -> Response {
    let g = match grant::load(&shared.vault, grant_id).await {
        Ok(Some(g)) if g.client_id == client_id => g,
        Ok(_) => {
            return refused(
                "invalid_grant",
                "the sign-in behind this grant has ended: sign in again",
            );
        }
        Err(e) => return unavailable(&e),
    };
    let scope = g
        .granted
        .iter()
        .filter(|s| shared.config.scopes.contains(s))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let Some(access_token) = shared.tokens.issue(&g.subject, client_id, &scope, grant_id) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "cannot sign an access token",
        );
    };
    let binding = RefreshBinding {
        client_id: client_id.to_owned(),
        grant_id: grant_id.to_owned(),
    };
    let refresh = match one_time::issue(
        &shared.vault,
        Namespace::Refresh,
        binding,
        shared.config.sign_in_ttl,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return unavailable(&e),
    };
    tracing::info!(person = %g.name, %client_id, "issued an access token");
    no_store(
        axum::Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": shared.tokens.ttl_secs(),
            "refresh_token": refresh,
            "scope": scope,
        }))
        .into_response(),
    )
}
