//! Generates okta-mcp's tool table and build report into `OUT_DIR` from
//! every pinned Okta spec (Management and Governance) and `scope-map.toml`.
//!
//! All logic lives in `crates/okta-mcp-codegen`; this file only finds the
//! inputs, calls the generator and writes what changed. The client is
//! generated apart, by `crates/okta-client`, from the specs alone.

use okta_mcp_codegen::build_support::{
    cargo_path, find_specs, print_rerun_lines, read_text, run_build_script, write_if_changed,
};
use okta_mcp_codegen::{Inputs, generate};

fn main() {
    run_build_script(|| {
        let root = cargo_path("CARGO_MANIFEST_DIR")?;
        let out = cargo_path("OUT_DIR")?;
        let found = find_specs(&root)?;
        let map_path = root.join("scope-map.toml");
        let mut watch = found.watch.clone();
        watch.push(map_path.clone());
        print_rerun_lines(&found.env_vars, &watch);
        for s in found.specs.iter().filter(|s| s.spec.unpinned) {
            println!(
                "cargo:warning=building from an unpinned {} spec {} (sha256 {}), not release {}",
                s.lock.name,
                s.spec.path.display(),
                s.spec.sha256,
                s.lock.release
            );
        }
        let scope_map = read_text(&map_path)?;
        let generated = generate(&Inputs {
            specs: &found.inputs(),
            scope_map_toml: &scope_map,
        })?;
        write_if_changed(&out.join("tool_table.rs"), &generated.tool_table_rs)?;
        write_if_changed(&out.join("build-report.md"), &generated.report_md)?;
        let specs: Vec<String> = found
            .specs
            .iter()
            .map(|s| {
                format!(
                    "    SpecProvenance {{ name: {:?}, title: {:?}, release: {:?}, sha256: {:?}, unpinned: {} }},\n",
                    s.lock.name,
                    generated.spec(&s.lock.name).map_or("", |g| g.title.as_str()),
                    generated.spec(&s.lock.name).map_or("unknown", |g| g.version.as_str()),
                    s.spec.sha256,
                    s.spec.unpinned
                )
            })
            .collect();
        let first = &found.specs[0];
        let provenance = format!(
            "/// The release of the first spec (the Management API) the tools were generated from.\npub const SPEC_RELEASE: &str = {:?};\n/// Its sha256.\npub const SPEC_SHA256: &str = {:?};\n/// True when any spec is other than the pinned one.\npub const SPEC_UNPINNED: bool = {};\n/// Every spec the tools were generated from, in `openapi/spec.lock` order.\npub const SPECS: &[SpecProvenance] = &[\n{}];\n",
            generated
                .spec(&first.lock.name)
                .map_or("unknown", |g| g.version.as_str()),
            first.spec.sha256,
            found.specs.iter().any(|s| s.spec.unpinned),
            specs.concat()
        );
        write_if_changed(&out.join("provenance.rs"), &provenance)?;
        Ok(())
    });
}
