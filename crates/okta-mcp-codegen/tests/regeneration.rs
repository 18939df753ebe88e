//! Regeneration against a real older Okta release (2025.11.0) and the diff
//! report to the pinned one (2026.06.3), with the pinned Identity Governance
//! spec (3.2.0) beside it as in every build; and the diff report of a
//! changed Governance spec. The specs are vendored data in
//! `../shared/okta-openapi/`; without them these tests skip, except under
//! `CI=true`, where a missing spec fails.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p okta-mcp-codegen --test regeneration`
//! rewrites `tests/snapshots/diff-2025.11.0-to-2026.06.3.md`.

use std::path::{Path, PathBuf};

use okta_mcp_codegen::operations::read_operations;
use okta_mcp_codegen::scope_map::ScopeMap;
use okta_mcp_codegen::spec_diff::{diff, operations_of};
use okta_mcp_codegen::spec_source::sha256_hex;
use okta_mcp_codegen::{Inputs, SpecInput, generate, merge_overlay, parse_spec, repair};

const OLD: &str = "2025.11.0";
const OLD_SHA256: &str = "c26e23d1f9f8e0fc67942c59f6b534df76e604deaff2a0fd1128ad0738a200d0";
const NEW: &str = "2026.06.3";
const GOVERNANCE: &str = "3.2.0";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The Management spec's bytes, or None (skip) when absent outside CI.
fn spec(release: &str) -> Option<Vec<u8>> {
    shared(&format!("management-{release}.yaml"))
}

/// The pinned Governance spec's bytes, or None (skip) when absent outside CI.
fn governance() -> Option<Vec<u8>> {
    shared(&format!("governance-{GOVERNANCE}.yaml"))
}

/// The build's inputs: this Management spec (with the overlay) and the
/// Governance spec, in lock order.
fn inputs<'a>(management: &'a [u8], overlay: &'a str, governance: &'a [u8]) -> [SpecInput<'a>; 2] {
    [
        SpecInput {
            name: "management",
            yaml: management,
            overlay: Some(overlay),
        },
        SpecInput {
            name: "governance",
            yaml: governance,
            overlay: None,
        },
    ]
}

fn shared(file: &str) -> Option<Vec<u8>> {
    let path = repo().join(format!("../shared/okta-openapi/{file}"));
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if in_ci() => panic!("CI=true but {} is unreadable: {e}", path.display()),
        Err(e) => {
            eprintln!("SKIP: {} is unreadable ({e})", path.display());
            None
        }
    }
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap()
}

/// Operations of the raw spec (no overlay): paths × methods.
fn raw_operation_count(yaml: &[u8]) -> usize {
    let spec = parse_spec(yaml).unwrap();
    spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            ["get", "post", "put", "patch", "delete"]
                .iter()
                .filter(|m| item.get(**m).is_some())
                .count()
        })
        .sum()
}

/// Operations the generator keeps plus the ones it skips, overlay merged.
fn kept_and_skipped(yaml: &[u8]) -> (usize, usize) {
    let mut spec = parse_spec(yaml).unwrap();
    merge_overlay(&mut spec, &text("openapi/overlay.yaml")).unwrap();
    repair::repair_spec(&mut spec);
    let (ops, skipped) = read_operations(&spec).unwrap();
    (ops.len(), skipped.len())
}

fn overlay_operation_count() -> usize {
    let overlay: serde_json::Value =
        serde_yaml_ng::from_str(&text("openapi/overlay.yaml")).unwrap();
    overlay
        .get("paths")
        .and_then(|p| p.as_object())
        .map(|p| {
            p.values()
                .map(|i| i.as_object().map_or(0, |m| m.len()))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn the_old_release_generates_or_names_the_missing_curated_tool() {
    let (Some(old), Some(gov)) = (spec(OLD), governance()) else {
        return;
    };
    assert_eq!(sha256_hex(&old), OLD_SHA256, "not the vendored {OLD}");
    let overlay = text("openapi/overlay.yaml");
    let map_text = text("scope-map.toml");
    let map = ScopeMap::parse(&map_text).unwrap();
    let specs = inputs(&old, &overlay, &gov);
    let ops = operations_of(&specs).unwrap();
    // Curated entries (file order) whose operation the old release lacks.
    let missing: Vec<(&String, &str)> = map
        .order
        .iter()
        .filter_map(|name| {
            let op = map.tools[name].operation.as_deref()?;
            (!ops.iter().any(|o| o.id == op)).then_some((name, op))
        })
        .collect();
    let result = generate(&Inputs {
        specs: &specs,
        scope_map_toml: &map_text,
    });
    match (missing.first(), result) {
        (None, Ok(g)) => {
            assert_eq!(g.spec("management").unwrap().version, OLD);
            assert_eq!(g.spec("governance").unwrap().version, GOVERNANCE);
            assert_eq!(g.operations.len(), ops.len());
            assert!(g.tools.len() > ops.len(), "curated + meta tools are added");
        }
        (Some((name, op)), Err(e)) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("[tools.{name}]")) && msg.contains(op),
                "the error must name scope-map.toml's first broken entry [tools.{name}] ({op}): {msg}"
            );
        }
        (None, Err(e)) => panic!("{OLD} has every curated operation but does not generate: {e}"),
        (Some((name, op)), Ok(_)) => {
            panic!("[tools.{name}] names {op}, absent from {OLD}, yet generation succeeded")
        }
    }
}

#[test]
fn a_curated_tool_whose_operation_is_gone_fails_naming_the_entry() {
    let spec = br#"
openapi: 3.0.3
info: {title: t, version: 2099.01.0}
paths:
  /api/v1/groups/{groupId}:
    get:
      operationId: getGroup
      security: [{oauth2: [okta.groups.read]}]
      parameters: [{name: groupId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"#;
    let err = generate(&Inputs {
        specs: &[SpecInput {
            name: "management",
            yaml: spec,
            overlay: None,
        }],
        scope_map_toml: "[tools.get_group]\noperation = \"getGroup\"\n[tools.list_users]\noperation = \"listUsers\"\n",
    })
    .err()
    .expect("listUsers is not in the spec");
    let msg = err.to_string();
    assert!(
        msg.contains("scope-map.toml")
            && msg.contains("[tools.list_users]")
            && msg.contains("listUsers"),
        "{msg}"
    );
}

#[test]
fn diff_from_the_old_release_is_sane_and_its_report_is_stable() {
    let (Some(old), Some(new), Some(gov)) = (spec(OLD), spec(NEW), governance()) else {
        return;
    };
    let overlay = text("openapi/overlay.yaml");
    let map = ScopeMap::parse(&text("scope-map.toml")).unwrap();
    let old_ops = operations_of(&inputs(&old, &overlay, &gov)).unwrap();
    let new_ops = operations_of(&inputs(&new, &overlay, &gov)).unwrap();
    let d = diff(&old_ops, &new_ops, &map);

    // Counts match the specs: raw operations + overlay = kept + skipped,
    // plus Governance's 147 on both sides.
    let extra = overlay_operation_count();
    let governance_ops = raw_operation_count(&gov);
    assert_eq!(
        governance_ops, 147,
        "README: 147 operations in {GOVERNANCE}"
    );
    for (yaml, counted) in [(&old, d.old_operations), (&new, d.new_operations)] {
        let (kept, skipped) = kept_and_skipped(yaml);
        assert_eq!(counted, kept + governance_ops);
        assert_eq!(kept + skipped, raw_operation_count(yaml) + extra);
    }
    assert!(
        d.added
            .iter()
            .chain(&d.removed)
            .all(|o| !o.path.starts_with("/governance/")),
        "the Governance spec did not change"
    );
    assert_eq!(
        raw_operation_count(&new),
        732,
        "README: 732 operations in {NEW}"
    );
    assert!(!d.added.is_empty(), "a newer release adds operations");
    assert_eq!(
        d.new_operations as i64 - d.old_operations as i64,
        d.added.len() as i64 - d.removed.len() as i64
    );
    assert!(d.new_tools > 0 && d.old_tools > 0);
    // Every added id is new, every removed id is gone.
    for a in &d.added {
        assert!(!old_ops.iter().any(|o| o.id == a.id) && new_ops.iter().any(|o| o.id == a.id));
    }
    for r in &d.removed {
        assert!(old_ops.iter().any(|o| o.id == r.id) && !new_ops.iter().any(|o| o.id == r.id));
    }
    assert!(
        !d.breaks_build(),
        "the pinned release must keep every curated tool"
    );

    let md = d.to_markdown();
    assert_eq!(
        md,
        diff(&old_ops, &new_ops, &map).to_markdown(),
        "deterministic"
    );
    let snap = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/snapshots/diff-{OLD}-to-{NEW}.md"));
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&snap, &md).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to write it",
            snap.display()
        )
    });
    if want != md {
        let first = want
            .lines()
            .zip(md.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(md.lines().count()));
        panic!(
            "the diff report differs from {} at line {}:\n  want: {:?}\n  got:  {:?}\nUPDATE_SNAPSHOTS=1 rewrites it",
            snap.display(),
            first + 1,
            want.lines().nth(first),
            md.lines().nth(first)
        );
    }
}

/// `cargo xtask update-spec governance <path>` prints the same report: here
/// for a Governance spec that lost `launchCampaign` (a curated tool's
/// operation), gained a scope on `listCampaigns` and a new operation.
#[test]
fn a_changed_governance_spec_gets_the_same_diff_report() {
    let (Some(mgmt), Some(gov)) = (spec(NEW), governance()) else {
        return;
    };
    let overlay = text("openapi/overlay.yaml");
    let map = ScopeMap::parse(&text("scope-map.toml")).unwrap();
    let mut changed = parse_spec(&gov).unwrap();
    let paths = changed["paths"].as_object_mut().unwrap();
    paths.remove("/governance/api/v1/campaigns/{campaignId}/launch");
    paths["/governance/api/v1/campaigns"]["get"]["security"] = serde_json::json!([{"OAuth2": ["okta.governance.accessCertifications.read", "okta.governance.newThing.read"]}]);
    paths.insert(
        "/governance/api/v1/campaigns/{campaignId}/pause".into(),
        serde_json::json!({"post": {"operationId": "pauseCampaign", "tags": ["Campaigns"],
            "security": [{"OAuth2": ["okta.governance.accessCertifications.manage"]}],
            "parameters": [{"name": "campaignId", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "paused"}}}}),
    );
    let changed = serde_json::to_vec(&changed).unwrap();
    let old_ops = operations_of(&inputs(&mgmt, &overlay, &gov)).unwrap();
    let new_ops = operations_of(&inputs(&mgmt, &overlay, &changed)).unwrap();
    let d = diff(&old_ops, &new_ops, &map);
    assert_eq!(
        d.added.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        ["pauseCampaign"]
    );
    assert_eq!(d.added[0].toolset, "certifications");
    assert_eq!(
        d.removed.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        ["launchCampaign"]
    );
    assert_eq!(d.scopes_added, ["okta.governance.newThing.read"]);
    assert!(d.breaks_build());
    let md = d.to_markdown();
    assert!(
        md.contains("[tools.launch_campaign]") && md.contains("launchCampaign"),
        "{md}"
    );
    assert!(
        md.contains("[tools.list_campaigns]"),
        "a changed curated tool: {md}"
    );
    // The Management spec is the same on both sides: nothing of it shows.
    assert!(!md.contains(" /api/v1/"), "{md}");
}
