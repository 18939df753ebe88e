//! Serving a team end to end, through the real binary: two `okta-mcp serve
//! --http` replicas with MCP authorization on (`OKTA_MCP_HTTP_AUTH=oauth`)
//! behind a real nginx (round robin), sharing a real redis-server, with
//! oidc-provider (tests/oauth/server.mjs) standing in for Okta's org
//! authorization server and, behind its `/api/`, fake-okta. Okta's resource
//! server is played by oidc-provider too (`api_check`): a request reaches
//! fake-okta only with a live access token it issued, and fake-okta sees
//! whose it is.
//!
//! The MCP clients are the official Python SDK's (tests/clients/
//! remote_person.py, pinned in tests/clients/requirements.txt, installed in
//! tests/clients/.venv by .ci/run): each person signs in through the SDK's
//! OAuth client provider (dynamic client registration, PKCE, the sign-in
//! page driven headlessly), lists tools, reads and makes a confirmed write;
//! one replica is killed between two calls and both conversations go on.
//! Every call reaches Okta with that person's own Okta token, never with an
//! MCP token, and the client holds only this server's tokens. The replicas
//! run at trace level and their logs hold none of the secrets.
//!
//! Needs node + `npm ci --prefix tests/oauth`, openssl, redis-server, nginx
//! and the Python venv: without them the test skips locally and FAILS when
//! `CI=true`.

// Its peers (redis-server, nginx, the Python SDK venv) are installed by
// .ci/run, which runs on Linux; the release workflow's macOS and Windows
// jobs run every other test.
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fake_okta::RecordedRequest;
use serde_json::{Value, json};
use support::FakeOkta;
use support::agent::deletable_groups;
use support::browser::{Attempt, McpClient};
use support::http::HttpServer;
use support::oidc::{OAuthServer, ec_sec1, prerequisites_missing};
use support::peers::{Nginx, Redis, free_port, in_ci};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};

const SCOPES: &str = "okta.users.read okta.groups.manage";
const WEB_CLIENT: &str = "okta-mcp-web";

/// The Python of tests/clients/.venv, or `None` (locally) when it is not
/// set up; with `CI=true` a missing venv fails.
fn python_sdk() -> Option<PathBuf> {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/.venv/bin/python");
    let ok = std::process::Command::new(&py)
        .args(["-c", "import mcp.client.auth, httpx2"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    let how = "python3 -m venv tests/clients/.venv && tests/clients/.venv/bin/pip install -r tests/clients/requirements.txt -c tests/clients/constraints.txt (.ci/run does)";
    assert!(!in_ci(), "CI=true and the Python MCP SDK is missing: {how}");
    eprintln!("SKIPPED: the Python MCP SDK is not installed ({how}); CI runs this test");
    None
}

/// Fresh random bytes, base64.
fn key(n: usize) -> String {
    let mut k = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut k).unwrap();
    STANDARD.encode(k)
}

/// fake-okta behind oidc-provider, Redis, nginx and the replicas of one
/// team deployment, with the secrets it was configured with.
struct Cluster {
    fake: FakeOkta,
    oidc: OAuthServer,
    redis: Redis,
    nginx: Nginx,
    replicas: Vec<HttpServer>,
    /// Configured secrets: the keys, the web app's private key lines.
    secrets: Vec<String>,
}

impl Cluster {
    /// `None` when a peer program is missing (locally; CI fails).
    async fn start(replicas: usize, extra_env: &[(&str, &str)]) -> Option<Self> {
        if prerequisites_missing() {
            return None;
        }
        let redis = Redis::start()?;
        let ports: Vec<u16> = (0..replicas).map(|_| free_port()).collect();
        let nginx = Nginx::start(&ports)?;
        // Open: oidc-provider's api_check decides what gets through.
        let fake = FakeOkta::builder().users(25).start().await.unwrap();
        let web_key = ec_sec1();
        let oidc = OAuthServer::start(json!({
            "scopes": SCOPES.split(' ').collect::<Vec<_>>(),
            "api_upstream": fake.base_url(),
            "api_check": true,
            "clients": [{
                "client_id": WEB_CLIENT,
                "keys": [{ "kid": "web-1", "pem": web_key }],
                "redirect_uris": [format!("{}/oauth/callback", nginx.url())],
            }],
        }))
        .await;
        let (signing_key, store_key) = (key(32), key(32));
        let env: Vec<(&str, String)> = vec![
            ("OKTA_MCP_HTTP_AUTH", "oauth".into()),
            ("OKTA_MCP_STORE", redis.url()),
            ("OKTA_MCP_PUBLIC_URL", nginx.url()),
            ("OKTA_MCP_SIGNING_KEY", signing_key.clone()),
            ("OKTA_MCP_STORE_KEY", store_key.clone()),
            ("OKTA_MCP_WEB_CLIENT_ID", WEB_CLIENT.into()),
            ("OKTA_MCP_WEB_KEY_ID", "web-1".into()),
            ("OKTA_MCP_WEB_PRIVATE_KEY", web_key.clone()),
        ];
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.extend_from_slice(extra_env);
        let mut started = Vec::new();
        for port in ports {
            let dir = tempfile::tempdir().unwrap();
            started.push(HttpServer::start_in(dir, &oidc.url, SCOPES, &env, port).await);
        }
        let mut secrets = vec![signing_key, store_key];
        secrets.extend(
            web_key
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 20)
                .map(str::to_owned),
        );
        Some(Self {
            fake,
            oidc,
            redis,
            nginx,
            replicas: started,
            secrets,
        })
    }

    fn mcp_url(&self) -> String {
        format!("{}/mcp", self.nginx.url())
    }

    /// Every key and value in the shared store, raw.
    async fn stored(&self) -> Vec<(String, Vec<u8>)> {
        let client = redis::Client::open(self.redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut conn)
            .await
            .unwrap();
        let mut out = Vec::new();
        for k in keys {
            let v: Option<Vec<u8>> = redis::cmd("GET")
                .arg(&k)
                .query_async(&mut conn)
                .await
                .unwrap();
            out.push((k, v.unwrap_or_default()));
        }
        out
    }

    /// Every access, refresh and ID token oidc-provider issued.
    async fn okta_tokens(&self) -> Vec<String> {
        let stats: Value = reqwest::get(format!("{}/test/stats", self.oidc.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["issued"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    }

    /// oidc-provider's answer to `token` as a resource server's credential.
    async fn okta_whoami(&self, token: &str) -> u16 {
        reqwest::Client::new()
            .get(format!("{}/test/whoami", self.oidc.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// One person's MCP client: tests/clients/remote_person.py, waiting at a
/// step for the next call.
struct PersonClient {
    name: String,
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: Lines<BufReader<tokio::process::ChildStdout>>,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
    /// The `signed_in` event: this server's tokens, the code, the client.
    signed_in: Value,
    tools: Vec<String>,
}

impl PersonClient {
    /// Signs `name` in (the SDK in `mode`: legacy or auto) and lists tools.
    async fn sign_in(python: &Path, url: &str, name: &str, mode: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("python.stderr");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/remote_person.py");
        let mut child = tokio::process::Command::new(python)
            .arg(script)
            .args([url, name, mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
            .kill_on_drop(true)
            .spawn()
            .expect("python starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut me = Self {
            name: name.to_owned(),
            child,
            stdin,
            lines,
            stderr,
            _dir: dir,
            signed_in: Value::Null,
            tools: Vec::new(),
        };
        me.signed_in = me.expect("signed_in").await;
        me.ok().await;
        let tools = me.expect("tools").await;
        me.tools = serde_json::from_value(tools["names"].clone()).unwrap();
        me.ok().await;
        me.expect("step").await;
        me
    }

    fn python_log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    async fn event(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(90), self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{}: no event in 90 s\n{}", self.name, self.python_log()))
            .unwrap();
        let Some(line) = line else {
            panic!(
                "{}: the Python client ended early:\n{}",
                self.name,
                self.python_log()
            );
        };
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    async fn expect(&mut self, event: &str) -> Value {
        let v = self.event().await;
        assert_eq!(v["event"], event, "{}: {v}", self.name);
        v
    }

    async fn send(&mut self, v: Value) {
        let mut line = v.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    async fn ok(&mut self) {
        self.send(json!({"ok": true})).await;
    }

    /// Calls `tool`: the `called` event and the confirmations asked.
    async fn call(&mut self, tool: &str, arguments: Value) -> (Value, Vec<String>) {
        self.send(json!({"ok": true, "call": {"tool": tool, "arguments": arguments}}))
            .await;
        let mut asked = Vec::new();
        loop {
            let v = self.event().await;
            match v["event"].as_str() {
                Some("asked") => {
                    asked.push(v["message"].as_str().unwrap().to_owned());
                    self.ok().await;
                }
                Some("called") => {
                    self.ok().await;
                    self.expect("step").await;
                    return (v, asked);
                }
                _ => panic!("{}: unexpected {v}", self.name),
            }
        }
    }

    /// Ends the conversation; the script exits cleanly.
    async fn finish(mut self) {
        self.ok().await;
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the client ends")
            .unwrap();
        assert!(status.success(), "{}:\n{}", self.name, self.python_log());
    }

    fn access_token(&self) -> &str {
        self.signed_in["access_token"].as_str().unwrap()
    }

    /// Everything this client got from the server that must stay secret.
    fn secrets(&self) -> Vec<String> {
        ["access_token", "refresh_token", "code"]
            .iter()
            .filter_map(|k| self.signed_in[*k].as_str().map(str::to_owned))
            .collect()
    }
}

/// The claims of a JWT (unverified: the test only reads them).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The API requests fake-okta received since `from`.
fn api_requests(fake: &FakeOkta, from: usize) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .skip(from)
        .filter(|r| r.path.starts_with("/api/"))
        .collect()
}

/// Calls `tool` as `who` and checks that every request it made at Okta
/// carried `who`'s own Okta token; returns the result and those tokens.
async fn call_as(
    c: &Cluster,
    who: &mut PersonClient,
    tool: &str,
    arguments: Value,
) -> (Value, Vec<String>, Vec<RecordedRequest>) {
    let from = c.fake.requests().len();
    let (called, asked) = who.call(tool, arguments).await;
    assert_eq!(
        called["is_error"], false,
        "{} {tool}: {}",
        who.name, called["text"]
    );
    let seen = api_requests(&c.fake, from);
    assert!(!seen.is_empty(), "{} {tool} reached Okta", who.name);
    for r in &seen {
        assert_eq!(
            r.header("x-test-okta-account"),
            Some(who.name.as_str()),
            "{} {tool}: {} {} carried another person's token",
            who.name,
            r.method,
            r.path
        );
    }
    (called, asked, seen)
}

/// Deletes group `gid` as `who`: asked once (naming it), accepted, and
/// sent to Okta as `who`; the requests it made.
async fn confirmed_delete(c: &Cluster, who: &mut PersonClient, gid: &str) -> Vec<RecordedRequest> {
    let (_, asked, seen) = call_as(c, who, "delete_group", json!({"groupId": gid})).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains(gid), "{asked:?}");
    assert!(seen.iter().any(|r| r.method == "DELETE"), "{seen:?}");
    seen
}

/// The Okta token of a request (the `Authorization` credential).
fn okta_token(r: &RecordedRequest) -> String {
    let auth = r.header("authorization").expect("a credential");
    auth.split_once(' ').unwrap().1.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_signs_in_with_the_python_sdk_and_each_person_acts_as_themselves() {
    let Some(python) = python_sdk() else { return };
    let Some(mut c) = Cluster::start(2, &[("RUST_LOG", "trace")]).await else {
        return;
    };
    let url = c.mcp_url();
    let groups = deletable_groups(&c.fake);

    // Alice: the 2025-11-25 handshake (a session); Bob: 2026-07-28
    // (stateless, confirmations as MRTR rounds).
    let mut alice = PersonClient::sign_in(&python, &url, "alice", "legacy").await;
    assert!(alice.tools.contains(&"list_users".to_owned()));
    assert!(alice.tools.contains(&"delete_group".to_owned()));
    assert!(
        !alice.tools.contains(&"create_user".to_owned()),
        "okta.users.manage is not granted"
    );
    let (read, _, mut seen) = call_as(&c, &mut alice, "list_users", json!({"limit": 2})).await;
    assert_eq!(read["structured"]["items"].as_array().unwrap().len(), 2);

    let mut bob = PersonClient::sign_in(&python, &url, "bob", "auto").await;
    assert_eq!(bob.tools, alice.tools);
    seen.extend(
        call_as(&c, &mut bob, "list_groups", json!({"limit": 3}))
            .await
            .2,
    );

    // Confirmed writes: each is asked once, accepted, then sent as its person.
    seen.extend(confirmed_delete(&c, &mut alice, &groups[0]).await);
    seen.extend(confirmed_delete(&c, &mut bob, &groups[1]).await);

    // nginx spread the conversations over both replicas; one is killed
    // between two calls, and both conversations go on.
    let log = c.nginx.access_log();
    for r in &c.replicas {
        assert!(
            log.contains(&format!("127.0.0.1:{}", r.port)),
            "round robin used both replicas: {log}"
        );
    }
    c.replicas[0].kill().await;
    for _ in 0..2 {
        seen.extend(
            call_as(&c, &mut alice, "list_users", json!({"limit": 1}))
                .await
                .2,
        );
        seen.extend(
            call_as(&c, &mut bob, "list_users", json!({"limit": 1}))
                .await
                .2,
        );
    }
    seen.extend(confirmed_delete(&c, &mut alice, &groups[2]).await);

    // Each person's calls carried their own, distinct Okta token; no MCP
    // token ever reached Okta.
    let token_of = |who: &str| -> std::collections::BTreeSet<String> {
        seen.iter()
            .filter(|r| r.header("x-test-okta-account") == Some(who))
            .map(okta_token)
            .collect()
    };
    let (a, b) = (token_of("alice"), token_of("bob"));
    assert!(!a.is_empty() && !b.is_empty());
    assert!(a.is_disjoint(&b), "two persons, two Okta tokens");
    let mcp_secrets: Vec<String> = alice.secrets().into_iter().chain(bob.secrets()).collect();
    for r in c.fake.requests() {
        let raw = format!("{:?}{}", r.headers, r.body_text());
        for s in &mcp_secrets {
            assert!(!raw.contains(s.as_str()), "an MCP token reached Okta");
        }
    }

    // The clients hold this server's tokens (audience: its /mcp), which
    // Okta does not accept, and never an Okta token.
    let okta_tokens = c.okta_tokens().await;
    assert!(!okta_tokens.is_empty());
    for who in [&alice, &bob] {
        let at = who.access_token();
        let cl = claims(at);
        assert_eq!(cl["aud"], url, "{cl}");
        assert_eq!(cl["iss"], c.nginx.url(), "{cl}");
        assert_eq!(c.okta_whoami(at).await, 401, "Okta refuses an MCP token");
        let got = who.signed_in.to_string();
        for t in &okta_tokens {
            assert!(
                !got.contains(t.as_str()),
                "an Okta token reached the client"
            );
        }
    }

    alice.finish().await;
    bob.finish().await;

    // Trace-level logs of both replicas hold no secret.
    let survivor = &c.replicas[1];
    survivor.terminate();
    let _ = c.replicas[1].exit_status(Duration::from_secs(30)).await;
    let mut secrets = c.secrets.clone();
    secrets.extend(mcp_secrets);
    secrets.extend(okta_tokens);
    secrets.extend(seen.iter().map(okta_token));
    secrets.extend(
        seen.iter()
            .filter_map(|r| r.header("dpop").map(str::to_owned)),
    );
    // Nor does the shared store, in the clear.
    let stored = c.stored().await;
    assert!(stored.len() > 3, "the store holds the deployment's state");
    for s in &secrets {
        for (k, v) in &stored {
            assert!(!k.contains(s.as_str()), "a secret is a store key");
            assert!(
                !v.windows(s.len()).any(|w| w == s.as_bytes()),
                "a secret is stored in the clear under {k}"
            );
        }
    }
    for r in &c.replicas {
        let log = r.stderr();
        assert!(log.contains("TRACE"), "trace level is on");
        assert!(!log.contains("panicked"), "{log}");
        assert!(!log.contains("eyJ"), "a JWT reached the log");
        assert!(!log.contains("PRIVATE KEY"), "a key reached the log");
        for s in &secrets {
            assert!(
                !log.contains(s.as_str()),
                "a secret reached replica {}'s log: {}...",
                r.port,
                &s[..6.min(s.len())]
            );
        }
    }
}

/// What fake-okta received, counted: a refused request adds nothing.
fn okta_count(c: &Cluster) -> usize {
    c.fake.requests().len()
}

/// A stateless `tools/call` of `list_users` to `url` with `extra` headers.
async fn mcp_call(url: &str, extra: &[(&'static str, &str)]) -> (u16, String, String) {
    let (body, headers) = support::http::raw_call("list_users", json!({"limit": 1}));
    let mut req = reqwest::Client::new().post(url).json(&body);
    for (k, v) in headers
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(extra.iter().copied())
    {
        req = req.header(k, v);
    }
    let r = tokio::time::timeout(Duration::from_secs(30), req.send())
        .await
        .expect("answered within 30 s")
        .expect("sent");
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), challenge, r.text().await.unwrap())
}

fn invalid_grant(status: u16, body: &Value) {
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

/// A token signed with the deployment's key, from `base` claims with
/// `change`d ones.
fn forge(signing_key_b64: &str, base: &Value, change: Value) -> String {
    let mut claims = base.clone();
    for (k, v) in change.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    let key = STANDARD.decode(signing_key_b64).unwrap();
    jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(&key)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_reach_neither_the_tools_nor_okta() {
    let Some(c) = Cluster::start(2, &[]).await else {
        return;
    };
    let url = c.mcp_url();
    let browser = support::browser::Browser::new(
        &c.nginx.url(),
        &format!("{SCOPES} offline_access"),
        c.oidc.dir.path().join("node.log"),
    );
    let client = browser.registered_client().await;

    // A real sign-in, and the token working: the control for every refusal.
    let (code, attempt) = browser.sign_in(&client, "alice").await;
    let (status, tokens) = browser.exchange(&client, &code, &attempt.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {access}");
    let before = okta_count(&c);
    let (status, _, body) = mcp_call(&url, &[("authorization", &bearer)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("\"isError\":true"), "{body}");
    assert!(okta_count(&c) > before, "the accepted call reached Okta");

    let metadata = format!(
        "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
        c.nginx.url()
    );
    let refused = |what: &'static str, want: u16| {
        let (c, metadata) = (&c, metadata.clone());
        move |(status, challenge, body): (u16, String, String), before: usize| {
            assert_eq!(status, want, "{what}: {body}");
            if want == 401 {
                assert!(challenge.contains(&metadata), "{what}: {challenge}");
            }
            assert_eq!(
                okta_count(c),
                before,
                "{what}: a refused request reached Okta"
            );
        }
    };

    // No token; not a bearer token.
    let before = okta_count(&c);
    refused("no token", 401)(mcp_call(&url, &[]).await, before);
    refused("basic", 401)(
        mcp_call(&url, &[("authorization", "Basic YWxpY2U6cHc=")]).await,
        before,
    );

    // The real token's claims, re-signed with the deployment's own key:
    // another audience, expired. Only the claim changed is wrong.
    let real = claims(&access);
    let key = &c.secrets[0];
    let other_aud = forge(key, &real, json!({"aud": "https://other.example.com/mcp"}));
    let (status, challenge, body) =
        mcp_call(&url, &[("authorization", &format!("Bearer {other_aud}"))]).await;
    assert!(challenge.contains("invalid_token"), "{challenge}");
    refused("wrong audience", 401)((status, challenge, body), before);
    let past = okta_mcp::auth::keys::now_secs() - 600;
    let expired = forge(
        key,
        &real,
        json!({"exp": past, "iat": past - 300, "nbf": past - 300}),
    );
    refused("expired", 401)(
        mcp_call(&url, &[("authorization", &format!("Bearer {expired}"))]).await,
        before,
    );
    let resigned = forge(key, &real, json!({}));
    let (status, _, body) =
        mcp_call(&url, &[("authorization", &format!("Bearer {resigned}"))]).await;
    assert_eq!(
        status, 200,
        "the unchanged claims re-signed are admitted: {body}"
    );
    let before = okta_count(&c);

    // A foreign Origin, with a good token.
    refused("foreign Origin", 403)(
        mcp_call(
            &url,
            &[
                ("authorization", &bearer),
                ("origin", "https://evil.example.com"),
            ],
        )
        .await,
        before,
    );

    // Codes: a wrong PKCE verifier, a redirect-URI mismatch, a replay
    // (through nginx, so on either replica). Each is refused, nothing is
    // asked of Okta for it, and a replay ends the sign-in it made.
    let token_calls = c.oidc.token_requests().await.len();
    let (code, attempt) = browser.sign_in(&client, "bob").await;
    let signed_in = c.oidc.token_requests().await.len();
    assert!(signed_in > token_calls, "the sign-in went to Okta");
    let (status, body) = browser
        .exchange(&client, &code, &Attempt::new().verifier)
        .await;
    invalid_grant(status, &body);
    let (status, _) = browser.exchange(&client, &code, &attempt.verifier).await;
    assert_eq!(status, 400, "the code died with the wrong verifier");

    let (code, attempt) = browser.sign_in(&client, "bob").await;
    let elsewhere = McpClient {
        redirect_uri: "http://127.0.0.1:1/other".into(),
        ..client.clone()
    };
    let (status, body) = browser.exchange(&elsewhere, &code, &attempt.verifier).await;
    invalid_grant(status, &body);
    let page = browser
        .http
        .get(browser.authorize_url(&elsewhere, &Attempt::new(), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        400,
        "an unregistered redirect URI gets a page"
    );
    assert!(page.headers().get("location").is_none(), "and no redirect");

    let (code, attempt) = browser.sign_in(&client, "carol").await;
    let (status, tokens) = browser.exchange(&client, &code, &attempt.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let carol = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, _, body) = mcp_call(&url, &[("authorization", &carol)]).await;
    assert_eq!(status, 200, "{body}");
    let exchanged = c.oidc.token_requests().await.len();
    for _ in 0..2 {
        let (status, body) = browser.exchange(&client, &code, &attempt.verifier).await;
        invalid_grant(status, &body);
    }
    let before = okta_count(&c);
    refused("after a replayed code", 401)(
        mcp_call(&url, &[("authorization", &carol)]).await,
        before,
    );
    assert_eq!(
        c.oidc.token_requests().await.len(),
        exchanged,
        "refused exchanges ask nothing of Okta"
    );

    // The first person's token still works: refusals touched only theirs.
    let (status, _, body) = mcp_call(&url, &[("authorization", &bearer)]).await;
    assert_eq!(status, 200, "{body}");
    for r in &c.replicas {
        assert!(!r.stderr().contains("panicked"), "{}", r.stderr());
    }
}
