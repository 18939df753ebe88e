//! A scripted MCP client for the confirmation tests: it declares form
//! elicitation (or not), answers every question as told, and keeps what it
//! was asked; on the legacy handshake or on protocol 2026-07-28 (MRTR).
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationCapability, FormElicitationCapability,
    Implementation, ProgressNotificationParam, ProtocolVersion,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RequestContext, RunningService,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData as McpError, RoleClient};
use serde_json::{Map, Value, json};

use super::FakeOkta;

// ---------------------------------------------------------------------------
// A scripted MCP client: answers elicitations as told, records progress.

#[derive(Clone, Default)]
pub struct Agent {
    /// How the "person" answers; `None`: no elicitation capability.
    pub answer: Option<ElicitationAction>,
    /// Also tick "allow for the rest of the session" when offered.
    pub allow_for_session: bool,
    pub asked: Arc<Mutex<Vec<String>>>,
    /// The form of each question, as JSON Schema.
    pub forms: Arc<Mutex<Vec<Value>>>,
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl Agent {
    pub fn answering(action: ElicitationAction) -> Self {
        Self {
            answer: Some(action),
            ..Self::default()
        }
    }

    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }

    /// Waits (up to 5 s) for `n` progress notifications of one token and
    /// returns their progress values, sorted.
    pub async fn progress_values(&self, n: usize) -> Vec<f64> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let seen = self.progress.lock().unwrap().clone();
            if seen.len() >= n {
                assert!(
                    seen.iter()
                        .all(|p| p.progress_token == seen[0].progress_token)
                );
                let mut values: Vec<f64> = seen.iter().map(|p| p.progress).collect();
                values.sort_by(f64::total_cmp);
                return values;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "progress notifications: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl ClientHandler for Agent {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, McpError> {
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        else {
            return Ok(ElicitResult::new(ElicitationAction::Decline));
        };
        let schema = serde_json::to_value(&requested_schema).unwrap();
        assert_eq!(
            schema["properties"]["confirm"]["type"], "boolean",
            "{schema}"
        );
        self.asked.lock().unwrap().push(message);
        let offered = schema["properties"].get("allow_for_session").is_some();
        self.forms.lock().unwrap().push(schema);
        Ok(match self.answer.clone() {
            Some(ElicitationAction::Accept) => ElicitResult::new(ElicitationAction::Accept)
                .with_content(json!({
                    "confirm": true,
                    "allow_for_session": self.allow_for_session && offered,
                })),
            Some(other) => ElicitResult::new(other),
            None => ElicitResult::new(ElicitationAction::Decline),
        })
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }

    fn get_info(&self) -> ClientConfig {
        let mut caps = ClientCapabilities::default();
        if self.answer.is_some() {
            let mut e = ElicitationCapability::new();
            e.form = Some(FormElicitationCapability::default());
            caps.elicitation = Some(e);
        }
        ClientConfig::new(caps, Implementation::new("agent-experience-test", "0"))
            .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

/// The server driven by an [`Agent`], on the legacy handshake or on
/// protocol 2026-07-28 (`server/discover`, MRTR).
pub struct AgentServer {
    pub client: RunningService<RoleClient, Agent>,
    _dir: Option<tempfile::TempDir>,
}

impl AgentServer {
    /// A client of a server this harness did not start (remote mode).
    pub fn remote(client: RunningService<RoleClient, Agent>) -> Self {
        Self { client, _dir: None }
    }
}

pub async fn start_agent(
    org: &str,
    scopes: &str,
    env: &[(&str, &str)],
    agent: Agent,
    mrtr: bool,
) -> AgentServer {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = super::command(dir.path(), org, scopes);
    cmd.envs(env.iter().copied());
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    AgentServer {
        client: serve_agent(transport, agent, mrtr).await,
        _dir: Some(dir),
    }
}

/// Runs `agent` over `transport`: the 2025-11-25 handshake, or 2026-07-28
/// discovery (`mrtr`); panics unless it is ready within 20 s.
pub async fn serve_agent<T, E, A>(
    transport: T,
    agent: Agent,
    mrtr: bool,
) -> RunningService<RoleClient, Agent>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let lifecycle = if mrtr {
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        }
    } else {
        ClientLifecycleMode::Initialize
    };
    tokio::time::timeout(
        Duration::from_secs(20),
        agent.serve_with_lifecycle(transport, lifecycle),
    )
    .await
    .expect("starts within 20 s")
    .expect("starts")
}

/// A group admin whose person answers confirmations with `action`.
pub async fn group_admin(fake: &FakeOkta, action: ElicitationAction, mrtr: bool) -> AgentServer {
    start_agent(
        fake.base_url(),
        "okta.groups.manage",
        &[],
        Agent::answering(action),
        mrtr,
    )
    .await
}

impl AgentServer {
    pub async fn call(&self, name: &str, args: Value) -> CallToolResult {
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(object(args));
        tokio::time::timeout(Duration::from_secs(60), self.client.call_tool(params))
            .await
            .expect("tools/call within 60 s")
            .expect("tools/call succeeds at the protocol level")
    }

    pub fn agent(&self) -> &Agent {
        self.client.service()
    }
}

pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn requests_with(fake: &FakeOkta, method: &str, path_prefix: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path_prefix))
        .count()
}

/// Ids of the groups the API may delete (OKTA_GROUP), at least two.
pub fn deletable_groups(fake: &FakeOkta) -> Vec<String> {
    let ids: Vec<String> = fake
        .groups()
        .iter()
        .filter(|g| g["type"] == "OKTA_GROUP")
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 2, "the fake seeds OKTA_GROUPs");
    ids
}
