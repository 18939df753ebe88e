//! The build report: what the generator covered, left out and repaired.

use crate::apis::{Api, Rekeyed, all_operations};
use crate::operations::{Operation, Skipped};
use crate::risk::RiskClass;
use crate::scope_map::ScopeMap;
use crate::tool_table::{ToolSpec, operation_class};

pub fn build_report(
    apis: &[Api],
    rekeyed: &[Rekeyed],
    tools: &[ToolSpec],
    map: &ScopeMap,
) -> String {
    let ops = &all_operations(apis);
    let skipped: Vec<&Skipped> = apis.iter().flat_map(|a| &a.skipped).collect();
    let unscoped: Vec<&Operation> = ops.iter().filter(|o| o.scopes.is_empty()).collect();
    let mut out = String::from("# okta-mcp build report\n\n");
    for a in apis {
        out.push_str(&format!(
            "Spec `{}` release {}: {} operations read, {} covered as tools, {} left out.\n",
            a.name,
            a.version,
            a.ops.len() + a.skipped.len(),
            a.ops.len(),
            a.skipped.len(),
        ));
    }
    out.push_str(&format!(
        "Tools: {} in all, {} curated.\n\n",
        tools.len(),
        tools.iter().filter(|t| t.curated).count(),
    ));
    out.push_str("## operationIds shared by two specs\n\n");
    if rekeyed.is_empty() {
        out.push_str("None.\n");
    }
    for r in rekeyed {
        out.push_str(&format!(
            "- {} (in the {} spec too): the {} operation is `{}`\n",
            r.spec_id, r.kept_by, r.api, r.id
        ));
    }
    out.push('\n');
    out.push_str(&risk_section(ops, tools, map));
    out.push_str("## Left out\n\n");
    if skipped.is_empty() {
        out.push_str("None.\n");
    }
    for s in skipped {
        out.push_str(&format!("- {}: {}\n", s.operation_id, s.reason));
    }
    out.push_str(&format!(
        "\n## Operations without an OAuth scope (listed only with OKTA_INCLUDE_UNSCOPED=true)\n\n{}\n",
        unscoped
            .iter()
            .map(|o| format!("- {} ({} {})", o.id, o.method, o.path))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    for a in apis {
        let repairs = &a.repairs;
        out.push_str(&format!(
            "\n## Repairs applied to the {} spec\n\n- defaults contradicting their type: {}\n- duplicate enum values: {}\n- `(?i)` patterns rewritten: {}\n- path parameters made required: {}\n- examples removed: {}\n",
            a.name,
            repairs.mismatched_defaults,
            repairs.duplicate_enum_values,
            repairs.inline_regex_flags,
            repairs.optional_path_params,
            repairs.examples_removed,
        ));
    }
    out
}

/// Counts per risk class (operations, and curated tools) and the classes
/// set by hand, with their reasons.
fn risk_section(ops: &[Operation], tools: &[ToolSpec], map: &ScopeMap) -> String {
    let mut out = String::from(
        "## Risk classes\n\n| class | operations | curated tools |\n|---|---:|---:|\n",
    );
    for class in RiskClass::ALL {
        let operations = ops
            .iter()
            .filter(|o| operation_class(o, map) == class)
            .count();
        let curated = tools
            .iter()
            .filter(|t| t.curated && t.class == class)
            .count();
        out.push_str(&format!("| {class} | {operations} | {curated} |\n"));
    }
    out.push_str("\nSet by hand in scope-map.toml (`[risk.<operationId>]`):\n\n");
    if map.risk.is_empty() {
        out.push_str("None.\n");
    }
    for (id, r) in &map.risk {
        out.push_str(&format!(
            "- {id}: {}, because {}\n",
            r.class,
            r.reason.as_deref().unwrap_or("")
        ));
    }
    out.push('\n');
    out
}
