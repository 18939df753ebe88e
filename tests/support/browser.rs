//! A person's browser for the remote-mode sign-in tests, played with plain
//! HTTP requests: the authorization URL an MCP client opens, the redirects
//! to the identity provider's sign-in page (tests/oauth/server.mjs), the
//! form submitted, and back through this server's /oauth/callback to the
//! client's redirect URI. Shared by tests/remote_oauth.rs (the routes in
//! process) and tests/remote_e2e.rs (the real binary behind nginx).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// One MCP client as the tests play it.
#[derive(Clone)]
pub struct McpClient {
    pub client_id: String,
    pub redirect_uri: String,
}

/// One authorization attempt's PKCE pair and state.
pub struct Attempt {
    pub verifier: String,
    pub challenge: String,
    pub state: String,
}

impl Attempt {
    pub fn new() -> Self {
        let verifier = format!("{}{}", random(), random());
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        Self {
            challenge: URL_SAFE_NO_PAD.encode(d.as_ref()),
            verifier,
            state: random(),
        }
    }
}

pub fn random() -> String {
    let mut b = [0u8; 24];
    aws_lc_rs::rand::fill(&mut b).unwrap();
    URL_SAFE_NO_PAD.encode(b)
}

/// The browser's cookies (per host, as browsers keep them).
#[derive(Default)]
pub struct Jar(BTreeMap<String, String>);

impl Jar {
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let Some((name, rest)) = v.to_str().unwrap().split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or("");
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn drop_ours(&mut self) {
        self.0.retain(|k, _| !k.starts_with("okta_mcp_login_"));
    }
}

/// Where a browser sign-in ended: the MCP client's redirect URI with this
/// query, or a page of this server with this status and text.
#[derive(Debug)]
pub enum Landing {
    Client(BTreeMap<String, String>),
    Page(u16, String),
}

/// The browser, pointed at one server (`base`: its public URL), asking
/// for `scope`; `idp_log` is shown when a sign-in gets stuck.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub scope: String,
    pub idp_log: PathBuf,
}

impl Browser {
    pub fn new(base: &str, scope: &str, idp_log: PathBuf) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            scope: scope.to_owned(),
            idp_log,
        }
    }

    pub fn authorize_url(&self, c: &McpClient, a: &Attempt, extra: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&format!("{}/authorize", self.base)).unwrap();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in [
                ("response_type", "code"),
                ("client_id", c.client_id.as_str()),
                ("redirect_uri", c.redirect_uri.as_str()),
                ("code_challenge", a.challenge.as_str()),
                ("code_challenge_method", "S256"),
                ("state", a.state.as_str()),
                ("scope", self.scope.as_str()),
            ] {
                if !extra.iter().any(|(e, _)| *e == k) {
                    q.append_pair(k, v);
                }
            }
            for (k, v) in extra {
                if !v.is_empty() {
                    q.append_pair(k, v);
                }
            }
        }
        url.to_string()
    }

    /// Plays the browser from `start` until it lands at the MCP client
    /// (or on a page), signing in as `login` (or denying when `None`).
    /// `forget_ours` drops this server's cookie before the callback, as
    /// when the callback is opened in another browser.
    pub async fn browse(
        &self,
        start: &str,
        redirect_uri: &str,
        login: Option<&str>,
        forget_ours: bool,
    ) -> Landing {
        let mut jar = Jar::default();
        let mut url = url::Url::parse(start).unwrap();
        for _ in 0..15 {
            if forget_ours && url.path() == "/oauth/callback" {
                jar.drop_ours();
            }
            let resp = self
                .http
                .get(url.clone())
                .header("cookie", jar.header())
                .send()
                .await
                .unwrap();
            jar.keep(&resp);
            let status = resp.status();
            if status.is_redirection() {
                let loc = resp.headers()["location"].to_str().unwrap().to_owned();
                let next = url.join(&loc).unwrap();
                if next.as_str().starts_with(redirect_uri) {
                    return Landing::Client(
                        next.query_pairs()
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect(),
                    );
                }
                url = next;
                continue;
            }
            let body = resp.text().await.unwrap();
            if status == 200 && url.path().starts_with("/interaction/") {
                let form: Vec<(&str, &str)> = match login {
                    Some(l) => vec![("login", l)],
                    None => vec![("action", "deny")],
                };
                let resp = self
                    .http
                    .post(format!("{}/login", url.as_str().trim_end_matches('/')))
                    .header("cookie", jar.header())
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                jar.keep(&resp);
                assert!(
                    resp.status().is_redirection(),
                    "sign-in form: {}",
                    resp.status()
                );
                url = url
                    .join(resp.headers()["location"].to_str().unwrap())
                    .unwrap();
                continue;
            }
            return Landing::Page(status.as_u16(), body);
        }
        let node = std::fs::read_to_string(&self.idp_log).unwrap_or_default();
        panic!("the sign-in did not end after 15 steps; oidc-provider says:\n{node}");
    }

    /// Registers a public client (dynamic client registration).
    pub async fn register(&self, redirect_uris: &[&str]) -> reqwest::Response {
        self.http
            .post(format!("{}/register", self.base))
            .json(&json!({ "client_name": "test client", "redirect_uris": redirect_uris, "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "client_secret_post" }))
            .send()
            .await
            .unwrap()
    }

    /// A registered client; public whatever it asked for.
    pub async fn registered_client(&self) -> McpClient {
        let redirect_uri = "http://127.0.0.1:1/callback".to_owned();
        let r = self.register(&[&redirect_uri]).await;
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["token_endpoint_auth_method"], "none",
            "public clients only"
        );
        assert!(body.get("client_secret").is_none());
        McpClient {
            client_id: body["client_id"].as_str().unwrap().to_owned(),
            redirect_uri,
        }
    }

    /// A full sign-in of `login` for `c`: the code and the attempt it
    /// belongs to (state and RFC 9207 `iss` checked).
    pub async fn sign_in(&self, c: &McpClient, login: &str) -> (String, Attempt) {
        let a = Attempt::new();
        let landing = self
            .browse(
                &self.authorize_url(c, &a, &[]),
                &c.redirect_uri,
                Some(login),
                false,
            )
            .await;
        let Landing::Client(q) = landing else {
            panic!("sign-in did not reach the client: {landing:?}");
        };
        assert_eq!(q.get("state"), Some(&a.state), "state comes back");
        assert_eq!(q.get("iss"), Some(&self.base), "RFC 9207 iss");
        let code = q
            .get("code")
            .unwrap_or_else(|| panic!("no code: {q:?}"))
            .clone();
        (code, a)
    }

    /// A token request: status and JSON body.
    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// The authorization-code exchange for `c`.
    pub async fn exchange(&self, c: &McpClient, code: &str, verifier: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", &c.client_id),
            ("code", code),
            ("redirect_uri", &c.redirect_uri),
            ("code_verifier", verifier),
            ("resource", &format!("{}/mcp", self.base)),
        ])
        .await
    }
}
