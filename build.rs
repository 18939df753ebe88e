//! Generates okta-mcp's client, dispatch and tool table from Okta's spec.
//!
//! All logic lives in `crates/okta-mcp-codegen`; this file only finds the
//! inputs, calls the generator and writes its output to `OUT_DIR`.

use std::path::{Path, PathBuf};

use okta_mcp_codegen::spec_source::{SpecLock, locate};
use okta_mcp_codegen::{Inputs, generate};

fn main() {
    if let Err(message) = run() {
        // A build error the user can act on, not a panic backtrace.
        eprintln!("\nerror: {message}\n");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    for var in ["OKTA_OPENAPI_SPEC", "OKTA_OPENAPI_UNPINNED"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let lock_path = root.join("openapi/spec.lock");
    let overlay_path = root.join("openapi/overlay.yaml");
    let map_path = root.join("scope-map.toml");
    for p in [&lock_path, &overlay_path, &map_path] {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let lock = SpecLock::read(&lock_path).map_err(|e| e.to_string())?;
    let override_path = std::env::var_os("OKTA_OPENAPI_SPEC").map(PathBuf::from);
    let allow_unpinned =
        std::env::var("OKTA_OPENAPI_UNPINNED").is_ok_and(|v| v == "1" || v == "true");
    for candidate in okta_mcp_codegen::spec_source::candidate_paths(
        &root,
        override_path.as_deref(),
        &lock.release,
    ) {
        println!("cargo:rerun-if-changed={}", candidate.display());
    }
    let spec = locate(&root, &lock, override_path.as_deref(), allow_unpinned)
        .map_err(|e| e.to_string())?;
    if spec.unpinned {
        println!(
            "cargo:warning=building from an unpinned spec {} (sha256 {}), not release {}",
            spec.path.display(),
            spec.sha256,
            lock.release
        );
    }
    let overlay = read(&overlay_path)?;
    let scope_map = read(&map_path)?;
    let generated = generate(&Inputs {
        spec_yaml: &spec.bytes,
        overlay_yaml: Some(&overlay),
        scope_map_toml: &scope_map,
    })
    .map_err(|e| e.to_string())?;
    write(&out.join("client.rs"), &generated.client_rs)?;
    write(&out.join("tool_table.rs"), &generated.tool_table_rs)?;
    write(&out.join("build-report.md"), &generated.report_md)?;
    let provenance = format!(
        "/// The spec release the tools were generated from.\npub const SPEC_RELEASE: &str = {:?};\n/// Its sha256.\npub const SPEC_SHA256: &str = {:?};\n/// True when built from a spec other than the pinned one.\npub const SPEC_UNPINNED: bool = {};\n",
        generated.spec_version, spec.sha256, spec.unpinned
    );
    write(&out.join("provenance.rs"), &provenance)?;
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
