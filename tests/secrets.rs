//! No credential in any output, at `RUST_LOG=trace`: the whole session of
//! the real binary against the fake Okta (tools/list, a read, a call that
//! fails validation, a confirmed write, Okta errors, a broken connection),
//! for an API token (`SSWS`) and for a ready access token (`Bearer`), and
//! configuration errors with a token set. stderr, every tool result (text
//! and structured) and every protocol error are searched for the token and
//! for pieces of it.

mod support;

use rmcp::model::CallToolRequestParams;
use serde_json::{Map, Value, json};
use support::*;

/// Long and unlike anything else in the output, so a hit is a leak.
const API_TOKEN: &str = "00sswsLEAK-9fQ2zX7kT4mW8pR1vB6nY3cH5jD0gL";
const ACCESS_TOKEN: &str = "eyLEAKaccess.Zk81QmV3cWx0dFh2RkQ.Yp4Rr7sWq2Lm9Nc";

/// Fails if `secret`, or a run of 12 of its characters, is in `haystack`.
fn assert_clean(what: &str, haystack: &str, secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for piece in chars.windows(12) {
        let piece: String = piece.iter().collect();
        assert!(
            !haystack.contains(&piece),
            "{what} contains `{piece}` of the credential:\n{}",
            &haystack[..haystack.len().min(4000)]
        );
    }
}

/// Everything a client sees of a tool result.
fn seen(r: &rmcp::model::CallToolResult) -> String {
    serde_json::to_string(r).expect("result serializes")
}

/// Runs the session; returns all the client saw, and stderr.
async fn session(fake: &FakeOkta, env: &[(&str, &str)]) -> (String, String) {
    let server = start(
        fake.base_url(),
        "okta.users.read okta.groups.manage okta.logs.read",
        env,
    )
    .await;
    let mut seen_all = String::new();

    let tools = server.tools().await;
    assert!(tools.iter().any(|t| t.name == "list_users"));
    seen_all.push_str(&serde_json::to_string(&tools).expect("tools serialize"));

    // A read.
    let r = server.call("list_users", json!({"limit": 3})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["items"].as_array().map(Vec::len), Some(3));
    seen_all.push_str(&seen(&r));

    // A call that fails validation.
    let r = server
        .call("get_user", json!({"id": 42, "extra": true}))
        .await;
    assert!(is_error(&r));
    seen_all.push_str(&seen(&r));

    // A confirmed write: create a group, then delete it.
    let r = server
        .call(
            "create_group",
            json!({"body": {"profile": {"name": "secrets"}}}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    seen_all.push_str(&seen(&r));
    let gid = structured(&r)["id"].as_str().expect("group id").to_owned();
    let r = server.call("delete_group", json!({"groupId": gid})).await;
    assert!(is_error(&r), "deleted without confirmation");
    seen_all.push_str(&seen(&r));
    let r = server
        .call("delete_group", json!({"groupId": gid, "confirm": true}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    seen_all.push_str(&seen(&r));

    // Okta errors: a 404, a 403, a 503 after retries, malformed JSON, a
    // reset connection.
    let r = server
        .call("get_user", json!({"id": "00uNOSUCHUSER"}))
        .await;
    assert!(is_error(&r), "{}", text(&r));
    seen_all.push_str(&seen(&r));
    for kind in [
        FaultKind::Forbidden,
        FaultKind::ServiceUnavailable,
        FaultKind::MalformedJson,
        FaultKind::ResetConnection,
        FaultKind::Html { status: 502 },
    ] {
        fake.add_fault(
            Fault::new(Method::GET, "/api/v1/groups")
                .kind(kind)
                .times(10),
        );
        let r = server.call("list_groups", json!({"limit": 1})).await;
        seen_all.push_str(&seen(&r));
        fake.clear_faults();
    }

    // An unknown tool, and a protocol-level error.
    let r = server.call("no_such_tool", json!({})).await;
    assert!(is_error(&r));
    seen_all.push_str(&seen(&r));
    let bad = server
        .client
        .call_tool(
            CallToolRequestParams::new("get_user").with_arguments(Map::from_iter([(
                "id".to_owned(),
                Value::String("\u{0}".repeat(3)),
            )])),
        )
        .await;
    seen_all.push_str(&format!("{bad:?}"));

    // The scope status tool describes the credentials.
    let r = server.call("get_scope_status", json!({})).await;
    seen_all.push_str(&seen(&r));

    let stderr = server.stop().await;
    (seen_all, stderr)
}

/// The credential was really sent (so the test searches for something the
/// server held and used).
fn assert_sent(fake: &FakeOkta, header: &str) {
    let requests = fake.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(header)),
        "every request carries the credential"
    );
}

/// The session against an org accepting `credential`, with `env`: the
/// credential is sent as `header` and shown nowhere.
async fn token_flow(credential: Credential, env: &[(&str, &str)], header: &str, secret: &str) {
    let fake = FakeOkta::builder()
        .users(10)
        .accept_token(credential)
        .start()
        .await
        .expect("fake Okta starts");
    let mut env = env.to_vec();
    env.push(("RUST_LOG", "trace"));
    let (seen, stderr) = session(&fake, &env).await;
    assert_sent(&fake, header);
    // The log really is at trace level.
    assert!(stderr.contains("TRACE"), "{stderr}");
    assert!(stderr.lines().count() > 50, "{stderr}");
    assert_clean("stderr", &stderr, secret);
    assert_clean("what the client saw", &seen, secret);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_token_never_appears_at_trace_level() {
    token_flow(
        Credential::Ssws(API_TOKEN.into()),
        &[("OKTA_API_TOKEN", API_TOKEN)],
        &format!("SSWS {API_TOKEN}"),
        API_TOKEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_token_never_appears_at_trace_level() {
    // No API token: the access token is the credential used.
    token_flow(
        Credential::Bearer(ACCESS_TOKEN.into()),
        &[("OKTA_API_TOKEN", ""), ("OKTA_ACCESS_TOKEN", ACCESS_TOKEN)],
        &format!("Bearer {ACCESS_TOKEN}"),
        ACCESS_TOKEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_not_shown() {
    // Okta answers 401: the error names the problem, not the token.
    let fake = FakeOkta::builder()
        .users(3)
        .accept_token(Credential::Ssws("another-token".into()))
        .start()
        .await
        .expect("fake Okta starts");
    let server = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_API_TOKEN", API_TOKEN), ("RUST_LOG", "trace")],
    )
    .await;
    let r = server.call("list_users", json!({"limit": 1})).await;
    assert!(is_error(&r), "{}", text(&r));
    let seen = seen(&r);
    let stderr = server.stop().await;
    assert_clean("the 401 result", &seen, API_TOKEN);
    assert_clean("stderr", &stderr, API_TOKEN);
}

/// Configuration errors with a token set: the server starts, answers, and
/// shows the token nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_with_a_token_set_do_not_show_it() {
    let cases: &[&[(&str, &str)]] = &[
        // Not a URL.
        &[("OKTA_ORG_URL", "not a url at all")],
        // http on a host that is not loopback.
        &[("OKTA_ORG_URL", "http://example.okta.com")],
        // The token inside the org URL (userinfo).
        &[(
            "OKTA_ORG_URL",
            "https://00sswsLEAK-9fQ2zX7kT4mW8pR1vB6nY3cH5jD0gL@example.okta.com",
        )],
        // A token a header cannot carry (a newline in the middle).
        &[(
            "OKTA_API_TOKEN",
            "00sswsLEAK-9fQ2zX7k\nT4mW8pR1vB6nY3cH5jD0gL",
        )],
        // An unknown scope and a bad number next to the token.
        &[
            ("OKTA_SCOPES", "okta.users.read okta.nosuch.read"),
            ("OKTA_MAX_CONCURRENCY", "lots"),
        ],
    ];
    for extra in cases {
        let fake = fake_org().await;
        let mut env: Vec<(&str, &str)> = vec![("OKTA_API_TOKEN", API_TOKEN), ("RUST_LOG", "trace")];
        env.extend_from_slice(extra);
        let server = start(fake.base_url(), "okta.users.read", &env).await;
        let mut seen_all = String::new();
        let tools = server.tools().await;
        seen_all.push_str(&serde_json::to_string(&tools).expect("tools serialize"));
        for (name, args) in [
            ("list_users", json!({"limit": 1})),
            ("get_scope_status", json!({})),
        ] {
            let r = server.call(name, args).await;
            seen_all.push_str(&seen(&r));
        }
        let stderr = server.stop().await;
        assert_clean(&format!("stderr with {extra:?}"), &stderr, API_TOKEN);
        assert_clean(&format!("results with {extra:?}"), &seen_all, API_TOKEN);
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
