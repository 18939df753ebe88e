//! Generates okta-mcp's tool table and build report into `OUT_DIR` from
//! Okta's spec and `scope-map.toml`.
//!
//! All logic lives in `crates/okta-mcp-codegen`; this file only finds the
//! inputs, calls the generator and writes what changed. The client is
//! generated apart, by `crates/okta-client`, from the spec alone.

use okta_mcp_codegen::build_support::{
    cargo_path, find_spec, print_rerun_lines, read_text, run_build_script, write_if_changed,
};
use okta_mcp_codegen::{Inputs, generate};

fn main() {
    run_build_script(|| {
        let root = cargo_path("CARGO_MANIFEST_DIR")?;
        let out = cargo_path("OUT_DIR")?;
        let found = find_spec(&root)?;
        let map_path = root.join("scope-map.toml");
        let mut watch = found.watch.clone();
        watch.push(map_path.clone());
        print_rerun_lines(&watch);
        if found.spec.unpinned {
            println!(
                "cargo:warning=building from an unpinned spec {} (sha256 {}), not release {}",
                found.spec.path.display(),
                found.spec.sha256,
                found.lock.release
            );
        }
        let scope_map = read_text(&map_path)?;
        let generated = generate(&Inputs {
            spec_yaml: &found.spec.bytes,
            overlay_yaml: Some(&found.overlay),
            scope_map_toml: &scope_map,
        })?;
        write_if_changed(&out.join("tool_table.rs"), &generated.tool_table_rs)?;
        write_if_changed(&out.join("build-report.md"), &generated.report_md)?;
        let provenance = format!(
            "/// The spec release the tools were generated from.\npub const SPEC_RELEASE: &str = {:?};\n/// Its sha256.\npub const SPEC_SHA256: &str = {:?};\n/// True when built from a spec other than the pinned one.\npub const SPEC_UNPINNED: bool = {};\n",
            generated.spec_version, found.spec.sha256, found.spec.unpinned
        );
        write_if_changed(&out.join("provenance.rs"), &provenance)?;
        Ok(())
    });
}
