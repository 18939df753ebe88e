//! Generates the Okta client and its dispatch into `OUT_DIR` from every
//! pinned spec (Management and Governance): one client, one dispatch. It
//! reads the specs, their overlays and the lock, nothing else: an edit to
//! `scope-map.toml` or to the runtime never reruns it.

use okta_mcp_codegen::build_support::{
    cargo_path, find_specs, print_rerun_lines, run_build_script, write_if_changed,
};
use okta_mcp_codegen::generate_client;

fn main() {
    run_build_script(|| {
        let manifest = cargo_path("CARGO_MANIFEST_DIR")?;
        let out = cargo_path("OUT_DIR")?;
        // This crate lives in crates/okta-client; the spec lock is the project's.
        let root = manifest.join("../..");
        let root = root.canonicalize().unwrap_or(root);
        let found = find_specs(&root)?;
        print_rerun_lines(&found.env_vars, &found.watch);
        let source = generate_client(&found.inputs())?;
        write_if_changed(&out.join("client.rs"), &source.client_rs)?;
        Ok(())
    });
}
