//! The README's scopes-to-toolsets table is generated from the tool table;
//! this test fails when they differ. `UPDATE_README=1 cargo test --test
//! readme_tables` rewrites it.

const START: &str =
    "<!-- scopes-table:start (generated: UPDATE_README=1 cargo test --test readme_tables) -->\n";
const END: &str = "<!-- scopes-table:end -->";

#[test]
fn readme_scopes_table_matches_the_build() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(START)
        .expect("README has the scopes-table start marker")
        + START.len();
    let end = readme[start..]
        .find(END)
        .expect("README has the end marker")
        + start;
    let generated = okta_mcp::docs::scopes_markdown();
    if std::env::var("UPDATE_README").is_ok_and(|v| v == "1") {
        let updated = format!("{}{}{}", &readme[..start], generated, &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        &readme[start..end],
        generated,
        "README's scopes table is stale: run UPDATE_README=1 cargo test --test readme_tables"
    );
}
