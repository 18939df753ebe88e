//! Bad JSON-RPC frames on stdin: each gets a clear answer (or, for
//! notifications, none) and the server goes on serving. The binary on raw
//! pipes, since no MCP client sends such input.

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

struct Raw {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    stderr_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

impl Raw {
    /// Starts the binary; does not initialize.
    async fn spawn(org_url: &str) -> Self {
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
    async fn start(org_url: &str) -> Self {
        let mut s = Self::spawn(org_url).await;
        s.initialize().await;
        s
    }

    async fn initialize(&mut self) {
        self.send(INIT.as_bytes()).await;
        let init = self.response_to(json!(0)).await;
        assert!(init.get("result").is_some(), "{init}");
        self.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
    }

    async fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).await.expect("write");
        stdin.flush().await.expect("flush");
    }

    async fn send(&mut self, line: &[u8]) {
        self.write(line).await;
        self.write(b"\n").await;
    }

    /// The next line the server writes, as JSON, within 10 s.
    async fn next_message(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("a message within 10 s")
            .expect("read")
            .expect("the server is still running");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next message with this id (others are skipped).
    async fn response_to(&mut self, id: Value) -> Value {
        loop {
            let msg = self.next_message().await;
            if msg["id"] == id && (msg.get("result").is_some() || msg.get("error").is_some()) {
                return msg;
            }
        }
    }

    /// The server still answers a valid `tools/list`, and says nothing
    /// before that answer.
    async fn answers_next(&mut self, id: i64) {
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#);
        self.send(line.as_bytes()).await;
        let msg = self.next_message().await;
        assert_eq!(msg["id"], json!(id), "{msg}");
        assert!(msg["result"]["tools"].is_array(), "{msg}");
    }

    /// Sends a bad line and returns the error it is answered with.
    async fn error_for(&mut self, line: &[u8]) -> Value {
        self.send(line).await;
        let msg = self.next_message().await;
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        assert!(msg.get("result").is_none(), "{msg}");
        assert!(msg["error"]["message"].is_string(), "{msg}");
        msg
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

fn assert_no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unparsable_lines_get_a_parse_error_and_the_server_goes_on() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;

    // Garbage. The answer names no content of the line.
    let msg = raw.error_for(b"this is not json at all MARKER-1").await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    assert!(msg["id"].is_null() && msg.get("id").is_some(), "{msg}");
    assert!(!msg.to_string().contains("MARKER-1"), "{msg}");
    raw.answers_next(1).await;

    // Truncated JSON.
    let msg = raw
        .error_for(br#"{"jsonrpc":"2.0","id":50,"method":"tools/li"#)
        .await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    assert!(msg["id"].is_null(), "{msg}");
    raw.answers_next(2).await;

    // Invalid UTF-8, inside a string and as bare bytes.
    let msg = raw
        .error_for(b"{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\xff\xfe\"}")
        .await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    assert!(
        msg["error"]["message"].as_str().unwrap().contains("UTF-8"),
        "{msg}"
    );
    let msg = raw.error_for(b"\xc3\x28\xa0\xa1 \x80").await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    raw.answers_next(3).await;

    // A lone `}` and a line of NUL bytes.
    let msg = raw.error_for(b"}").await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    let msg = raw.error_for(b"\0\0\0\0").await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    raw.answers_next(4).await;

    assert!(raw.running());
    drop(raw.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), raw.child.wait())
        .await
        .expect("exits on EOF")
        .expect("wait");
    assert!(status.success(), "{status}");
    assert_no_panic(&raw.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_line_is_refused_and_the_next_one_is_read() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;
    // 17 MiB of one JSON string, over the 16 MiB limit, written while the
    // server reads.
    let mut big = br#"{"jsonrpc":"2.0","id":60,"method":"tools/list","params":{"x":""#.to_vec();
    big.extend(std::iter::repeat_n(b'a', 17 * 1024 * 1024));
    big.extend_from_slice(b"\"}}");
    let msg = raw.error_for(&big).await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    assert!(msg["id"].is_null(), "{msg}");
    assert!(
        msg["error"]["message"]
            .as_str()
            .unwrap()
            .contains("longer than"),
        "{msg}"
    );
    raw.answers_next(5).await;
    assert!(raw.running());
    assert!(
        raw.stderr().contains("longer than the limit"),
        "{}",
        raw.stderr()
    );
    assert_no_panic(&raw.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_that_is_not_a_message_gets_invalid_request() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;

    // A batch (MCP has none), a bare number, an object without a method.
    for line in [
        &b"[1,2,3]"[..],
        b"42",
        b"\"hello\"",
        br#"{"jsonrpc":"2.0"}"#,
    ] {
        let msg = raw.error_for(line).await;
        assert_eq!(msg["error"]["code"], -32600, "{msg}");
        assert!(msg["id"].is_null(), "{msg}");
    }
    raw.answers_next(6).await;

    // A request whose params have the wrong type: answered with its id.
    let msg = raw
        .error_for(br#"{"jsonrpc":"2.0","id":"req-7","method":"tools/call","params":"nope"}"#)
        .await;
    assert_eq!(msg["id"], "req-7", "{msg}");
    assert!(msg["error"]["code"].is_i64(), "{msg}");
    // An id of the wrong type: answered with id null.
    let msg = raw
        .error_for(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#)
        .await;
    assert_eq!(msg["error"]["code"], -32600, "{msg}");
    assert!(msg["id"].is_null(), "{msg}");
    raw.answers_next(7).await;

    // An unknown method is a well-formed request: Method not found.
    raw.send(br#"{"jsonrpc":"2.0","id":8,"method":"no/such/method"}"#)
        .await;
    let msg = raw.response_to(json!(8)).await;
    assert_eq!(msg["error"]["code"], -32601, "{msg}");
    raw.answers_next(9).await;
    assert!(raw.running());
    assert_no_panic(&raw.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_never_answered_and_odd_framing_is_accepted() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;
    // A notification MCP does not define, one with bad params, blank lines:
    // no answer, so the next message is the answer to the next request.
    raw.send(br#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}"#)
        .await;
    raw.send(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}"#)
        .await;
    raw.send(b"").await;
    raw.send(b"   \t").await;
    raw.answers_next(10).await;
    // CRLF and a byte order mark.
    raw.write(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/list\"}\r\n")
        .await;
    let msg = raw.next_message().await;
    assert_eq!(msg["id"], 11, "{msg}");
    assert!(msg["result"]["tools"].is_array(), "{msg}");
    // A request split across writes is one line.
    raw.write(br#"{"jsonrpc":"2.0","id":12,"#).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    raw.write(b"\"method\":\"tools/list\"}\n").await;
    let msg = raw.next_message().await;
    assert_eq!(msg["id"], 12, "{msg}");
    assert!(raw.running());
    assert_no_panic(&raw.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_and_stray_messages_before_initialize_do_not_end_the_session() {
    let fake = fake_org().await;
    let mut raw = Raw::spawn(fake.base_url()).await;
    let msg = raw.error_for(b"garbage before initialize").await;
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    // A notification and a stray response before the first request would
    // end rmcp's handshake; they are skipped.
    raw.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        .await;
    raw.send(br#"{"jsonrpc":"2.0","id":99,"result":{}}"#).await;
    // A ping before initialize is answered, and does not start the session:
    // a notification after it is still skipped (found by fuzzing: it ended
    // the handshake).
    raw.send(br#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#)
        .await;
    let msg = raw.response_to(json!("p")).await;
    assert!(msg.get("result").is_some(), "{msg}");
    raw.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        .await;
    raw.initialize().await;
    raw.answers_next(13).await;
    assert!(raw.running());
    assert_no_panic(&raw.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_still_works_after_bad_frames() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;
    raw.error_for(b"{{{{").await;
    raw.error_for(b"\xff").await;
    let call = json!({"jsonrpc":"2.0","id":20,"method":"tools/call",
        "params":{"name":"list_users","arguments":{"limit": 2}}});
    raw.send(call.to_string().as_bytes()).await;
    let msg = raw.response_to(json!(20)).await;
    assert_eq!(msg["result"]["isError"], json!(false), "{msg}");
    assert!(raw.running());
    assert_no_panic(&raw.stderr());
}
