//! Shared test harness: a fake Okta on 127.0.0.1 and the real `okta-mcp`
//! binary driven over stdio by rmcp's client (a real MCP client).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value};

pub mod agent;
pub mod browser;
pub mod http;
pub mod oidc;
pub mod peers;
pub mod raw;

#[allow(unused_imports)]
pub use fake_okta::{Credential, FakeOkta, Fault, FaultKind, Method};

/// The API token every harness org accepts.
pub const TOKEN: &str = "test-ssws-token-5f3a9c";

/// Every scope of every spec, for "all scopes" listings.
pub fn all_scopes() -> String {
    let mut s: Vec<&str> = okta_mcp::scopes::known_scopes().into_iter().collect();
    s.sort();
    s.join(" ")
}

/// Every scope the operations of one spec (`management`, `governance`) need.
pub fn scopes_of(api: &str) -> String {
    let s: std::collections::BTreeSet<&str> = okta_mcp::tool_table::TOOLS
        .iter()
        .filter(|t| t.api == api)
        .flat_map(|t| t.scopes.iter().copied())
        .collect();
    s.into_iter().collect::<Vec<_>>().join(" ")
}

/// A fake Okta org accepting [`TOKEN`].
pub async fn fake_org() -> FakeOkta {
    FakeOkta::builder()
        .users(25)
        .accept_token(Credential::Ssws(TOKEN.into()))
        .start()
        .await
        .expect("fake Okta starts")
}

/// A running `okta-mcp` with an MCP client attached.
pub struct Server {
    pub client: RunningService<RoleClient, ()>,
    pub stderr_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// The `okta-mcp` binary with a clean environment: home and state in
/// `dir`, the org, the scopes and [`TOKEN`].
pub fn command(dir: &std::path::Path, org_url: &str, scopes: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("OKTA_ORG_URL", org_url)
        .env("OKTA_SCOPES", scopes)
        .env("OKTA_API_TOKEN", TOKEN)
        .env("OKTA_NO_BROWSER", "1");
    cmd
}

/// Starts the server against `org_url` with `scopes` and extra environment.
pub async fn start(org_url: &str, scopes: &str, env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr_path = dir.path().join("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let mut cmd = command(dir.path(), org_url, scopes);
    cmd.env("RUST_LOG", "okta_mcp=debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("spawn okta-mcp");
    let client = tokio::time::timeout(Duration::from_secs(20), ().serve(transport))
        .await
        .expect("initialize within 20 s")
        .expect("initialize succeeds");
    Server {
        client,
        stderr_path,
        _dir: dir,
    }
}

impl Server {
    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    pub async fn tools(&self) -> Vec<Tool> {
        tokio::time::timeout(Duration::from_secs(20), self.client.list_all_tools())
            .await
            .expect("tools/list within 20 s")
            .expect("tools/list succeeds")
    }

    /// Calls a tool; panics only on protocol failure (tool errors are results).
    pub async fn call(&self, name: &str, args: Value) -> CallToolResult {
        let args: Map<String, Value> = match args {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(args);
        tokio::time::timeout(Duration::from_secs(60), self.client.call_tool(params))
            .await
            .expect("tools/call within 60 s")
            .expect("tools/call succeeds at the protocol level")
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub async fn stop(self) -> String {
        let path = self.stderr_path.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.cancel()).await;
        std::fs::read_to_string(path).unwrap_or_default()
    }
}

/// The structured content of a result (panics if absent).
pub fn structured(r: &CallToolResult) -> Value {
    r.structured_content.clone().expect("structured content")
}

pub fn is_error(r: &CallToolResult) -> bool {
    r.is_error == Some(true)
}

/// The text of a result's first content block.
pub fn text(r: &CallToolResult) -> String {
    r.content
        .first()
        .and_then(|c| c.as_text().map(|t| t.text.clone()))
        .unwrap_or_default()
}
