//! The build report: what the generator covered, left out and repaired.

use crate::operations::{Operation, Skipped};
use crate::repair::RepairCounts;
use crate::tool_table::ToolSpec;

pub fn build_report(
    spec_version: &str,
    ops: &[Operation],
    skipped: &[Skipped],
    tools: &[ToolSpec],
    repairs: &RepairCounts,
) -> String {
    let unscoped: Vec<&Operation> = ops.iter().filter(|o| o.scopes.is_empty()).collect();
    let mut out = format!(
        "# okta-mcp build report\n\nSpec release {spec_version}: {} operations read, {} covered as tools, {} left out.\n\
         Tools: {} in all, {} curated.\n\n",
        ops.len() + skipped.len(),
        ops.len(),
        skipped.len(),
        tools.len(),
        tools.iter().filter(|t| t.curated).count(),
    );
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
    out.push_str(&format!(
        "\n## Repairs applied to the spec\n\n- defaults contradicting their type: {}\n- duplicate enum values: {}\n- `(?i)` patterns rewritten: {}\n- path parameters made required: {}\n- examples removed: {}\n",
        repairs.mismatched_defaults,
        repairs.duplicate_enum_values,
        repairs.inline_regex_flags,
        repairs.optional_path_params,
        repairs.examples_removed,
    ));
    out
}
