//! The README's generated tables: scopes to toolsets (from the tool table)
//! and the configuration (from the command line's definitions). Each test
//! fails when the README differs from the code;
//! `UPDATE_README=1 cargo test --test readme_tables` rewrites them.

/// Tests run in parallel; with `UPDATE_README=1` each rewrites README.md.
static README: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Checks (or, with `UPDATE_README=1`, rewrites) the README section `name`.
fn check_section(name: &str, generated: &str) {
    let _one_at_a_time = README.lock().unwrap_or_else(|e| e.into_inner());
    let start_marker = format!(
        "<!-- {name}:start (generated: UPDATE_README=1 cargo test --test readme_tables) -->\n"
    );
    let end_marker = format!("<!-- {name}:end -->");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(&start_marker)
        .unwrap_or_else(|| panic!("README has the {name} start marker"))
        + start_marker.len();
    let end = readme[start..]
        .find(&end_marker)
        .unwrap_or_else(|| panic!("README has the {name} end marker"))
        + start;
    if std::env::var("UPDATE_README").is_ok_and(|v| v == "1") {
        let updated = format!("{}{}{}", &readme[..start], generated, &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        &readme[start..end],
        generated,
        "README's {name} is stale: run UPDATE_README=1 cargo test --test readme_tables"
    );
}

#[test]
fn readme_scopes_table_matches_the_build() {
    check_section("scopes-table", &okta_mcp::docs::scopes_markdown());
}

#[test]
fn readme_settings_table_lists_every_setting_the_binary_accepts() {
    let table = okta_mcp::docs::settings_markdown();
    for var in [
        "OKTA_MAX_RATE_LIMIT_WAIT",
        "OKTA_MAX_RETRIES",
        "OKTA_CONFIRM",
        "OKTA_AUDIT_LOG",
        "OKTA_UPLOAD_DIR",
    ] {
        assert!(
            table.contains(&format!("`{var}`")),
            "{var} missing:\n{table}"
        );
    }
    check_section("settings-table", &table);
}

/// Every snake_case name in backticks in the README's Identity Governance
/// section is a tool `call_okta_operation` or `tools/list` knows, or a
/// toolset: its example prompts name tools that exist.
#[test]
fn readme_governance_section_names_real_tools() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## Okta Identity Governance (OIG)")
        .expect("the OIG section");
    let end = start + readme[start..].find("\n## ").expect("a next section") + 1;
    let section = &readme[start..end];
    let toolsets: std::collections::BTreeSet<&str> = okta_mcp::tool_table::TOOLS
        .iter()
        .map(|t| t.toolset)
        .collect();
    let named: Vec<&str> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.contains('_')
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    assert!(named.len() > 20, "{named:?}");
    for name in &named {
        assert!(
            okta_mcp::tool_table::find(name).is_some() || toolsets.contains(name),
            "README's OIG section names `{name}`, which is no tool or toolset"
        );
    }
    for prompt_tool in ["record_review_decision", "list_principal_entitlements"] {
        assert!(named.contains(&prompt_tool), "{prompt_tool}");
    }
}

/// The README's benchmark rows are generated from `benches/results.md` by
/// `benches/lib/readme_summary.py` (which `benches/table.py` runs after each
/// measurement); this fails when the two disagree.
#[test]
fn readme_benchmark_rows_match_benches_results() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = match std::process::Command::new("python3")
        .arg(format!("{root}/benches/lib/readme_summary.py"))
        .arg("--check")
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("CI=true and python3 cannot run ({e}): the benchmark rows must be checked")
        }
        Err(e) => return eprintln!("skipping: python3 cannot run ({e})"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
