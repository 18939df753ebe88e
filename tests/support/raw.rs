//! The `okta-mcp` binary on raw pipes, for input no MCP client would send
//! (garbage lines, truncated frames, invalid UTF-8).

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::TOKEN;

pub struct Raw {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    stderr_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

pub const INIT: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

impl Raw {
    /// Starts the binary; does not initialize.
    pub async fn spawn(org_url: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let stderr_path = dir.path().join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("OKTA_ORG_URL", org_url)
            .env("OKTA_SCOPES", "okta.users.read")
            .env("OKTA_API_TOKEN", TOKEN)
            .env("OKTA_NO_BROWSER", "1")
            .env("RUST_LOG", "okta_mcp=debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn okta-mcp");
        let stdin = child.stdin.take();
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self {
            child,
            stdin,
            lines,
            stderr_path,
            _dir: dir,
        }
    }

    /// Starts and initializes.
    pub async fn start(org_url: &str) -> Self {
        let mut s = Self::spawn(org_url).await;
        s.initialize().await;
        s
    }

    pub async fn initialize(&mut self) {
        self.send(INIT.as_bytes()).await;
        let init = self.response_to(json!(0)).await;
        assert!(init.get("result").is_some(), "{init}");
        self.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).await.expect("write");
        stdin.flush().await.expect("flush");
    }

    pub async fn send(&mut self, line: &[u8]) {
        self.write(line).await;
        self.write(b"\n").await;
    }

    /// The next line the server writes, as JSON, within 10 s.
    pub async fn next_message(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("a message within 10 s")
            .expect("read")
            .expect("the server is still running");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next message with this id (others are skipped).
    pub async fn response_to(&mut self, id: Value) -> Value {
        loop {
            let msg = self.next_message().await;
            if msg["id"] == id && (msg.get("result").is_some() || msg.get("error").is_some()) {
                return msg;
            }
        }
    }

    /// The server still answers a valid `tools/list`, and says nothing
    /// before that answer.
    pub async fn answers_next(&mut self, id: i64) {
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#);
        self.send(line.as_bytes()).await;
        let msg = self.next_message().await;
        assert_eq!(msg["id"], json!(id), "{msg}");
        assert!(msg["result"]["tools"].is_array(), "{msg}");
    }

    /// The server still answers a valid `tools/list` (messages before the
    /// answer, such as id-null parse errors, are skipped).
    pub async fn still_answers(&mut self, id: i64) {
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#);
        self.send(line.as_bytes()).await;
        let msg = self.response_to(json!(id)).await;
        assert!(msg["result"]["tools"].is_array(), "{msg}");
    }

    /// Sends a bad line and returns the error it is answered with.
    pub async fn error_for(&mut self, line: &[u8]) -> Value {
        self.send(line).await;
        let msg = self.next_message().await;
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        assert!(msg.get("result").is_none(), "{msg}");
        assert!(msg["error"]["message"].is_string(), "{msg}");
        msg
    }

    /// Closes stdin and waits (up to 10 s) for the process to exit.
    pub async fn close_and_wait(&mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("exits on EOF")
            .expect("wait")
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}
