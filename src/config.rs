//! Configuration from flags and environment variables, compatible with
//! Okta's own MCP server (`OKTA_ORG_URL`, `OKTA_CLIENT_ID`, `OKTA_SCOPES`,
//! `OKTA_PRIVATE_KEY`, `OKTA_KEY_ID`), so switching servers is one command.
//!
//! Problems are collected, not fatal: the server still starts, answers
//! `initialize`, and reports them on stderr and as tool results.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::audit::{AuditError, AuditLog, AuditTarget};
use crate::okta_http::multipart::UploadPolicy;
use crate::scopes::ScopeSet;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "okta-mcp",
    version,
    about = "An MCP server (stdio) for administering an Okta org, generated from Okta's Management API spec.",
    long_about = "An MCP server (stdio) for administering an Okta org. Every tool is generated from Okta's Management API spec; only the tools your scopes allow are listed, and each call is checked again.\n\nStart it from an MCP client (Claude Desktop/Code, VS Code, Cursor) with the environment below. Logs go to stderr (RUST_LOG=debug for more); stdout is the MCP channel.\n\nCredentials, first match wins: OKTA_PRIVATE_KEY/OKTA_PRIVATE_KEY_FILE (+ OKTA_KEY_ID, OKTA_CLIENT_ID): private key JWT; OKTA_API_TOKEN: SSWS API token; OKTA_ACCESS_TOKEN: a ready OAuth access token; otherwise OKTA_CLIENT_ID alone: device sign-in in the browser."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    /// Remote mode (`--http`), see [`crate::remote::settings`].
    #[command(flatten)]
    pub remote: crate::remote::settings::RemoteSettings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (the default), or over Streamable HTTP with --http ADDR.
    Serve,
    /// Sign in ahead of time and cache the tokens.
    Login,
    /// Remove the cached tokens for this org, client and scopes.
    Logout,
    /// Show org, client, granted scopes and token expiry (never the token).
    Whoami,
    /// Print the tools this configuration lists, as JSON or a Markdown table.
    Tools {
        /// Print a Markdown table of these tools (name, class, scopes, what it does) instead of JSON.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the generator's build report (coverage, left-out operations).
    BuildReport,
    /// Check each link from this configuration to a working session (org, token, scopes, admin role, rate limits); exit 0 only when all pass.
    Doctor {
        /// Print the checks as JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Print the audit trail (OKTA_AUDIT_LOG), oldest first, one entry a line.
    Audit {
        /// Only entries this recent: 30m, 24h, 7d (or -24h), or an RFC 3339 time.
        #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
        since: Option<String>,
        /// Print the entries as JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Your Okta org, e.g. https://example.okta.com (https required; http only for loopback).
    #[arg(long, env = "OKTA_ORG_URL")]
    pub org_url: Option<String>,
    /// Client id of the Okta app (API Services app for private key JWT, native app for device sign-in).
    #[arg(long, env = "OKTA_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Scopes, space- or comma-separated, e.g. "okta.users.read okta.groups.manage". Token requests ask for exactly these; they decide which tools are listed.
    #[arg(long, env = "OKTA_SCOPES", default_value = "")]
    pub scopes: String,
    /// PEM private key text (RSA or EC P-256, literal \n accepted) or a JWK, for private key JWT.
    #[arg(long, env = "OKTA_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// Path of the private key file (PEM or JWK), instead of OKTA_PRIVATE_KEY.
    #[arg(long, env = "OKTA_PRIVATE_KEY_FILE")]
    pub private_key_file: Option<String>,
    /// Key id (kid) registered with the app's public key.
    #[arg(long, env = "OKTA_KEY_ID")]
    pub key_id: Option<String>,
    /// An Okta API token (sent as SSWS).
    #[arg(long, env = "OKTA_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// A ready OAuth access token (sent as Bearer).
    #[arg(long, env = "OKTA_ACCESS_TOKEN", hide_env_values = true)]
    pub access_token: Option<String>,
    /// DPoP: auto (default), always or never.
    #[arg(long, env = "OKTA_DPOP", default_value = "auto")]
    pub dpop: String,
    /// Do not open a browser for device sign-in (true/false; the bare flag means true).
    #[arg(long = "no-browser", value_name = "BOOL", env = "OKTA_NO_BROWSER", num_args = 0..=1, default_missing_value = "true")]
    pub no_browser_text: Option<String>,
    /// Toolsets to list (users, groups, apps, policies, roles, logs, brands, domains, ...; "all"), comma- or space-separated.
    #[arg(long, env = "OKTA_TOOLSETS", value_delimiter = ',')]
    pub toolsets: Vec<String>,
    /// Tools to list by name, comma- or space-separated, or "all" for every allowed operation.
    #[arg(long, env = "OKTA_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Never list or run these (wins over everything else): tool names,
    /// operationIds, toolsets or risk classes (read, create, change, grant,
    /// destructive), comma- or space-separated. An excluded operation is
    /// refused under every alias, call_okta_operation included.
    #[arg(long, env = "OKTA_EXCLUDE_TOOLS", value_delimiter = ',')]
    pub exclude_tools: Vec<String>,
    /// Only read-only tools are listed or callable (true/false; the bare flag means true; a value that is neither counts as true).
    #[arg(long = "read-only", value_name = "BOOL", env = "OKTA_READ_ONLY", num_args = 0..=1, default_missing_value = "true")]
    pub read_only_text: Option<String>,
    /// Which writes a person must approve: default (changes, grants and destructive calls), destructive (grants and destructive calls only) or all (creates too). No value turns confirmation off.
    #[arg(
        long = "confirm",
        value_name = "POLICY",
        env = "OKTA_CONFIRM",
        default_value = "default"
    )]
    pub confirm: String,
    /// Also list the few operations whose spec declares no OAuth scope (true/false; the bare flag means true).
    #[arg(long = "include-unscoped", value_name = "BOOL", env = "OKTA_INCLUDE_UNSCOPED", num_args = 0..=1, default_missing_value = "true")]
    pub include_unscoped_text: Option<String>,
    /// Most requests to Okta in flight at once (default 10; Okta's org-wide limit is 75).
    #[arg(
        long = "max-concurrency",
        value_name = "N",
        env = "OKTA_MAX_CONCURRENCY"
    )]
    pub max_concurrency_text: Option<String>,
    /// Seconds to wait for a connection to Okta (default 10).
    #[arg(
        long = "connect-timeout",
        value_name = "SECS",
        env = "OKTA_CONNECT_TIMEOUT"
    )]
    pub connect_timeout_text: Option<String>,
    /// Seconds one request to Okta may take in all (default 30).
    #[arg(
        long = "request-timeout",
        value_name = "SECS",
        env = "OKTA_REQUEST_TIMEOUT"
    )]
    pub request_timeout_text: Option<String>,
    /// Largest Okta response read, in bytes (default 20971520).
    #[arg(
        long = "max-response-bytes",
        value_name = "BYTES",
        env = "OKTA_MAX_RESPONSE_BYTES"
    )]
    pub max_response_bytes_text: Option<String>,
    /// Largest result of any tool, in bytes of JSON (about 4 bytes a token) (default 80000). A list (a top-level array or an envelope such as {"data": [...]}) is cut on an item boundary and returns a cursor to continue; one larger object keeps its small fields whole, shortens or leaves out the large ones, and names each in `_truncated`. OKTA_MAX_RESPONSE_BYTES bounds what is read from Okta.
    #[arg(
        long = "max-output-bytes",
        value_name = "BYTES",
        env = "OKTA_MAX_OUTPUT_BYTES"
    )]
    pub max_output_bytes_text: Option<String>,
    /// Longest wait, in seconds, for an Okta rate limit to reset before a call gives up (default 60).
    #[arg(
        long = "max-rate-limit-wait",
        value_name = "SECS",
        env = "OKTA_MAX_RATE_LIMIT_WAIT"
    )]
    pub max_rate_limit_wait_text: Option<String>,
    /// Folder that body.file_path uploads (brand logos, app logos) may be read from; unset: only body.content_base64 uploads.
    #[arg(long, env = "OKTA_UPLOAD_DIR")]
    pub upload_dir: Option<String>,
    /// Folder where export_users_csv writes a CSV too large for OKTA_MAX_OUTPUT_BYTES (a new file, owner-only), or "off" to return it cut with a cursor instead (default: the system temp folder).
    #[arg(long = "export-dir", value_name = "DIR", env = "OKTA_EXPORT_DIR")]
    pub export_dir: Option<String>,
    /// Retries of one request after a rate limit (any method) or a transient failure (GET/PUT/DELETE only) (default 3).
    #[arg(long = "max-retries", value_name = "N", env = "OKTA_MAX_RETRIES")]
    pub max_retries_text: Option<String>,
    /// File that records every write attempted or refused, one JSON line each (names, never values), or "off" (default: audit.jsonl in the state folder, $XDG_STATE_HOME/okta-mcp or on Windows %LOCALAPPDATA%\okta-mcp).
    #[arg(long = "audit-log", value_name = "PATH", env = "OKTA_AUDIT_LOG")]
    pub audit_log: Option<String>,

    // The numeric settings, filled by `Config::from_settings` from the texts
    // above: a value that does not parse is reported as a problem and the
    // default is used, so the server still starts.
    #[arg(skip = 10usize)]
    pub max_concurrency: usize,
    #[arg(skip = 10u64)]
    pub connect_timeout_secs: u64,
    #[arg(skip = 30u64)]
    pub request_timeout_secs: u64,
    #[arg(skip = 20 * 1024 * 1024usize)]
    pub max_response_bytes: usize,
    #[arg(skip = 80_000usize)]
    pub max_output_bytes: usize,
    #[arg(skip = 60u64)]
    pub max_rate_limit_wait_secs: u64,
    #[arg(skip = 3u32)]
    pub max_retries: u32,
    // The switches, filled the same way: a value that is not a boolean is a
    // problem, not an exit before `initialize`.
    #[arg(skip = false)]
    pub no_browser: bool,
    #[arg(skip = false)]
    pub read_only: bool,
    #[arg(skip = false)]
    pub include_unscoped: bool,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub org_url: Option<Url>,
    /// The scopes held for gating (manage implies read).
    pub scopes: ScopeSet,
    /// Which risk classes need a person's yes (`OKTA_CONFIRM`).
    pub confirm_policy: crate::risk::ConfirmPolicy,
    /// The scopes token requests ask for: exactly `OKTA_SCOPES`, in order.
    pub requested_scopes: Vec<String>,
    pub raw: Settings,
    /// Where `body.file_path` uploads may be read from.
    pub upload: UploadPolicy,
    /// Problems found, each naming the variable to fix.
    pub problems: Vec<String>,
}

impl Config {
    pub fn from_settings(mut raw: Settings) -> Self {
        let mut problems = Vec::new();
        parse_numbers(&mut raw, &mut problems);
        parse_switches(&mut raw, &mut problems);
        let org_url = match raw
            .org_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => {
                problems.push(
                    "OKTA_ORG_URL is not set: set it to your org, e.g. https://example.okta.com"
                        .into(),
                );
                None
            }
            Some(text) => match check_org_url(text) {
                Ok(u) => Some(u),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        };
        let scopes = ScopeSet::parse(&raw.scopes);
        let requested_scopes = crate::scopes::requested_scopes(&raw.scopes);
        if scopes.is_empty() {
            problems.push("OKTA_SCOPES is empty: no Okta tool can be listed. Set it, e.g. OKTA_SCOPES=\"okta.users.read okta.groups.read\"".into());
        }
        for s in crate::scopes::unknown_scopes(&scopes) {
            problems.push(format!(
                "OKTA_SCOPES names `{s}`, which no tool uses (a typo?)"
            ));
        }
        if let Err(e) = AuditTarget::from_setting(raw.audit_log.as_deref()) {
            problems.push(e.to_string());
        }
        if !matches!(raw.dpop.as_str(), "auto" | "always" | "never") {
            problems.push(format!(
                "OKTA_DPOP is `{}`: use auto, always or never",
                raw.dpop
            ));
        }
        let confirm_policy = match crate::risk::ConfirmPolicy::parse(&raw.confirm) {
            Ok(p) => p,
            Err(e) => {
                problems.push(e.to_string());
                crate::risk::ConfirmPolicy::All
            }
        };
        let upload = upload_policy(&raw, &mut problems);
        Self {
            org_url,
            scopes,
            confirm_policy,
            requested_scopes,
            raw,
            upload,
            problems,
        }
    }

    /// Where `OKTA_AUDIT_LOG` sends the audit trail, without touching the
    /// file system (for `okta-mcp audit`, which must not create the file).
    pub fn audit_target(&self) -> Result<AuditTarget, AuditError> {
        AuditTarget::from_setting(self.raw.audit_log.as_deref())
    }

    /// Opens the audit trail `OKTA_AUDIT_LOG` names, creating its folder and
    /// file. A location that cannot be written is added to `problems` (once)
    /// and the log returned still refuses every record, so writes are not
    /// sent until the location is fixed: auditing fails closed.
    pub fn open_audit_log(&mut self) -> AuditLog {
        match AuditLog::from_setting(self.raw.audit_log.as_deref()) {
            Ok(log) => log,
            Err(e) => {
                let problem = e.to_string();
                if !self.problems.contains(&problem) {
                    self.problems.push(problem);
                }
                match self.audit_target() {
                    Ok(target) => AuditLog::unchecked(target),
                    Err(_) => AuditLog::unavailable(),
                }
            }
        }
    }

    pub fn http_policy(&self) -> crate::okta_http::HttpPolicy {
        crate::okta_http::HttpPolicy {
            max_in_flight: self.raw.max_concurrency.max(1),
            connect_timeout: Duration::from_secs(self.raw.connect_timeout_secs.max(1)),
            request_timeout: Duration::from_secs(self.raw.request_timeout_secs.max(1)),
            max_response_bytes: self.raw.max_response_bytes.max(1024),
            max_retries: self.raw.max_retries.min(10),
            max_rate_limit_wait: Duration::from_secs(self.raw.max_rate_limit_wait_secs),
        }
    }
}

/// The upload policy: `OKTA_UPLOAD_DIR` (blank is unset), and what is
/// never uploaded from it: okta-mcp's state folder (token cache, DPoP keys)
/// and the private key file. A folder that is not there is reported now and
/// again on each upload (it may be created later).
fn upload_policy(raw: &Settings, problems: &mut Vec<String>) -> UploadPolicy {
    let dir = raw
        .upload_dir
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from);
    if let Some(d) = &dir
        && !d.is_dir()
    {
        problems.push(format!(
            "OKTA_UPLOAD_DIR `{}` is not an existing folder: file_path uploads fail until it is",
            d.display()
        ));
    }
    let mut never: Vec<std::path::PathBuf> = crate::auth::state_dir().into_iter().collect();
    if let Some(key) = raw
        .private_key_file
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        never.push(key.into());
    }
    UploadPolicy { dir, never }
}

/// Parses one numeric setting: unset or blank keeps the default; a value
/// that is not a whole number in `min..=max` is a problem, and the default
/// is used.
fn parse_number<T>(
    text: Option<&str>,
    var: &str,
    min: T,
    max: T,
    default: T,
    problems: &mut Vec<String>,
) -> T
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return default;
    };
    match text.parse::<T>() {
        Ok(v) if v >= min && v <= max => v,
        _ => {
            problems.push(format!(
                "{var} is `{text}`: use a whole number from {min} to {max}; using the default {default}"
            ));
            default
        }
    }
}

/// Parses one switch: unset or blank is `false`; true/false, 1/0, yes/no,
/// on/off in any case; anything else is a problem and counts as
/// `when_unclear` (the safer reading for that switch).
fn parse_switch(
    text: Option<&str>,
    var: &str,
    when_unclear: bool,
    problems: &mut Vec<String>,
) -> bool {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return false;
    };
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => true,
        "false" | "0" | "no" | "off" => false,
        _ => {
            problems.push(format!(
                "{var} is `{text}`: use true or false; taking it as {when_unclear}"
            ));
            when_unclear
        }
    }
}

/// Fills the switches from their texts.
fn parse_switches(raw: &mut Settings, problems: &mut Vec<String>) {
    raw.no_browser = parse_switch(
        raw.no_browser_text.as_deref(),
        "OKTA_NO_BROWSER",
        false,
        problems,
    );
    // Read-only when unsure: a typo must not hand out write tools.
    raw.read_only = parse_switch(
        raw.read_only_text.as_deref(),
        "OKTA_READ_ONLY",
        true,
        problems,
    );
    raw.include_unscoped = parse_switch(
        raw.include_unscoped_text.as_deref(),
        "OKTA_INCLUDE_UNSCOPED",
        false,
        problems,
    );
}

/// Fills the numeric settings from their texts.
fn parse_numbers(raw: &mut Settings, problems: &mut Vec<String>) {
    raw.max_concurrency = parse_number(
        raw.max_concurrency_text.as_deref(),
        "OKTA_MAX_CONCURRENCY",
        1,
        1000,
        10,
        problems,
    );
    raw.connect_timeout_secs = parse_number(
        raw.connect_timeout_text.as_deref(),
        "OKTA_CONNECT_TIMEOUT",
        1,
        3600,
        10,
        problems,
    );
    raw.request_timeout_secs = parse_number(
        raw.request_timeout_text.as_deref(),
        "OKTA_REQUEST_TIMEOUT",
        1,
        3600,
        30,
        problems,
    );
    raw.max_response_bytes = parse_number(
        raw.max_response_bytes_text.as_deref(),
        "OKTA_MAX_RESPONSE_BYTES",
        1024,
        1 << 30,
        20 * 1024 * 1024,
        problems,
    );
    raw.max_output_bytes = parse_number(
        raw.max_output_bytes_text.as_deref(),
        "OKTA_MAX_OUTPUT_BYTES",
        1000,
        100 * 1024 * 1024,
        80_000,
        problems,
    );
    raw.max_rate_limit_wait_secs = parse_number(
        raw.max_rate_limit_wait_text.as_deref(),
        "OKTA_MAX_RATE_LIMIT_WAIT",
        0,
        3600,
        60,
        problems,
    );
    raw.max_retries = parse_number(
        raw.max_retries_text.as_deref(),
        "OKTA_MAX_RETRIES",
        0,
        10,
        3,
        problems,
    );
}

/// An org URL must be https, except http on a loopback host (tests), and
/// carry no user name or password. Messages show the text with any
/// `user:password@` part masked: it may hold a credential.
pub fn check_org_url(text: &str) -> Result<Url, String> {
    let shown = mask_userinfo(text);
    let url = Url::parse(text).map_err(|e| {
        format!("OKTA_ORG_URL `{shown}` is not a URL ({e}); use e.g. https://example.okta.com")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "OKTA_ORG_URL `{shown}` contains a user name or password; give only the org, e.g. https://example.okta.com, and the credential in its own variable"
        ));
    }
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "OKTA_ORG_URL `{shown}` uses http: Okta needs https (http is allowed only for loopback test servers)"
            ));
        }
        s => {
            return Err(format!(
                "OKTA_ORG_URL `{shown}` has scheme `{s}`; use https"
            ));
        }
    }
    if url.host_str().is_none() {
        return Err(format!("OKTA_ORG_URL `{shown}` has no host"));
    }
    Ok(url)
}

/// `scheme://user:secret@host/...` as `scheme://***@host/...`.
pub fn mask_userinfo(text: &str) -> String {
    if let Some(i) = text.find("://") {
        let rest = &text[i + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            return format!("{}://***@{}", &text[..i], &rest[at + 1..]);
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_numbers_are_problems_not_exits() {
        let cli = Cli::try_parse_from([
            "okta-mcp",
            "--org-url",
            "https://example.okta.com",
            "--scopes",
            "okta.users.read",
            "--max-concurrency",
            "ten",
            "--max-retries",
            "2",
            "--request-timeout=-5",
        ])
        .expect("numbers are parsed as text");
        let config = Config::from_settings(cli.settings);
        assert_eq!(config.raw.max_concurrency, 10);
        assert_eq!(config.raw.max_retries, 2);
        assert_eq!(config.raw.request_timeout_secs, 30);
        assert_eq!(config.raw.max_output_bytes, 80_000);
        let joined = config.problems.join("\n");
        assert!(joined.contains("OKTA_MAX_CONCURRENCY is `ten`"), "{joined}");
        assert!(joined.contains("OKTA_REQUEST_TIMEOUT is `-5`"), "{joined}");
        assert!(!joined.contains("OKTA_MAX_RETRIES"), "{joined}");
    }

    fn config_with_audit_log(setting: &str) -> Config {
        let cli = Cli::try_parse_from([
            "okta-mcp",
            "--org-url",
            "https://example.okta.com",
            "--scopes",
            "okta.users.read",
            "--audit-log",
            setting,
        ])
        .expect("parses");
        Config::from_settings(cli.settings)
    }

    #[test]
    fn unwritable_audit_log_is_a_problem_and_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let path = blocker.join("audit.jsonl");
        let mut config = config_with_audit_log(path.to_str().unwrap());
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        let log = config.open_audit_log();
        assert!(log.is_enabled());
        assert!(
            log.record(&crate::audit::AuditEntry::new(
                "t",
                crate::audit::Outcome::Sent
            ))
            .is_err()
        );
        config.open_audit_log();
        assert_eq!(config.problems.len(), 1, "{:?}", config.problems);
        assert!(
            config.problems[0].contains("OKTA_AUDIT_LOG=")
                && config.problems[0].contains("set OKTA_AUDIT_LOG=off"),
            "{:?}",
            config.problems
        );
    }

    #[test]
    fn audit_log_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("audit.jsonl");
        let mut config = config_with_audit_log(path.to_str().unwrap());
        assert_eq!(
            config.audit_target().unwrap(),
            AuditTarget::File(path.clone())
        );
        assert!(!path.exists(), "reading the setting creates nothing");
        assert_eq!(config.open_audit_log().path(), Some(path.as_path()));
        assert!(path.exists());
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        let mut off = config_with_audit_log("off");
        assert!(!off.open_audit_log().is_enabled());
        assert!(off.problems.is_empty());
    }

    #[test]
    fn token_requests_get_exactly_the_configured_scopes() {
        let cli = Cli::try_parse_from(["okta-mcp", "--scopes", "okta.users.manage okta.apps.read"])
            .unwrap();
        let config = Config::from_settings(cli.settings);
        assert_eq!(
            config.requested_scopes,
            ["okta.users.manage", "okta.apps.read"]
        );
        assert!(
            config.scopes.contains("okta.users.read"),
            "gating still implies read"
        );
    }

    #[test]
    fn upload_dir_setting() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["okta-mcp", "--scopes", "okta.users.read"];
            args.extend_from_slice(extra);
            Config::from_settings(Cli::try_parse_from(args).expect("parses").settings)
        };
        let unset = parse(&[]);
        assert_eq!(unset.upload.dir, None);
        assert_eq!(parse(&["--upload-dir", "  "]).upload.dir, None);
        let here = std::env::temp_dir();
        let set = parse(&[
            "--upload-dir",
            here.to_str().unwrap(),
            "--private-key-file",
            "/keys/okta.pem",
        ]);
        assert_eq!(set.upload.dir.as_deref(), Some(here.as_path()));
        assert!(
            set.upload
                .never
                .contains(&std::path::PathBuf::from("/keys/okta.pem"))
        );
        assert!(!set.problems.join("\n").contains("OKTA_UPLOAD_DIR"));
        let missing = parse(&["--upload-dir", "/nonexistent/okta-uploads"]);
        assert!(
            missing
                .problems
                .join("\n")
                .contains("OKTA_UPLOAD_DIR `/nonexistent/okta-uploads` is not an existing folder"),
            "{:?}",
            missing.problems
        );
    }

    #[test]
    fn org_url_rules() {
        assert!(check_org_url("https://example.okta.com").is_ok());
        assert!(check_org_url("http://127.0.0.1:8080").is_ok());
        assert!(
            check_org_url("http://example.okta.com")
                .unwrap_err()
                .contains("https")
        );
        assert!(check_org_url("example.okta.com").is_err());
        assert!(check_org_url("ftp://example.okta.com").is_err());
        for with_secret in [
            "https://tok3n-s3cret@example.okta.com",
            "https://user:tok3n-s3cret@example.okta.com/x",
            "http://tok3n-s3cret@example.okta.com",
            "https://tok3n-s3cret@exa mple.okta.com",
        ] {
            let e = check_org_url(with_secret).unwrap_err();
            assert!(!e.contains("tok3n-s3cret"), "{e}");
        }
    }

    #[test]
    fn switches_never_stop_the_server_and_read_only_holds_when_unclear() {
        let parse = |args: &[&str]| {
            let mut all = vec!["okta-mcp", "--org-url", "https://example.okta.com"];
            all.extend_from_slice(args);
            Config::from_settings(Cli::try_parse_from(all).expect("parses").settings)
        };
        let c = parse(&["--read-only", "maybe", "--no-browser", "perhaps"]);
        assert!(c.raw.read_only, "unclear read-only means read-only");
        assert!(!c.raw.no_browser);
        let joined = c.problems.join("\n");
        assert!(joined.contains("OKTA_READ_ONLY is `maybe`"), "{joined}");
        assert!(joined.contains("OKTA_NO_BROWSER is `perhaps`"), "{joined}");
        let c = parse(&["--read-only", "--include-unscoped", "No"]);
        assert!(c.raw.read_only, "the bare flag");
        assert!(!c.raw.include_unscoped);
        let c = parse(&[]);
        assert!(!c.raw.read_only && !c.raw.no_browser && !c.raw.include_unscoped);
    }
}
