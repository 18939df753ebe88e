//! The two discovery documents an MCP client reads before signing in:
//! protected-resource metadata for `/mcp` (RFC 9728), naming this server as
//! its authorization server, and this server's authorization-server
//! metadata (RFC 8414).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;

pub fn protected_resource_document(shared: &Shared) -> Value {
    let c = &shared.config;
    json!({
        "resource": c.resource,
        "authorization_servers": [c.issuer],
        "scopes_supported": c.scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "okta-mcp",
    })
}

pub fn authorization_server_document(shared: &Shared) -> Value {
    let c = &shared.config;
    let mut doc = json!({
        "issuer": c.issuer,
        "authorization_endpoint": format!("{}/authorize", c.issuer),
        "token_endpoint": format!("{}/token", c.issuer),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": c.scopes,
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    });
    if c.dynamic_registration {
        doc["registration_endpoint"] = json!(format!("{}/register", c.issuer));
    }
    doc
}

pub async fn protected_resource(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(protected_resource_document(&shared)).into_response()
}

pub async fn authorization_server(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(authorization_server_document(&shared)).into_response()
}
