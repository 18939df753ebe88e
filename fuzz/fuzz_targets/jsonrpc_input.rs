//! The JSON-RPC input: arbitrary bytes on the server's stdin.
//!
//! The server (the real `OktaMcpServer` over the binary's line transport,
//! with the offline runtime) runs on an in-memory pipe. The first input
//! byte chooses whether the client initializes first; the rest is written
//! verbatim, then a newline and a valid request (`ping`, or `initialize`). The server must not
//! panic, must write only JSON lines, and must answer that request.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use okta_mcp::jsonrpc_stdio::LineTransport;
use okta_mcp::server::OktaMcpServer;
use okta_mcp_fuzz::offline;
use rmcp::ServiceExt;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const INIT: &str = r#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
"#;
// `ping`, not `tools/list`: listing all 744 tools costs more than the rest
// of an input, and a ping goes through the same reader and service loop.
const PROBE_PING: &str = r#"{"jsonrpc":"2.0","id":"probe","method":"ping"}"#;
const PROBE_INIT: &str = r#"{"jsonrpc":"2.0","id":"probe","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let initialized = mode & 1 == 0;
    // A fresh runtime per input: tasks left waiting (an elicitation no one
    // answers) end with it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let (client, server_io) = tokio::io::duplex(64 * 1024);
        let (server_read, server_write) = tokio::io::split(server_io);
        let transport = LineTransport::new(server_read, server_write).with_max_line_bytes(1024);
        let server = OktaMcpServer::new(offline().runtime.clone());
        let served = tokio::spawn(async move {
            if let Ok(running) = server.serve(transport).await {
                let _ = running.waiting().await;
            }
        });
        let (client_read, mut client_write) = tokio::io::split(client);
        let mut input = Vec::new();
        if initialized {
            input.extend_from_slice(INIT.as_bytes());
        }
        input.extend_from_slice(bytes);
        input.push(b'\n');
        input.extend_from_slice(if initialized { PROBE_PING } else { PROBE_INIT }.as_bytes());
        input.push(b'\n');
        let writer = tokio::spawn(async move {
            let _ = client_write.write_all(&input).await;
            let _ = client_write.flush().await;
            client_write
        });
        let mut lines = BufReader::new(client_read).lines();
        let answer = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let line = match lines.next_line().await {
                    Ok(Some(l)) => l,
                    Ok(None) => panic!("the server closed its output before answering"),
                    Err(e) => panic!("the server wrote invalid UTF-8: {e}"),
                };
                let msg: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("the server wrote a line that is not JSON ({e})"));
                if msg["id"] == "probe" {
                    return msg;
                }
            }
        })
        .await
        .expect("the server answers the probe within 20 s");
        if initialized {
            assert!(
                answer["result"].is_object() || answer.get("error").is_some(),
                "{answer}"
            );
        } else {
            assert!(
                answer.get("result").is_some() || answer.get("error").is_some(),
                "{answer}"
            );
        }
        drop(writer.await);
        drop(lines);
        let _ = tokio::time::timeout(Duration::from_secs(5), served).await;
    });
});
