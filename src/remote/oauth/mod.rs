//! MCP authorization (spec 2025-11-25) with Okta as the identity provider.
//!
//! This server is the authorization server its MCP clients talk to, and
//! the person behind each client signs in at Okta's org authorization
//! server through the server's own OIDC web app:
//!
//! ```text
//! MCP client --/authorize--> okta-mcp --(browser)--> Okta sign-in
//!            <--code-------- okta-mcp <--/oauth/callback-- Okta
//!            --/token------> okta-mcp (access + refresh token of okta-mcp)
//!            --/mcp Bearer-> Gate -> Person + their own Okta token
//! ```
//!
//! Okta's tokens never leave the server (they are kept sealed in the
//! store, one grant per sign-in), and the client's tokens are never sent to
//! Okta. Everything that must outlive a request is in the shared
//! [`Store`], so any replica can answer any step.
//!
//! [`build`] checks the settings and returns the [`Gate`] for `/mcp` and
//! the router with the discovery documents and OAuth endpoints;
//! [`refusal_response`] turns a gate refusal into the HTTP answer.

pub mod access_token;
pub mod authorize;
pub mod callback;
pub mod challenge;
pub mod cimd;
pub mod clients;
pub mod cors;
pub mod gate;
pub mod grant;
pub mod metadata;
pub mod one_time;
pub mod params;
pub mod person;
pub mod register;
pub mod reply;
pub mod settings;
pub mod token;
pub mod upstream;
pub mod vault;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use challenge::refusal_response;
pub use settings::{OAuthConfig, OAuthSettings, OAuthSetupError};

use crate::remote::gate::Gate;
use crate::remote::store::Store;

/// Largest request body the OAuth endpoints read (registrations, token
/// requests).
const MAX_BODY: usize = 64 * 1024;

/// What every OAuth handler shares.
pub struct Shared {
    pub config: OAuthConfig,
    pub vault: vault::Vault,
    pub tokens: access_token::AccessTokens,
    pub upstream: upstream::Upstream,
    pub metadata: cimd::MetadataFetcher,
}

/// Checks the settings (together with the general ones) and builds the
/// gate and the routes. The routes are served at the root of
/// OKTA_MCP_PUBLIC_URL, next to `/mcp`.
pub fn build(
    settings: &OAuthSettings,
    base: &crate::config::Settings,
    store: Arc<dyn Store>,
) -> Result<(Arc<dyn Gate>, Router), OAuthSetupError> {
    build_from(settings.resolve(base)?, store)
}

/// [`build`] from checked settings.
pub fn build_from(
    config: OAuthConfig,
    store: Arc<dyn Store>,
) -> Result<(Arc<dyn Gate>, Router), OAuthSetupError> {
    let shared = Arc::new(Shared {
        vault: vault::Vault::new(store, &config.store_key),
        tokens: access_token::AccessTokens::new(
            &config.signing_key,
            &config.issuer,
            &config.resource,
            config.access_ttl.as_secs(),
        ),
        upstream: upstream::Upstream::new(&config).map_err(OAuthSetupError::Http)?,
        metadata: cimd::MetadataFetcher::new(config.allow_loopback_client_metadata)
            .map_err(OAuthSetupError::Http)?,
        config,
    });
    let gate: Arc<dyn Gate> = Arc::new(gate::OktaGate::new(shared.clone()));
    Ok((gate, router(shared)))
}

fn router(shared: Arc<Shared>) -> Router {
    // What browser-based clients call from their page.
    let mut api = Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
        .route("/token", post(token::handle));
    if shared.config.dynamic_registration {
        api = api.route("/register", post(register::handle));
    }
    // Where the person's browser goes.
    let pages = Router::new()
        .route("/authorize", get(authorize::handle))
        .route("/oauth/callback", get(callback::handle));
    api.layer(axum::middleware::from_fn(cors::allow_any_origin))
        .merge(pages)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}
