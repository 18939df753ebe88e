//! Client ID Metadata Documents: an MCP client whose `client_id` is an
//! https URL publishes its metadata (above all its `redirect_uris`) at that
//! URL, so it needs no registration here.
//!
//! Fetching a URL a stranger names is a server-side request on their
//! behalf, so it is fenced: https only, no redirects, no proxy, a 5 second
//! timeout, at most 16 KiB read, and only public addresses (a resolver
//! drops loopback, private, link-local and similar addresses, and IP
//! literals are checked the same way). OKTA_MCP_ALLOW_LOOPBACK_CLIENT_METADATA
//! lets tests use `http://127.0.0.1`; nothing else opens the fence.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::Value;

const MAX_BYTES: usize = 16 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

/// What this server uses of a client's metadata document.
#[derive(Debug, Clone)]
pub struct ClientDocument {
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
}

pub struct MetadataFetcher {
    http: reqwest::Client,
    allow_loopback: bool,
}

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

fn allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public(ip) || (allow_loopback && ip.is_loopback())
}

/// Resolves names and keeps only the addresses the fence allows.
struct FencedResolver {
    allow_loopback: bool,
}

impl Resolve for FencedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed(a.ip(), allow_loopback))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether `client_id` names a metadata document (rather than a
/// registration made here).
pub fn is_metadata_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

impl MetadataFetcher {
    pub fn new(allow_loopback: bool) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(FencedResolver { allow_loopback }))
            .user_agent(concat!("okta-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            allow_loopback,
        })
    }

    /// Checks the URL itself before anything is fetched.
    pub fn check_url(&self, client_id: &str) -> Result<url::Url, String> {
        let url = url::Url::parse(client_id)
            .map_err(|_| "the client_id is not a valid URL".to_owned())?;
        let loopback_host = matches!(
            url.host(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback()
        ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || url.host_str() == Some("localhost");
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback && loopback_host => {}
            _ => return Err("a client_id URL must use https".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("a client_id URL must not carry a user name or password".into());
        }
        if url.fragment().is_some() {
            return Err("a client_id URL must not have a fragment".into());
        }
        if url.path() == "/" || url.path().is_empty() {
            return Err("a client_id URL must have a path".into());
        }
        if client_id.contains("/./") || client_id.contains("/../") {
            return Err("a client_id URL must not contain . or .. segments".into());
        }
        if url.as_str() != client_id {
            return Err("a client_id URL must be in normal form".into());
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = ip
            && !allowed(ip, self.allow_loopback)
        {
            return Err("a client_id URL must point to a public address".into());
        }
        if url.host_str() == Some("localhost") && !self.allow_loopback {
            return Err("a client_id URL must point to a public address".into());
        }
        Ok(url)
    }

    /// Fetches and checks the document `client_id` names. The error says
    /// what is wrong with it, for the person's browser.
    pub async fn fetch(&self, client_id: &str) -> Result<ClientDocument, String> {
        let url = self.check_url(client_id)?;
        let mut resp = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the client's metadata document cannot be fetched: {}",
                    crate::auth::transport_detail(&e)
                )
            })?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(format!(
                "the client's metadata document answered HTTP {}",
                resp.status().as_u16()
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| "the client's metadata document could not be read".to_owned())?
        {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(format!(
                    "the client's metadata document is larger than {MAX_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        parse_document(client_id, &body)
    }
}

/// Checks a fetched document against the URL it came from.
pub fn parse_document(client_id: &str, body: &[u8]) -> Result<ClientDocument, String> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|_| "the client's metadata document is not JSON".to_owned())?;
    if doc["client_id"].as_str() != Some(client_id) {
        return Err("the client's metadata document names another client_id".into());
    }
    if doc.get("client_secret").is_some() || doc.get("client_secret_expires_at").is_some() {
        return Err("the client's metadata document must not contain a client secret".into());
    }
    match doc["token_endpoint_auth_method"].as_str() {
        None | Some("none") => {}
        Some(other) => {
            return Err(format!(
                "the client's metadata document asks for token_endpoint_auth_method `{other}`; this server accepts only `none` (public clients with PKCE)"
            ));
        }
    }
    let redirect_uris: Vec<String> = doc["redirect_uris"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err("the client's metadata document lists no redirect_uris".into());
    }
    for uri in &redirect_uris {
        super::clients::check_redirect_uri(uri)?;
    }
    Ok(ClientDocument {
        client_name: doc["client_name"].as_str().map(str::to_owned),
        redirect_uris,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass_the_fence() {
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(allowed("127.0.0.1".parse().unwrap(), true));
        assert!(!allowed("10.0.0.1".parse().unwrap(), true));
    }

    #[test]
    fn client_id_urls_are_checked_before_any_fetch() {
        let strict = MetadataFetcher::new(false).unwrap();
        assert!(
            strict
                .check_url("https://client.example.com/oauth/metadata.json")
                .is_ok()
        );
        for bad in [
            "http://client.example.com/meta",
            "https://client.example.com/",
            "https://client.example.com/meta#x",
            "https://u:p@client.example.com/meta",
            "https://client.example.com/a/../meta",
            "https://127.0.0.1/meta",
            "https://169.254.169.254/latest",
            "https://localhost/meta",
            "http://127.0.0.1:8080/meta",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        let tests = MetadataFetcher::new(true).unwrap();
        assert!(tests.check_url("http://127.0.0.1:8080/meta").is_ok());
        assert!(tests.check_url("http://10.0.0.1:8080/meta").is_err());
    }

    #[test]
    fn documents_must_match_and_list_redirects() {
        let id = "https://c.example.com/m";
        let ok = br#"{"client_id":"https://c.example.com/m","client_name":"C","redirect_uris":["http://127.0.0.1:3000/cb"]}"#;
        let d = parse_document(id, ok).unwrap();
        assert_eq!(d.redirect_uris, ["http://127.0.0.1:3000/cb"]);
        assert!(parse_document("https://c.example.com/other", ok).is_err());
        assert!(parse_document(id, br#"{"client_id":"https://c.example.com/m"}"#).is_err());
        assert!(parse_document(id, br#"{"client_id":"https://c.example.com/m","redirect_uris":["x"],"client_secret":"s"}"#).is_err());
        assert!(parse_document(id, br#"{"client_id":"https://c.example.com/m","redirect_uris":["https://a/cb"],"token_endpoint_auth_method":"client_secret_basic"}"#).is_err());
        assert!(parse_document(id, b"not json").is_err());
    }
}
