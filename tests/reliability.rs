//! Reliability over stdio: the real binary against a fake Okta that
//! misbehaves (rate limits, 5xx, slow or broken connections, odd bodies),
//! under load, and with bad JSON-RPC input.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::raw::Raw;
use support::*;

fn requests_to(fake: &FakeOkta, method: &str, path: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_429_waits_for_reset_and_succeeds() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read okta.groups.manage", &[]).await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .times(1)
            .kind(FaultKind::TooManyRequests { reset_in_secs: 1 }),
    );
    let t = Instant::now();
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 2);
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 2);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    for req in fake.requests() {
        // Every attempt is authorized and names the client.
        assert_eq!(
            req.header("authorization"),
            Some(format!("SSWS {TOKEN}").as_str())
        );
        let ua = req.header("user-agent").unwrap_or_default();
        assert!(ua.starts_with("okta-mcp/"), "{ua}");
    }

    // A 429 is replayed for POST too: Okta did not process it.
    fake.add_fault(
        Fault::new(Method::POST, "/api/v1/groups")
            .times(1)
            .kind(FaultKind::TooManyRequests { reset_in_secs: 1 }),
    );
    let r = server
        .call(
            "create_group",
            json!({"body": {"profile": {"name": "Reliability"}}}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(requests_to(&fake, "POST", "/api/v1/groups"), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_longer_than_max_wait_ends_the_call() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_MAX_RATE_LIMIT_WAIT", "2")],
    )
    .await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .times(1)
            .kind(FaultKind::TooManyRequests { reset_in_secs: 50 }),
    );
    let t = Instant::now();
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("429"), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 1);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let log = server.stop().await;
    assert!(log.contains("OKTA_MAX_RATE_LIMIT_WAIT"), "{log}");
    assert!(!log.contains(TOKEN), "the token never reaches the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_5xx_retried_for_get_never_for_post() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read okta.groups.manage", &[]).await;
    fake.add_fault(Fault::new(Method::GET, "/api/v1/users").times(1));
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 2);

    fake.add_fault(Fault::new(Method::POST, "/api/v1/groups").times(1));
    let r = server
        .call(
            "create_group",
            json!({"body": {"profile": {"name": "Once"}}}),
        )
        .await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("503"), "{}", text(&r));
    assert_eq!(requests_to(&fake, "POST", "/api/v1/groups"), 1, "no replay");

    // A GET that keeps failing stops after OKTA_MAX_RETRIES (3) retries.
    fake.add_fault(Fault::new(Method::GET, "/api/v1/groups").always());
    let r = server.call("list_groups", json!({})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/groups"), 4);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_response_times_out_and_server_stays_up() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_REQUEST_TIMEOUT", "1")],
    )
    .await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .times(1)
            .kind(FaultKind::Delay { ms: 3000 }),
    );
    let t = Instant::now();
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("time"), "{}", text(&r));
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        requests_to(&fake, "GET", "/api/v1/users"),
        1,
        "a timeout is not retried"
    );
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(!is_error(&r), "{}", text(&r));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_is_retried_then_reported() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_MAX_RETRIES", "2")],
    )
    .await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .times(1)
            .kind(FaultKind::ResetConnection),
    );
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 2);

    fake.clear_requests();
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .always()
            .kind(FaultKind::ResetConnection),
    );
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("connection to Okta"), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_bodies_give_clear_results() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_MAX_RESPONSE_BYTES", "100000")],
    )
    .await;
    let once = |kind| Fault::new(Method::GET, "/api/v1/users").times(1).kind(kind);

    fake.add_fault(once(FaultKind::MalformedJson));
    let r = server.call("list_users", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    assert!(s["warning"].as_str().unwrap().contains("malformed"), "{s}");
    assert!(s["raw"].as_str().unwrap().contains("trunc"), "{s}");

    fake.add_fault(once(FaultKind::Oversized { megabytes: 64 }));
    let t = Instant::now();
    let r = server.call("list_users", json!({})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("100000"), "{}", text(&r));
    assert!(text(&r).contains("OKTA_MAX_RESPONSE_BYTES"), "{}", text(&r));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

    fake.add_fault(once(FaultKind::ExtraFields));
    let r = server.call("list_users", json!({"limit": 3})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    let first = &s["items"][0];
    assert_eq!(first["fakeOktaUnknownField"], "surprise", "{first}");
    assert_eq!(first["futureFeature"]["tiers"], json!([1, 2, 3]), "{first}");
    assert_eq!(first["status"], "FUTURE_STATUS", "{first}");

    fake.add_fault(once(FaultKind::Empty204));
    let r = server.call("list_users", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["status"], 204);
    assert!(text(&r).contains("no content"), "{}", text(&r));

    fake.add_fault(once(FaultKind::Html { status: 200 }));
    let r = server.call("list_users", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    assert!(s["content_type"].as_str().unwrap().contains("html"), "{s}");
    assert!(s["text"].as_str().unwrap().contains("<html>"), "{s}");

    fake.add_fault(once(FaultKind::Html { status: 500 }));
    let r = server.call("list_users", json!({})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(text(&r).contains("500"), "{}", text(&r));

    // A 502 HTML page from a proxy is transient: retried once, then fine.
    fake.clear_requests();
    fake.add_fault(once(FaultKind::Html { status: 502 }));
    let r = server.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(requests_to(&fake, "GET", "/api/v1/users"), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_respect_the_in_flight_limit() {
    let fake = fake_org().await;
    let server = Arc::new(
        start(
            fake.base_url(),
            "okta.users.read",
            &[("OKTA_MAX_CONCURRENCY", "5"), ("RUST_LOG", "okta_mcp=info")],
        )
        .await,
    );
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .always()
            .kind(FaultKind::Delay { ms: 50 }),
    );
    fake.reset_counters();
    let t = Instant::now();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.call("list_users", json!({"limit": 1})).await })
        })
        .collect();
    let results = tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(calls))
        .await
        .expect("200 calls within 30 s");
    let elapsed = t.elapsed();
    let mut ok = 0;
    for r in results {
        let r = r.expect("task");
        assert!(!is_error(&r), "{}", text(&r));
        ok += 1;
    }
    assert_eq!(ok, 200);
    assert_eq!(fake.total_requests(), 200);
    assert!(fake.max_in_flight() <= 5, "{}", fake.max_in_flight());
    assert!(fake.max_in_flight() >= 2, "calls ran concurrently");
    // 200 × 50 ms over 5 slots is 2 s at best.
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_numeric_settings_are_reported_not_fatal() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[
            ("OKTA_MAX_CONCURRENCY", "lots"),
            ("OKTA_REQUEST_TIMEOUT", "1.5"),
        ],
    )
    .await;
    let r = server.call("get_scope_status", json!({})).await;
    let s = structured(&r).to_string();
    assert!(s.contains("OKTA_MAX_CONCURRENCY is `lots`"), "{s}");
    assert!(s.contains("OKTA_REQUEST_TIMEOUT is `1.5`"), "{s}");
    // Defaults are used: Okta calls still work.
    let r = server.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let log = server.stop().await;
    assert!(log.contains("OKTA_MAX_CONCURRENCY"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_rpc_input_does_not_stop_the_server() {
    let fake = fake_org().await;
    let mut raw = Raw::start(fake.base_url()).await;

    raw.send(b"this is not json at all").await;
    raw.still_answers(1).await;

    raw.send(br#"{"jsonrpc":"2.0","id":50,"method":"tools/li"#)
        .await;
    raw.still_answers(2).await;

    raw.send(b"{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\xff\xfe\"}")
        .await;
    raw.send(b"\xc3\x28\xa0\xa1 \x80").await;
    raw.still_answers(3).await;

    raw.send(br#"{"jsonrpc":"2.0","id":52,"method":"no/such/method"}"#)
        .await;
    let msg = raw.response_to(json!(52)).await;
    assert!(msg["error"]["code"].is_i64(), "{msg}");

    raw.send(br#"{"jsonrpc":"2.0","id":53,"method":"tools/call","params":"nope"}"#)
        .await;
    let msg = raw.response_to(json!(53)).await;
    assert!(
        msg.get("error").is_some() || msg.get("result").is_some(),
        "{msg}"
    );

    // An oversized string argument (1 MiB): answered, as an error result.
    let big = "x".repeat(1024 * 1024);
    let call = json!({"jsonrpc":"2.0","id":54,"method":"tools/call",
        "params":{"name":"get_user","arguments":{"id": big}}});
    raw.send(call.to_string().as_bytes()).await;
    let msg = raw.response_to(json!(54)).await;
    let answered_with_error = msg.get("error").is_some() || msg["result"]["isError"] == json!(true);
    assert!(
        answered_with_error,
        "{}",
        &msg.to_string()[..300.min(msg.to_string().len())]
    );
    raw.still_answers(4).await;

    assert!(raw.running(), "the server is still running");
}
