//! Documentation generated from the code (the tool table, the command
//! line's definitions), so the README's tables cannot drift from it (a test
//! compares them).

use std::collections::BTreeMap;

use crate::tool_table::{TOOLS, ToolSpec};

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

/// The configuration table: every setting the binary accepts, read from the
/// clap definitions (variable, flag, meaning).
pub fn settings_markdown() -> String {
    use clap::CommandFactory;
    let cmd = crate::config::Cli::command();
    let mut out = String::from("| variable | flag | meaning |\n| --- | --- | --- |\n");
    for arg in cmd.get_arguments() {
        let Some(env) = arg.get_env() else { continue };
        let flag = arg
            .get_long()
            .map(|l| match arg.get_value_names() {
                Some([name, ..]) => format!("`--{l} {name}`"),
                _ => format!("`--{l}`"),
            })
            .unwrap_or_default();
        let help = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{}` | {flag} | {} |\n",
            env.to_string_lossy(),
            help.replace('|', "\\|").replace('\n', " ")
        ));
    }
    out
}

/// The tools a configuration lists, as a Markdown table (`okta-mcp tools
/// --markdown`): name, risk class, scopes and the first line of what it does.
pub fn tools_markdown(tools: &[&ToolSpec]) -> String {
    let mut out =
        String::from("| tool | class | scopes | what it does |\n| --- | --- | --- | --- |\n");
    for t in tools {
        let scopes: Vec<String> = t.scopes.iter().map(|s| format!("`{s}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            t.name,
            t.class.as_str(),
            if scopes.is_empty() {
                "—".to_owned()
            } else {
                scopes.join(" ")
            },
            t.description
                .lines()
                .next()
                .unwrap_or("")
                .replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_table_has_a_row_per_tool_with_its_class() {
        let tools: Vec<&ToolSpec> = ["get_user", "delete_group"]
            .iter()
            .map(|n| crate::tool_table::find(n).unwrap())
            .collect();
        let md = tools_markdown(&tools);
        assert_eq!(md.lines().count(), 4, "{md}");
        assert!(
            md.contains("| `get_user` | read | `okta.users.read` |"),
            "{md}"
        );
        assert!(md.contains("| `delete_group` | destructive |"), "{md}");
    }
}
