//! The settings of remote mode (`okta-mcp serve --http ADDR`), flattened
//! into the command line so the README's settings table lists them, and
//! checked into an [`HttpConfig`] before anything listens.
//!
//! Unlike the stdio settings, a problem here stops the start: a network
//! server that guesses at its own exposure is worse than one that does
//! not start. Each message names the variable to fix.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use url::Url;

/// Remote-mode settings (all optional; `--http` turns remote mode on).
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteSettings {
    /// Serve MCP over Streamable HTTP at http://ADDR/mcp instead of stdio, e.g. 127.0.0.1:8080 (also `okta-mcp serve --http ADDR`).
    #[arg(
        long = "http",
        value_name = "ADDR",
        env = "OKTA_MCP_HTTP_ADDR",
        global = true
    )]
    pub http_addr: Option<String>,
    /// More Host values to accept besides the public URL's (host or host:port), comma-separated.
    #[arg(
        long = "allowed-hosts",
        value_name = "HOSTS",
        env = "OKTA_MCP_ALLOWED_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_hosts: Vec<String>,
    /// More browser Origins to accept besides the public URL's (scheme://host[:port]), comma-separated; other Origins get 403.
    #[arg(
        long = "allowed-origins",
        value_name = "ORIGINS",
        env = "OKTA_MCP_ALLOWED_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_origins: Vec<String>,
    /// Where remote mode keeps shared state: memory (default, one instance), file:///path/state.json (one instance, survives a restart) or redis://[user:password@]host[:port][/db] (Redis or Valkey, any number of replicas).
    #[arg(
        long = "store",
        value_name = "STORE",
        env = "OKTA_MCP_STORE",
        hide_env_values = true,
        global = true
    )]
    pub store: Option<String>,
    /// Largest HTTP request body accepted, in bytes (default 4194304); larger ones get 413.
    #[arg(
        long = "max-request-bytes",
        value_name = "BYTES",
        env = "OKTA_MCP_MAX_REQUEST_BYTES",
        global = true
    )]
    pub max_request_bytes: Option<String>,
    /// MCP authorization: oauth (default: each person signs in at Okta) or none (local single-user mode: no sign-in, every request uses the server's own Okta credential; only on a loopback ADDR).
    #[arg(
        long = "http-auth",
        value_name = "MODE",
        env = "OKTA_MCP_HTTP_AUTH",
        global = true
    )]
    pub http_auth: Option<String>,
    /// Seconds a stopping server (SIGTERM, SIGINT) waits for calls in flight before it exits (default 20).
    #[arg(
        long = "shutdown-grace",
        value_name = "SECS",
        env = "OKTA_MCP_SHUTDOWN_GRACE",
        global = true
    )]
    pub shutdown_grace: Option<String>,
    /// MCP authorization's settings, OKTA_MCP_PUBLIC_URL among them (see
    /// [`crate::remote::oauth`]).
    #[command(flatten)]
    pub oauth: crate::remote::oauth::OAuthSettings,
}

/// Default largest request body (4 MiB, room for a base64 logo upload).
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
/// Default wait for calls in flight at shutdown.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// How `/mcp` requests are authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpAuth {
    /// Each person signs in (MCP authorization with Okta).
    OAuth,
    /// Local single-user mode: no authorization, the server's credential.
    None,
}

/// Checked remote-mode configuration.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    /// The external base URL, without a trailing slash.
    pub public_url: Url,
    /// Accepted `Host` values: `host` (any port) or `host:port`.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values: `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    /// The `OKTA_MCP_STORE` text (may hold a password: never log it).
    pub store: String,
    pub max_request_bytes: usize,
    pub auth: HttpAuth,
    pub shutdown_grace: Duration,
}

/// A remote-mode setting that stops the start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error(
        "OKTA_MCP_HTTP_ADDR `{0}` is not an address to listen on: use IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080"
    )]
    Addr(String),
    #[error("OKTA_MCP_PUBLIC_URL `{0}` is not usable: {1}")]
    PublicUrl(String, String),
    #[error(
        "OKTA_MCP_PUBLIC_URL is not set: listening on {0}, a non-loopback address, needs the external URL clients use (e.g. https://okta-mcp.example.com), so only that host is accepted"
    )]
    PublicUrlNeeded(SocketAddr),
    #[error("OKTA_MCP_ALLOWED_ORIGINS has `{0}`, which is not an origin: use scheme://host[:port]")]
    Origin(String),
    #[error("OKTA_MCP_ALLOWED_HOSTS has `{0}`, which is not a host: use host or host:port")]
    Host(String),
    #[error("{0} is `{1}`: use a whole number")]
    Number(&'static str, String),
    #[error("OKTA_MCP_HTTP_AUTH is `{0}`: use oauth (the default) or none")]
    AuthMode(String),
    #[error(
        "OKTA_MCP_HTTP_AUTH=none serves the server's own Okta credential to anyone who can connect, so it is allowed only on a loopback address and public URL (127.0.0.1, ::1, localhost); {0} is not. Use MCP authorization (OKTA_MCP_HTTP_AUTH=oauth) to serve others"
    )]
    NoAuthNotLoopback(String),
}

impl RemoteSettings {
    /// The checked configuration, or `None` when `--http` is not given.
    pub fn http_config(&self) -> Result<Option<HttpConfig>, SettingsError> {
        let Some(addr_text) = set(&self.http_addr) else {
            return Ok(None);
        };
        let addr: SocketAddr = addr_text
            .parse()
            .map_err(|_| SettingsError::Addr(addr_text.clone()))?;
        let public_url = match set(&self.oauth.public_url) {
            Some(text) => check_public_url(&text)?,
            None if addr.ip().is_loopback() => Url::parse(&format!("http://{addr}"))
                .map_err(|e| SettingsError::PublicUrl(addr.to_string(), e.to_string()))?,
            None => return Err(SettingsError::PublicUrlNeeded(addr)),
        };
        let auth = match set(&self.http_auth)
            .map(|a| a.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("oauth") => HttpAuth::OAuth,
            Some("none") => HttpAuth::None,
            Some(_) => {
                return Err(SettingsError::AuthMode(
                    self.http_auth.clone().unwrap_or_default(),
                ));
            }
        };
        if auth == HttpAuth::None {
            if !addr.ip().is_loopback() {
                return Err(SettingsError::NoAuthNotLoopback(addr.to_string()));
            }
            if !is_loopback_host(public_url.host_str().unwrap_or_default()) {
                return Err(SettingsError::NoAuthNotLoopback(public_url.to_string()));
            }
        }
        let mut allowed_hosts = vec![authority(&public_url)];
        if addr.ip().is_loopback() {
            allowed_hosts.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
        }
        for h in self.allowed_hosts.iter().flat_map(|h| h.split_whitespace()) {
            if h.contains('/') || h.parse::<http::uri::Authority>().is_err() {
                return Err(SettingsError::Host(h.to_owned()));
            }
            allowed_hosts.push(h.to_ascii_lowercase());
        }
        let mut allowed_origins = vec![public_url.origin().ascii_serialization()];
        for o in self
            .allowed_origins
            .iter()
            .flat_map(|o| o.split_whitespace())
        {
            let origin = Url::parse(o)
                .ok()
                .filter(|u| u.has_host() && matches!(u.path(), "" | "/"))
                .ok_or_else(|| SettingsError::Origin(o.to_owned()))?;
            allowed_origins.push(origin.origin().ascii_serialization());
        }
        let max_request_bytes = number(
            "OKTA_MCP_MAX_REQUEST_BYTES",
            &self.max_request_bytes,
            DEFAULT_MAX_REQUEST_BYTES as u64,
        )? as usize;
        let grace = number(
            "OKTA_MCP_SHUTDOWN_GRACE",
            &self.shutdown_grace,
            DEFAULT_SHUTDOWN_GRACE.as_secs(),
        )?;
        Ok(Some(HttpConfig {
            addr,
            public_url,
            allowed_hosts,
            allowed_origins,
            store: set(&self.store).unwrap_or_else(|| "memory".into()),
            max_request_bytes: max_request_bytes.max(1024),
            auth,
            shutdown_grace: Duration::from_secs(grace),
        }))
    }
}

fn set(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn number(var: &'static str, v: &Option<String>, default: u64) -> Result<u64, SettingsError> {
    match set(v) {
        None => Ok(default),
        Some(t) => t.parse().map_err(|_| SettingsError::Number(var, t)),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host` or `host:port` as a `Host` header carries it for this URL.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

fn check_public_url(text: &str) -> Result<Url, SettingsError> {
    let shown = crate::config::mask_userinfo(text);
    let bad = |why: &str| SettingsError::PublicUrl(shown.clone(), why.to_owned());
    let mut url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it holds a user name or password"));
    }
    if !url.has_host() {
        return Err(bad("it has no host"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(url.host_str().unwrap_or_default()) => {}
        "http" => return Err(bad("use https (http only for loopback)")),
        _ => return Err(bad("use https://host")),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("give only scheme, host, port and path"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<HttpConfig>, SettingsError> {
        let mut all = vec!["okta-mcp"];
        all.extend_from_slice(args);
        let cli = <crate::config::Cli as clap::Parser>::try_parse_from(all).expect("parses");
        cli.remote.http_config()
    }

    #[test]
    fn stdio_unless_http_is_given() {
        assert!(parse(&[]).unwrap().is_none());
        assert!(parse(&["serve"]).unwrap().is_none());
    }

    #[test]
    fn loopback_defaults_and_the_serve_flag() {
        let c = parse(&["serve", "--http", "127.0.0.1:8080"])
            .unwrap()
            .unwrap();
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(c.allowed_hosts[0], "127.0.0.1:8080");
        assert!(c.allowed_hosts.contains(&"localhost".to_owned()));
        assert_eq!(c.allowed_origins, ["http://127.0.0.1:8080"]);
        assert_eq!(c.auth, HttpAuth::OAuth);
        assert_eq!(c.store, "memory");
        assert_eq!(c.max_request_bytes, DEFAULT_MAX_REQUEST_BYTES);
    }

    #[test]
    fn a_public_address_needs_a_public_url_and_allows_only_its_host() {
        assert_eq!(
            parse(&["--http", "0.0.0.0:8080"]).unwrap_err(),
            SettingsError::PublicUrlNeeded("0.0.0.0:8080".parse().unwrap())
        );
        let c = parse(&[
            "--http",
            "0.0.0.0:8080",
            "--public-url",
            "https://MCP.example.com/",
            "--allowed-origins",
            "https://claude.ai,https://vscode.dev:8443",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(c.allowed_hosts, ["mcp.example.com"]);
        assert_eq!(
            c.allowed_origins,
            [
                "https://mcp.example.com",
                "https://claude.ai",
                "https://vscode.dev:8443"
            ]
        );
        assert!(
            parse(&[
                "--http",
                "0.0.0.0:1",
                "--public-url",
                "http://mcp.example.com"
            ])
            .is_err()
        );
        assert!(
            parse(&["--http", "0.0.0.0:1", "--public-url", "https://u:p@x.com"])
                .unwrap_err()
                .to_string()
                .contains("user name")
        );
    }

    #[test]
    fn no_auth_is_only_for_loopback() {
        let c = parse(&["--http", "127.0.0.1:9", "--http-auth", "none"])
            .unwrap()
            .unwrap();
        assert_eq!(c.auth, HttpAuth::None);
        for args in [
            &[
                "--http",
                "0.0.0.0:9",
                "--public-url",
                "https://x.example.com",
                "--http-auth",
                "none",
            ][..],
            &[
                "--http",
                "127.0.0.1:9",
                "--public-url",
                "https://x.example.com",
                "--http-auth",
                "none",
            ][..],
        ] {
            let e = parse(args).unwrap_err();
            assert!(matches!(e, SettingsError::NoAuthNotLoopback(_)), "{e}");
        }
        assert!(matches!(
            parse(&["--http", "127.0.0.1:9", "--http-auth", "nope"]).unwrap_err(),
            SettingsError::AuthMode(_)
        ));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let e = parse(&["--http", "localhost"]).unwrap_err().to_string();
        assert!(e.contains("OKTA_MCP_HTTP_ADDR"), "{e}");
        let e = parse(&["--http", "127.0.0.1:1", "--max-request-bytes", "lots"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("OKTA_MCP_MAX_REQUEST_BYTES"), "{e}");
        let e = parse(&["--http", "127.0.0.1:1", "--allowed-origins", "claude.ai"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("OKTA_MCP_ALLOWED_ORIGINS"), "{e}");
    }
}
