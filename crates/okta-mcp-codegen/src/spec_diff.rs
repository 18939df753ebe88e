//! What changes between two spec releases, as seen by okta-mcp.
//!
//! [`diff`] is a pure function over the operation model of both releases and
//! `scope-map.toml`; `cargo xtask update-spec` prints its report before moving
//! the pin. Everything is sorted (operations by id, names alphabetically), so
//! the same inputs always give the same report.
//!
//! Schemas are compared as the spec writes them at the operation: a body that
//! is `$ref: '#/components/schemas/User'` in both releases counts as unchanged
//! even if `User` itself gained a property.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::CodegenError;
use crate::operations::{Operation, Param};
use crate::scope_map::ScopeMap;
use crate::tool_table::ToolSpec;
use crate::toolsets::toolset_for;

/// One operation, as listed in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRef {
    pub id: String,
    pub method: String,
    pub path: String,
    pub scopes: Vec<String>,
    pub toolset: String,
}

impl OpRef {
    fn of(op: &Operation) -> Self {
        Self {
            id: op.id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            scopes: op.scopes.clone(),
            toolset: toolset_for(&op.api, &op.tag),
        }
    }
}

/// How one operation present in both releases changed. Empty lists mean no
/// change of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpChange {
    pub id: String,
    pub method: String,
    pub path: String,
    /// `METHOD path` of the old release when the operationId moved.
    pub moved_from: Option<String>,
    /// `name (location)` of parameters the new release adds.
    pub params_added: Vec<String>,
    pub params_removed: Vec<String>,
    /// `name (location): what changed`.
    pub params_changed: Vec<String>,
    /// What changed about the request body, if anything.
    pub body: Option<String>,
    /// Success media types before and after, when they differ.
    pub response_media: Option<(Vec<String>, Vec<String>)>,
    /// Scopes before and after, when they differ.
    pub scopes: Option<(Vec<String>, Vec<String>)>,
    pub deprecated: Option<bool>,
}

impl OpChange {
    fn is_empty(&self) -> bool {
        self.moved_from.is_none()
            && self.params_added.is_empty()
            && self.params_removed.is_empty()
            && self.params_changed.is_empty()
            && self.body.is_none()
            && self.response_media.is_none()
            && self.scopes.is_none()
            && self.deprecated.is_none()
    }
}

/// A curated tool (`scope-map.toml` entry) touched by the new release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuratedImpact {
    pub tool: String,
    pub operation: String,
    /// `"removed"`, or a short list of what changed.
    pub what: String,
}

/// Operation counts per toolset, before and after, for toolsets that differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolsetChange {
    pub toolset: String,
    pub old: usize,
    pub new: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDiff {
    pub old_operations: usize,
    pub new_operations: usize,
    pub added: Vec<OpRef>,
    pub removed: Vec<OpRef>,
    pub changed: Vec<OpChange>,
    /// Scopes some operation needs in the new release but none in the old.
    pub scopes_added: Vec<String>,
    /// Scopes no operation needs any more.
    pub scopes_removed: Vec<String>,
    /// Curated tools whose operation is gone: the build fails on them.
    pub curated_missing: Vec<CuratedImpact>,
    /// Curated tools whose operation changed.
    pub curated_changed: Vec<CuratedImpact>,
    pub toolsets: Vec<ToolsetChange>,
    pub old_tools: usize,
    pub new_tools: usize,
}

/// The number of tools `tool_table::build_tool_table` makes from these
/// operations: curated entries (those whose operation exists, or that have a
/// handler), the meta tools, then one per operation no plain curated entry
/// already names.
pub fn tool_count(ops: &[Operation], map: &ScopeMap) -> usize {
    let ids: HashSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let curated = map
        .order
        .iter()
        .map(|name| &map.tools[name])
        .filter(|c| {
            c.handler.is_some() || c.operation.as_deref().is_some_and(|id| ids.contains(id))
        })
        .count();
    // Operations that a curated entry names take that entry's tool.
    let named = crate::tool_table::curated_operation_names(map);
    curated
        + crate::tool_table::meta_tools().len()
        + ops
            .iter()
            .filter(|o| !named.contains_key(o.id.as_str()))
            .count()
}

fn param_key(p: &Param) -> String {
    format!("{} ({})", p.name, p.location.as_str())
}

fn compact(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.len() > 80 {
        format!("{}…", s.chars().take(77).collect::<String>())
    } else {
        s
    }
}

fn compare(old: &Operation, new: &Operation) -> OpChange {
    let mut c = OpChange {
        id: new.id.clone(),
        method: new.method.clone(),
        path: new.path.clone(),
        ..OpChange::default()
    };
    if old.method != new.method || old.path != new.path {
        c.moved_from = Some(format!("{} {}", old.method, old.path));
    }
    let old_params: BTreeMap<String, &Param> =
        old.params.iter().map(|p| (param_key(p), p)).collect();
    let new_params: BTreeMap<String, &Param> =
        new.params.iter().map(|p| (param_key(p), p)).collect();
    for (k, p) in &new_params {
        match old_params.get(k) {
            None => c.params_added.push(if p.required {
                format!("{k}, required")
            } else {
                k.clone()
            }),
            Some(o) => {
                let mut what = Vec::new();
                if o.required != p.required {
                    what.push(if p.required {
                        "now required".to_owned()
                    } else {
                        "now optional".to_owned()
                    });
                }
                if o.schema != p.schema {
                    what.push(format!(
                        "schema {} → {}",
                        compact(&o.schema),
                        compact(&p.schema)
                    ));
                }
                if !what.is_empty() {
                    c.params_changed.push(format!("{k}: {}", what.join("; ")));
                }
            }
        }
    }
    c.params_removed = old_params
        .keys()
        .filter(|k| !new_params.contains_key(*k))
        .cloned()
        .collect();
    c.body = match (&old.body, &new.body) {
        (None, None) => None,
        (None, Some(b)) => Some(format!("body added ({})", b.media_type)),
        (Some(b), None) => Some(format!("body removed ({})", b.media_type)),
        (Some(o), Some(n)) => {
            let mut what = Vec::new();
            if o.media_type != n.media_type {
                what.push(format!("media {} → {}", o.media_type, n.media_type));
            }
            if o.required != n.required {
                what.push(if n.required {
                    "now required".to_owned()
                } else {
                    "now optional".to_owned()
                });
            }
            if o.schema != n.schema {
                what.push(format!(
                    "schema {} → {}",
                    compact(&o.schema),
                    compact(&n.schema)
                ));
            }
            (!what.is_empty()).then(|| what.join("; "))
        }
    };
    if old.success_media != new.success_media {
        c.response_media = Some((old.success_media.clone(), new.success_media.clone()));
    }
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    if sorted(&old.scopes) != sorted(&new.scopes) {
        c.scopes = Some((old.scopes.clone(), new.scopes.clone()));
    }
    if old.deprecated != new.deprecated {
        c.deprecated = Some(new.deprecated);
    }
    c
}

fn change_kinds(c: &OpChange) -> String {
    let mut what = Vec::new();
    if c.moved_from.is_some() {
        what.push("moved");
    }
    if !c.params_added.is_empty() || !c.params_removed.is_empty() || !c.params_changed.is_empty() {
        what.push("parameters");
    }
    if c.body.is_some() {
        what.push("body");
    }
    if c.response_media.is_some() {
        what.push("response media");
    }
    if c.scopes.is_some() {
        what.push("scopes");
    }
    if c.deprecated == Some(true) {
        what.push("deprecated");
    }
    what.join(", ")
}

fn all_scopes(ops: &[Operation]) -> BTreeSet<String> {
    ops.iter().flat_map(|o| o.scopes.iter().cloned()).collect()
}

fn toolset_counts(ops: &[Operation]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in ops {
        *m.entry(toolset_for(&o.api, &o.tag)).or_insert(0) += 1;
    }
    m
}

/// Compares two releases' operations (matched by operationId).
pub fn diff(old: &[Operation], new: &[Operation], scope_map: &ScopeMap) -> SpecDiff {
    let old_by: BTreeMap<&str, &Operation> = old.iter().map(|o| (o.id.as_str(), o)).collect();
    let new_by: BTreeMap<&str, &Operation> = new.iter().map(|o| (o.id.as_str(), o)).collect();
    let added = new_by
        .iter()
        .filter(|(id, _)| !old_by.contains_key(*id))
        .map(|(_, o)| OpRef::of(o))
        .collect();
    let removed = old_by
        .iter()
        .filter(|(id, _)| !new_by.contains_key(*id))
        .map(|(_, o)| OpRef::of(o))
        .collect();
    let changed: Vec<OpChange> = new_by
        .iter()
        .filter_map(|(id, n)| old_by.get(id).map(|o| compare(o, n)))
        .filter(|c| !c.is_empty())
        .collect();

    let (old_scopes, new_scopes) = (all_scopes(old), all_scopes(new));
    let mut curated_missing = Vec::new();
    let mut curated_changed = Vec::new();
    let mut names: Vec<&String> = scope_map.order.iter().collect();
    names.sort();
    for name in names {
        let Some(op) = scope_map.tools[name].operation.as_deref() else {
            continue;
        };
        let impact = |what: String| CuratedImpact {
            tool: name.clone(),
            operation: op.to_owned(),
            what,
        };
        if !new_by.contains_key(op) {
            curated_missing.push(impact(if old_by.contains_key(op) {
                "removed".to_owned()
            } else {
                "in neither release".to_owned()
            }));
        } else if let Some(c) = changed.iter().find(|c| c.id == op) {
            curated_changed.push(impact(change_kinds(c)));
        }
    }

    let (old_ts, new_ts) = (toolset_counts(old), toolset_counts(new));
    let toolsets = old_ts
        .keys()
        .chain(new_ts.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|t| {
            let (o, n) = (
                old_ts.get(t).copied().unwrap_or(0),
                new_ts.get(t).copied().unwrap_or(0),
            );
            (o != n).then(|| ToolsetChange {
                toolset: t.clone(),
                old: o,
                new: n,
            })
        })
        .collect();

    SpecDiff {
        old_operations: old.len(),
        new_operations: new.len(),
        added,
        removed,
        changed,
        scopes_added: new_scopes.difference(&old_scopes).cloned().collect(),
        scopes_removed: old_scopes.difference(&new_scopes).cloned().collect(),
        curated_missing,
        curated_changed,
        toolsets,
        old_tools: tool_count(old, scope_map),
        new_tools: tool_count(new, scope_map),
    }
}

/// The operations of every spec as the generator reads them: overlays
/// merged, repairs applied, unsupported operations left out, keyed across
/// specs ([`crate::apis`]). A diff compares all of them, so a curated tool
/// of another spec is not taken for missing.
pub fn operations_of(specs: &[crate::SpecInput]) -> Result<Vec<Operation>, CodegenError> {
    let (apis, _) = crate::apis::prepare_apis(specs)?;
    Ok(crate::apis::all_operations(&apis))
}

/// Bytes of `tools` in a `tools/list` answer, as `src/server.rs` (`mcp_tool`)
/// lists them: compact JSON of name, description, the listed (abridged)
/// schema and the listed annotations ([`crate::annotations::Annotations::listed`], the one rule
/// both use).
pub fn tools_list_bytes<'a>(tools: impl IntoIterator<Item = &'a ToolSpec>) -> usize {
    let list: Vec<Value> = tools
        .into_iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name,
                "description": t.description,
                "inputSchema": t.listed_schema,
                "annotations": t.annotations.listed(),
            })
        })
        .collect();
    serde_json::to_vec(&list).map(|v| v.len()).unwrap_or(0)
}

fn signed(old: usize, new: usize) -> String {
    let d = new as i64 - old as i64;
    format!("{old} → {new} ({d:+})")
}

fn scopes_text(s: &[String]) -> String {
    if s.is_empty() {
        "(none)".to_owned()
    } else {
        s.join(" ")
    }
}

impl SpecDiff {
    /// True when the new release breaks the build (a curated tool lost its
    /// operation).
    pub fn breaks_build(&self) -> bool {
        !self.curated_missing.is_empty()
    }

    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "# Spec diff\n");
        let _ = writeln!(s, "| | old → new |\n| --- | --- |");
        let _ = writeln!(
            s,
            "| operations | {} |",
            signed(self.old_operations, self.new_operations)
        );
        let _ = writeln!(s, "| tools | {} |", signed(self.old_tools, self.new_tools));
        let _ = writeln!(
            s,
            "| added / removed / changed operations | {} / {} / {} |",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        );
        let _ = writeln!(
            s,
            "| curated tools broken / changed | {} / {} |",
            self.curated_missing.len(),
            self.curated_changed.len()
        );

        let _ = writeln!(s, "\n## Curated tools (scope-map.toml)\n");
        if self.curated_missing.is_empty() && self.curated_changed.is_empty() {
            let _ = writeln!(s, "No curated tool is affected.");
        }
        for c in &self.curated_missing {
            let _ = writeln!(
                s,
                "- **BREAKS THE BUILD** `[tools.{}]`: operation `{}` {} — fix or delete the entry",
                c.tool, c.operation, c.what
            );
        }
        for c in &self.curated_changed {
            let _ = writeln!(
                s,
                "- `[tools.{}]` (`{}`) changed: {}",
                c.tool, c.operation, c.what
            );
        }

        let _ = writeln!(s, "\n## Scopes\n");
        if self.scopes_added.is_empty() && self.scopes_removed.is_empty() {
            let _ = writeln!(s, "No scope appears or disappears.");
        }
        for sc in &self.scopes_added {
            let _ = writeln!(s, "- added `{sc}`");
        }
        for sc in &self.scopes_removed {
            let _ = writeln!(s, "- removed `{sc}`");
        }

        let _ = writeln!(s, "\n## Toolsets (operations)\n");
        if self.toolsets.is_empty() {
            let _ = writeln!(s, "No toolset changes size.");
        } else {
            let _ = writeln!(s, "| toolset | old | new |\n| --- | --- | --- |");
            for t in &self.toolsets {
                let _ = writeln!(s, "| {} | {} | {} |", t.toolset, t.old, t.new);
            }
        }

        for (title, list) in [
            ("Added operations", &self.added),
            ("Removed operations", &self.removed),
        ] {
            let _ = writeln!(s, "\n## {title} ({})\n", list.len());
            for o in list {
                let _ = writeln!(
                    s,
                    "- `{}` {} {} — {} [{}]",
                    o.id,
                    o.method,
                    o.path,
                    scopes_text(&o.scopes),
                    o.toolset
                );
            }
        }

        let _ = writeln!(s, "\n## Changed operations ({})\n", self.changed.len());
        for c in &self.changed {
            let _ = writeln!(s, "- `{}` {} {}", c.id, c.method, c.path);
            if let Some(from) = &c.moved_from {
                let _ = writeln!(s, "  - moved from {from}");
            }
            for p in &c.params_added {
                let _ = writeln!(s, "  - parameter added: {p}");
            }
            for p in &c.params_removed {
                let _ = writeln!(s, "  - parameter removed: {p}");
            }
            for p in &c.params_changed {
                let _ = writeln!(s, "  - parameter changed: {p}");
            }
            if let Some(b) = &c.body {
                let _ = writeln!(s, "  - body: {b}");
            }
            if let Some((o, n)) = &c.response_media {
                let _ = writeln!(
                    s,
                    "  - response media: {} → {}",
                    scopes_text(o),
                    scopes_text(n)
                );
            }
            if let Some((o, n)) = &c.scopes {
                let _ = writeln!(s, "  - scopes: {} → {}", scopes_text(o), scopes_text(n));
            }
            if let Some(d) = c.deprecated {
                let _ = writeln!(
                    s,
                    "  - {}",
                    if d {
                        "now deprecated"
                    } else {
                        "no longer deprecated"
                    }
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::read_operations;
    use serde_json::json;

    fn ops(paths: Value) -> Vec<Operation> {
        let mut ops = read_operations(&json!({ "paths": paths })).unwrap().0;
        for op in &mut ops {
            op.api = "management".into();
        }
        ops
    }

    fn get_group(extra_param: bool, scope: &str) -> Value {
        let mut params =
            vec![json!({"name": "groupId", "in": "path", "schema": {"type": "string"}})];
        if extra_param {
            params.push(json!({"name": "expand", "in": "query", "schema": {"type": "string"}}));
        }
        json!({"get": {"operationId": "getGroup", "tags": ["Group"],
            "security": [{"oauth2": [scope]}], "parameters": params,
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}}})
    }

    #[test]
    fn added_removed_changed_and_curated_impact() {
        let old = ops(json!({
            "/api/v1/groups/{groupId}": get_group(false, "okta.groups.read"),
            "/api/v1/zones": {"get": {"operationId": "listNetworkZones", "tags": ["NetworkZone"],
                "security": [{"oauth2": ["okta.networkZones.read"]}]}}
        }));
        let new = ops(json!({
            "/api/v1/groups/{groupId}": get_group(true, "okta.groups.manage"),
            "/api/v1/users": {"get": {"operationId": "listUsers", "tags": ["User"],
                "security": [{"oauth2": ["okta.users.read"]}]}}
        }));
        let map = ScopeMap::parse(
            "[tools.get_group]\noperation = \"getGroup\"\n[tools.list_zones]\noperation = \"listNetworkZones\"\n",
        )
        .unwrap();
        let d = diff(&old, &new, &map);
        assert_eq!(
            d.added.iter().map(|o| &o.id).collect::<Vec<_>>(),
            ["listUsers"]
        );
        assert_eq!(d.removed[0].id, "listNetworkZones");
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].params_added, ["expand (query)"]);
        assert!(d.changed[0].scopes.is_some());
        assert_eq!(d.curated_missing[0].tool, "list_zones");
        assert_eq!(d.curated_changed[0].what, "parameters, scopes");
        assert_eq!(d.scopes_added, ["okta.groups.manage", "okta.users.read"]);
        assert!(d.breaks_build());
        // old: 2 curated + 3 meta; new: 1 curated + 3 meta + listUsers.
        assert_eq!((d.old_tools, d.new_tools), (5, 5));
        let md = d.to_markdown();
        assert!(
            md.contains("BREAKS THE BUILD** `[tools.list_zones]`"),
            "{md}"
        );
        assert_eq!(md, diff(&old, &new, &map).to_markdown());
    }

    #[test]
    fn identical_releases_have_an_empty_diff() {
        let o = ops(json!({"/api/v1/groups/{groupId}": get_group(false, "okta.groups.read")}));
        let d = diff(&o, &o, &ScopeMap::default());
        assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
        assert!(d.toolsets.is_empty() && !d.breaks_build());
    }
}
