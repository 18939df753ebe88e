//! The `okta-mcp` binary: parse configuration, build the runtime, serve MCP
//! over stdio (or run a CLI subcommand). Logs go to stderr only.

use std::sync::Arc;

use clap::Parser;
use okta_mcp::auth::AuthError;
use okta_mcp::auth::Authorizer;
use okta_mcp::auth::static_token::{StaticToken, Unavailable};
use okta_mcp::call::Runtime;
use okta_mcp::config::{Cli, Command, Config};
use okta_mcp::okta_http::HttpStack;
use okta_mcp::server::OktaMcpServer;
use rmcp::ServiceExt;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "okta_mcp=info,warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("okta-mcp: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

fn authorizer(config: &Config) -> Arc<dyn Authorizer> {
    let s = &config.raw;
    let result: Result<Arc<dyn Authorizer>, AuthError> =
        if let Some(t) = s.api_token.as_deref().filter(|t| !t.is_empty()) {
            StaticToken::api_token(t).map(|a| Arc::new(a) as Arc<dyn Authorizer>)
        } else if let Some(t) = s.access_token.as_deref().filter(|t| !t.is_empty()) {
            StaticToken::access_token(t).map(|a| Arc::new(a) as Arc<dyn Authorizer>)
        } else {
            Err(AuthError::NotConfigured(
                "no Okta credentials: set OKTA_API_TOKEN (SSWS token) or OKTA_ACCESS_TOKEN".into(),
            ))
        };
    result.unwrap_or_else(|e| Arc::new(Unavailable(e)))
}

async fn run(cli: Cli) -> std::process::ExitCode {
    let config = Config::from_settings(cli.settings.clone());
    match cli.command.clone().unwrap_or(Command::Serve) {
        Command::BuildReport => {
            print!("{}", okta_mcp::tool_table::BUILD_REPORT);
            std::process::ExitCode::SUCCESS
        }
        Command::Tools { markdown } => {
            let rt = Runtime::new(config, None);
            if markdown {
                print!("{}", okta_mcp::docs::scopes_markdown());
            } else {
                let tools: Vec<_> = rt
                    .listed_tools()
                    .into_iter()
                    .map(okta_mcp::server::mcp_tool)
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&tools).unwrap_or_default()
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Command::Login | Command::Logout | Command::Whoami => {
            eprintln!(
                "okta-mcp: this command needs OAuth sign-in, which this build does not have yet"
            );
            std::process::ExitCode::FAILURE
        }
        Command::Serve => serve(config).await,
    }
}

async fn serve(config: Config) -> std::process::ExitCode {
    for problem in &config.problems {
        tracing::warn!("configuration: {problem}");
    }
    let auth = authorizer(&config);
    tracing::info!(
        tools = okta_mcp::tool_table::TOOLS.len(),
        spec = okta_mcp::tool_table::SPEC_RELEASE,
        credentials = %auth.describe(),
        "okta-mcp starting"
    );
    let stack = match &config.org_url {
        Some(url) => match HttpStack::new(url.as_str(), auth, config.http_policy()) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::error!("cannot build the HTTP client: {e}");
                None
            }
        },
        None => None,
    };
    let runtime = Arc::new(Runtime::new(config, stack));
    let server = OktaMcpServer::new(runtime);
    let service = match server.serve(rmcp::transport::stdio()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("MCP handshake failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = service.waiting().await {
        tracing::error!("MCP service ended with an error: {e}");
    }
    std::process::ExitCode::SUCCESS
}
