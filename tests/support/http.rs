//! The real `okta-mcp serve --http` binary on 127.0.0.1, and MCP clients
//! over Streamable HTTP (rmcp's client, or raw requests).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use super::agent::Agent;
use super::agent::AgentServer;
use super::peers::free_port;

/// One `okta-mcp serve --http` process.
pub struct HttpServer {
    pub child: tokio::process::Child,
    pub port: u16,
    pub stderr_path: PathBuf,
    pub dir: tempfile::TempDir,
}

impl HttpServer {
    /// Starts it in local single-user mode against `org_url`, with extra
    /// environment; returns once `/healthz` answers.
    pub async fn start(org_url: &str, scopes: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_in(dir, org_url, scopes, env, free_port()).await
    }

    pub async fn start_in(
        dir: tempfile::TempDir,
        org_url: &str,
        scopes: &str,
        env: &[(&str, &str)],
        port: u16,
    ) -> Self {
        let stderr_path = dir.path().join(format!("stderr-{port}.log"));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let mut cmd = super::command(dir.path(), org_url, scopes);
        cmd.env("OKTA_MCP_HTTP_AUTH", "none")
            .env("RUST_LOG", "okta_mcp=debug")
            .envs(env.iter().copied())
            .args(["serve", "--http", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        let child = cmd.spawn().expect("spawn okta-mcp");
        let server = Self {
            child,
            port,
            stderr_path,
            dir,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/healthz", self.base())).await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "okta-mcp did not serve /healthz within 20 s: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.base())
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends SIGTERM (a graceful stop).
    pub fn terminate(&self) {
        let pid = self.child.id().expect("running") as i32;
        // SAFETY: sending a signal to our own child process.
        #[cfg(unix)]
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        // No signals elsewhere: the remote-mode tests that stop a server
        // gracefully run on Linux only (see their `cfg`).
        #[cfg(not(unix))]
        let _ = pid;
    }

    /// Kills it at once (SIGKILL: nothing is finished or saved).
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Waits for it to exit; panics after `within`.
    pub async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("okta-mcp exits in time")
            .expect("wait")
    }
}

/// An rmcp client with `agent` connected to `url`: the 2025-11-25
/// handshake (a session), or 2026-07-28 discovery (stateless, MRTR). A
/// lost session is an error, not silently started anew.
pub async fn connect(url: &str, agent: Agent, mrtr: bool) -> AgentServer {
    connect_as(url, None, agent, mrtr).await
}

/// [`connect`] with a bearer token on every request.
pub async fn connect_as(url: &str, token: Option<&str>, agent: Agent, mrtr: bool) -> AgentServer {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned())
        .reinit_on_expired_session(false);
    if let Some(t) = token {
        config = config.auth_header(t);
    }
    let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    AgentServer::remote(super::agent::serve_agent(transport, agent, mrtr).await)
}

/// A raw stateless (2026-07-28) `tools/call` request body and headers.
pub fn raw_call(tool: &str, arguments: Value) -> (Value, Vec<(&'static str, String)>) {
    let body = json!({
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {
            "name": tool,
            "arguments": arguments,
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "raw-http", "version": "0"}
            }
        }
    });
    let headers = vec![
        ("accept", "application/json, text/event-stream".to_owned()),
        ("mcp-protocol-version", "2026-07-28".to_owned()),
        ("mcp-method", "tools/call".to_owned()),
        ("mcp-name", tool.to_owned()),
    ];
    (body, headers)
}

/// Posts `body` to `url` with `headers` (plus `extra`); status and text.
pub async fn post(
    url: &str,
    body: &Value,
    headers: &[(&'static str, String)],
    extra: &[(&'static str, &str)],
) -> (u16, String) {
    let mut req = reqwest::Client::new().post(url).json(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let r = tokio::time::timeout(Duration::from_secs(30), req.send())
        .await
        .expect("answer within 30 s")
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}
