//! Remote-mode sign-in end to end: this server's OAuth routes
//! (`okta_mcp::remote::oauth`) served in-process on 127.0.0.1, with the real
//! oidc-provider (`tests/oauth/server.mjs`) standing in for Okta's org
//! authorization server and its web-app sign-in page driven with plain HTTP
//! requests, as a browser would.
//!
//! Covered: discovery documents; a Client ID Metadata Document client and a
//! dynamically registered one signing in; the gate admitting the access
//! token and naming the person; the person's authorizer presenting their own
//! Okta token (Bearer, and DPoP-bound with refresh and rotation); MCP
//! refresh-token rotation with replay ending the sign-in; and the refusals:
//! no token, wrong audience, expired, bad signature, replayed code, wrong
//! PKCE verifier, redirect-URI mismatch, plain PKCE, unknown client, another
//! browser, a denied sign-in, a refresh Okta refuses. Every test captures
//! the trace-level log and checks that no secret is in it, and that the
//! store holds nothing in the clear.
//!
//! Needs `node`, `openssl` and `npm ci --prefix tests/oauth`: without them
//! the tests skip locally and FAIL when `CI=true`.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Parser;
use okta_mcp::auth::Authorizer;
use okta_mcp::remote::gate::{Gate, Person, Refusal};
use okta_mcp::remote::oauth::{OAuthSettings, refusal_response};
use okta_mcp::remote::store::memory::MemoryStore;
use serde_json::{Value, json};
use support::browser::{Attempt, Browser, Landing, McpClient};
use support::oidc::{OAuthServer, ec_sec1, prerequisites_missing};

const SCOPES: &str = "okta.users.read okta.groups.read";
const WEB_CLIENT: &str = "okta-mcp-web";

// ---------------------------------------------------------------- logs

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every event of every crate, at trace level, into [`LOGS`].
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------- harness

#[derive(Parser)]
struct ServeArgs {
    #[command(flatten)]
    base: okta_mcp::config::Settings,
    #[command(flatten)]
    oauth: OAuthSettings,
}

struct Remote {
    oidc: OAuthServer,
    base: String,
    http: reqwest::Client,
    browser: Browser,
    gate: Arc<dyn Gate>,
    store: Arc<MemoryStore>,
    /// The settings this server runs with, for replicas.
    args: Vec<String>,
    signing_key: Vec<u8>,
    /// Values that must never be logged or stored in the clear.
    secrets: Mutex<Vec<String>>,
    _server: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Options {
    dpop_required: bool,
    /// The web app refuses DPoP proofs, as Okta does for an app without DPoP.
    dpop_refused: bool,
    okta_ttl: Option<u64>,
    extra: Vec<String>,
}

impl Remote {
    /// Starts oidc-provider and this server's routes; `None` when a
    /// prerequisite is missing (locally; in CI that fails).
    async fn start(opts: Options) -> Option<Self> {
        if prerequisites_missing() {
            return None;
        }
        capture_logs();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let web_key = ec_sec1();
        let mut config = json!({
            "scopes": SCOPES.split(' ').collect::<Vec<_>>(),
            "clients": [{
                "client_id": WEB_CLIENT,
                "keys": [{ "kid": "web-1", "pem": web_key }],
                "redirect_uris": [format!("{base}/oauth/callback")],
                "dpop_required": opts.dpop_required,
            }],
        });
        if opts.dpop_refused {
            config["dpop_refused"] = json!(true);
        }
        if let Some(ttl) = opts.okta_ttl {
            config["ttl"] = json!(ttl);
        }
        let oidc = OAuthServer::start(config).await;
        let mut signing_key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut signing_key).unwrap();
        let mut store_key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut store_key).unwrap();
        let mut args = vec![
            "okta-mcp".to_owned(),
            format!("--org-url={}", oidc.url),
            format!("--scopes={SCOPES}"),
            format!("--web-client-id={WEB_CLIENT}"),
            "--web-key-id=web-1".to_owned(),
            format!("--web-private-key={web_key}"),
            format!("--public-url={base}"),
            format!("--signing-key={}", STANDARD.encode(signing_key)),
            format!("--store-key={}", STANDARD.encode(store_key)),
        ];
        args.extend(opts.extra);
        let cli = ServeArgs::try_parse_from(&args).expect("settings parse");
        let all_args = args.clone();
        let store = Arc::new(MemoryStore::default());
        let (gate, router) = okta_mcp::remote::oauth::build(&cli.oauth, &cli.base, store.clone())
            .expect("the settings are complete");
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let mut secrets = vec![STANDARD.encode(signing_key), STANDARD.encode(store_key)];
        secrets.extend(
            web_key
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 20)
                .map(str::to_owned),
        );
        let browser = Browser::new(
            &base,
            "okta.users.read okta.groups.read offline_access",
            oidc.dir.path().join("node.log"),
        );
        Some(Self {
            oidc,
            base,
            http: browser.http.clone(),
            browser,
            gate,
            store,
            args: all_args,
            signing_key: signing_key.to_vec(),
            secrets: Mutex::new(secrets),
            _server: server,
        })
    }

    /// The gate of another replica on the same store, with `replace`d
    /// settings (`--name=value`).
    fn replica(&self, replace: &[String]) -> Arc<dyn Gate> {
        let mut args = self.args.clone();
        for r in replace {
            let name = r.split('=').next().unwrap();
            args.retain(|a| !a.starts_with(&format!("{name}=")));
            args.push(r.clone());
        }
        let cli = ServeArgs::try_parse_from(&args).expect("settings parse");
        okta_mcp::remote::oauth::build(&cli.oauth, &cli.base, self.store.clone())
            .expect("the settings are complete")
            .0
    }

    fn secret(&self, s: &str) {
        self.secrets.lock().unwrap().push(s.to_owned());
    }

    async fn get_json(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }

    async fn register(&self, redirect_uris: &[&str]) -> reqwest::Response {
        self.browser.register(redirect_uris).await
    }

    async fn registered_client(&self) -> McpClient {
        self.browser.registered_client().await
    }

    /// A full sign-in for `c`: the code and the attempt it belongs to.
    async fn sign_in(&self, c: &McpClient, login: &str) -> (String, Attempt) {
        let (code, a) = self.browser.sign_in(c, login).await;
        self.secret(&a.verifier);
        self.secret(&code);
        (code, a)
    }

    /// Keeps the tokens of a token response as secrets.
    fn keep_tokens(&self, body: &Value) {
        for k in ["access_token", "refresh_token"] {
            if let Some(t) = body[k].as_str() {
                self.secret(t);
            }
        }
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let (status, body) = self.browser.token(form).await;
        self.keep_tokens(&body);
        (status, body)
    }

    async fn exchange(&self, c: &McpClient, code: &str, verifier: &str) -> (u16, Value) {
        let (status, body) = self.browser.exchange(c, code, verifier).await;
        self.keep_tokens(&body);
        (status, body)
    }

    async fn refresh(&self, c: &McpClient, refresh_token: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    async fn admit(&self, access_token: &str) -> Result<Person, Refusal> {
        self.gate
            .authenticate(Some(&format!("Bearer {access_token}")))
            .await
    }

    /// Calls the stand-in resource server with the person's Okta credential;
    /// its answer and the Okta token sent.
    async fn whoami_token(&self, authorizer: &dyn Authorizer) -> (Value, String) {
        let mut req = self
            .http
            .get(format!("{}/test/whoami", self.oidc.url))
            .build()
            .unwrap();
        authorizer
            .authorize(&mut req)
            .await
            .expect("the person's Okta token");
        let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
        let token = auth.split_once(' ').unwrap().1.to_owned();
        self.secret(&token);
        if let Some(p) = req.headers().get("dpop") {
            self.secret(p.to_str().unwrap());
        }
        let r = self.http.execute(req).await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "the Okta token is accepted: {body}");
        (body, token)
    }

    async fn whoami(&self, authorizer: &dyn Authorizer) -> Value {
        self.whoami_token(authorizer).await.0
    }

    /// The person's credential is refused with "sign in again".
    async fn assert_told_to_sign_in_again(&self, authorizer: &dyn Authorizer) {
        let url = format!("{}/test/whoami", self.oidc.url);
        let mut req = self.http.get(url).build().unwrap();
        let err = authorizer.authorize(&mut req).await.unwrap_err();
        assert!(err.to_string().contains("sign in again"), "{err}");
    }

    /// A token this server's key signs, with these claims changed.
    fn forged(&self, change: Value) -> String {
        let now = okta_mcp::auth::keys::now_secs();
        let mut claims = json!({
            "iss": self.base, "aud": format!("{}/mcp", self.base), "sub": "alice",
            "client_id": "c", "scope": "", "gid": "g", "iat": now, "nbf": now,
            "exp": now + 300, "jti": "j",
        });
        for (k, v) in change.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.typ = Some("at+jwt".into());
        jsonwebtoken::encode(
            &h,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&self.signing_key),
        )
        .unwrap()
    }

    /// No secret of this test in the log or in the clear in the store.
    fn assert_no_secrets(&self) {
        let log = logs();
        assert!(
            log.contains("signed in at Okta") && log.contains("TRACE"),
            "the trace-level log is captured"
        );
        assert!(!log.contains("eyJ"), "a JWT reached the log");
        assert!(!log.contains("PRIVATE KEY"), "a key reached the log");
        let stored: Vec<(String, Vec<u8>)> = self.store.raw_values();
        for s in self.secrets.lock().unwrap().iter() {
            assert!(
                !log.contains(s.as_str()),
                "a secret reached the log: {}...",
                &s[..6.min(s.len())]
            );
            for (k, v) in &stored {
                assert!(!k.contains(s.as_str()), "a secret is a store key");
                assert!(
                    !v.windows(s.len()).any(|w| w == s.as_bytes()),
                    "a secret is stored in the clear under {k}"
                );
            }
        }
    }
}

/// Runs `body` within `secs` seconds.
async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, body: F) {
    tokio::time::timeout(Duration::from_secs(secs), body)
        .await
        .expect("the test finished in time");
}

// ---------------------------------------------------------------- tests

/// A client metadata document served on 127.0.0.1 (allowed by the test
/// setting only).
async fn serve_client_document() -> McpClient {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let client = McpClient {
        client_id: format!("{origin}/client.json"),
        redirect_uri: format!("{origin}/callback"),
    };
    let doc = json!({
        "client_id": client.client_id,
        "client_name": "document client",
        "redirect_uris": [client.redirect_uri],
        "token_endpoint_auth_method": "none",
    });
    let app = axum::Router::new().route(
        "/client.json",
        axum::routing::get(move || async move { axum::Json(doc) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    client
}

#[tokio::test]
async fn a_person_signs_in_through_okta_and_calls_with_their_own_token() {
    // The web app has no DPoP, so OKTA_DPOP=auto's first proof is refused
    // and the code exchange is retried without one.
    let Some(r) = Remote::start(Options {
        extra: vec!["--allow-loopback-client-metadata=true".into()],
        dpop_refused: true,
        ..Options::default()
    })
    .await
    else {
        return;
    };
    bounded(90, async {
        // Discovery.
        let prm = r
            .get_json("/.well-known/oauth-protected-resource/mcp")
            .await;
        assert_eq!(prm["resource"], format!("{}/mcp", r.base));
        assert_eq!(prm["authorization_servers"], json!([r.base]));
        assert_eq!(
            prm["scopes_supported"],
            json!(["okta.users.read", "okta.groups.read"])
        );
        let asm = r.get_json("/.well-known/oauth-authorization-server").await;
        assert_eq!(asm["issuer"], r.base);
        assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(asm["client_id_metadata_document_supported"], true);
        assert_eq!(asm["registration_endpoint"], format!("{}/register", r.base));

        // No token: 401 pointing at the metadata.
        let refusal = r.gate.authenticate(None).await.unwrap_err();
        assert_eq!(refusal, Refusal::MissingToken);
        let resp = refusal_response(&refusal, &r.gate.resource_metadata_url());
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            format!(
                "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
                r.base
            )
            .as_str()
        );

        // Sign in with a client metadata document.
        let client = serve_client_document().await;
        let (code, attempt) = r.sign_in(&client, "alice").await;
        let (status, tokens) = r.exchange(&client, &code, &attempt.verifier).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 300);
        assert_eq!(tokens["scope"], "okta.groups.read okta.users.read");
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

        // The gate names the person from Okta's ID token.
        let person = r.admit(&access).await.expect("admitted");
        assert_eq!(person.subject, "alice");
        assert_eq!(person.name, "alice@example.com");
        assert_eq!(person.client_id, client.client_id);
        assert!(
            person.granted_scopes.contains("okta.users.read"),
            "{:?}",
            person.granted_scopes
        );
        assert!(person.granted_scopes.contains("okta.groups.read"));

        // Another replica on the same store admits the token too; one with
        // another store key cannot open the sign-in and asks for a new one.
        let replica = r.replica(&[]);
        let admitted = replica
            .authenticate(Some(&format!("Bearer {access}")))
            .await;
        assert_eq!(admitted.as_ref().map(|p| &p.grant_id), Ok(&person.grant_id));
        let mut other_key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut other_key).unwrap();
        let stranger = r.replica(&[format!("--store-key={}", STANDARD.encode(other_key))]);
        assert_eq!(
            stranger
                .authenticate(Some(&format!("Bearer {access}")))
                .await,
            Err(Refusal::SignInEnded)
        );
        assert_eq!(
            r.whoami(replica.authorizer_for(&person).as_ref()).await["account"],
            "alice"
        );

        // Their calls carry their own Okta token, which the client never saw.
        let authorizer = r.gate.authorizer_for(&person);
        assert_eq!(
            authorizer.granted_scopes(),
            Some(person.granted_scopes.clone())
        );
        let (who, okta_token) = r.whoami_token(authorizer.as_ref()).await;
        assert_eq!(who["account"], "alice");
        assert_eq!(who["client"], WEB_CLIENT);
        assert_eq!(who["bound"], false);
        assert!(
            !tokens.to_string().contains(&okta_token),
            "an Okta token reached the MCP client"
        );

        // Refresh rotation: the new pair works, the old refresh token is
        // spent, and presenting it again ends the sign-in.
        let (status, second) = r.refresh(&client, &refresh).await;
        assert_eq!(status, 200, "{second}");
        let access2 = second["access_token"].as_str().unwrap().to_owned();
        let refresh2 = second["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(refresh2, refresh);
        assert!(r.admit(&access2).await.is_ok());
        let (status, replay) = r.refresh(&client, &refresh).await;
        assert_eq!(
            (status, replay["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert_eq!(r.admit(&access2).await.unwrap_err(), Refusal::SignInEnded);
        assert_eq!(r.admit(&access).await.unwrap_err(), Refusal::SignInEnded);
        let (status, _) = r.refresh(&client, &refresh2).await;
        assert_eq!(status, 400, "the rotated token died with the sign-in");
        r.assert_told_to_sign_in_again(authorizer.as_ref()).await;

        // What the app answered is learned: the next sign-in sends no proof
        // for Okta to refuse.
        let (code, attempt) = r.sign_in(&client, "dave").await;
        assert_eq!(r.exchange(&client, &code, &attempt.verifier).await.0, 200);
        let exchanges: Vec<(bool, u64)> = r
            .oidc
            .token_requests()
            .await
            .iter()
            // A refused proof is answered before the grant is read.
            .filter(|t| t["grant"] == "authorization_code" || t["error"] == "invalid_dpop_proof")
            .map(|t| (t["dpop"].as_bool().unwrap(), t["status"].as_u64().unwrap()))
            .collect();
        assert_eq!(exchanges, [(true, 400), (false, 200), (false, 200)]);

        r.assert_no_secrets();
    })
    .await;
}

#[tokio::test]
async fn refusals() {
    let Some(r) = Remote::start(Options::default()).await else {
        return;
    };
    bounded(90, async {
        let client = r.registered_client().await;
        let mcp = format!("{}/mcp", r.base);

        // Browser-based clients may call the token and registration
        // endpoints and read the metadata; the sign-in pages are not shared.
        let pre = r
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/token", r.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pre.status(), 204);
        assert_eq!(pre.headers()["access-control-allow-origin"], "*");
        let meta = r
            .http
            .get(format!("{}/.well-known/oauth-authorization-server", r.base))
            .send()
            .await
            .unwrap();
        assert_eq!(meta.headers()["access-control-allow-origin"], "*");
        let page = r
            .http
            .get(format!("{}/authorize", r.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400);
        assert!(page.headers().get("access-control-allow-origin").is_none());
        let big = r
            .http
            .post(format!("{}/register", r.base))
            .header("content-type", "application/json")
            .body(vec![b' '; 100 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(big.status(), 413, "request bodies are bounded");

        // Registration refuses a redirect URI that is not https or loopback.
        let bad = r.register(&["http://evil.example.com/cb"]).await;
        assert_eq!(bad.status(), 400);
        assert_eq!(
            bad.json::<Value>().await.unwrap()["error"],
            "invalid_redirect_uri"
        );

        // Unknown client and redirect-URI mismatch: a page, never a redirect.
        let a = Attempt::new();
        let unknown = McpClient {
            client_id: "nobody".into(),
            redirect_uri: client.redirect_uri.clone(),
        };
        for (c, text) in [
            (&unknown, "not registered"),
            (
                &McpClient {
                    client_id: client.client_id.clone(),
                    redirect_uri: "http://127.0.0.1:1/other".into(),
                },
                "redirect_uri",
            ),
        ] {
            let resp = r
                .http
                .get(r.browser.authorize_url(c, &a, &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400);
            assert!(resp.headers().get("location").is_none());
            assert!(resp.text().await.unwrap().contains(text));
        }
        let resp = r
            .http
            .get(format!(
                "{}/authorize?client_id=https://127.0.0.1/x&redirect_uri=x",
                r.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            400,
            "a metadata URL on a non-public address is not fetched"
        );

        // PKCE plain, no PKCE, another resource, an unknown scope: back to
        // the client as errors.
        for (extra, error) in [
            (vec![("code_challenge_method", "plain")], "invalid_request"),
            (
                vec![("code_challenge", ""), ("code_challenge_method", "")],
                "invalid_request",
            ),
            (
                vec![("resource", "https://elsewhere.example.com/mcp")],
                "invalid_target",
            ),
            (vec![("scope", "okta.users.manage")], "invalid_scope"),
            (
                vec![("response_type", "token")],
                "unsupported_response_type",
            ),
        ] {
            let resp = r
                .http
                .get(r.browser.authorize_url(&client, &a, &extra))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 302, "{extra:?}");
            let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
            assert!(loc.as_str().starts_with(&client.redirect_uri));
            let q: BTreeMap<String, String> = loc.query_pairs().into_owned().collect();
            assert_eq!(
                q.get("error").map(String::as_str),
                Some(error),
                "{extra:?}: {q:?}"
            );
            assert_eq!(q.get("state"), Some(&a.state));
        }

        // A denied sign-in at Okta goes back as access_denied.
        let landing = r
            .browser
            .browse(
                &r.browser.authorize_url(&client, &Attempt::new(), &[]),
                &client.redirect_uri,
                None,
                false,
            )
            .await;
        let Landing::Client(q) = landing else {
            panic!("{landing:?}")
        };
        assert_eq!(q["error"], "access_denied");

        // The callback in another browser is refused.
        let landing = r
            .browser
            .browse(
                &r.browser.authorize_url(&client, &Attempt::new(), &[]),
                &client.redirect_uri,
                Some("mallory"),
                true,
            )
            .await;
        let Landing::Page(400, text) = landing else {
            panic!("{landing:?}")
        };
        assert!(text.contains("another browser"), "{text}");

        // A wrong PKCE verifier spends the code.
        let (code, attempt) = r.sign_in(&client, "bob").await;
        let (status, body) = r.exchange(&client, &code, &Attempt::new().verifier).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        let (status, _) = r.exchange(&client, &code, &attempt.verifier).await;
        assert_eq!(status, 400, "a code is spent by a failed exchange");

        // A redirect-URI mismatch at the token endpoint.
        let (code, attempt) = r.sign_in(&client, "bob").await;
        let other = McpClient {
            redirect_uri: "http://127.0.0.1:1/other".into(),
            ..client.clone()
        };
        let (status, body) = r.exchange(&other, &code, &attempt.verifier).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );

        // A replayed code is refused and ends the sign-in it made.
        let (code, attempt) = r.sign_in(&client, "bob").await;
        let (status, tokens) = r.exchange(&client, &code, &attempt.verifier).await;
        assert_eq!(status, 200, "{tokens}");
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        assert_eq!(r.admit(&access).await.unwrap().name, "bob@example.com");
        let (status, body) = r.exchange(&client, &code, &attempt.verifier).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert_eq!(r.admit(&access).await.unwrap_err(), Refusal::SignInEnded);

        // Tokens: wrong audience, expired, another key, not a bearer.
        let why = |res: Result<Person, Refusal>| match res {
            Err(Refusal::InvalidToken(w)) => w,
            other => panic!("expected InvalidToken, got {other:?}"),
        };
        assert!(
            why(r
                .admit(&r.forged(json!({"aud": "https://other.example.com/mcp"})))
                .await)
            .contains("audience")
        );
        let past = okta_mcp::auth::keys::now_secs() - 600;
        assert!(
            why(r
                .admit(&r.forged(json!({"exp": past, "iat": past - 300, "nbf": past - 300})))
                .await)
            .contains("expired")
        );
        assert_eq!(
            r.admit(&r.forged(json!({"aud": mcp}))).await.unwrap_err(),
            Refusal::SignInEnded,
            "a well-signed token of no sign-in"
        );
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.typ = Some("at+jwt".into());
        let foreign = jsonwebtoken::encode(
            &h,
            &json!({"aud": mcp}),
            &jsonwebtoken::EncodingKey::from_secret(b"another key entirely, 32 bytes!!"),
        )
        .unwrap();
        assert!(why(r.admit(&foreign).await).contains("signature"));
        assert!(matches!(
            r.gate.authenticate(Some("Basic dXNlcjpwYXNz")).await,
            Err(Refusal::InvalidToken(_))
        ));
        let resp = refusal_response(
            &Refusal::InsufficientScope("okta.users.manage".into()),
            &r.gate.resource_metadata_url(),
        );
        assert_eq!(resp.status(), 403);
        assert!(
            resp.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("scope=\"okta.users.manage\"")
        );

        // Token requests: unsupported grant, a client secret.
        let (status, body) = r
            .token(&[
                ("grant_type", "client_credentials"),
                ("client_id", &client.client_id),
            ])
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
        let (status, body) = r
            .token(&[
                ("grant_type", "refresh_token"),
                ("client_id", &client.client_id),
                ("client_secret", "x"),
                ("refresh_token", "y"),
            ])
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );

        r.assert_no_secrets();
    })
    .await;
}

#[tokio::test]
async fn dpop_bound_okta_tokens_are_refreshed_rotated_and_ended() {
    // Okta's tokens last 30 s here, under the 60 s renewal margin: every
    // call renews them.
    let Some(r) = Remote::start(Options {
        dpop_required: true,
        okta_ttl: Some(30),
        ..Options::default()
    })
    .await
    else {
        return;
    };
    bounded(90, async {
        let client = r.registered_client().await;
        let (code, attempt) = r.sign_in(&client, "carol").await;
        let (status, tokens) = r.exchange(&client, &code, &attempt.verifier).await;
        assert_eq!(status, 200, "{tokens}");
        let person = r
            .admit(tokens["access_token"].as_str().unwrap())
            .await
            .unwrap();

        // Two calls, each through a refresh with the rotated refresh token;
        // a second authorizer (another replica) reads what the first wrote.
        let first = r.gate.authorizer_for(&person);
        let who = r.whoami(first.as_ref()).await;
        assert_eq!(
            (
                who["account"].as_str(),
                who["bound"].as_bool(),
                who["scheme"].as_str()
            ),
            (Some("carol"), Some(true), Some("DPoP"))
        );
        r.whoami(first.as_ref()).await;
        let other = r.gate.authorizer_for(&person);
        assert_eq!(r.whoami(other.as_ref()).await["account"], "carol");
        let requests = r.oidc.token_requests().await;
        let refreshes: Vec<&Value> = requests
            .iter()
            .filter(|t| t["grant"] == "refresh_token" && t["status"] == 200)
            .collect();
        assert!(refreshes.len() >= 3, "{requests:?}");
        assert!(refreshes.iter().all(|t| t["dpop"] == true), "{refreshes:?}");
        assert!(
            requests
                .iter()
                .all(|t| t["status"] == 200 || t["error"] == "use_dpop_nonce"),
            "only nonce challenges fail: {requests:?}"
        );
        assert!(requests.iter().any(|t| t["grant"] == "authorization_code"
            && t["status"] == 200
            && t["dpop"] == true));

        // Okta ends the grant: the person is told to sign in again, and the
        // gate stops admitting their token.
        r.oidc.hook("/test/fail-refresh").await;
        r.assert_told_to_sign_in_again(first.as_ref()).await;
        assert_eq!(
            r.admit(tokens["access_token"].as_str().unwrap())
                .await
                .unwrap_err(),
            Refusal::SignInEnded
        );

        r.assert_no_secrets();
    })
    .await;
}
