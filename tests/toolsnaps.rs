//! Toolsnaps: one pretty JSON file per tool under `tests/toolsnaps/`, so a
//! change to any generated tool (name, description, schema, annotations)
//! shows in review. `UPDATE_TOOLSNAPS=1 cargo test --test toolsnaps`
//! rewrites them; a snapshot whose tool is gone fails the test.
//!
//! Also measures what a client pays for `tools/list` with all scopes: the
//! default curated set and `--tools all`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use okta_mcp::server::mcp_tool;
use okta_mcp::tool_table::TOOLS;
use serde_json::{Map, Value, json};
use support::*;

const SUFFIX: &str = ".snap.json";

/// `tools/list` bytes of Okta's own server (okta-mcp-server 1.1.7, all
/// scopes, 113 tools), measured by benches/okta-python.
const OKTA_SERVER_LIST_BYTES: usize = 148_575;

/// Most bytes the default `tools/list` may take with every Management scope
/// (it measured 50,244 before the risk classes; the budget keeps room for a
/// sentence or two without a new measurement).
const DEFAULT_LIST_BUDGET: usize = 49_000;

/// The default set is Okta's 113 names plus these three.
const GATEWAY_TOOLS: [&str; 3] = [
    "search_okta_operations",
    "describe_okta_operation",
    "call_okta_operation",
];

fn snap_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/toolsnaps")
}

/// `value` with every object's keys sorted, so files do not depend on
/// insertion order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(m) => {
            let entries: BTreeMap<String, Value> =
                m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The snapshot text of a tool as MCP clients see it.
fn snapshot(tool: &rmcp::model::Tool) -> String {
    pretty(serde_json::to_value(tool).expect("tool serialises"))
}

/// The snapshot file of a table entry: the tool as listed, plus the full
/// schema its arguments are validated against (`fullInputSchema`) and its
/// risk class (`riskClass`), so a change to any of them shows in review.
fn snapshot_file(spec: &okta_mcp::tool_table::ToolSpec) -> String {
    let mut value = serde_json::to_value(mcp_tool(spec)).expect("tool serialises");
    value["fullInputSchema"] = Value::Object(spec.schema().clone());
    value["riskClass"] = spec.class.as_str().into();
    pretty(value)
}

fn pretty(value: Value) -> String {
    let value = sorted(value);
    let mut text = serde_json::to_string_pretty(&value).expect("pretty JSON");
    text.push('\n');
    text
}

fn updating() -> bool {
    std::env::var("UPDATE_TOOLSNAPS").is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn toolsnaps_match() {
    let dir = snap_dir();
    let update = updating();
    if update {
        std::fs::create_dir_all(&dir).expect("create tests/toolsnaps");
    }
    let mut names = BTreeSet::new();
    let mut problems = Vec::new();
    for spec in TOOLS {
        assert!(names.insert(spec.name), "duplicate tool name {}", spec.name);
        let want = snapshot_file(spec);
        let path = dir.join(format!("{}{SUFFIX}", spec.name));
        let have = std::fs::read_to_string(&path).ok();
        if have.as_deref() == Some(want.as_str()) {
            continue;
        }
        if update {
            std::fs::write(&path, &want).expect("write snapshot");
        } else if have.is_none() {
            problems.push(format!("{}: no snapshot", spec.name));
        } else {
            problems.push(format!("{}: differs from {}", spec.name, path.display()));
        }
    }
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/toolsnaps exists") {
        let path = entry.expect("dir entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let Some(name) = file.strip_suffix(SUFFIX) else {
            continue;
        };
        files += 1;
        if names.contains(name) {
            continue;
        }
        if update {
            std::fs::remove_file(&path).expect("remove stale snapshot");
        } else {
            problems.push(format!("{file}: stale, no tool `{name}` any more"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} toolsnap problem(s); review, then run UPDATE_TOOLSNAPS=1 cargo test --test toolsnaps:\n{}",
        problems.len(),
        problems.join("\n")
    );
    if !update {
        assert_eq!(files, TOOLS.len(), "one snapshot per tool");
    }
}

/// The compact JSON of a `tools/list` result holding `tools`.
fn list_size(tools: &[rmcp::model::Tool]) -> usize {
    serde_json::to_vec(&json!({ "tools": tools }))
        .expect("serialises")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_counts_and_list_sizes_with_all_scopes() {
    let fake = fake_org().await;
    let scopes = all_scopes();

    // (a) the default curated set with every Management scope: what the
    // budget below measures, and what Identity Governance must not grow.
    let server = start(fake.base_url(), &scopes_of("management"), &[]).await;
    let curated = server.tools().await;
    server.stop().await;
    let curated_want = |api: &[&str]| -> Vec<&str> {
        TOOLS
            .iter()
            .filter(|t| t.curated && (!t.scopes.is_empty() || t.operation_id.is_empty()))
            .filter(|t| api.contains(&t.api))
            .map(|t| t.name)
            .collect()
    };
    let curated_names: Vec<&str> = curated.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(curated_names, curated_want(&["", "management"]));

    // (a') every scope of both specs: the curated Governance tools join.
    let server = start(fake.base_url(), &scopes, &[]).await;
    let both = server.tool_names().await;
    server.stop().await;
    assert_eq!(both, curated_want(&["", "management", "governance"]));
    assert_eq!(
        both.len() - curated.len(),
        16,
        "16 curated Governance tools"
    );

    // (b) every tool.
    let server = start(
        fake.base_url(),
        &scopes,
        &[("OKTA_TOOLS", "all"), ("OKTA_INCLUDE_UNSCOPED", "true")],
    )
    .await;
    let all = server.tools().await;
    server.stop().await;
    assert_eq!(all.len(), TOOLS.len(), "--tools all lists every tool");
    // All 147 Identity Governance operations are listed beside the
    // Management API's.
    let governance_ops: BTreeSet<&str> = all
        .iter()
        .filter_map(|t| okta_mcp::tool_table::find(&t.name))
        .filter(|t| t.api == "governance" && t.handler.is_none())
        .map(|t| t.operation_id)
        .collect();
    assert_eq!(governance_ops.len(), 147);
    // What the binary serves is what the snapshots hold.
    for (served, spec) in all.iter().zip(TOOLS) {
        assert_eq!(
            snapshot(served),
            snapshot(&mcp_tool(spec)),
            "served tool differs from its snapshot source: {}",
            spec.name
        );
    }
    assert!(fake.requests().is_empty(), "tools/list reached Okta");

    let (curated_bytes, all_bytes) = (list_size(&curated), list_size(&all));
    eprintln!(
        "tools/list with all scopes: default curated {} tools, {} bytes; --tools all {} tools, {} bytes",
        curated.len(),
        curated_bytes,
        all.len(),
        all_bytes
    );
    // The 113 tools of Okta's own server, as we list them: at most a third
    // of what Okta's server lists for them (148,575 bytes measured with
    // okta-mcp-server 1.1.7, see benches/), so an agent pays for a third of
    // the context. A size budget, not a timing.
    let okta_named: Vec<rmcp::model::Tool> = curated
        .iter()
        .filter(|t| !GATEWAY_TOOLS.contains(&t.name.as_ref()))
        .cloned()
        .collect();
    let okta_named_bytes = list_size(&okta_named);
    eprintln!(
        "tools/list of Okta's {} tool names: {} bytes",
        okta_named.len(),
        okta_named_bytes
    );
    assert_eq!(okta_named.len(), 113);
    assert!(
        okta_named_bytes <= OKTA_SERVER_LIST_BYTES / 3,
        "the 113 curated tools take {okta_named_bytes} bytes, more than a third of Okta's {OKTA_SERVER_LIST_BYTES}"
    );
    assert!(
        curated_bytes <= DEFAULT_LIST_BUDGET,
        "the default tools/list with every Management scope takes {curated_bytes} bytes, over the budget of {DEFAULT_LIST_BUDGET}; trim what carries the least meaning"
    );
    assert!(curated.len() < all.len());
    assert!(curated_bytes < all_bytes);
    assert!(curated_bytes > 0);
}
