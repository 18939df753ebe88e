//! `okta-mcp serve --http` through the real binary against fake-okta, one
//! instance in local single-user mode (`OKTA_MCP_HTTP_AUTH=none`): both
//! protocol generations with rmcp's Streamable HTTP client (tools, a read,
//! a write confirmed by elicitation and by MRTR), the probes, the guard
//! (foreign Origin/Host, oversized bodies: refused before anything reaches
//! Okta), refused starts, and a graceful stop that finishes a call in
//! flight.

// Its peers (redis-server, nginx, the Python SDK venv) are installed by
// .ci/run, which runs on Linux; the release workflow's macOS and Windows
// jobs run every other test.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use rmcp::model::ElicitationAction;
use serde_json::{Value, json};
use support::agent::{Agent, deletable_groups, requests_with};
use support::http::{HttpServer, connect, post, raw_call};
use support::{Fault, FaultKind, Method, fake_org, is_error, structured, text};

/// Settings of MCP authorization (fresh keys; the web app's key is EC).
fn oauth_env() -> Vec<(&'static str, String)> {
    use base64::Engine;
    let key = |n: usize| {
        let mut k = vec![0u8; n];
        aws_lc_rs::rand::fill(&mut k).unwrap();
        base64::engine::general_purpose::STANDARD.encode(k)
    };
    vec![
        ("OKTA_MCP_HTTP_AUTH", "oauth".into()),
        ("OKTA_MCP_SIGNING_KEY", key(32)),
        ("OKTA_MCP_STORE_KEY", key(32)),
        ("OKTA_MCP_WEB_CLIENT_ID", "web-app".into()),
        ("OKTA_MCP_WEB_KEY_ID", "web-1".into()),
        ("OKTA_MCP_WEB_PRIVATE_KEY", support::oidc::ec_sec1()),
    ]
}

const SCOPES: &str = "okta.users.read okta.groups.manage";

fn okta_api_requests(fake: &support::FakeOkta) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_protocol_generations_list_read_and_confirm_writes() {
    let fake = fake_org().await;
    let groups = deletable_groups(&fake);
    let server = HttpServer::start(fake.base_url(), SCOPES, &[]).await;

    // 2025-11-25: a session; the write is confirmed by elicitation.
    let legacy = connect(
        &server.mcp_url(),
        Agent::answering(ElicitationAction::Accept),
        false,
    )
    .await;
    let tools = legacy.client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(
        names.contains(&"list_users") && names.contains(&"delete_group"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"delete_user"),
        "okta.users.manage is not configured"
    );
    let r = legacy.call("list_users", json!({"limit": 3})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 3);
    let r = legacy
        .call("delete_group", json!({"groupId": groups[0]}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(legacy.agent().asked().len(), 1, "asked by elicitation");
    assert!(legacy.agent().asked()[0].contains(&groups[0]));
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    legacy.client.cancel().await.ok();

    // 2026-07-28: stateless; the write is confirmed through MRTR.
    let modern = connect(
        &server.mcp_url(),
        Agent::answering(ElicitationAction::Accept),
        true,
    )
    .await;
    let r = modern.call("list_users", json!({"limit": 2})).await;
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 2);
    let r = modern
        .call("delete_group", json!({"groupId": groups[1]}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(modern.agent().asked().len(), 1, "asked through MRTR");
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 2);
    modern.client.cancel().await.ok();

    // A declined MRTR question sends nothing.
    let declining = connect(
        &server.mcp_url(),
        Agent::answering(ElicitationAction::Decline),
        true,
    )
    .await;
    let groups = deletable_groups(&fake);
    let r = declining
        .call("delete_group", json!({"groupId": groups[0]}))
        .await;
    assert!(
        is_error(&r) && text(&r).contains("declined"),
        "{}",
        text(&r)
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 2);
    declining.client.cancel().await.ok();

    // The audit trail names the person (here the local one).
    let audit = std::fs::read_to_string(server.dir.path().join("state/okta-mcp/audit.jsonl"))
        .expect("audit trail");
    assert!(
        audit.lines().any(|l| l.contains("\"person\":\"local user")),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_and_readyz_follows_the_store() {
    let fake = fake_org().await;
    let Some(redis) = support::peers::Redis::start() else {
        return;
    };
    let server =
        HttpServer::start(fake.base_url(), SCOPES, &[("OKTA_MCP_STORE", &redis.url())]).await;
    let get = |path: &str| {
        let url = format!("{}{path}", server.base());
        async move {
            let r = reqwest::get(url).await.expect("answer");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    assert_eq!(get("/healthz").await.0, 200);
    let (status, body) = get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(
        ready["store"], "redis",
        "the kind only, not its address: {body}"
    );
    // The store goes away: not ready (503), yet alive; a call that needs
    // the store gets a clear 503, and the process does not panic.
    drop(redis);
    let (status, body) = get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cannot be reached"), "{body}");
    assert_eq!(get("/healthz").await.0, 200);
    let (body, headers) = raw_call("list_users", json!({"limit": 1}));
    let mut with_session = headers.clone();
    with_session.push((
        "mcp-session-id",
        "00000000-0000-4000-8000-000000000000".into(),
    ));
    let (status, text) = post(&format!("{}/mcp", server.base()), &body, &with_session, &[]).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("store"), "{text}");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_hosts_and_oversized_bodies_never_reach_okta() {
    let fake = fake_org().await;
    let server = HttpServer::start(
        fake.base_url(),
        SCOPES,
        &[("OKTA_MCP_MAX_REQUEST_BYTES", "65536")],
    )
    .await;
    let url = server.mcp_url();
    let (body, headers) = raw_call("list_users", json!({"limit": 1}));

    let (status, text) = post(&url, &body, &headers, &[("origin", "https://evil.example")]).await;
    assert_eq!(status, 403, "{text}");
    let (status, _) = post(&url, &body, &headers, &[("origin", "null")]).await;
    assert_eq!(status, 403);
    let (status, _) = post(&url, &body, &headers, &[("host", "evil.example")]).await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &url,
        &body,
        &headers,
        &[("host", &format!("rebound.example:{}", server.port))],
    )
    .await;
    assert_eq!(status, 403, "a DNS-rebound name on the right port");
    // A body over OKTA_MCP_MAX_REQUEST_BYTES: declared, and streamed.
    let big = raw_call("list_users", json!({"q": "x".repeat(100_000)})).0;
    let (status, _) = post(&url, &big, &headers, &[]).await;
    assert_eq!(status, 413);
    let chunked = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(
            (0..20).map(|_| Ok::<_, std::io::Error>(vec![b' '; 8192])),
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status().as_u16(), 413);
    assert_eq!(okta_api_requests(&fake), 0, "nothing reached Okta");

    // The same call from an allowed origin (the public URL's) goes through.
    let (status, text) = post(&url, &body, &headers, &[("origin", &server.base())]).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"items\""), "{text}");
    assert_eq!(okta_api_requests(&fake), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_or_unfinished_setups_do_not_start() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OKTA_AUDIT_LOG", "off")
            .envs(env.iter().copied())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = run(
        &["serve", "--http", "0.0.0.0:0"],
        &[("OKTA_MCP_HTTP_AUTH", "none")],
    );
    assert!(!ok);
    assert!(err.contains("OKTA_MCP_PUBLIC_URL"), "{err}");
    let (ok, err) = run(
        &[
            "serve",
            "--http",
            "0.0.0.0:0",
            "--public-url",
            "https://mcp.example.com",
        ],
        &[("OKTA_MCP_HTTP_AUTH", "none")],
    );
    assert!(!ok);
    assert!(err.contains("only on a loopback address"), "{err}");
    let (ok, err) = run(&["serve", "--http", "127.0.0.1:0"], &[]);
    assert!(!ok, "authorization is on by default and needs its settings");
    assert!(err.contains("OKTA_MCP_SIGNING_KEY"), "{err}");
    assert!(err.contains("OKTA_MCP_HTTP_AUTH=none"), "{err}");
    let (ok, err) = run(
        &["serve", "--http", "127.0.0.1:0", "--store", "ftp://x"],
        &[("OKTA_MCP_HTTP_AUTH", "none")],
    );
    assert!(!ok);
    assert!(err.contains("OKTA_MCP_STORE"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_finishes_the_call_in_flight_then_exits() {
    let fake = fake_org().await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .times(1)
            .kind(FaultKind::Delay { ms: 1500 }),
    );
    let mut server = HttpServer::start(
        fake.base_url(),
        SCOPES,
        &[("OKTA_MCP_SHUTDOWN_GRACE", "60")],
    )
    .await;
    // A 2025-11-25 client holds a session stream open; the stop does not
    // wait for it (only for calls).
    let idle = connect(&server.mcp_url(), Agent::default(), false).await;
    let url = server.mcp_url();
    let (body, headers) = raw_call("list_users", json!({"limit": 2}));
    let call = tokio::spawn(async move { post(&url, &body, &headers, &[]).await });
    // Stop once the call has reached Okta.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while okta_api_requests(&fake) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the call reached Okta"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopping = std::time::Instant::now();
    server.terminate();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused while the call finishes.
    assert!(
        reqwest::get(format!("{}/healthz", server.base()))
            .await
            .is_err(),
        "the listener is closed"
    );
    let (status, text) = call.await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("\"items\""),
        "the call in flight finished: {text}"
    );
    let exit = server.exit_status(Duration::from_secs(30)).await;
    assert!(exit.success(), "{exit:?}: {}", server.stderr());
    assert!(
        stopping.elapsed() < Duration::from_secs(30),
        "the open session stream did not hold the stop for OKTA_MCP_SHUTDOWN_GRACE"
    );
    drop(idle);
    assert!(server.stderr().contains("stopped"), "{}", server.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_store_keeps_a_pending_confirmation_across_a_restart() {
    let fake = fake_org().await;
    let groups = deletable_groups(&fake);
    let state_dir = tempfile::tempdir().unwrap();
    let store = format!("file://{}", state_dir.path().join("state.json").display());
    let env = [("OKTA_MCP_STORE", store.as_str())];
    let (mut body, headers) = raw_call("delete_group", json!({"groupId": groups[0]}));
    body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] =
        json!({"elicitation": {"form": {}}});

    let mut first = HttpServer::start(fake.base_url(), SCOPES, &env).await;
    let (status, asked) = post(&first.mcp_url(), &body, &headers, &[]).await;
    assert_eq!(status, 200, "{asked}");
    let asked: Value = serde_json::from_str(&asked).unwrap();
    let state = asked["result"]["requestState"]
        .as_str()
        .expect("asked")
        .to_owned();
    first.terminate();
    assert!(first.exit_status(Duration::from_secs(30)).await.success());

    let second = HttpServer::start(fake.base_url(), SCOPES, &env).await;
    body["params"]["requestState"] = json!(state);
    body["params"]["inputResponses"] =
        json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    let (status, done) = post(&second.mcp_url(), &body, &headers, &[]).await;
    assert_eq!(status, 200, "{done}");
    assert!(
        !done.contains("requestState"),
        "answered after the restart: {done}"
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(state_dir.path().join("state.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_authorization_on_mcp_asks_for_a_sign_in_and_reaches_nothing() {
    let fake = fake_org().await;
    let env = oauth_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = HttpServer::start(fake.base_url(), SCOPES, &env).await;
    let (body, headers) = raw_call("list_users", json!({"limit": 1}));
    let r = reqwest::Client::new()
        .post(server.mcp_url())
        .json(&body)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .bearer_auth("not-a-token-of-this-server")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let metadata_url = format!("{}/.well-known/oauth-protected-resource/mcp", server.base());
    assert!(challenge.contains(&metadata_url), "{challenge}");
    assert!(challenge.contains("invalid_token"), "{challenge}");
    let (status, _) = post(&server.mcp_url(), &body, &headers, &[]).await;
    assert_eq!(status, 401, "no token");
    // The discovery documents are served beside /mcp, by the same server.
    let metadata: Value = reqwest::get(&metadata_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], server.mcp_url());
    assert_eq!(metadata["authorization_servers"][0], server.base());
    assert_eq!(okta_api_requests(&fake), 0, "nothing reached Okta");
}
