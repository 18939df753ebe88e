//! okta-mcp's build-time generator.
//!
//! Input: Okta's specs, the Management API and Identity Governance (found and
//! verified by [`spec_source`], merged into one set of operations by
//! [`apis`]), the hand-written overlay, and `scope-map.toml`. Output, in two halves that
//! build apart so that each edit recompiles only what depends on it:
//! - [`generate_client`]: the progenitor client and the dispatch that calls
//!   it, from the spec alone (the `okta-client` crate's build script);
//! - [`generate`]: the MCP tool table and the build report, from the spec and
//!   `scope-map.toml` (okta-mcp's own `build.rs`).
//!
//! The build scripts are thin callers ([`build_support`]); everything here is
//! plain, unit-tested code.

pub mod annotations;
pub mod apis;
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
pub mod spec_upstream;
pub mod tool_table;
pub mod toolsets;

use std::path::PathBuf;

pub use apis::SpecInput;

/// Everything that can stop the generator, each with the fix in its message.
/// (Spec names and variables are `Box<str>`: a build script returns this
/// type, and the smaller it is, the cheaper every `Result` that carries it.)
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("cargo did not set {name}: build okta-mcp through cargo")]
    BuildEnv { name: String },
    #[error("{path} is not a valid spec lock: {message}")]
    Lock { path: PathBuf, message: String },
    #[error(
        "{env} names {path}, which does not exist. Point it at Okta's {name} spec, or unset it to use openapi/{name}.yaml or ../shared/okta-openapi/."
    )]
    SpecOverrideMissing {
        name: Box<str>,
        env: Box<str>,
        path: PathBuf,
    },
    #[error(
        "Okta's {name} spec (release {release}) was not found, and OKTA_OPENAPI_OFFLINE forbids downloading it. Looked in:\n{}\nFix: unset OKTA_OPENAPI_OFFLINE to let the build download and verify it, or fetch it yourself with\n  curl -fsSL -o openapi/{name}.yaml {url}\nor set {env}=/path/to/the/spec.yaml (it is vendored data and is not committed).",
        tried.iter().map(|p| format!("  - {}", p.display())).collect::<Vec<_>>().join("\n")
    )]
    SpecMissing {
        name: Box<str>,
        env: Box<str>,
        tried: Vec<PathBuf>,
        release: String,
        url: String,
    },
    #[error(
        "{path} has sha256 {actual}, but openapi/spec.lock pins the {name} spec at release {release}, sha256 {expected}.\nFix: use the pinned file, run `cargo xtask update-spec {name} <release|path>` to move the pin, or build with OKTA_OPENAPI_UNPINNED=1 to accept an unpinned spec."
    )]
    SpecDigestMismatch {
        name: Box<str>,
        path: PathBuf,
        expected: String,
        actual: String,
        release: String,
    },
    #[error(
        "downloading Okta's {name} spec from {url} to {dest} failed: {message}.\nFix: check the network (or a proxy: HTTPS_PROXY), or download the file yourself to openapi/{name}.yaml, or set {env}=/path/to/the/spec.yaml; OKTA_OPENAPI_OFFLINE=1 skips the download."
    )]
    Download {
        name: Box<str>,
        env: Box<str>,
        url: String,
        dest: PathBuf,
        message: String,
    },
    #[error(
        "the {name} spec downloaded from {url} has sha256 {actual}, but openapi/spec.lock pins {expected}; it was not kept.\nFix: check that nothing rewrites downloads on the way (a proxy), or use {env} with a verified copy."
    )]
    DownloadDigest {
        name: Box<str>,
        env: Box<str>,
        url: String,
        expected: String,
        actual: String,
    },
    #[error(
        "operationId collision the generator cannot resolve: {first} and {second} share an operationId, and the key the later one would take, `{key}`, is already {holder}'s. Fix: reorder the specs in openapi/spec.lock or report the collision; two tools cannot share a name."
    )]
    OperationIdCollision {
        first: String,
        second: String,
        key: String,
        holder: String,
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

/// What the generator reads: every spec of `openapi/spec.lock`, in its
/// order, and `scope-map.toml`.
pub struct Inputs<'a> {
    pub specs: &'a [SpecInput<'a>],
    pub scope_map_toml: &'a str,
}

/// The tool-table half of the generator's output.
pub struct Generated {
    pub tool_table_rs: String,
    pub report_md: String,
    pub tools: Vec<tool_table::ToolSpec>,
    /// Every operation of every spec, in spec order.
    pub operations: Vec<operations::Operation>,
    pub skipped: Vec<operations::Skipped>,
    /// Each spec's name, `info.title` and `info.version`, in spec order.
    pub specs: Vec<SpecSummary>,
}

/// What the generated code says about one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSummary {
    pub name: String,
    pub title: String,
    pub version: String,
}

impl Generated {
    /// The spec called `name`.
    pub fn spec(&self, name: &str) -> Option<&SpecSummary> {
        self.specs.iter().find(|s| s.name == name)
    }
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

/// Generates one progenitor client, and its dispatch, for every operation
/// of every spec. It reads only the specs (and their overlays):
/// `scope-map.toml` has no say in how Okta is called.
pub fn generate_client(specs: &[SpecInput]) -> Result<ClientSource, CodegenError> {
    let (apis, _) = apis::prepare_apis(specs)?;
    let ops = apis::all_operations(&apis);
    let client = client_gen::generate_client(&client_spec::client_spec(&apis)?)?;
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
    let (apis, rekeyed) = apis::prepare_apis(inputs.specs)?;
    let map = scope_map::ScopeMap::parse(inputs.scope_map_toml)?;
    let tools = tool_table::build_tool_table(&apis, &map)?;
    let ops = apis::all_operations(&apis);
    let skipped: Vec<operations::Skipped> = apis
        .iter()
        .flat_map(|a| a.skipped.iter().cloned())
        .collect();
    let report_md = report::build_report(&apis, &rekeyed, &tools, &map);
    Ok(Generated {
        tool_table_rs: tool_table::emit_tool_table(&tools),
        report_md,
        tools,
        operations: ops,
        skipped,
        specs: apis
            .iter()
            .map(|a| SpecSummary {
                name: a.name.clone(),
                title: a
                    .spec
                    .pointer("/info/title")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(&a.name)
                    .to_owned(),
                version: a.version.clone(),
            })
            .collect(),
    })
}
