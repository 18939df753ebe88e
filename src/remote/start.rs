//! Puts remote mode together from the configuration: the store, the gate
//! (and the authorization server's routes), the per-person runtimes, and
//! the HTTP server; then serves until SIGTERM/SIGINT.

use std::process::ExitCode;
use std::sync::Arc;

use crate::auth::Authorizer;
use crate::call::{Runtime, ToolHandlers};
use crate::config::Config;
use crate::okta_http::HttpStack;
use crate::remote::gate::Gate;
use crate::remote::http::{Remote, serve, shutdown_signal};
use crate::remote::local_gate::LocalGate;
use crate::remote::oauth::OAuthSettings;
use crate::remote::people::People;
use crate::remote::settings::{HttpAuth, HttpConfig};
use crate::remote::store;
use crate::server::OktaMcpServer;

/// Why remote mode did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("OKTA_MCP_STORE: {0}")]
    Store(#[from] store::StoreError),
    #[error(
        "{0}\n(MCP authorization, OKTA_MCP_HTTP_AUTH=oauth, is the default; for one person on this machine, OKTA_MCP_HTTP_AUTH=none with a loopback OKTA_MCP_HTTP_ADDR is the local single-user mode)"
    )]
    Authorization(#[from] crate::remote::oauth::OAuthSetupError),
    #[error(transparent)]
    Serve(#[from] crate::remote::http::ServeError),
}

/// Runs `okta-mcp serve --http`: returns when the server has stopped.
pub async fn run(
    mut config: Config,
    http: HttpConfig,
    oauth: OAuthSettings,
    server_auth: Arc<dyn Authorizer>,
    handlers: &'static dyn ToolHandlers,
) -> ExitCode {
    match start(&mut config, http, &oauth, server_auth, handlers).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("okta-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn start(
    config: &mut Config,
    http: HttpConfig,
    oauth: &OAuthSettings,
    server_auth: Arc<dyn Authorizer>,
    handlers: &'static dyn ToolHandlers,
) -> Result<(), StartError> {
    let store = store::open(&http.store)?;
    let audit = Arc::new(config.open_audit_log());
    for problem in &config.problems {
        tracing::warn!("configuration: {problem}");
    }
    let (gate, routes): (Arc<dyn Gate>, axum::Router) = match http.auth {
        HttpAuth::None => {
            tracing::warn!(
                "OKTA_MCP_HTTP_AUTH=none: local single-user mode, every request uses the server's own Okta credential"
            );
            let gate = LocalGate::new(
                server_auth.clone(),
                config.scopes.clone(),
                http.public_url.as_str(),
            );
            let auth = server_auth.clone();
            tokio::spawn(async move {
                if let Err(e) = auth.prepare().await {
                    tracing::error!("credentials: {e}");
                }
            });
            (Arc::new(gate), axum::Router::new())
        }
        HttpAuth::OAuth => {
            // On a loopback address the public URL defaults to it (see
            // `http_config`); the authorization server uses the same one.
            let mut oauth = oauth.clone();
            if oauth
                .public_url
                .as_deref()
                .is_none_or(|u| u.trim().is_empty())
            {
                oauth.public_url = Some(http.public_url.as_str().trim_end_matches('/').to_owned());
            }
            crate::remote::oauth::build(&oauth, &config.raw, store.clone())?
        }
    };
    let stack = match &config.org_url {
        Some(url) => {
            match HttpStack::new(url.as_str(), server_auth.clone(), config.http_policy()) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    tracing::error!("cannot build the HTTP client: {e}");
                    None
                }
            }
        }
        None => None,
    };
    match store.ping().await {
        Ok(()) => tracing::info!(store = %store.describe(), "store ready"),
        Err(e) => tracing::warn!("the store does not answer yet (/readyz says so): {e}"),
    }
    let people = Arc::new(People::new(
        config.clone(),
        stack,
        gate.clone(),
        audit.clone(),
        store.clone(),
        handlers,
    ));
    // The server's own runtime: what does not depend on the caller.
    let base = Arc::new(Runtime::new(config.clone(), None, handlers).with_shared_audit(audit));
    let server_store = store.clone();
    tracing::info!(
        tools = crate::tool_table::TOOLS.len(),
        specs = %crate::tool_table::specs_summary(),
        url = %format!("{}/mcp", http.public_url.as_str().trim_end_matches('/')),
        store = %store.describe(),
        "okta-mcp starting (remote mode)"
    );
    let remote = Remote {
        config: http,
        store,
        gate,
        routes,
        server: Arc::new(move || {
            OktaMcpServer::remote(base.clone(), server_store.clone(), people.clone())
        }),
    };
    serve(remote, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
