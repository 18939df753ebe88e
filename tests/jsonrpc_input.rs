//! Bad JSON-RPC frames on stdin: each gets a clear answer (or, for
//! notifications, none) and the server goes on serving. The binary on raw
//! pipes, since no MCP client sends such input.

mod support;

use std::time::Duration;

use serde_json::json;
use support::raw::Raw;
use support::*;

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
    let status = raw.close_and_wait().await;
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
