//! OAuth end to end: the real `okta-mcp` binary against a real OAuth server
//! (`oidc-provider` from npm, on Okta's routes: `tests/oauth/server.mjs`) and
//! the fake Okta API. Keys are generated at test time with `openssl`.
//!
//! Covered: private key JWT with RSA/EC keys as PEM (PKCS#1, SEC1, PKCS#8)
//! and JWK, with and without DPoP (nonce required), a wrong key, narrowed
//! scopes; the device flow through approve, deny, slow_down, code expiry,
//! refresh (and a failed refresh falling back to one new sign-in), DPoP, the
//! 0600 cache and `login`/`whoami`/`logout`; `OKTA_DPOP=auto` remembering
//! what worked; an API-side DPoP nonce challenge (fake Okta). Every test
//! checks that no token, assertion, proof or key reaches stderr.
//!
//! Needs `node` and `npm ci --prefix tests/oauth`. Without them the tests
//! skip locally and FAIL when `CI=true`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};
use support::oidc::{OAuthServer, ec_sec1, openssl, prerequisites_missing, rsa_pkcs1};
use support::{is_error, text};
use tokio::io::AsyncBufReadExt;

/// Converts any private key PEM to PKCS#8.
fn to_pkcs8(dir: &Path, pem: &str) -> String {
    let p = dir.join("k.pem");
    std::fs::write(&p, pem).unwrap();
    openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", p.to_str().unwrap()])
}

/// The private JWK of a PEM key (what Okta's console hands out), made by
/// node's crypto.
fn to_jwk(pem: &str) -> Value {
    use std::io::Write;
    let mut child = std::process::Command::new("node")
        .args([
            "-e",
            "const c=require('crypto');const k=c.createPrivateKey(require('fs').readFileSync(0,'utf8'));process.stdout.write(JSON.stringify(k.export({format:'jwk'})))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("a JWK")
}

/// Token requests that failed, apart from the device flow's normal
/// `authorization_pending` answers.
fn failed(requests: &[Value]) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r["status"].as_u64() != Some(200) && r["error"] != "authorization_pending")
        .cloned()
        .collect()
}

#[derive(Clone, Default)]
struct Client {
    list_changed: Arc<AtomicUsize>,
}

impl ClientHandler for Client {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
    }
}

struct Mcp {
    client: RunningService<RoleClient, Client>,
    list_changed: Arc<AtomicUsize>,
    stderr_path: PathBuf,
    dir: tempfile::TempDir,
}

/// A home directory for `okta-mcp` runs (token cache, DPoP memory),
/// shared by runs that should see each other's state.
fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn base_command(home: &Path, env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("OKTA_NO_BROWSER", "1")
        .env("RUST_LOG", "trace");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts `okta-mcp` with OAuth settings only (no API token), trace logs.
async fn start_mcp(env: &[(&str, &str)]) -> Mcp {
    let dir = home();
    start_mcp_in(dir, env).await
}

async fn start_mcp_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Mcp {
    let stderr_path = dir.path().join(format!("stderr-{}.log", support_counter()));
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let cmd = base_command(dir.path(), env);
    let handler = Client::default();
    let list_changed = handler.list_changed.clone();
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("spawn okta-mcp");
    let client = tokio::time::timeout(Duration::from_secs(20), handler.serve(transport))
        .await
        .expect("initialize within 20 s")
        .expect("initialize succeeds");
    Mcp {
        client,
        list_changed,
        stderr_path,
        dir,
    }
}

fn support_counter() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

impl Mcp {
    async fn call(&self, name: &str, args: Value) -> rmcp::model::CallToolResult {
        let Value::Object(args) = args else {
            unreachable!()
        };
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(args);
        tokio::time::timeout(Duration::from_secs(60), self.client.call_tool(params))
            .await
            .expect("tools/call within 60 s")
            .expect("tools/call succeeds at the protocol level")
    }

    async fn tool_names(&self) -> Vec<String> {
        self.client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    async fn stop(self) -> String {
        self.stop_keep_home().await.0
    }

    /// Stops the server; returns its stderr and its home for a later run.
    async fn stop_keep_home(self) -> (String, tempfile::TempDir) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.cancel()).await;
        let s = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        (s, self.dir)
    }
}

async fn fake() -> fake_okta::FakeOkta {
    fake_okta::FakeOkta::builder()
        .users(5)
        .log_requests(true)
        .start()
        .await
        .expect("fake Okta starts")
}

/// No credential material in the captured stderr.
fn assert_no_secrets(stderr: &str, fake: &fake_okta::FakeOkta, keys: &[&str]) {
    assert!(
        !stderr.contains("eyJ"),
        "a JWT (assertion/proof) leaked into stderr"
    );
    assert!(!stderr.contains("PRIVATE KEY"), "a key leaked into stderr");
    for key in keys {
        for line in key
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 20)
        {
            assert!(!stderr.contains(line), "key material leaked into stderr");
        }
    }
    for r in fake.requests() {
        if let Some(auth) = r.header("authorization") {
            let token = auth.split_once(' ').map(|(_, t)| t).unwrap_or(auth);
            assert!(
                !stderr.contains(token),
                "an access token leaked into stderr"
            );
        }
    }
}

struct Round {
    stderr: String,
    /// `Authorization` schemes the fake Okta saw.
    schemes: Vec<String>,
    result: rmcp::model::CallToolResult,
    /// The token requests oidc-provider saw.
    token_requests: Vec<Value>,
}

/// Starts oidc-provider (client `svc`, key `register_pem`) in front of a fake
/// Okta, runs `okta-mcp` with `key_pem`, and calls `list_users` once.
async fn client_credentials_round(key_pem: &str, register_pem: &str, dpop: &str) -> Round {
    client_credentials_round_with(
        key_pem,
        register_pem,
        dpop,
        &["okta.users.read", "okta.groups.read"],
        "okta.users.read",
    )
    .await
}

/// [`client_credentials_round`] with the scopes the server knows (and grants
/// the client) and `OKTA_SCOPES`.
async fn client_credentials_round_with(
    key_pem: &str,
    register_pem: &str,
    dpop: &str,
    server_scopes: &[&str],
    okta_scopes: &str,
) -> Round {
    let fake = fake().await;
    let oauth = OAuthServer::start(json!({
        "scopes": server_scopes,
        "api_upstream": fake.base_url(),
        "clients": [{
            "client_id": "svc",
            "keys": [{"kid": "k1", "pem": register_pem}],
            "dpop_required": dpop == "always",
        }],
    }))
    .await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("key.pem");
    std::fs::write(&key_file, key_pem).unwrap();
    let mcp = start_mcp(&[
        ("OKTA_ORG_URL", &oauth.url),
        ("OKTA_CLIENT_ID", "svc"),
        ("OKTA_KEY_ID", "k1"),
        ("OKTA_PRIVATE_KEY_FILE", key_file.to_str().unwrap()),
        ("OKTA_SCOPES", okta_scopes),
        ("OKTA_DPOP", dpop),
    ])
    .await;
    let result = mcp.call("list_users", json!({"limit": 2})).await;
    let stderr = mcp.stop().await;
    let token_requests = oauth.token_requests().await;
    let schemes = fake
        .requests()
        .iter()
        .filter_map(|r| {
            r.header("authorization")
                .map(|a| a.split(' ').next().unwrap_or("").to_owned())
        })
        .collect();
    assert_no_secrets(&stderr, &fake, &[key_pem]);
    Round {
        stderr,
        schemes,
        result,
        token_requests,
    }
}

/// An app granted only `okta.users.manage` signs in: the token request asks
/// for exactly that (the server refuses `okta.users.read`, which it does not
/// know), and the read tools it implies work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manage_only_app_asks_for_exactly_its_scope() {
    if prerequisites_missing() {
        return;
    }
    let key = ec_sec1();
    let r = client_credentials_round_with(
        &key,
        &key,
        "never",
        &["okta.users.manage"],
        "okta.users.manage",
    )
    .await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert!(!r.token_requests.is_empty());
    for t in &r.token_requests {
        assert_eq!(t["scope"], "okta.users.manage", "{t}");
        assert_eq!(t["status"], 200, "{t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_pkcs1_bearer() {
    if prerequisites_missing() {
        return;
    }
    let key = rsa_pkcs1();
    let r = client_credentials_round(&key, &key, "never").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["Bearer"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_pkcs8_dpop_with_nonce() {
    if prerequisites_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = to_pkcs8(dir.path(), &rsa_pkcs1());
    let r = client_credentials_round(&key, &key, "always").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["DPoP"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec_sec1_auto_dpop() {
    if prerequisites_missing() {
        return;
    }
    let key = ec_sec1();
    let r = client_credentials_round(&key, &key, "auto").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["DPoP"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec_pkcs8_bearer() {
    if prerequisites_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = to_pkcs8(dir.path(), &ec_sec1());
    let r = client_credentials_round(&key, &key, "never").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["Bearer"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_jwk_bearer() {
    if prerequisites_missing() {
        return;
    }
    let pem = rsa_pkcs1();
    let jwk = to_jwk(&pem);
    assert_eq!(jwk["kty"], "RSA");
    let r = client_credentials_round(&jwk.to_string(), &pem, "never").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["Bearer"]);
    for part in ["d", "p", "q"] {
        assert!(!r.stderr.contains(jwk[part].as_str().unwrap()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec_jwk_dpop_with_nonce() {
    if prerequisites_missing() {
        return;
    }
    let pem = ec_sec1();
    let jwk = to_jwk(&pem);
    assert_eq!(jwk["kty"], "EC");
    let r = client_credentials_round(&jwk.to_string(), &pem, "always").await;
    assert!(!is_error(&r.result), "{}\n{}", text(&r.result), r.stderr);
    assert_eq!(r.schemes, ["DPoP"]);
    assert!(!r.stderr.contains(jwk["d"].as_str().unwrap()));
}

/// Starts `okta-mcp` with private key JWT straight against a fake Okta that
/// demands DPoP (its own token endpoint) and a nonce on API calls.
async fn against_dpop_fake(
    dpop: &str,
) -> (fake_okta::FakeOkta, rmcp::model::CallToolResult, String) {
    let fake = fake_okta::FakeOkta::builder()
        .users(5)
        .require_dpop(true)
        .require_dpop_nonce(true)
        .start()
        .await
        .expect("fake Okta starts");
    let key = ec_sec1();
    let mcp = start_mcp(&[
        ("OKTA_ORG_URL", fake.base_url()),
        ("OKTA_CLIENT_ID", "svc"),
        ("OKTA_KEY_ID", "k1"),
        ("OKTA_PRIVATE_KEY", &key),
        ("OKTA_SCOPES", "okta.users.read"),
        ("OKTA_DPOP", dpop),
    ])
    .await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let stderr = mcp.stop().await;
    assert_no_secrets(&stderr, &fake, &[&key]);
    (fake, r, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_dpop_nonce_challenge_is_retried_once() {
    if prerequisites_missing() {
        return;
    }
    let (fake, r, stderr) = against_dpop_fake("auto").await;
    assert!(!is_error(&r), "{}\n{stderr}", text(&r));
    let requests = fake.requests();
    let token = requests
        .iter()
        .find(|q| q.path == "/oauth2/v1/token")
        .expect("a token request");
    assert!(
        token.header("dpop").is_some(),
        "the token request carries a proof"
    );
    let api: Vec<_> = requests
        .iter()
        .filter(|q| q.path.starts_with("/api/"))
        .collect();
    assert_eq!(api.len(), 2, "the challenged call and one retry");
    let first = jwt_claims(api[0].header("dpop").expect("proof"));
    let second = jwt_claims(api[1].header("dpop").expect("proof"));
    assert!(first.get("nonce").is_none(), "{first}");
    assert!(
        second["nonce"].is_string(),
        "the retry carries the nonce: {second}"
    );
    assert_ne!(first["jti"], second["jti"], "a new proof for the retry");
    let auth = api[1].header("authorization").unwrap();
    let access = auth.strip_prefix("DPoP ").expect("DPoP scheme");
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access.as_bytes());
    use base64::Engine;
    let ath = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash.as_ref());
    assert_eq!(second["ath"], ath.as_str(), "ath is the token's hash");
    assert_eq!(second["htm"], "GET");
    assert_eq!(second["htu"], format!("{}/api/v1/users", fake.base_url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_never_against_an_app_requiring_it_names_the_setting() {
    if prerequisites_missing() {
        return;
    }
    let (fake, r, _) = against_dpop_fake("never").await;
    assert!(is_error(&r));
    assert!(text(&r).contains("OKTA_DPOP"), "{}", text(&r));
    assert!(
        fake.requests().iter().all(|q| !q.path.starts_with("/api/")),
        "nothing reached the API"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_gives_clear_error_and_server_keeps_running() {
    if prerequisites_missing() {
        return;
    }
    let registered = rsa_pkcs1();
    let other = rsa_pkcs1();
    let r = client_credentials_round(&other, &registered, "auto").await;
    assert!(is_error(&r.result));
    let t = text(&r.result);
    assert!(t.contains("OKTA_PRIVATE_KEY"), "{t}");
    assert!(t.contains("invalid_client"), "{t}");
    assert!(r.schemes.is_empty(), "nothing reached the API");
    assert_eq!(
        r.stderr.matches("credentials: Okta refused").count(),
        1,
        "logged once, at startup: {}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn narrowed_scopes_change_the_tool_list() {
    if prerequisites_missing() {
        return;
    }
    let fake = fake().await;
    let key = ec_sec1();
    let oauth = OAuthServer::start(json!({
        "scopes": ["okta.users.read", "okta.groups.read"],
        "api_upstream": fake.base_url(),
        "clients": [{
            "client_id": "narrow",
            "keys": [{"kid": "k1", "pem": key}],
            "grant": "okta.users.read",
        }],
    }))
    .await;
    let mcp = start_mcp(&[
        ("OKTA_ORG_URL", &oauth.url),
        ("OKTA_CLIENT_ID", "narrow"),
        ("OKTA_KEY_ID", "k1"),
        ("OKTA_PRIVATE_KEY", &key.replace('\n', "\\n")),
        ("OKTA_SCOPES", "okta.users.read okta.groups.read"),
    ])
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while mcp.list_changed.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no tools/list_changed within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names = mcp.tool_names().await;
    assert!(names.contains(&"list_users".to_owned()), "{names:?}");
    assert!(!names.contains(&"list_groups".to_owned()), "{names:?}");
    let r = mcp.call("list_groups", json!({})).await;
    assert!(is_error(&r));
    assert!(text(&r).contains("okta.groups.read"), "{}", text(&r));
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let stderr = mcp.stop().await;
    assert_no_secrets(&stderr, &fake, &[&key]);
}

/// The `sign_in.user_code` of a sign-in result.
fn user_code(r: &rmcp::model::CallToolResult) -> String {
    let s = r.structured_content.clone().unwrap_or_default();
    s["sign_in"]["user_code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a sign-in result: {}", text(r)))
        .to_owned()
}

fn is_sign_in(r: &rmcp::model::CallToolResult) -> bool {
    r.structured_content
        .as_ref()
        .is_some_and(|s| s.get("sign_in").is_some())
}

async fn device_action(oauth: &OAuthServer, code: &str, action: &str) {
    oauth
        .hook(&format!("/test/device?user_code={code}&action={action}"))
        .await;
}

/// Calls `list_users` until it is not a sign-in/pending result (25 s).
async fn call_until_signed_in(mcp: &Mcp) -> rmcp::model::CallToolResult {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    loop {
        let r = mcp.call("list_users", json!({"limit": 1})).await;
        if !is_sign_in(&r) || tokio::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// oidc-provider with the public device-flow client `native` (settings from
/// `extra` override the defaults: 1 s polling, 30 s access tokens).
async fn device_server(fake: &fake_okta::FakeOkta, extra: Value) -> OAuthServer {
    let mut cfg = json!({
        "scopes": ["okta.users.read", "okta.groups.read"],
        "api_upstream": fake.base_url(),
        "clients": [{"client_id": "native"}],
        "interval": 1,
        "ttl": 30,
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    OAuthServer::start(cfg).await
}

fn device_env(oauth: &OAuthServer) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_ORG_URL", oauth.url.clone()),
        ("OKTA_CLIENT_ID", "native".into()),
        ("OKTA_SCOPES", "okta.users.read".into()),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn device_setup(extra: Value) -> (fake_okta::FakeOkta, OAuthServer, Mcp) {
    let fake = fake().await;
    let oauth = device_server(&fake, extra).await;
    let env = device_env(&oauth);
    let mcp = start_mcp(&env_refs(&env)).await;
    (fake, oauth, mcp)
}

/// The token cache files in a home.
fn cache_files(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("state/okta-mcp"))
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("tokens-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Signs in through the MCP server: first call shows a code, the person
/// approves, a later call succeeds. Returns the code.
async fn sign_in(oauth: &mut OAuthServer, mcp: &Mcp) -> String {
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(is_error(&r));
    let code = user_code(&r);
    assert!(text(&r).contains(&code), "{}", text(&r));
    device_action(oauth, &code, "approve").await;
    let r = call_until_signed_in(mcp).await;
    if is_error(&r) {
        let log = std::fs::read_to_string(&mcp.stderr_path).unwrap_or_default();
        panic!("{}\n{log}\n{}", text(&r), oauth.log());
    }
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_approve_refresh_and_cache() {
    if prerequisites_missing() {
        return;
    }
    let (fake, mut oauth, mcp) = device_setup(json!({})).await;
    assert!(mcp.tool_names().await.contains(&"list_users".to_owned()));
    let code = sign_in(&mut oauth, &mcp).await;
    // The token lives 30 s, inside the 60 s renewal margin: the next call
    // refreshes it first.
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let tokens: std::collections::BTreeSet<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert!(tokens.len() >= 2, "a refreshed token was used: {tokens:?}");
    let requests = oauth.token_requests().await;
    let refreshes: Vec<_> = requests
        .iter()
        .filter(|r| r["grant"] == "refresh_token")
        .collect();
    assert!(!refreshes.is_empty(), "{requests:?}");
    // OKTA_DPOP=auto sends proofs, and this server wants a nonce in them.
    let failures: Vec<_> = failed(&requests)
        .into_iter()
        .filter(|r| r["error"] != "use_dpop_nonce")
        .collect();
    assert!(failures.is_empty(), "{requests:?}");
    let files = cache_files(mcp.dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&files[0]), 0o600);
        assert_eq!(mode(files[0].parent().unwrap()), 0o700);
    }
    let cached = std::fs::read_to_string(&files[0]).unwrap();
    let cached: Value = serde_json::from_str(&cached).unwrap();
    let rt = cached["refresh_token"]
        .as_str()
        .expect("refresh token cached");
    let stderr = mcp.stop().await;
    assert!(stderr.contains(&code), "the code is shown on stderr");
    assert_no_secrets(&stderr, &fake, &[]);
    assert!(!stderr.contains(rt), "refresh token leaked into stderr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_refresh_failure_falls_back_to_sign_in_once() {
    if prerequisites_missing() {
        return;
    }
    let (_fake, mut oauth, mcp) = device_setup(json!({})).await;
    let first = sign_in(&mut oauth, &mcp).await;
    oauth.hook("/test/fail-refresh").await;
    // The 30 s token is inside the renewal margin: the refresh fails and a
    // new sign-in starts instead.
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let second = user_code(&r);
    assert_ne!(second, first);
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert_eq!(user_code(&r), second, "the same sign-in is still pending");
    let requests = oauth.token_requests().await;
    let failed_refreshes = requests
        .iter()
        .filter(|r| r["grant"] == "refresh_token" && r["status"] != 200)
        .count();
    assert_eq!(
        failed_refreshes, 1,
        "one failed refresh, no loop: {requests:?}"
    );
    assert!(
        cache_files(mcp.dir.path()).is_empty(),
        "the dead tokens were removed from the cache"
    );
    mcp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_denied_then_new_sign_in() {
    if prerequisites_missing() {
        return;
    }
    let (_fake, oauth, mcp) = device_setup(json!({})).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let code = user_code(&r);
    device_action(&oauth, &code, "deny").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(is_error(&r));
    assert!(text(&r).contains("denied"), "{}", text(&r));
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let again = user_code(&r);
    assert_ne!(again, code, "a new attempt starts");
    mcp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_code_expiry_ends_the_attempt() {
    if prerequisites_missing() {
        return;
    }
    let (_fake, _oauth, mcp) = device_setup(json!({"device_ttl": 3})).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let code = user_code(&r);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(is_error(&r));
    assert!(!is_sign_in(&r), "{}", text(&r));
    assert!(text(&r).contains("expired"), "{}", text(&r));
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert_ne!(user_code(&r), code, "a new attempt starts");
    mcp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_slow_down_backs_off() {
    if prerequisites_missing() {
        return;
    }
    let (_fake, mut oauth, mcp) = device_setup(json!({"slow_down": 1})).await;
    let started = std::time::Instant::now();
    sign_in(&mut oauth, &mcp).await;
    // Polling every 1 s, the first poll is told to slow down: the next one
    // waits 1 + 5 s.
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "slow_down adds 5 s to the interval ({:?})",
        started.elapsed()
    );
    let requests = oauth.token_requests().await;
    assert_eq!(requests[0]["error"], "slow_down", "{requests:?}");
    assert_eq!(
        requests
            .iter()
            .filter(
                |r| r["grant"] == "urn:ietf:params:oauth:grant-type:device_code"
                    && r["error"] != "use_dpop_nonce"
            )
            .count(),
        1,
        "one poll after the slow_down, not one per second: {requests:?}"
    );
    mcp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_with_dpop_and_nonce() {
    if prerequisites_missing() {
        return;
    }
    let fake = fake().await;
    let mut oauth = device_server(
        &fake,
        json!({"clients": [{"client_id": "native", "dpop_required": true}]}),
    )
    .await;
    let env = device_env(&oauth);
    let mcp = start_mcp(&env_refs(&env)).await;
    sign_in(&mut oauth, &mcp).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let api: Vec<_> = fake.requests();
    assert!(!api.is_empty());
    for r in &api {
        let auth = r.header("authorization").unwrap_or("");
        assert!(auth.starts_with("DPoP "), "{auth:.10}");
        let proof = r.header("dpop").expect("a DPoP proof with every API call");
        let claims = jwt_claims(proof);
        assert!(claims["ath"].is_string(), "{claims}");
        assert_eq!(claims["htm"], "GET");
    }
    let requests = oauth.token_requests().await;
    let ok: Vec<_> = requests.iter().filter(|r| r["status"] == 200).collect();
    assert!(ok.len() >= 2, "sign-in and a refresh: {requests:?}");
    assert!(ok.iter().all(|r| r["dpop"] == true), "{requests:?}");
    let cache = &cache_files(mcp.dir.path())[0];
    let cached: Value = serde_json::from_str(&std::fs::read_to_string(cache).unwrap()).unwrap();
    assert_eq!(cached["dpop"], true);
    let stderr = mcp.stop().await;
    assert_no_secrets(&stderr, &fake, &[]);
}

/// The claims of a JWT, unverified.
fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Runs an `okta-mcp` subcommand to the end (30 s at most).
async fn cli(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        base_command(home, env)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the command ends within 30 s")
    .expect("okta-mcp runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `okta-mcp login`: reads the code from its stderr, approves it, waits for
/// it to exit. Returns (success, stderr).
async fn cli_login(home: &Path, oauth: &OAuthServer, env: &[(&str, &str)]) -> (bool, String) {
    let mut child = base_command(home, env)
        .arg("login")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("okta-mcp login starts");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let run = async {
        let mut approved = false;
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push_str(&line);
            seen.push('\n');
            if !approved && let Some(code) = line.split("enter the code ").nth(1) {
                let code = code.split(';').next().unwrap().trim().to_owned();
                device_action(oauth, &code, "approve").await;
                approved = true;
            }
        }
        child.wait().await.unwrap().success()
    };
    let ok = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("login ends within 30 s");
    (ok, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_login_whoami_logout() {
    if prerequisites_missing() {
        return;
    }
    let fake = fake().await;
    let oauth = device_server(&fake, json!({"ttl": 3600})).await;
    let home = home();
    let env = device_env(&oauth);
    let env = env_refs(&env);
    let (ok, _, err) = cli(home.path(), &["whoami"], &env).await;
    assert!(!ok, "not signed in yet: {err}");
    assert!(err.contains("okta-mcp login"), "{err}");

    let (ok, stderr) = cli_login(home.path(), &oauth, &env).await;
    assert!(ok, "login succeeds: {stderr}");
    let files = cache_files(home.path());
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    assert_eq!(mode(&files[0]), 0o600);
    let cached: Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let access = cached["access_token"].as_str().unwrap().to_owned();
    let refresh = cached["refresh_token"].as_str().unwrap().to_owned();
    assert!(!stderr.contains(&access) && !stderr.contains(&refresh));

    let (ok, out, err) = cli(home.path(), &["whoami"], &env).await;
    assert!(ok, "{err}");
    assert!(out.contains(&format!("org: {}", oauth.url)), "{out}");
    assert!(out.contains("client: native"), "{out}");
    assert!(out.contains("okta.users.read"), "{out}");
    assert!(out.contains("expires in"), "{out}");
    // auto sends a proof and this server binds the token: the key is cached
    // with it, and the server run below uses both.
    assert!(out.contains("token type: DPoP"), "{out}");
    assert!(out.contains("refresh token: yes"), "{out}");
    for secret in [&access, &refresh] {
        assert!(!out.contains(secret.as_str()) && !err.contains(secret.as_str()));
    }

    // The server started later uses the cached sign-in: no code, first call
    // works.
    let mcp = start_mcp_in(home, &env).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let (stderr, home) = mcp.stop_keep_home().await;
    assert!(!stderr.contains("sign in to Okta"), "{stderr}");
    assert_no_secrets(&stderr, &fake, &[]);

    // Another scope set is another cache entry.
    let mut other = env.clone();
    other.retain(|(k, _)| *k != "OKTA_SCOPES");
    other.push(("OKTA_SCOPES", "okta.users.read okta.groups.read"));
    let (ok, _, _) = cli(home.path(), &["whoami"], &other).await;
    assert!(!ok, "a different scope set is not signed in");
    // ... but the order of the scopes does not matter.
    let mut reordered = env.clone();
    reordered.retain(|(k, _)| *k != "OKTA_SCOPES");
    reordered.push(("OKTA_SCOPES", "  okta.users.read  "));
    let (ok, _, _) = cli(home.path(), &["whoami"], &reordered).await;
    assert!(ok, "same scope set, other spelling");
    // Another client is another cache entry.
    let mut client = env.clone();
    client.retain(|(k, _)| *k != "OKTA_CLIENT_ID");
    client.push(("OKTA_CLIENT_ID", "other"));
    let (ok, _, _) = cli(home.path(), &["whoami"], &client).await;
    assert!(!ok, "another client is not signed in");

    let (ok, _, err) = cli(home.path(), &["logout"], &env).await;
    assert!(ok, "{err}");
    assert!(
        cache_files(home.path()).is_empty(),
        "logout removes the cache"
    );
    let (ok, _, _) = cli(home.path(), &["whoami"], &env).await;
    assert!(!ok, "signed out");
}

/// Private key JWT client `svc` in front of a fake Okta; `extra` merges
/// into the server config.
async fn svc_server(fake: &fake_okta::FakeOkta, key: &str, extra: Value) -> OAuthServer {
    let mut cfg = json!({
        "scopes": ["okta.users.read", "okta.groups.read"],
        "api_upstream": fake.base_url(),
        "clients": [{"client_id": "svc", "keys": [{"kid": "k1", "pem": key}]}],
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    OAuthServer::start(cfg).await
}

/// Two runs of the server with `OKTA_DPOP=auto` in the same home; returns
/// the token requests of each run and what `auto` remembered.
async fn two_auto_runs(oauth: &OAuthServer, key: &str) -> (Vec<Value>, Vec<Value>, Value) {
    let env = [
        ("OKTA_ORG_URL", oauth.url.as_str()),
        ("OKTA_CLIENT_ID", "svc"),
        ("OKTA_KEY_ID", "k1"),
        ("OKTA_PRIVATE_KEY", key),
        ("OKTA_SCOPES", "okta.users.read"),
        ("OKTA_DPOP", "auto"),
    ];
    let mcp = start_mcp(&env).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let (_, home) = mcp.stop_keep_home().await;
    let first = oauth.token_requests().await;
    let mcp = start_mcp_in(home, &env).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let (stderr, home) = mcp.stop_keep_home().await;
    assert!(!stderr.contains("eyJ"), "no JWT in stderr");
    let all = oauth.token_requests().await;
    let memory: Vec<PathBuf> = std::fs::read_dir(home.path().join("state/okta-mcp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("dpop-")
        })
        .collect();
    assert_eq!(memory.len(), 1, "{memory:?}");
    #[cfg(unix)]
    assert_eq!(mode(&memory[0]), 0o600);
    let learned = serde_json::from_str(&std::fs::read_to_string(&memory[0]).unwrap()).unwrap();
    (first.clone(), all[first.len()..].to_vec(), learned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_auto_remembers_a_refusal() {
    if prerequisites_missing() {
        return;
    }
    let fake = fake().await;
    let key = ec_sec1();
    let oauth = svc_server(&fake, &key, json!({"dpop_refused": true})).await;
    let (first, second, learned) = two_auto_runs(&oauth, &key).await;
    assert_eq!(failed(&first).len(), 1, "learned once: {first:?}");
    assert_eq!(failed(&first)[0]["error"], "invalid_dpop_proof");
    assert!(failed(&second).is_empty(), "second run: {second:?}");
    assert!(second.iter().all(|r| r["dpop"] == false), "{second:?}");
    assert_eq!(learned["dpop"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_auto_remembers_dpop_and_nonce() {
    if prerequisites_missing() {
        return;
    }
    let fake = fake().await;
    let key = ec_sec1();
    let oauth = svc_server(
        &fake,
        &key,
        json!({"clients": [{"client_id": "svc", "keys": [{"kid": "k1", "pem": key}], "dpop_required": true}]}),
    )
    .await;
    let (first, second, learned) = two_auto_runs(&oauth, &key).await;
    assert_eq!(failed(&first).len(), 1, "the nonce challenge: {first:?}");
    assert_eq!(failed(&first)[0]["error"], "use_dpop_nonce");
    assert!(failed(&second).is_empty(), "second run: {second:?}");
    assert!(second.iter().all(|r| r["dpop"] == true), "{second:?}");
    assert_eq!(learned["dpop"], true);
}

/// `okta-mcp doctor` against oidc-provider standing in for the org's
/// authorization server (the API behind it is the fake): a good private key
/// JWT setup passes every check; a wrong key and DPoP refused fail the
/// token check, a scope the app was not granted the scopes check, each with
/// its own fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_each_sign_in_failure() {
    if prerequisites_missing() {
        return;
    }
    let key = ec_sec1();
    let other = ec_sec1();
    let fake = fake().await;
    let oauth = OAuthServer::start(json!({
        "scopes": ["okta.users.read"],
        "api_upstream": fake.base_url(),
        "clients": [
            {"client_id": "svc", "keys": [{"kid": "k1", "pem": key}], "dpop_required": false},
            {"client_id": "bound", "keys": [{"kid": "k1", "pem": key}], "dpop_required": true},
        ],
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (good, wrong) = (dir.path().join("good.pem"), dir.path().join("wrong.pem"));
    std::fs::write(&good, &key).unwrap();
    std::fs::write(&wrong, &other).unwrap();
    let doctor = |client: &'static str, key: &Path, scopes: &'static str, dpop: &'static str| {
        let home = home();
        let env = [
            ("OKTA_ORG_URL", oauth.url.clone()),
            ("OKTA_CLIENT_ID", client.to_owned()),
            ("OKTA_KEY_ID", "k1".to_owned()),
            ("OKTA_PRIVATE_KEY_FILE", key.to_str().unwrap().to_owned()),
            ("OKTA_SCOPES", scopes.to_owned()),
            ("OKTA_DPOP", dpop.to_owned()),
            ("OKTA_AUDIT_LOG", "off".to_owned()),
        ];
        async move {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            cli(home.path(), &["doctor"], &env).await
        }
    };
    let find = |out: &str, start: &str| {
        out.lines()
            .find(|l| l.starts_with(start))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no line starting {start:?}:\n{out}"))
    };

    let (ok, out, err) = doctor("svc", &good, "okta.users.read", "never").await;
    assert!(ok, "{out}\n{err}");
    find(&out, "ok    org");
    assert!(
        find(&out, "ok    token").contains("DPoP off, expires in"),
        "{out}"
    );
    find(&out, "ok    scopes");
    find(&out, "ok    read okta.users.read");

    let (ok, out, _) = doctor("svc", &wrong, "okta.users.read", "never").await;
    assert!(!ok);
    assert!(
        find(&out, "FAIL  token").contains("invalid_client"),
        "{out}"
    );
    assert!(
        out.contains("fix: the app does not accept this client"),
        "{out}"
    );

    // oidc-provider leaves out a scope it does not grant (Okta answers
    // invalid_scope instead): the scopes check names it.
    let (ok, out, _) = doctor("svc", &good, "okta.users.read okta.groups.read", "never").await;
    assert!(!ok);
    find(&out, "ok    token");
    assert!(
        find(&out, "FAIL  scopes").contains("not granted: okta.groups.read"),
        "{out}"
    );
    assert!(out.contains("Okta API Scopes tab"), "{out}");

    let (ok, out, _) = doctor("bound", &good, "okta.users.read", "never").await;
    assert!(!ok);
    find(&out, "FAIL  token");
    assert!(out.contains("OKTA_DPOP"), "{out}");
    for line in out.lines() {
        assert!(!line.contains("BEGIN"), "no key material in the report");
    }
}
