//! The settings of MCP authorization in remote mode (`OKTA_MCP_*`), and
//! their check at startup.
//!
//! [`OAuthSettings`] is a clap `Args` struct for the serve command to
//! flatten. [`OAuthSettings::resolve`] reads it together with the general
//! settings (org, scopes, DPoP, and the app credentials the web app may
//! share) and either returns a complete [`OAuthConfig`] or every problem at
//! once, each naming the variable to fix: a server that cannot sign people
//! in does not start.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Args;
use url::Url;

use crate::auth::dpop::DpopMode;
use crate::auth::keys::{SigningKey, load_private_key};

/// Default lifetime of the access tokens this server issues to MCP clients.
const ACCESS_TTL_DEFAULT: u64 = 300;
/// Default lifetime of a sign-in without use (refresh tokens, stored Okta
/// tokens): a week.
const GRANT_TTL_DEFAULT: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Default, Args)]
pub struct OAuthSettings {
    /// The URL people and MCP clients reach this server at, e.g. https://okta-mcp.example.com (https; http only for loopback; no path). MCP clients connect to it + /mcp; Okta's web app redirects to it + /oauth/callback.
    #[arg(long = "public-url", env = "OKTA_MCP_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Key that signs the access tokens given to MCP clients: 32 or more random bytes, base64 (`openssl rand -base64 32`), the same on every replica.
    #[arg(
        long = "signing-key",
        env = "OKTA_MCP_SIGNING_KEY",
        hide_env_values = true,
        global = true
    )]
    pub signing_key: Option<String>,
    /// Key that encrypts each person's Okta tokens in the store (AES-256-GCM): exactly 32 random bytes, base64 (`openssl rand -base64 32`), the same on every replica, not the signing key.
    #[arg(
        long = "store-key",
        env = "OKTA_MCP_STORE_KEY",
        hide_env_values = true,
        global = true
    )]
    pub store_key: Option<String>,
    /// Client id of the Okta OIDC web app people sign in through (default: OKTA_CLIENT_ID).
    #[arg(long = "web-client-id", env = "OKTA_MCP_WEB_CLIENT_ID", global = true)]
    pub web_client_id: Option<String>,
    /// The web app's private key for private key JWT, PEM or JWK (default: OKTA_PRIVATE_KEY).
    #[arg(
        long = "web-private-key",
        env = "OKTA_MCP_WEB_PRIVATE_KEY",
        hide_env_values = true,
        global = true
    )]
    pub web_private_key: Option<String>,
    /// Path of the web app's private key file, instead of OKTA_MCP_WEB_PRIVATE_KEY (default: OKTA_PRIVATE_KEY_FILE).
    #[arg(
        long = "web-private-key-file",
        env = "OKTA_MCP_WEB_PRIVATE_KEY_FILE",
        global = true
    )]
    pub web_private_key_file: Option<String>,
    /// Key id (kid) registered with the web app's public key (default: OKTA_KEY_ID).
    #[arg(long = "web-key-id", env = "OKTA_MCP_WEB_KEY_ID", global = true)]
    pub web_key_id: Option<String>,
    /// Seconds an access token given to an MCP client lasts (default 300, 60 to 3600).
    #[arg(
        long = "access-token-ttl",
        value_name = "SECS",
        env = "OKTA_MCP_ACCESS_TOKEN_TTL",
        global = true
    )]
    pub access_token_ttl: Option<String>,
    /// Seconds a sign-in lasts without use: its refresh token and the stored Okta tokens (default 604800, a week).
    #[arg(
        long = "sign-in-ttl",
        value_name = "SECS",
        env = "OKTA_MCP_SIGN_IN_TTL",
        global = true
    )]
    pub sign_in_ttl: Option<String>,
    /// Accept dynamic client registration (RFC 7591) at /register (true/false, default true).
    #[arg(
        long = "dynamic-registration",
        value_name = "BOOL",
        env = "OKTA_MCP_DYNAMIC_REGISTRATION",
        global = true
    )]
    pub dynamic_registration: Option<String>,
    /// Tests only: accept client metadata documents at http://127.0.0.1 / localhost URLs (true/false, default false).
    #[arg(
        long = "allow-loopback-client-metadata",
        value_name = "BOOL",
        env = "OKTA_MCP_ALLOW_LOOPBACK_CLIENT_METADATA",
        global = true
    )]
    pub allow_loopback_client_metadata: Option<String>,
}

/// Why remote authorization cannot start. The message lists every problem.
#[derive(Debug, thiserror::Error)]
pub enum OAuthSetupError {
    #[error("remote sign-in is not configured correctly:\n  - {}", .0.join("\n  - "))]
    Settings(Vec<String>),
    #[error("cannot build the HTTP client for Okta and client metadata: {0}")]
    Http(String),
}

/// The checked settings. Its `Debug` shows no key.
#[derive(Clone)]
pub struct OAuthConfig {
    /// This server's issuer identifier: the public URL, no trailing slash.
    pub issuer: String,
    /// The protected resource: issuer + `/mcp`.
    pub resource: String,
    /// Where Okta sends the person back: issuer + `/oauth/callback`.
    pub callback_url: String,
    /// The Okta org (its org authorization server).
    pub org: Url,
    /// OKTA_SCOPES, in order: what is asked of Okta besides the OIDC scopes.
    pub scopes: Vec<String>,
    pub web_client_id: String,
    pub web_key_id: String,
    /// The name of the variable the web key came from, for errors.
    pub web_key_var: &'static str,
    pub web_key: Arc<SigningKey>,
    pub dpop: DpopMode,
    pub signing_key: Vec<u8>,
    pub store_key: [u8; 32],
    pub access_ttl: Duration,
    pub sign_in_ttl: Duration,
    pub dynamic_registration: bool,
    pub allow_loopback_client_metadata: bool,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("issuer", &self.issuer)
            .field("org", &self.org.as_str())
            .field("scopes", &self.scopes)
            .field("web_client_id", &self.web_client_id)
            .field("web_key_id", &self.web_key_id)
            .field("dpop", &self.dpop)
            .field("access_ttl", &self.access_ttl)
            .field("sign_in_ttl", &self.sign_in_ttl)
            .field("dynamic_registration", &self.dynamic_registration)
            .finish_non_exhaustive()
    }
}

impl OAuthConfig {
    /// The URL of the protected-resource metadata for `/mcp` (RFC 9728
    /// section 3.1: the well-known path goes before the resource's path).
    pub fn resource_metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource/mcp", self.issuer)
    }

    /// What is asked of Okta: the OIDC scopes (identity, refresh token)
    /// and then OKTA_SCOPES.
    pub fn okta_scope_request(&self) -> String {
        let mut all = vec!["openid", "profile", "offline_access"];
        for s in &self.scopes {
            if !all.contains(&s.as_str()) {
                all.push(s);
            }
        }
        all.join(" ")
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The first set value, with the name of the variable it came from.
fn first<'a>(pairs: &[(&'a Option<String>, &'static str)]) -> Option<(&'a str, &'static str)> {
    pairs
        .iter()
        .find_map(|(v, name)| text(v).map(|t| (t, *name)))
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    STANDARD
        .decode(t)
        .ok()
        .or_else(|| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok())
}

fn switch(v: &Option<String>, var: &str, default: bool, problems: &mut Vec<String>) -> bool {
    let Some(t) = text(v) else {
        return default;
    };
    match t.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => true,
        "false" | "0" | "no" | "off" => false,
        _ => {
            problems.push(format!("{var} is `{t}`: use true or false"));
            default
        }
    }
}

fn seconds(
    v: &Option<String>,
    var: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    problems: &mut Vec<String>,
) -> Duration {
    let Some(t) = text(v) else {
        return Duration::from_secs(default);
    };
    match t.parse::<u64>() {
        Ok(n) if range.contains(&n) => Duration::from_secs(n),
        _ => {
            problems.push(format!(
                "{var} is `{t}`: use a whole number of seconds from {} to {}",
                range.start(),
                range.end()
            ));
            Duration::from_secs(default)
        }
    }
}

/// Checks OKTA_MCP_PUBLIC_URL: an origin (no path, query or user info),
/// https unless loopback. Returns the issuer identifier.
fn public_issuer(t: &str) -> Result<String, String> {
    let url = Url::parse(t).map_err(|e| {
        format!(
            "OKTA_MCP_PUBLIC_URL `{t}` is not a URL ({e}); use e.g. https://okta-mcp.example.com"
        )
    })?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(format!(
                "OKTA_MCP_PUBLIC_URL `{t}` must use https (http only for 127.0.0.1 or localhost)"
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("OKTA_MCP_PUBLIC_URL must not contain a user name or password".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "OKTA_MCP_PUBLIC_URL `{t}` must be an origin only (scheme, host, port), without a path: serve okta-mcp at the root of its own host name"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl OAuthSettings {
    /// Checks these settings with the general ones (`OKTA_ORG_URL`,
    /// `OKTA_SCOPES`, `OKTA_DPOP`, and `OKTA_CLIENT_ID` / `OKTA_PRIVATE_KEY`
    /// / `OKTA_PRIVATE_KEY_FILE` / `OKTA_KEY_ID` for a web app setting left
    /// unset). Every problem is reported, not only the first.
    pub fn resolve(&self, base: &crate::config::Settings) -> Result<OAuthConfig, OAuthSetupError> {
        let mut problems = Vec::new();
        let issuer = match text(&self.public_url) {
            None => {
                problems.push("OKTA_MCP_PUBLIC_URL is not set: set it to the https URL people reach this server at, e.g. https://okta-mcp.example.com".into());
                None
            }
            Some(t) => public_issuer(t).map_err(|e| problems.push(e)).ok(),
        };
        let org = match text(&base.org_url) {
            None => {
                problems.push(
                    "OKTA_ORG_URL is not set: set it to your org, e.g. https://example.okta.com"
                        .into(),
                );
                None
            }
            Some(t) => crate::config::check_org_url(t)
                .map_err(|e| problems.push(e))
                .ok(),
        };
        let scopes = crate::scopes::requested_scopes(&base.scopes);
        if scopes.is_empty() {
            problems.push("OKTA_SCOPES is empty: set the Okta scopes people may grant, e.g. OKTA_SCOPES=\"okta.users.read okta.groups.read\"".into());
        }
        let client = first(&[
            (&self.web_client_id, "OKTA_MCP_WEB_CLIENT_ID"),
            (&base.client_id, "OKTA_CLIENT_ID"),
        ]);
        if client.is_none() {
            problems.push("OKTA_MCP_WEB_CLIENT_ID (or OKTA_CLIENT_ID) is not set: give the client id of the Okta OIDC web app people sign in through".into());
        }
        let key_id = first(&[
            (&self.web_key_id, "OKTA_MCP_WEB_KEY_ID"),
            (&base.key_id, "OKTA_KEY_ID"),
        ]);
        if key_id.is_none() {
            problems.push("OKTA_MCP_WEB_KEY_ID (or OKTA_KEY_ID) is not set: give the key id (kid) of the public key registered with the web app".into());
        }
        let key = self.web_key(base, &mut problems);
        let signing_key = match text(&self.signing_key) {
            None => {
                problems.push("OKTA_MCP_SIGNING_KEY is not set: generate one with `openssl rand -base64 32` and give every replica the same".into());
                None
            }
            Some(t) => match decode_key(t) {
                Some(k) if k.len() >= 32 => Some(k),
                _ => {
                    problems.push("OKTA_MCP_SIGNING_KEY must be base64 of 32 or more random bytes (`openssl rand -base64 32`)".into());
                    None
                }
            },
        };
        let store_key = match text(&self.store_key) {
            None => {
                problems.push("OKTA_MCP_STORE_KEY is not set: generate one with `openssl rand -base64 32` and give every replica the same".into());
                None
            }
            Some(t) => match decode_key(t).and_then(|k| <[u8; 32]>::try_from(k).ok()) {
                Some(k) => Some(k),
                None => {
                    problems.push("OKTA_MCP_STORE_KEY must be base64 of exactly 32 random bytes (`openssl rand -base64 32`)".into());
                    None
                }
            },
        };
        if let (Some(s), Some(k)) = (&signing_key, &store_key)
            && s.as_slice() == k.as_slice()
        {
            problems.push(
                "OKTA_MCP_SIGNING_KEY and OKTA_MCP_STORE_KEY are the same: use two different keys"
                    .into(),
            );
        }
        if !matches!(base.dpop.as_str(), "auto" | "always" | "never") {
            problems.push(format!(
                "OKTA_DPOP is `{}`: use auto, always or never",
                base.dpop
            ));
        }
        let access_ttl = seconds(
            &self.access_token_ttl,
            "OKTA_MCP_ACCESS_TOKEN_TTL",
            60..=3600,
            ACCESS_TTL_DEFAULT,
            &mut problems,
        );
        let sign_in_ttl = seconds(
            &self.sign_in_ttl,
            "OKTA_MCP_SIGN_IN_TTL",
            600..=90 * 24 * 3600,
            GRANT_TTL_DEFAULT,
            &mut problems,
        );
        let dynamic_registration = switch(
            &self.dynamic_registration,
            "OKTA_MCP_DYNAMIC_REGISTRATION",
            true,
            &mut problems,
        );
        let allow_loopback_client_metadata = switch(
            &self.allow_loopback_client_metadata,
            "OKTA_MCP_ALLOW_LOOPBACK_CLIENT_METADATA",
            false,
            &mut problems,
        );
        match (issuer, org, client, key_id, key, signing_key, store_key) {
            (
                Some(issuer),
                Some(org),
                Some((client, _)),
                Some((key_id, _)),
                Some((key, key_var)),
                Some(signing_key),
                Some(store_key),
            ) if problems.is_empty() => Ok(OAuthConfig {
                resource: format!("{issuer}/mcp"),
                callback_url: format!("{issuer}/oauth/callback"),
                issuer,
                org,
                scopes,
                web_client_id: client.to_owned(),
                web_key_id: key_id.to_owned(),
                web_key_var: key_var,
                web_key: Arc::new(key),
                dpop: DpopMode::parse(&base.dpop),
                signing_key,
                store_key,
                access_ttl,
                sign_in_ttl,
                dynamic_registration,
                allow_loopback_client_metadata,
            }),
            _ => Err(OAuthSetupError::Settings(problems)),
        }
    }

    /// The web app's private key: the OKTA_MCP_WEB_* settings first, then
    /// the general ones; text before file at each level.
    fn web_key(
        &self,
        base: &crate::config::Settings,
        problems: &mut Vec<String>,
    ) -> Option<(SigningKey, &'static str)> {
        let Some((value, var)) = first(&[
            (&self.web_private_key, "OKTA_MCP_WEB_PRIVATE_KEY"),
            (&self.web_private_key_file, "OKTA_MCP_WEB_PRIVATE_KEY_FILE"),
            (&base.private_key, "OKTA_PRIVATE_KEY"),
            (&base.private_key_file, "OKTA_PRIVATE_KEY_FILE"),
        ]) else {
            problems.push("OKTA_MCP_WEB_PRIVATE_KEY or OKTA_MCP_WEB_PRIVATE_KEY_FILE (or OKTA_PRIVATE_KEY / OKTA_PRIVATE_KEY_FILE) is not set: give the private key whose public half is registered with the web app (private key JWT)".into());
            return None;
        };
        let pem = if var.ends_with("_FILE") {
            match std::fs::read_to_string(value) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{var} `{value}` cannot be read: {e}"));
                    return None;
                }
            }
        } else {
            value.to_owned()
        };
        match load_private_key(&pem, var) {
            Ok(k) => Some((k, var)),
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::test_ec_pem as ec_pem;
    use clap::Parser;

    #[derive(Parser)]
    struct Both {
        #[command(flatten)]
        base: crate::config::Settings,
        #[command(flatten)]
        oauth: OAuthSettings,
    }

    fn parse(args: &[&str]) -> Both {
        let mut all = vec!["okta-mcp"];
        all.extend_from_slice(args);
        Both::try_parse_from(all).expect("the two setting groups flatten together")
    }

    #[test]
    fn nothing_set_names_every_missing_setting() {
        let b = parse(&[]);
        let e = b.oauth.resolve(&b.base).unwrap_err().to_string();
        for var in [
            "OKTA_MCP_PUBLIC_URL",
            "OKTA_ORG_URL",
            "OKTA_SCOPES",
            "OKTA_MCP_WEB_CLIENT_ID",
            "OKTA_MCP_WEB_KEY_ID",
            "OKTA_MCP_WEB_PRIVATE_KEY",
            "OKTA_MCP_SIGNING_KEY",
            "OKTA_MCP_STORE_KEY",
        ] {
            assert!(e.contains(var), "{var} missing from: {e}");
        }
    }

    #[test]
    fn a_complete_setup_falls_back_to_the_general_app_settings() {
        let key = ec_pem();
        let sign = STANDARD.encode([7u8; 32]);
        let store = STANDARD.encode([9u8; 32]);
        let b = parse(&[
            "--org-url",
            "https://example.okta.com",
            "--scopes",
            "okta.users.read okta.groups.manage",
            "--client-id",
            "web-app",
            "--key-id",
            "k1",
            &format!("--private-key={key}"),
            "--public-url",
            "https://mcp.example.com/",
            "--signing-key",
            &sign,
            "--store-key",
            &store,
        ]);
        let c = b.oauth.resolve(&b.base).unwrap();
        assert_eq!(c.issuer, "https://mcp.example.com");
        assert_eq!(c.resource, "https://mcp.example.com/mcp");
        assert_eq!(c.callback_url, "https://mcp.example.com/oauth/callback");
        assert_eq!(
            c.resource_metadata_url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(c.web_client_id, "web-app");
        assert_eq!(c.web_key_var, "OKTA_PRIVATE_KEY");
        assert_eq!(
            c.okta_scope_request(),
            "openid profile offline_access okta.users.read okta.groups.manage"
        );
        assert!(c.dynamic_registration && !c.allow_loopback_client_metadata);
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("signing_key") && !shown.contains(&sign),
            "{shown}"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let key = ec_pem();
        let same = STANDARD.encode([1u8; 32]);
        let b = parse(&[
            "--org-url",
            "http://example.okta.com",
            "--scopes",
            "okta.users.read",
            "--web-client-id",
            "web",
            "--web-key-id",
            "k",
            &format!("--web-private-key={key}"),
            "--public-url",
            "https://mcp.example.com/base",
            "--signing-key",
            &same,
            "--store-key",
            &same,
            "--access-token-ttl",
            "5",
            "--dynamic-registration",
            "maybe",
        ]);
        let e = b.oauth.resolve(&b.base).unwrap_err().to_string();
        for part in [
            "OKTA_ORG_URL",
            "without a path",
            "are the same",
            "OKTA_MCP_ACCESS_TOKEN_TTL",
            "OKTA_MCP_DYNAMIC_REGISTRATION",
        ] {
            assert!(e.contains(part), "{part} missing from: {e}");
        }
        let short = STANDARD.encode([1u8; 16]);
        let b = parse(&[
            "--signing-key",
            &short,
            "--store-key",
            &short,
            "--public-url",
            "http://mcp.example.com",
        ]);
        let e = b.oauth.resolve(&b.base).unwrap_err().to_string();
        assert!(e.contains("32 or more"), "{e}");
        assert!(e.contains("exactly 32"), "{e}");
        assert!(e.contains("must use https"), "{e}");
        assert!(!e.contains(&short), "no key value in errors: {e}");
    }
}
