//! The stdio transport: one JSON-RPC message per line.
//!
//! rmcp's own line transport drops a line it cannot parse without a word
//! (and stops the session when a notification arrives before
//! `initialize`). This one answers instead, and keeps serving:
//!
//! | line | answer |
//! | --- | --- |
//! | not UTF-8, not JSON, truncated JSON | `-32700 Parse error`, id `null` |
//! | longer than the limit (16 MiB) | `-32700 Parse error`, id `null`; the line is skipped |
//! | JSON, but not a JSON-RPC message (wrong types, a batch) | `-32600 Invalid Request`, with the request's id when it can be read |
//! | a notification that does not parse, or one MCP does not define | nothing (JSON-RPC never answers a notification) |
//! | a notification or response before the session has started | nothing: skipped and logged, so it cannot end the handshake |
//!
//! Blank lines are skipped; a UTF-8 byte order mark and a `\r` before the
//! newline are accepted. The error messages describe where the input broke,
//! never its content. Replies to bad lines share the writer with rmcp's
//! messages, so a reply is never interleaved with another message.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest line read, as rmcp's own default.
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// A server transport over a reader and a writer (stdin and stdout in the
/// binary; an in-memory pipe in tests and the fuzz harness).
pub struct LineTransport<R, W> {
    read: BufReader<R>,
    /// The line read so far (kept across cancelled reads).
    line: Vec<u8>,
    max_line_bytes: usize,
    /// Skipping the rest of an oversized line.
    discarding: bool,
    write: Arc<Mutex<W>>,
    /// Whether the session has started: the server has answered
    /// `initialize` (or a first request of a session without it). Until
    /// then rmcp takes anything but a request as the end of the handshake,
    /// so notifications and responses are skipped.
    started: Arc<AtomicBool>,
}

/// Either end of the process's stdio, as the transport reads and writes it.
pub type StdReader = Box<dyn AsyncRead + Send + Unpin>;
pub type StdWriter = Box<dyn AsyncWrite + Send + Unpin>;

/// stdin and stdout. When they are pipes (as MCP clients start servers)
/// they are driven by the reactor directly; tokio's `Stdin`/`Stdout` hand
/// every read and write to a blocking thread, a hop per message that shows
/// in the latency tail. Files and terminals keep tokio's own handles. Must
/// be called inside the runtime.
pub fn stdio() -> LineTransport<StdReader, StdWriter> {
    let read: StdReader = match pipe_stdin() {
        Some(pipe) => Box::new(pipe),
        None => Box::new(tokio::io::stdin()),
    };
    let write: StdWriter = match pipe_stdout() {
        Some(pipe) => Box::new(pipe),
        None => Box::new(tokio::io::stdout()),
    };
    LineTransport::new(read, write)
}

#[cfg(unix)]
fn pipe_stdin() -> Option<tokio::net::unix::pipe::Receiver> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    tokio::net::unix::pipe::Receiver::from_owned_fd(fd).ok()
}

#[cfg(unix)]
fn pipe_stdout() -> Option<tokio::net::unix::pipe::Sender> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    tokio::net::unix::pipe::Sender::from_owned_fd(fd).ok()
}

#[cfg(not(unix))]
fn pipe_stdin() -> Option<tokio::io::Stdin> {
    None
}

#[cfg(not(unix))]
fn pipe_stdout() -> Option<tokio::io::Stdout> {
    None
}

enum LineRead {
    Line,
    Oversized,
    Eof,
    Failed(std::io::Error),
}

/// What to do with one line.
#[derive(Debug)]
enum Verdict {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    Skip(&'static str),
    Reply(Value),
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Send + Unpin,
    W: AsyncWrite + Send + Unpin + 'static,
{
    pub fn new(read: R, write: W) -> Self {
        Self {
            read: BufReader::new(read),
            line: Vec::new(),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            discarding: false,
            write: Arc::new(Mutex::new(write)),
            started: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Sets the longest line read (at least 1 KiB).
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max.max(1024);
        self
    }

    /// Reads one line into `self.line`, never holding more than the limit.
    /// Cancellation-safe: bytes are moved from the reader's buffer into
    /// `self.line` with no await in between.
    async fn read_line(&mut self) -> LineRead {
        loop {
            let available = match self.read.fill_buf().await {
                Ok(a) => a,
                Err(e) => return LineRead::Failed(e),
            };
            if available.is_empty() {
                return LineRead::Eof;
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let mut oversized = false;
            if self.discarding {
                if newline.is_some() {
                    self.discarding = false;
                }
            } else if self.line.len().saturating_add(take) > self.max_line_bytes {
                self.line.clear();
                self.discarding = newline.is_none();
                oversized = true;
            } else {
                self.line.extend_from_slice(&available[..take]);
            }
            self.read.consume(take);
            if oversized {
                return LineRead::Oversized;
            }
            if newline.is_some() && !self.discarding && !self.line.is_empty() {
                return LineRead::Line;
            }
        }
    }

    /// Writes a reply to a bad line. Spawned, so that a cancelled
    /// `receive` cannot cut it in half; the writer lock keeps it whole.
    fn reply(&self, message: Value) {
        let write = self.write.clone();
        tokio::spawn(async move {
            let mut bytes = message.to_string().into_bytes();
            bytes.push(b'\n');
            let mut w = write.lock().await;
            if let Err(e) = write_all(&mut *w, &bytes).await {
                tracing::debug!("could not answer a bad JSON-RPC line: {e}");
            }
        });
    }
}

async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

fn error_reply(code: i64, message: String, id: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// MCP's notifications; others are skipped, as rmcp does.
fn is_mcp_notification(method: &str) -> bool {
    matches!(
        method,
        "notifications/cancelled"
            | "notifications/initialized"
            | "notifications/message"
            | "notifications/progress"
            | "notifications/prompts/list_changed"
            | "notifications/resources/list_changed"
            | "notifications/resources/updated"
            | "notifications/roots/list_changed"
            | "notifications/subscriptions/acknowledged"
            | "notifications/tools/list_changed"
    )
}

/// Judges one line (without its newline).
fn judge(line: &[u8]) -> Verdict {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Skip("blank line");
    }
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => {
            return Verdict::Reply(error_reply(
                PARSE_ERROR,
                format!(
                    "Parse error: the line is not valid UTF-8 (at byte {})",
                    e.valid_up_to()
                ),
                Value::Null,
            ));
        }
    };
    match serde_json::from_str::<RxJsonRpcMessage<RoleServer>>(text) {
        Ok(m) => return Verdict::Message(Box::new(m)),
        Err(e) if e.is_syntax() || e.is_eof() => {
            return Verdict::Reply(error_reply(
                PARSE_ERROR,
                format!("Parse error: not a JSON value ({e})"),
                Value::Null,
            ));
        }
        Err(_) => {}
    }
    // Valid JSON, but not a message rmcp reads.
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Verdict::Reply(error_reply(
            PARSE_ERROR,
            "Parse error: not a JSON value".into(),
            Value::Null,
        ));
    };
    if value.is_array() {
        return Verdict::Reply(error_reply(
            INVALID_REQUEST,
            "Invalid Request: JSON-RPC batches are not supported by MCP; send one message per line"
                .into(),
            Value::Null,
        ));
    }
    let id = value.get("id");
    let method = value.get("method").and_then(Value::as_str);
    if id.is_none() && method.is_some() {
        // A notification: never answered.
        return Verdict::Skip(if method.is_some_and(is_mcp_notification) {
            "a notification with unreadable params"
        } else {
            "a notification MCP does not define"
        });
    }
    let id = match id {
        Some(v @ (Value::String(_) | Value::Number(_))) => v.clone(),
        _ => Value::Null,
    };
    let what = match method {
        Some(_) => "the request's params or id do not have the types MCP defines",
        None if value.is_object() => {
            "a JSON-RPC message needs `method` (or `result`/`error` with an `id`)"
        }
        None => "a JSON-RPC message is a JSON object",
    };
    Verdict::Reply(error_reply(
        INVALID_REQUEST,
        format!("Invalid Request: {what}"),
        id,
    ))
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Send + Unpin,
    W: AsyncWrite + Send + Unpin + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = self.write.clone();
        if let rmcp::model::JsonRpcMessage::Response(r) = &item
            && !matches!(
                r.result,
                rmcp::model::ServerResult::EmptyResult(_)
                    | rmcp::model::ServerResult::DiscoverResult(_)
            )
        {
            // Not an answer to `ping` or `server/discover`: the session has
            // started.
            self.started.store(true, Ordering::Release);
        }
        async move {
            let mut bytes = serde_json::to_vec(&item)?;
            bytes.push(b'\n');
            let mut w = write.lock().await;
            write_all(&mut *w, &bytes).await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                LineRead::Line => {}
                LineRead::Oversized => {
                    tracing::warn!(
                        max_line_bytes = self.max_line_bytes,
                        "a JSON-RPC line longer than the limit was skipped"
                    );
                    self.reply(error_reply(
                        PARSE_ERROR,
                        format!(
                            "Parse error: the message is longer than {} bytes and was skipped",
                            self.max_line_bytes
                        ),
                        Value::Null,
                    ));
                    continue;
                }
                LineRead::Eof => return None,
                LineRead::Failed(e) => {
                    tracing::error!("reading the MCP input failed: {e}");
                    return None;
                }
            }
            let line = std::mem::take(&mut self.line);
            let verdict = judge(line.strip_suffix(b"\n").unwrap_or(&line));
            // Keep the buffer's capacity for the next line.
            self.line = line;
            self.line.clear();
            match verdict {
                Verdict::Message(m) => {
                    let is_request = matches!(*m, rmcp::model::JsonRpcMessage::Request(_));
                    if !is_request && !self.started.load(Ordering::Acquire) {
                        tracing::debug!(
                            "skipped a notification or response sent before the session started"
                        );
                        continue;
                    }
                    return Some(*m);
                }
                Verdict::Skip(why) => tracing::debug!("skipped a JSON-RPC line: {why}"),
                Verdict::Reply(reply) => {
                    tracing::debug!(
                        code = reply["error"]["code"].as_i64().unwrap_or_default(),
                        "answered a bad JSON-RPC line: {}",
                        reply["error"]["message"].as_str().unwrap_or_default()
                    );
                    self.reply(reply);
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut w = self.write.lock().await;
        w.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: &Verdict) -> Option<i64> {
        match v {
            Verdict::Reply(r) => r["error"]["code"].as_i64(),
            _ => None,
        }
    }

    #[test]
    fn judges_each_kind_of_line() {
        assert!(matches!(
            judge(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#),
            Verdict::Message(_)
        ));
        assert!(matches!(
            judge(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r"),
            Verdict::Message(_)
        ));
        assert_eq!(code(&judge(b"garbage")), Some(PARSE_ERROR));
        assert_eq!(
            code(&judge(br#"{"jsonrpc":"2.0","id":1,"#)),
            Some(PARSE_ERROR)
        );
        assert_eq!(code(&judge(b"{\"a\":\"\xff\"}")), Some(PARSE_ERROR));
        assert_eq!(code(&judge(b"[1,2]")), Some(INVALID_REQUEST));
        assert_eq!(code(&judge(b"42")), Some(INVALID_REQUEST));
        match judge(br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":"x"}"#) {
            Verdict::Reply(r) => {
                assert_eq!(r["id"], "a");
                assert_eq!(r["error"]["code"], INVALID_REQUEST);
            }
            other => panic!("{other:?}"),
        }
        // Notifications are never answered (rmcp reads unknown ones as
        // custom notifications; one it cannot read is skipped).
        assert!(!matches!(
            judge(br#"{"jsonrpc":"2.0","method":"textDocument/didOpen"}"#),
            Verdict::Reply(_)
        ));
        assert!(matches!(
            judge(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}"#),
            Verdict::Skip(_)
        ));
        assert!(matches!(judge(b"   "), Verdict::Skip(_)));
    }

    #[test]
    fn parse_errors_do_not_echo_the_input() {
        let Verdict::Reply(r) = judge(b"{\"secret-ish\": tru") else {
            panic!("a reply");
        };
        assert!(!r.to_string().contains("secret-ish"), "{r}");
        assert!(r["id"].is_null());
    }
}
