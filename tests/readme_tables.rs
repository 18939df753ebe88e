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
