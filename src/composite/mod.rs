//! Tools that are not one operation: the long-tail gateway
//! (`search_okta_operations`, `describe_okta_operation`,
//! `call_okta_operation`) and the curated composites (`get_scope_status`,
//! `get_login_failures`, `export_users_csv`). Their names, arguments and
//! scopes come from the same tool table as every other tool.

mod export_file;
mod gateway;
mod logs;
mod scope_status;
mod users_csv;

use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

use crate::call::{CallContext, Runtime, ToolHandlers, ToolResult};
use crate::tool_table::ToolSpec;

/// The composite tools, as the pipeline reaches them.
pub struct Composites;

/// Handed to [`Runtime::new`].
pub static COMPOSITES: Composites = Composites;

impl ToolHandlers for Composites {
    fn run<'a>(
        &'a self,
        rt: &'a Runtime,
        handler: &'a str,
        tool: &'static ToolSpec,
        args: Map<String, Value>,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, ToolResult> {
        Box::pin(async move {
            match handler {
                "search_okta_operations" => gateway::search(rt, &args),
                "describe_okta_operation" => gateway::describe(rt, &args),
                "call_okta_operation" => gateway::call(rt, args, ctx).await,
                "scope_status" => scope_status::report(rt),
                "login_failures" => logs::login_failures(rt, tool, args, ctx).await,
                "users_csv" => users_csv::export(rt, tool, args, ctx).await,
                other => ToolResult::error(
                    format!("tool handler `{other}` is not built into this server"),
                    json!({}),
                ),
            }
        })
    }
}
