//! `get_scope_status`: what the server may do, and what each missing scope
//! would unlock.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::call::{Runtime, ToolResult};
use crate::tool_table::TOOLS;

pub fn report(rt: &Runtime) -> ToolResult {
    let effective = rt.effective_scopes();
    let configured: Vec<&str> = rt.config.scopes.iter().collect();
    let granted: Option<Vec<String>> = rt.granted().map(|g| g.iter().map(str::to_owned).collect());
    let mut unlocks: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in TOOLS.iter().filter(|t| t.curated) {
        for s in effective.missing(t.scopes) {
            unlocks.entry(s).or_default().push(t.name);
        }
    }
    let missing: Vec<Value> = unlocks
        .iter()
        .map(|(scope, tools)| json!({"scope": scope, "would_unlock": tools}))
        .collect();
    let listed = rt.listed_tools().len();
    ToolResult::ok(json!({
        "org": rt.config.org_url.as_ref().map(|u| u.to_string()),
        "configured_scopes": configured,
        "granted_scopes": granted,
        "effective_scopes": effective.iter().collect::<Vec<_>>(),
        "read_only": rt.selection.read_only,
        "excluded": rt.selection.exclude,
        "unknown_exclusions": rt.selection.unknown_exclusions(),
        "tools_listed": listed,
        "missing_scopes": missing,
        "problems": rt.config.problems,
        "how_to_grant": "In the Okta Admin Console: Applications > your app > Okta API Scopes > Grant; then add the scope to OKTA_SCOPES and sign in again (okta-mcp login, or restart for private key JWT).",
    }))
}
