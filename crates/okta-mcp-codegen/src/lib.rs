//! okta-mcp's build-time generator.
//!
//! Input: Okta's Management API spec (found and verified by [`spec_source`]),
//! the hand-written overlay, and `scope-map.toml`. Output, in two halves that
//! build apart so that each edit recompiles only what depends on it:
//! - [`generate_client`]: the progenitor client and the dispatch that calls
//!   it, from the spec alone (the `okta-client` crate's build script);
//! - [`generate`]: the MCP tool table and the build report, from the spec and
//!   `scope-map.toml` (okta-mcp's own `build.rs`).
//!
//! The build scripts are thin callers ([`build_support`]); everything here is
//! plain, unit-tested code.

pub mod annotations;
pub mod build_support;
pub mod client_gen;
pub mod client_spec;
pub mod input_schema;
pub mod listing;
pub mod naming;
pub mod operations;
pub mod repair;
pub mod report;
pub mod risk;
pub mod scope_map;
pub mod spec_diff;
pub mod spec_download;
pub mod spec_source;
pub mod tool_table;
pub mod toolsets;

use std::path::PathBuf;

/// Everything that can stop the generator, each with the fix in its message.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("cargo did not set {name}: build okta-mcp through cargo")]
    BuildEnv { name: String },
    #[error("{path} is not a valid spec lock: {message}")]
    Lock { path: PathBuf, message: String },
    #[error(
        "OKTA_OPENAPI_SPEC names {path}, which does not exist. Point it at Okta's management-minimal.yaml, or unset it to use openapi/management.yaml or ../shared/okta-openapi/."
    )]
    SpecOverrideMissing { path: PathBuf },
    #[error(
        "Okta's OpenAPI spec (release {release}) was not found, and OKTA_OPENAPI_OFFLINE forbids downloading it. Looked in:\n{}\nFix: unset OKTA_OPENAPI_OFFLINE to let the build download and verify it, or fetch it yourself with\n  curl -fsSL -o openapi/management.yaml {url}\nor set OKTA_OPENAPI_SPEC=/path/to/management-minimal.yaml (it is vendored data and is not committed).",
        tried.iter().map(|p| format!("  - {}", p.display())).collect::<Vec<_>>().join("\n")
    )]
    SpecMissing {
        tried: Vec<PathBuf>,
        release: String,
        url: String,
    },
    #[error(
        "{path} has sha256 {actual}, but openapi/spec.lock pins release {release} at {expected}.\nFix: use the pinned file, run `cargo xtask update-spec <release|path>` to move the pin, or build with OKTA_OPENAPI_UNPINNED=1 to accept an unpinned spec."
    )]
    SpecDigestMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
        release: String,
    },
    #[error(
        "downloading Okta's spec from {url} to {dest} failed: {message}.\nFix: check the network (or a proxy: HTTPS_PROXY), or download the file yourself to openapi/management.yaml, or set OKTA_OPENAPI_SPEC=/path/to/management-minimal.yaml; OKTA_OPENAPI_OFFLINE=1 skips the download."
    )]
    Download {
        url: String,
        dest: PathBuf,
        message: String,
    },
    #[error(
        "the spec downloaded from {url} has sha256 {actual}, but openapi/spec.lock pins {expected}; it was not kept.\nFix: check that nothing rewrites downloads on the way (a proxy), or use OKTA_OPENAPI_SPEC with a verified copy."
    )]
    DownloadDigest {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("the spec is not usable: {message}")]
    Spec { message: String },
    #[error("{operation_id} cannot be expressed as a tool: {reason}")]
    UnsupportedOperation {
        operation_id: String,
        reason: String,
    },
    #[error("client generation failed: {message}")]
    Progenitor { message: String },
    #[error("scope-map.toml: {message}")]
    ScopeMap { message: String },
}

/// What the generator reads.
pub struct Inputs<'a> {
    pub spec_yaml: &'a [u8],
    pub overlay_yaml: Option<&'a str>,
    pub scope_map_toml: &'a str,
}

/// The tool-table half of the generator's output.
pub struct Generated {
    pub tool_table_rs: String,
    pub report_md: String,
    pub tools: Vec<tool_table::ToolSpec>,
    pub operations: Vec<operations::Operation>,
    pub skipped: Vec<operations::Skipped>,
    pub spec_version: String,
}

/// Parses the spec YAML into JSON values.
pub fn parse_spec(yaml: &[u8]) -> Result<serde_json::Value, CodegenError> {
    serde_yaml_ng::from_slice(yaml).map_err(|e| CodegenError::Spec {
        message: format!("not valid YAML: {e}"),
    })
}

/// Adds the overlay's paths to the spec. An overlay operation that the spec
/// now defines itself is an error: Okta documented it, so the overlay entry
/// should go.
pub fn merge_overlay(spec: &mut serde_json::Value, overlay_yaml: &str) -> Result<(), CodegenError> {
    let overlay: serde_json::Value =
        serde_yaml_ng::from_str(overlay_yaml).map_err(|e| CodegenError::Spec {
            message: format!("openapi/overlay.yaml is not valid YAML: {e}"),
        })?;
    let Some(paths) = overlay.get("paths").and_then(serde_json::Value::as_object) else {
        return Ok(());
    };
    let spec_paths = spec
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or_else(|| CodegenError::Spec {
            message: "the spec has no `paths`".into(),
        })?;
    for (path, item) in paths {
        let target = spec_paths
            .entry(path.clone())
            .or_insert_with(|| serde_json::json!({}));
        for (method, op) in item.as_object().into_iter().flatten() {
            if target.get(method).is_some() {
                return Err(CodegenError::Spec {
                    message: format!(
                        "openapi/overlay.yaml defines {} {path}, which the spec now has: remove it from the overlay",
                        method.to_uppercase()
                    ),
                });
            }
            target[method] = op.clone();
        }
    }
    Ok(())
}

/// The spec as every consumer reads it: parsed, with the overlay merged and
/// the repairs applied.
pub fn prepare_spec(
    spec_yaml: &[u8],
    overlay_yaml: Option<&str>,
) -> Result<(serde_json::Value, repair::RepairCounts), CodegenError> {
    let mut spec = parse_spec(spec_yaml)?;
    if let Some(overlay) = overlay_yaml {
        merge_overlay(&mut spec, overlay)?;
    }
    let repairs = repair::repair_spec(&mut spec);
    Ok((spec, repairs))
}

/// The client half of the generator's output.
pub struct ClientSource {
    /// The progenitor client followed by `dispatch`, formatted.
    pub client_rs: String,
    pub operations: usize,
}

/// Generates the progenitor client and its dispatch. It reads only the spec
/// (and the overlay): `scope-map.toml` has no say in how Okta is called.
pub fn generate_client(
    spec_yaml: &[u8],
    overlay_yaml: Option<&str>,
) -> Result<ClientSource, CodegenError> {
    let (spec, _) = prepare_spec(spec_yaml, overlay_yaml)?;
    let (ops, _) = operations::read_operations(&spec)?;
    let client = client_gen::generate_client(&client_spec::client_spec(&spec, &ops))?;
    let dispatch = client_gen::generate_dispatch(&client, &ops)?;
    let dispatch: syn::File = syn::parse2(dispatch).map_err(|e| CodegenError::Progenitor {
        message: format!("the generated dispatch does not parse: {e}"),
    })?;
    let mut client_rs = prettyplease::unparse(&client);
    client_rs.push('\n');
    client_rs.push_str(&prettyplease::unparse(&dispatch));
    Ok(ClientSource {
        client_rs,
        operations: ops.len(),
    })
}

/// Generates the tool table and the build report.
pub fn generate(inputs: &Inputs) -> Result<Generated, CodegenError> {
    let (spec, repairs) = prepare_spec(inputs.spec_yaml, inputs.overlay_yaml)?;
    let (ops, skipped) = operations::read_operations(&spec)?;
    let map = scope_map::ScopeMap::parse(inputs.scope_map_toml)?;
    let tools = tool_table::build_tool_table(&spec, &ops, &map)?;

    let spec_version = spec
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let report_md = report::build_report(&spec_version, &ops, &skipped, &tools, &repairs, &map);
    Ok(Generated {
        tool_table_rs: tool_table::emit_tool_table(&tools),
        report_md,
        tools,
        operations: ops,
        skipped,
        spec_version,
    })
}
