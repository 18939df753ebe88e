//! Dynamic client registration (RFC 7591) at `/register`, for MCP clients
//! that have no metadata document URL.
//!
//! Every client registered here is public: it proves itself with PKCE,
//! never a secret, so the answer's `token_endpoint_auth_method` is `none`
//! whatever was asked (RFC 7591 lets the server decide). Registrations last
//! as long as a sign-in may (OKTA_MCP_SIGN_IN_TTL) and are kept sealed in
//! the store, so any replica knows them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::clients::{Registered, check_redirect_uri};
use super::reply::{no_store, oauth_error};
use crate::auth::keys::{now_secs, random_id};
use crate::remote::store::Namespace;

fn invalid(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// The string array `name`, or `default` when absent; `Err` when not one.
fn strings(doc: &Value, name: &str, default: &[&str]) -> Result<Vec<String>, String> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(default.iter().map(|s| (*s).to_owned()).collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`{name}` must be an array of strings"))
            })
            .collect(),
        Some(_) => Err(format!("`{name}` must be an array of strings")),
    }
}

pub async fn handle(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
        return invalid(
            "invalid_client_metadata",
            "the registration must be a JSON object",
        );
    };
    if !doc.is_object() {
        return invalid(
            "invalid_client_metadata",
            "the registration must be a JSON object",
        );
    }
    let redirect_uris = match strings(&doc, "redirect_uris", &[]) {
        Ok(u) if !u.is_empty() => u,
        Ok(_) => {
            return invalid(
                "invalid_redirect_uri",
                "`redirect_uris` must list at least one URI",
            );
        }
        Err(e) => return invalid("invalid_redirect_uri", &e),
    };
    if redirect_uris.len() > 10 {
        return invalid("invalid_redirect_uri", "at most 10 redirect URIs");
    }
    for uri in &redirect_uris {
        if let Err(e) = check_redirect_uri(uri) {
            return invalid("invalid_redirect_uri", &e);
        }
    }
    let grant_types = match strings(&doc, "grant_types", &["authorization_code"]) {
        Ok(g) => g,
        Err(e) => return invalid("invalid_client_metadata", &e),
    };
    if let Some(g) = grant_types
        .iter()
        .find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return invalid(
            "invalid_client_metadata",
            &format!("grant type `{g}` is not offered: use authorization_code and refresh_token"),
        );
    }
    match strings(&doc, "response_types", &["code"]) {
        Ok(r) if r.iter().all(|t| t == "code") => {}
        Ok(_) => {
            return invalid(
                "invalid_client_metadata",
                "only the response type `code` is offered",
            );
        }
        Err(e) => return invalid("invalid_client_metadata", &e),
    }
    let client_name = doc["client_name"]
        .as_str()
        .map(|n| n.chars().take(200).collect::<String>());
    let registered = Registered {
        client_id: format!("mcp-{}", random_id()),
        client_name,
        redirect_uris,
        issued_at: now_secs(),
    };
    let key = Namespace::Client.key(&registered.client_id);
    if let Err(e) = shared
        .vault
        .put(&key, &registered, shared.config.sign_in_ttl)
        .await
    {
        tracing::warn!("cannot keep a client registration: {e}");
        return oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the registration cannot be kept right now; retry",
        );
    }
    tracing::info!(
        client_id = %registered.client_id,
        client_name = registered.client_name.as_deref().unwrap_or(""),
        "registered an MCP client"
    );
    let mut answer = json!({
        "client_id": registered.client_id,
        "client_id_issued_at": registered.issued_at,
        "redirect_uris": registered.redirect_uris,
        "grant_types": grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    if let Some(n) = &registered.client_name {
        answer["client_name"] = json!(n);
    }
    no_store((StatusCode::CREATED, axum::Json(answer)).into_response())
}
