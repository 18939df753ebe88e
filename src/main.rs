//! The `okta-mcp` binary: parse configuration, build the runtime, serve MCP
//! over stdio (or run a CLI subcommand). Logs go to stderr only.

use std::sync::Arc;

use okta_mcp::auth::AuthError;
use okta_mcp::auth::Authorizer;
use okta_mcp::auth::client_credentials::{ClientCredentials, DpopMode};
use okta_mcp::auth::device::DeviceFlow;
use okta_mcp::auth::static_token::{StaticToken, Unavailable};
use okta_mcp::call::Runtime;
use okta_mcp::config::{Cli, Command, Config};
use okta_mcp::okta_http::HttpStack;
use okta_mcp::server::OktaMcpServer;
use rmcp::ServiceExt;

fn main() -> std::process::ExitCode {
    let cli = parse_cli();
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
    authorizer_result(config).unwrap_or_else(|e| Arc::new(Unavailable(e)))
}

/// The `scope` of token requests: exactly `OKTA_SCOPES`, in its order (the
/// `.read` scopes a `.manage` implies are for gating only: Okta refuses a
/// scope the app was not granted).
fn scope_text(config: &Config) -> String {
    config.requested_scopes.join(" ")
}

/// The device-flow authorizer for the CLI subcommands.
fn device_flow(config: &Config) -> Result<DeviceFlow, String> {
    let client_id = config
        .raw
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or("OKTA_CLIENT_ID is not set")?;
    let org = config
        .org_url
        .as_ref()
        .ok_or("OKTA_ORG_URL is not set or invalid")?;
    DeviceFlow::new(
        org,
        client_id,
        &scope_text(config),
        config.raw.no_browser,
        DpopMode::parse(&config.raw.dpop),
    )
    .map_err(|e| e.to_string())
}

async fn auth_command(config: Config, command: Command) -> std::process::ExitCode {
    let flow = match device_flow(&config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("okta-mcp: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let path = flow.cache_file();
    match command {
        Command::Login => match flow.login().await {
            Ok(()) => {
                eprintln!("okta-mcp: signed in; tokens cached");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("okta-mcp: sign-in failed: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::Logout => {
            match path.as_deref().map(std::fs::remove_file) {
                Some(Ok(())) => eprintln!("okta-mcp: cached tokens removed"),
                _ => eprintln!("okta-mcp: no cached tokens for this org, client and scopes"),
            }
            std::process::ExitCode::SUCCESS
        }
        _ => match path.as_deref().and_then(okta_mcp::auth::device::read_cache) {
            Some(c) => {
                let now = okta_mcp::auth::keys::now_secs();
                let granted = c
                    .granted
                    .map(|g| g.into_iter().collect::<Vec<_>>().join(" "))
                    .unwrap_or_else(|| "(not reported)".into());
                println!("org: {}", c.org);
                println!("client: {}", c.client_id);
                println!("granted scopes: {granted}");
                if c.expires_at > now {
                    println!("access token expires in {} s", c.expires_at - now);
                } else {
                    println!("access token expired");
                }
                println!(
                    "token type: {}",
                    if c.dpop {
                        "DPoP (bound to a key in the cache)"
                    } else {
                        "Bearer"
                    }
                );
                if let Some(p) = &path {
                    println!("cache: {}", p.display());
                }
                println!(
                    "refresh token: {}",
                    if c.refresh_token.is_some() {
                        "yes"
                    } else {
                        "no"
                    }
                );
                std::process::ExitCode::SUCCESS
            }
            None => {
                eprintln!("okta-mcp: not signed in (run `okta-mcp login`)");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

fn authorizer_result(config: &Config) -> Result<Arc<dyn Authorizer>, AuthError> {
    let s = &config.raw;
    let set = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let key_text = match (set(&s.private_key), set(&s.private_key_file)) {
        (Some(k), _) => Some((k, "OKTA_PRIVATE_KEY")),
        (None, Some(path)) => Some((
            std::fs::read_to_string(&path).map_err(|e| {
                AuthError::Config(format!(
                    "OKTA_PRIVATE_KEY_FILE `{path}` cannot be read: {e}"
                ))
            })?,
            "OKTA_PRIVATE_KEY_FILE",
        )),
        (None, None) => None,
    };
    if let Some((text, var)) = key_text {
        let client_id = set(&s.client_id).ok_or_else(|| {
            AuthError::NotConfigured(format!(
                "{var} is set but OKTA_CLIENT_ID is not: set it to the API Services app's client id"
            ))
        })?;
        let key_id = set(&s.key_id).ok_or_else(|| {
            AuthError::NotConfigured(format!("{var} is set but OKTA_KEY_ID is not: set it to the key id (kid) registered with the app's public key"))
        })?;
        let org = config
            .org_url
            .as_ref()
            .ok_or_else(|| AuthError::NotConfigured("OKTA_ORG_URL is not set or invalid".into()))?;
        let key = okta_mcp::auth::keys::load_private_key(&text, var)?;
        return ClientCredentials::new(
            org,
            &client_id,
            &key_id,
            &scope_text(config),
            key,
            DpopMode::parse(&s.dpop),
        )
        .map(|a| Arc::new(a) as Arc<dyn Authorizer>);
    }
    if let Some(t) = set(&s.api_token) {
        StaticToken::api_token(&t).map(|a| Arc::new(a) as Arc<dyn Authorizer>)
    } else if let Some(t) = set(&s.access_token) {
        StaticToken::access_token(&t).map(|a| Arc::new(a) as Arc<dyn Authorizer>)
    } else if let (Some(client_id), Some(org)) = (set(&s.client_id), config.org_url.as_ref()) {
        DeviceFlow::new(
            org,
            &client_id,
            &scope_text(config),
            s.no_browser,
            DpopMode::parse(&s.dpop),
        )
        .map(|a| Arc::new(a) as Arc<dyn Authorizer>)
    } else {
        Err(AuthError::NotConfigured(
            "no Okta credentials: set OKTA_CLIENT_ID (device sign-in), OKTA_PRIVATE_KEY (+ OKTA_KEY_ID, OKTA_CLIENT_ID), OKTA_API_TOKEN (SSWS token) or OKTA_ACCESS_TOKEN".into(),
        ))
    }
}

/// The command line, with `--version` naming the spec the tools come from.
fn parse_cli() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let version: &'static str = Box::leak(okta_mcp::tool_table::version_text().into_boxed_str());
    let matches = Cli::command().version(version).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

async fn run(cli: Cli) -> std::process::ExitCode {
    let config = Config::from_settings(cli.settings.clone());
    match cli.command.clone().unwrap_or(Command::Serve) {
        Command::BuildReport => {
            print!("{}", okta_mcp::tool_table::BUILD_REPORT);
            std::process::ExitCode::SUCCESS
        }
        Command::Tools { markdown } => {
            let rt = Runtime::new(config, None, &okta_mcp::composite::COMPOSITES);
            if markdown {
                print!("{}", okta_mcp::docs::tools_markdown(&rt.listed_tools()));
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
        Command::Doctor { json } => doctor_command(config, json).await,
        Command::Audit { since, json } => audit_command(&config, since.as_deref(), json),
        c @ (Command::Login | Command::Logout | Command::Whoami) => auth_command(config, c).await,
        Command::Serve => match cli.remote.http_config() {
            Ok(None) => serve(config).await,
            Ok(Some(http)) => {
                let auth = authorizer(&config);
                let oauth = cli.remote.oauth.clone();
                let handlers = &okta_mcp::composite::COMPOSITES;
                okta_mcp::remote::start::run(config, http, oauth, auth, handlers).await
            }
            Err(e) => {
                eprintln!("okta-mcp: {e}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// `okta-mcp doctor`: the checks on stdout (lines, or JSON with `--json`);
/// exit 0 only when every check passed.
async fn doctor_command(config: Config, json: bool) -> std::process::ExitCode {
    let auth = authorizer(&config);
    let stack = config.org_url.as_ref().and_then(|url| {
        HttpStack::new(url.as_str(), auth.clone(), config.http_policy())
            .ok()
            .map(Arc::new)
    });
    let rt = Runtime::new(config, stack, &okta_mcp::composite::COMPOSITES);
    let report = okta_mcp::doctor::run(&rt, auth).await;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.json()).unwrap_or_default()
        );
    } else {
        print!("{}", report.text());
    }
    if report.passed() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// `okta-mcp audit`: prints the audit trail to stdout, oldest first. Notes
/// (no file yet, auditing off, skipped lines) go to stderr. It never
/// creates the file.
fn audit_command(config: &Config, since: Option<&str>, json: bool) -> std::process::ExitCode {
    use okta_mcp::audit::{self, AuditError, AuditTarget};
    use std::io::Write;
    let path = match config.audit_target() {
        Ok(AuditTarget::Off) => {
            eprintln!("okta-mcp: auditing is off (OKTA_AUDIT_LOG=off): nothing is recorded");
            return std::process::ExitCode::SUCCESS;
        }
        Ok(AuditTarget::File(path)) => path,
        Err(e) => {
            eprintln!("okta-mcp: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let since = match since
        .map(|s| audit::parse_since(s, std::time::SystemTime::now()))
        .transpose()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("okta-mcp: --since {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let read = match audit::read_since(&path, since) {
        Ok(read) => read,
        Err(e @ AuditError::NotFound { .. }) => {
            eprintln!("okta-mcp: {e} (set OKTA_AUDIT_LOG if it is elsewhere)");
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("okta-mcp: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if read.malformed > 0 {
        eprintln!(
            "okta-mcp: skipped {} line(s) of {} that are not audit entries",
            read.malformed,
            path.display()
        );
    }
    if read.entries.is_empty() {
        eprintln!(
            "okta-mcp: no audit entries in {}{}",
            path.display(),
            if since.is_some() { " in that time" } else { "" }
        );
    }
    let mut out = std::io::stdout().lock();
    for entry in &read.entries {
        let line = if json {
            serde_json::to_string(entry).unwrap_or_default()
        } else {
            okta_mcp::audit::human_line(entry)
        };
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    std::process::ExitCode::SUCCESS
}

async fn serve(mut config: Config) -> std::process::ExitCode {
    // Opened first, so that an unwritable log shows among the problems; a
    // log that cannot be written refuses every write (fail closed).
    let audit = config.open_audit_log();
    for problem in &config.problems {
        tracing::warn!("configuration: {problem}");
    }
    let auth = authorizer(&config);
    tracing::info!(
        tools = okta_mcp::tool_table::TOOLS.len(),
        specs = %okta_mcp::tool_table::specs_summary(),
        credentials = %auth.describe(),
        "okta-mcp starting"
    );
    let stack = match &config.org_url {
        Some(url) => match HttpStack::new(url.as_str(), auth.clone(), config.http_policy()) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::error!("cannot build the HTTP client: {e}");
                None
            }
        },
        None => None,
    };
    let runtime =
        Arc::new(Runtime::new(config, stack, &okta_mcp::composite::COMPOSITES).with_audit(audit));
    let granted = auth.granted_watch();
    {
        let auth = auth.clone();
        tokio::spawn(async move {
            if let Err(e) = auth.prepare().await {
                tracing::error!("credentials: {e}");
            }
        });
    }
    let server = OktaMcpServer::new(runtime.clone());
    let service = match server.serve(okta_mcp::jsonrpc_stdio::stdio()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("MCP handshake failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(mut rx) = granted {
        let peer = service.peer().clone();
        tokio::spawn(async move {
            loop {
                let scopes = rx.borrow_and_update().clone();
                if let Some(scopes) = scopes {
                    let set = okta_mcp::scopes::ScopeSet::from_iter(scopes.iter());
                    if runtime.set_granted(set) {
                        tracing::info!("granted scopes changed the tool list");
                        let _ = peer.notify_tool_list_changed().await;
                    }
                }
                if rx.changed().await.is_err() {
                    break;
                }
            }
        });
    }
    if let Err(e) = service.waiting().await {
        tracing::error!("MCP service ended with an error: {e}");
    }
    std::process::ExitCode::SUCCESS
}
