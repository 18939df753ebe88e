//! OAuth end to end: the real `okta-mcp` binary against a real OAuth server
//! (`oidc-provider` from npm, on Okta's routes: `tests/oauth/server.mjs`) and
//! the fake Okta API. Keys are generated at test time with `openssl`.
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
use support::{is_error, text};
use tokio::io::AsyncBufReadExt;

/// Skips (locally) or fails (CI) when a prerequisite is missing.
fn missing(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true and {what} is missing: the OAuth tests must run in CI");
    }
    eprintln!("skipping OAuth test: {what} is missing");
    true
}

fn oauth_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth")
}

fn prerequisites_missing() -> bool {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        return missing("node");
    }
    if !oauth_dir().join("node_modules/oidc-provider").is_dir() {
        return missing("tests/oauth/node_modules (run `npm ci --prefix tests/oauth`)");
    }
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        return missing("openssl");
    }
    false
}

fn openssl(args: &[&str]) -> String {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("PEM is text")
}

/// RSA PKCS#1 private key PEM.
fn rsa_pkcs1() -> String {
    openssl(&["genrsa", "-traditional", "2048"])
}

/// EC P-256 SEC1 private key PEM.
fn ec_sec1() -> String {
    openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
}

/// Converts any private key PEM to PKCS#8.
fn to_pkcs8(dir: &Path, pem: &str) -> String {
    let p = dir.join("k.pem");
    std::fs::write(&p, pem).unwrap();
    openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", p.to_str().unwrap()])
}

/// A running oidc-provider.
struct OAuthServer {
    child: tokio::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl OAuthServer {
    async fn start(config: Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.json");
        std::fs::write(&cfg, serde_json::to_vec(&config).unwrap()).unwrap();
        let mut child = tokio::process::Command::new("node")
            .arg(oauth_dir().join("server.mjs"))
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("oidc-provider ready within 30 s")
            .unwrap()
            .expect("oidc-provider prints its port");
        Self {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
            _dir: dir,
        }
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
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

/// Starts `okta-mcp` with OAuth settings only (no API token), trace logs.
async fn start_mcp(env: &[(&str, &str)]) -> Mcp {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("OKTA_NO_BROWSER", "1")
        .env("RUST_LOG", "trace");
    for (k, v) in env {
        cmd.env(k, v);
    }
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
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.cancel()).await;
        let s = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        drop(self.dir);
        s
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
}

/// Starts oidc-provider (client `svc`, key `register_pem`) in front of a fake
/// Okta, runs `okta-mcp` with `key_pem`, and calls `list_users` once.
async fn client_credentials_round(key_pem: &str, register_pem: &str, dpop: &str) -> Round {
    let fake = fake().await;
    let oauth = OAuthServer::start(json!({
        "scopes": ["okta.users.read", "okta.groups.read"],
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
        ("OKTA_SCOPES", "okta.users.read"),
        ("OKTA_DPOP", dpop),
    ])
    .await;
    let result = mcp.call("list_users", json!({"limit": 2})).await;
    let stderr = mcp.stop().await;
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

async fn device_action(oauth: &OAuthServer, code: &str, action: &str) {
    let url = format!("{}/test/device?user_code={code}&action={action}", oauth.url);
    let r = reqwest::get(url).await.unwrap();
    assert!(r.status().is_success(), "device hook: {}", r.status());
}

/// Calls `list_users` until it is not a sign-in/pending result (20 s).
async fn call_until_signed_in(mcp: &Mcp) -> rmcp::model::CallToolResult {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    loop {
        let r = mcp.call("list_users", json!({"limit": 1})).await;
        let pending = r
            .structured_content
            .as_ref()
            .is_some_and(|s| s.get("sign_in").is_some());
        if !pending || tokio::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn device_setup(extra: Value) -> (fake_okta::FakeOkta, OAuthServer, Mcp) {
    let fake = fake().await;
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
    let oauth = OAuthServer::start(cfg).await;
    let mcp = start_mcp(&[
        ("OKTA_ORG_URL", &oauth.url),
        ("OKTA_CLIENT_ID", "native"),
        ("OKTA_SCOPES", "okta.users.read"),
    ])
    .await;
    (fake, oauth, mcp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "WIP: after approval the binary's polls fail with a reqwest send error (server answers curl fine); under investigation"]
async fn device_flow_approve_refresh_and_cache() {
    if prerequisites_missing() {
        return;
    }
    let (fake, oauth, mcp) = device_setup(json!({})).await;
    assert!(mcp.tool_names().await.contains(&"list_users".to_owned()));
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(is_error(&r));
    let code = user_code(&r);
    assert!(text(&r).contains(&code), "{}", text(&r));
    device_action(&oauth, &code, "approve").await;
    let r = call_until_signed_in(&mcp).await;
    let log = std::fs::read_to_string(&mcp.stderr_path).unwrap_or_default();
    let tail: String = log
        .lines()
        .filter(|l| l.contains("okta_mcp"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!is_error(&r), "{}\n{tail}", text(&r));
    // The token lives 30 s, inside the 60 s renewal margin: the next call
    // refreshes it.
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let tokens: std::collections::BTreeSet<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(tokens.len(), 2, "a refreshed token was used");
    let state = mcp.dir.path().join("state/okta-mcp");
    let files: Vec<_> = std::fs::read_dir(&state)
        .expect("cache dir")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stderr = mcp.stop().await;
    assert!(stderr.contains(&code), "the code is shown on stderr");
    assert_no_secrets(&stderr, &fake, &[]);
    let cached = std::fs::read_to_string(&files[0]).unwrap();
    let cached: Value = serde_json::from_str(&cached).unwrap();
    let rt = cached["refresh_token"]
        .as_str()
        .expect("refresh token cached");
    assert!(!stderr.contains(rt), "refresh token leaked into stderr");
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
#[ignore = "WIP: after approval the binary's polls fail with a reqwest send error (server answers curl fine); under investigation"]
async fn device_flow_slow_down_backs_off() {
    if prerequisites_missing() {
        return;
    }
    let (_fake, oauth, mcp) = device_setup(json!({"slow_down": 1})).await;
    let r = mcp.call("list_users", json!({"limit": 1})).await;
    let code = user_code(&r);
    let started = std::time::Instant::now();
    device_action(&oauth, &code, "approve").await;
    let r = call_until_signed_in(&mcp).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "slow_down adds 5 s to the interval"
    );
    mcp.stop().await;
}
