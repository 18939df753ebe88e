//! The MCP side: an rmcp `ServerHandler` written by hand over the runtime.
//!
//! `tools/list` is answered from the generated table without touching the
//! network, so the handshake never waits on Okta or on a sign-in.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
    ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value};

use crate::call::{CallContext, ProgressSink, Runtime, ToolResult};
use crate::tool_table::ToolSpec;

/// The MCP server over a [`Runtime`].
#[derive(Clone)]
pub struct OktaMcpServer {
    pub runtime: Arc<Runtime>,
}

impl OktaMcpServer {
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Self { runtime }
    }
}

/// The MCP tool for a table entry.
pub fn mcp_tool(t: &ToolSpec) -> Tool {
    let schema = Arc::new(t.schema().clone());
    Tool::new(t.name, t.description, schema)
        .with_title(t.title)
        .with_annotations(
            ToolAnnotations::with_title(t.title)
                .read_only(t.read_only)
                .destructive(t.destructive)
                .idempotent(t.idempotent)
                .open_world(t.open_world),
        )
}

/// The MCP result for a tool result.
pub fn mcp_result(r: ToolResult) -> CallToolResult {
    let structured = match r.structured {
        Value::Object(_) => r.structured,
        other => serde_json::json!({ "value": other }),
    };
    let mut out = if r.is_error {
        CallToolResult::structured_error(structured)
    } else {
        CallToolResult::structured(structured)
    };
    out.content = vec![ContentBlock::text(r.text)];
    out
}

struct PeerProgress {
    peer: Peer<RoleServer>,
    token: ProgressToken,
}

impl ProgressSink for PeerProgress {
    fn report(&self, progress: f64, total: Option<f64>, message: String) {
        let mut param =
            ProgressNotificationParam::new(self.token.clone(), progress).with_message(message);
        if let Some(t) = total {
            param = param.with_total(t);
        }
        let peer = self.peer.clone();
        tokio::spawn(async move {
            let _ = peer.notify_progress(param).await;
        });
    }
}

impl ServerHandler for OktaMcpServer {
    fn get_info(&self) -> ServerConfig {
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(caps)
            .with_server_info(
                Implementation::new("okta-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("Okta MCP server")
                    .with_description(format!(
                        "Okta Management API {} as MCP tools",
                        crate::tool_table::SPEC_RELEASE
                    )),
            )
            .with_instructions(
                "Tools administer an Okta org. Lists return one page and next_cursor (pass it back as `after`). \
                 Use search_okta_operations / describe_okta_operation / call_okta_operation for operations not listed. \
                 Destructive tools need the person's confirmation. get_scope_status explains missing scopes.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self
            .runtime
            .listed_tools()
            .into_iter()
            .map(mcp_tool)
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        crate::tool_table::find(name).map(mcp_tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let progress = context.meta.get_progress_token().map(|token| {
            Arc::new(PeerProgress {
                peer: context.peer.clone(),
                token,
            }) as Arc<dyn ProgressSink>
        });
        let ctx = CallContext {
            cancel: context.ct.clone(),
            progress,
            confirmer: None,
        };
        let args: Map<String, Value> = request.arguments.unwrap_or_default();
        let result = self.runtime.call(&request.name, args, &ctx).await;
        Ok(CallToolResponse::Complete(mcp_result(result)))
    }
}
