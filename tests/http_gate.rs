//! The gate in front of `/mcp`, in process, with a test gate standing in
//! for MCP authorization: refusals are 401/403 challenges and reach
//! nothing; each person gets the tools their grant allows, and fake-okta
//! sees each person's own Okta token; a session can only be used by the
//! person who started it.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use okta_mcp::auth::Authorizer;
use okta_mcp::auth::static_token::StaticToken;
use okta_mcp::call::Runtime;
use okta_mcp::config::{Cli, Config};
use okta_mcp::okta_http::HttpStack;
use okta_mcp::remote::gate::{Gate, Person, Refusal};
use okta_mcp::remote::http::{Remote, serve};
use okta_mcp::remote::people::People;
use okta_mcp::remote::store::{Store, memory::MemoryStore};
use okta_mcp::server::OktaMcpServer;
use serde_json::json;
use support::agent::Agent;
use support::http::{connect_as, post, raw_call};
use support::peers::free_port;
use support::{Credential, FakeOkta, is_error, text};

/// `mcp-ann` and `mcp-bob` are people; other tokens are refused.
struct TestGate;

fn person(subject: &str, scopes: &[&str]) -> Person {
    Person {
        subject: subject.into(),
        name: format!("{subject}@example.com"),
        client_id: "test-client".into(),
        granted_scopes: scopes
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        grant_id: format!("grant-{subject}"),
    }
}

impl Gate for TestGate {
    fn authenticate<'a>(
        &'a self,
        authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Person, Refusal>> {
        let answer = match authorization {
            None => Err(Refusal::MissingToken),
            Some("Bearer mcp-ann") => Ok(person("ann", &["okta.users.read"])),
            Some("Bearer mcp-bob") => Ok(person("bob", &["okta.users.read", "okta.groups.read"])),
            Some("Bearer mcp-narrow") => Err(Refusal::InsufficientScope("okta.users.read".into())),
            Some(_) => Err(Refusal::InvalidToken("expired".into())),
        };
        Box::pin(std::future::ready(answer))
    }

    fn authorizer_for(&self, person: &Person) -> Arc<dyn Authorizer> {
        Arc::new(StaticToken::access_token(&format!("okta-token-of-{}", person.subject)).unwrap())
    }

    fn resource_metadata_url(&self) -> String {
        "http://127.0.0.1/.well-known/oauth-protected-resource".into()
    }
}

/// Serves `/mcp` with the test gate against `fake`; stops when dropped.
struct InProcess {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(fake: &FakeOkta) -> InProcess {
    let port = free_port();
    let cli = <Cli as clap::Parser>::parse_from([
        "okta-mcp",
        "--org-url",
        fake.base_url(),
        "--scopes",
        "okta.users.read okta.groups.read",
        "--audit-log",
        "off",
        "--http",
        &format!("127.0.0.1:{port}"),
    ]);
    let http = cli.remote.http_config().unwrap().unwrap();
    let config = Config::from_settings(cli.settings);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gate: Arc<dyn Gate> = Arc::new(TestGate);
    let server_token = Arc::new(StaticToken::api_token("server-token-never-used").unwrap());
    let stack = HttpStack::new(fake.base_url(), server_token, config.http_policy()).unwrap();
    let audit = Arc::new(okta_mcp::audit::AuditLog::disabled());
    let people = Arc::new(People::new(
        config.clone(),
        Some(Arc::new(stack)),
        gate.clone(),
        audit,
        store.clone(),
        &okta_mcp::composite::COMPOSITES,
    ));
    let base = Arc::new(Runtime::new(config, None, &okta_mcp::composite::COMPOSITES));
    let server_store = store.clone();
    let remote = Remote {
        config: http,
        store,
        gate,
        routes: axum::Router::new(),
        server: Arc::new(move || {
            OktaMcpServer::remote(base.clone(), server_store.clone(), people.clone())
        }),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(remote, async move {
        let _ = stopped.await;
    }));
    support::peers::wait_for_port(port, "the in-process server");
    InProcess {
        url: format!("http://127.0.0.1:{port}/mcp"),
        _stop: stop,
    }
}

async fn org() -> FakeOkta {
    FakeOkta::builder()
        .users(5)
        .accept_token(Credential::Bearer("okta-token-of-ann".into()))
        .accept_token(Credential::Bearer("okta-token-of-bob".into()))
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_get_challenges_and_reach_nothing() {
    let fake = org().await;
    let s = start(&fake).await;
    let (body, headers) = raw_call("list_users", json!({"limit": 1}));
    let raw = |token: Option<&'static str>| {
        let (url, body, headers) = (s.url.clone(), body.clone(), headers.clone());
        async move {
            let mut req = reqwest::Client::new().post(url).json(&body);
            for (k, v) in &headers {
                req = req.header(*k, v);
            }
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap()
        }
    };
    let r = raw(None).await;
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource\""
    );
    let r = raw(Some("stale")).await;
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let r = raw(Some("mcp-narrow")).await;
    assert_eq!(r.status().as_u16(), 403);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("scope=\"okta.users.read\""),
        "{challenge}"
    );
    assert!(fake.requests().is_empty(), "nothing reached Okta");
    let r = raw(Some("mcp-ann")).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_acts_with_their_grant_and_their_own_okta_token() {
    let fake = org().await;
    let s = start(&fake).await;
    let ann = connect_as(&s.url, Some("mcp-ann"), Agent::default(), false).await;
    let bob = connect_as(&s.url, Some("mcp-bob"), Agent::default(), true).await;
    let names = |tools: Vec<rmcp::model::Tool>| -> Vec<String> {
        tools.into_iter().map(|t| t.name.to_string()).collect()
    };
    let ann_tools = names(ann.client.list_all_tools().await.unwrap());
    let bob_tools = names(bob.client.list_all_tools().await.unwrap());
    assert!(ann_tools.contains(&"list_users".to_owned()));
    assert!(
        !ann_tools.contains(&"list_groups".to_owned()),
        "ann did not grant groups"
    );
    assert!(bob_tools.contains(&"list_groups".to_owned()));
    let r = ann.call("list_groups", json!({})).await;
    assert!(is_error(&r), "not callable either: {}", text(&r));
    fake.clear_requests();
    let r = ann.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let r = bob.call("list_groups", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let seen: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(
        seen,
        ["Bearer okta-token-of-ann", "Bearer okta-token-of-bob"]
    );
    ann.client.cancel().await.ok();
    bob.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_belongs_to_the_person_who_started_it() {
    let fake = org().await;
    let s = start(&fake).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let r = reqwest::Client::new()
        .post(&s.url)
        .bearer_auth("mcp-ann")
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    drop(r);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let headers = vec![
        ("accept", "application/json, text/event-stream".to_owned()),
        ("mcp-protocol-version", "2025-11-25".to_owned()),
        ("mcp-session-id", session.clone()),
    ];
    let (status, _) = post(
        &s.url,
        &initialized,
        &headers,
        &[("authorization", "Bearer mcp-bob")],
    )
    .await;
    assert_eq!(status, 404, "bob cannot use ann's session");
    let (status, text) = post(
        &s.url,
        &initialized,
        &headers,
        &[("authorization", "Bearer mcp-ann")],
    )
    .await;
    assert_eq!(status, 202, "{text}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
