//! Two `okta-mcp serve --http` replicas behind a real nginx (round robin)
//! sharing a real redis-server: a 2025-11-25 session goes on after the
//! replica that started it is killed, and an MRTR confirmation asked by
//! one replica is answered on the other. Nothing is kept in one replica's
//! memory that the other needs.

// Its peers (redis-server, nginx, the Python SDK venv) are installed by
// .ci/run, which runs on Linux; the release workflow's macOS and Windows
// jobs run every other test.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use rmcp::model::{CallToolRequestParams, InputResponses};
use serde_json::{Value, json};
use support::agent::{Agent, deletable_groups, requests_with};
use support::http::{HttpServer, connect, post, raw_call};
use support::peers::{Nginx, Redis, free_port};
use support::{fake_org, is_error, structured, text};

const SCOPES: &str = "okta.users.read okta.groups.manage";

/// fake-okta, Redis, nginx over two replicas; `None` when skipping.
async fn cluster() -> Option<(support::FakeOkta, Redis, Nginx, Vec<HttpServer>)> {
    let fake = fake_org().await;
    let redis = Redis::start()?;
    let ports = [free_port(), free_port()];
    let nginx = Nginx::start(&ports)?;
    let env = [
        ("OKTA_MCP_STORE", redis.url()),
        ("OKTA_MCP_PUBLIC_URL", nginx.url()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut replicas = Vec::new();
    for port in ports {
        let dir = tempfile::tempdir().unwrap();
        replicas.push(HttpServer::start_in(dir, fake.base_url(), SCOPES, &env, port).await);
    }
    Some((fake, redis, nginx, replicas))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_goes_on_after_its_replica_is_killed() {
    let Some((fake, _redis, nginx, mut replicas)) = cluster().await else {
        return;
    };
    let client = connect(&format!("{}/mcp", nginx.url()), Agent::default(), false).await;
    for _ in 0..4 {
        let r = client.call("list_users", json!({"limit": 2})).await;
        assert!(!is_error(&r), "{}", text(&r));
    }
    let log = nginx.access_log();
    for r in &replicas {
        assert!(
            log.contains(&format!("127.0.0.1:{}", r.port)),
            "round robin used both replicas: {log}"
        );
    }
    // Kill (SIGKILL) the replica that started the session.
    let started = replicas
        .iter()
        .position(|r| r.stderr().contains("MCP session started"))
        .expect("one replica started the session");
    replicas[started].kill().await;
    let survivor = &replicas[1 - started];
    for i in 0..4 {
        let r = client.call("list_users", json!({"limit": 1})).await;
        assert!(!is_error(&r), "call {i} after the kill: {}", text(&r));
        assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 1);
    }
    let tools = client.client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "delete_group"));
    assert!(
        !survivor.stderr().contains("panicked"),
        "{}",
        survivor.stderr()
    );
    assert!(requests_with(&fake, "GET", "/api/v1/users") >= 8);
    client.client.cancel().await.ok();
}

/// The `requestState` of an InputRequired answer.
fn request_state(answer: &str) -> String {
    let v: Value = serde_json::from_str(answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    v["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("no requestState: {answer}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mrtr_confirmation_asked_by_one_replica_is_answered_on_the_other() {
    let Some((fake, _redis, nginx, replicas)) = cluster().await else {
        return;
    };
    let groups = deletable_groups(&fake);
    let elicit = json!({"elicitation": {"form": {}}});
    let ask = |gid: &str| {
        let (mut body, headers) = raw_call("delete_group", json!({"groupId": gid}));
        body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = elicit.clone();
        (body, headers)
    };
    let answer = |body: &Value, state: &str| {
        let mut responses = InputResponses::new();
        responses.insert(
            "confirm".into(),
            json!({"action": "accept", "content": {"confirm": true}}),
        );
        let params = CallToolRequestParams::new("delete_group")
            .with_input_responses(responses)
            .with_request_state(state.to_owned());
        let extra = serde_json::to_value(params).unwrap();
        let mut body = body.clone();
        for key in ["inputResponses", "requestState"] {
            body["params"][key] = extra[key].clone();
        }
        body
    };
    let a = replicas[0].mcp_url();
    let b = replicas[1].mcp_url();

    // Asked on A: nothing is sent.
    let (body, headers) = ask(&groups[0]);
    let (status, first) = post(&a, &body, &headers, &[]).await;
    assert_eq!(status, 200, "{first}");
    let state = request_state(&first);
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);
    // Answered on B: sent once.
    let retried = answer(&body, &state);
    let (status, done) = post(&b, &retried, &headers, &[]).await;
    assert_eq!(status, 200, "{done}");
    assert!(!done.contains("requestState"), "completed: {done}");
    assert!(!done.contains("\"isError\":true"), "{done}");
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    // The same answer again, on A: used once, so asked anew, nothing sent.
    let (_, again) = post(&a, &retried, &headers, &[]).await;
    request_state(&again);
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);

    // And rmcp's own MRTR rounds through nginx's round robin.
    let client = connect(
        &format!("{}/mcp", nginx.url()),
        Agent::answering(rmcp::model::ElicitationAction::Accept),
        true,
    )
    .await;
    let r = client
        .call("delete_group", json!({"groupId": groups[1]}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(client.agent().asked().len(), 1);
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 2);
    client.client.cancel().await.ok();
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elicitation_answer_may_reach_either_replica() {
    let Some((fake, _redis, nginx, _replicas)) = cluster().await else {
        return;
    };
    let groups = deletable_groups(&fake);
    let client = connect(
        &format!("{}/mcp", nginx.url()),
        Agent::answering(rmcp::model::ElicitationAction::Accept),
        false,
    )
    .await;
    // Round robin sends the answers to either replica, whichever asked.
    for (i, gid) in groups.iter().take(3).enumerate() {
        let r = tokio::time::timeout(
            Duration::from_secs(20),
            client.call("delete_group", json!({"groupId": gid})),
        )
        .await
        .expect("answered within 20 s");
        assert!(!is_error(&r), "{}", text(&r));
        assert_eq!(client.agent().asked().len(), i + 1);
        assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), i + 1);
    }
    client.client.cancel().await.ok();
}
