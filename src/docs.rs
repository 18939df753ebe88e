//! Documentation generated from the tool table, so the README's tables
//! cannot drift from the code (a test compares them).

use std::collections::BTreeMap;

use crate::tool_table::TOOLS;

/// The scopes-to-toolsets table: for each scope, the toolsets and curated
/// tools it unlocks and how many operations in all.
pub fn scopes_markdown() -> String {
    let mut by_scope: BTreeMap<&str, (std::collections::BTreeSet<&str>, Vec<&str>, usize)> =
        BTreeMap::new();
    for t in TOOLS.iter().filter(|t| t.handler.is_none()) {
        for s in t.scopes {
            let e = by_scope.entry(s).or_default();
            e.0.insert(t.toolset);
            e.2 += 1;
            if t.curated {
                e.1.push(t.name);
            }
        }
    }
    let mut out = String::from(
        "| scope | toolsets | operations | curated tools |\n| --- | --- | ---: | --- |\n",
    );
    for (scope, (sets, curated, n)) in by_scope {
        out.push_str(&format!(
            "| `{scope}` | {} | {n} | {} |\n",
            sets.into_iter().collect::<Vec<_>>().join(", "),
            if curated.is_empty() {
                "—".to_owned()
            } else {
                curated
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        ));
    }
    out
}
