//! The long tail: every operation the scopes allow stays reachable through
//! three small tools instead of hundreds of listed ones.

use serde_json::{Map, Value, json};

use crate::call::{CallContext, Runtime, ToolResult};
use crate::tool_table::{self, TOOLS, ToolSpec};

fn is_operation(t: &ToolSpec) -> bool {
    t.handler.is_none() && !t.operation_id.is_empty()
}

/// Keyword search over names, summaries, paths and toolsets.
pub fn search(rt: &Runtime, args: &Map<String, Value>) -> ToolResult {
    let query = args
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase();
    let toolset = args.get("toolset").and_then(Value::as_str);
    let limit = args
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(20)
        .clamp(1, 100) as usize;
    let words: Vec<&str> = query.split_whitespace().collect();
    let scopes = rt.effective_scopes();
    let mut hits: Vec<(usize, &ToolSpec)> = TOOLS
        .iter()
        .filter(|t| is_operation(t))
        .filter(|t| toolset.is_none_or(|s| t.in_toolset(s)))
        .filter(|t| rt.selection.callable(&scopes, t).is_ok())
        .filter_map(|t| {
            let hay = format!(
                "{} {} {} {} {}",
                t.name, t.summary, t.path, t.toolset, t.operation_id
            )
            .to_lowercase();
            let score: usize = words.iter().filter(|w| hay.contains(*w)).count();
            let name_bonus = words.iter().filter(|w| t.name.contains(*w)).count();
            (words.is_empty() || score > 0).then_some((score * 10 + name_bonus, t))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(b.1.name)));
    let total = hits.len();
    let results: Vec<Value> = hits
        .into_iter()
        .take(limit)
        .map(|(_, t)| {
            json!({"name": t.name, "summary": t.summary, "method": t.method, "path": t.path,
                   "scopes": t.scopes, "toolset": t.toolset, "read_only": t.read_only,
                   "class": t.class.as_str()})
        })
        .collect();
    ToolResult::ok(json!({"results": results, "total_matches": total,
        "next_step": "describe_okta_operation(name) for its arguments, then call_okta_operation(name, arguments)"}))
}

fn allowed_operation(rt: &Runtime, name: &str) -> Result<&'static ToolSpec, ToolResult> {
    let Some(tool) = tool_table::find(name).filter(|t| is_operation(t)) else {
        return Err(ToolResult::error(
            format!("no operation named `{name}`; use search_okta_operations to find one"),
            json!({}),
        ));
    };
    if let Err(refusal) = rt.selection.callable(&rt.effective_scopes(), tool) {
        return Err(ToolResult::error(
            refusal.message(tool.name),
            json!({"tool": tool.name, "scopes": tool.scopes}),
        ));
    }
    Ok(tool)
}

/// The full input schema and properties of one operation.
pub fn describe(rt: &Runtime, args: &Map<String, Value>) -> ToolResult {
    let name = args.get("name").and_then(Value::as_str).unwrap_or("");
    match allowed_operation(rt, name) {
        Err(r) => r,
        Ok(t) => ToolResult::ok(json!({
            "name": t.name, "title": t.title, "description": t.description, "details": t.details,
            "method": t.method, "path": t.path, "scopes": t.scopes, "toolset": t.toolset,
            "annotations": {"readOnlyHint": t.read_only, "destructiveHint": t.destructive,
                            "idempotentHint": t.idempotent, "openWorldHint": t.open_world},
            "class": t.class.as_str(), "class_meaning": t.class.meaning(),
            "requires_confirmation": rt.config.confirm_policy.needs_confirmation(t.class),
            "input_schema": Value::Object(t.schema().clone()),
        })),
    }
}

/// Runs an operation by name through the same pipeline as a listed tool.
pub async fn call(rt: &Runtime, args: Map<String, Value>, ctx: &CallContext) -> ToolResult {
    let name = args
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let tool = match allowed_operation(rt, &name) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let arguments = match args.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return ToolResult::error("`arguments` must be an object", json!({})),
    };
    Box::pin(rt.call_tool(tool, arguments, ctx)).await
}
