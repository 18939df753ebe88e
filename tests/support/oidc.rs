//! oidc-provider (tests/oauth/server.mjs) standing in for Okta's org
//! authorization server, and the keys tests register with it: shared by the
//! OAuth tests of the stdio server (tests/oauth.rs) and of remote mode
//! (tests/remote_oauth.rs).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;

/// Skips (locally) or fails (CI) when a prerequisite is missing.
pub fn missing(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true and {what} is missing: the OAuth tests must run in CI");
    }
    eprintln!("skipping OAuth test: {what} is missing");
    true
}

pub fn oauth_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth")
}

pub fn prerequisites_missing() -> bool {
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

pub fn openssl(args: &[&str]) -> String {
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
pub fn rsa_pkcs1() -> String {
    openssl(&["genrsa", "-traditional", "2048"])
}

/// EC P-256 SEC1 private key PEM.
pub fn ec_sec1() -> String {
    openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
}

/// A running oidc-provider.
pub struct OAuthServer {
    pub child: tokio::process::Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl OAuthServer {
    pub async fn start(config: Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.json");
        std::fs::write(&cfg, serde_json::to_vec(&config).unwrap()).unwrap();
        let log = std::fs::File::create(dir.path().join("node.log")).unwrap();
        let mut child = tokio::process::Command::new("node")
            .arg(oauth_dir().join("server.mjs"))
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("oidc-provider ready within 30 s")
            .unwrap()
            .expect("oidc-provider prints its port");
        // Keep reading: oidc-provider prints notices on stdout, and a closed
        // pipe would kill it (EPIPE) in the middle of a test.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
            dir,
        }
    }

    /// What node printed on stderr, for failure messages.
    pub fn log(&mut self) -> String {
        let alive = matches!(self.child.try_wait(), Ok(None));
        let log = std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default();
        format!("oidc-provider alive: {alive}\n{log}")
    }

    /// Every token request so far: `grant`, `scope`, `status`, `error`, `dpop`.
    pub async fn token_requests(&self) -> Vec<Value> {
        let stats: Value = reqwest::get(format!("{}/test/stats", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["token"].as_array().cloned().unwrap_or_default()
    }

    pub async fn hook(&self, path: &str) {
        let r = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
