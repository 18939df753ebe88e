//! `scope-map.toml`: the curated tool set and its overrides, validated
//! against the spec so a mistake fails the build with the entry's name.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use crate::CodegenError;
use crate::naming::is_valid_tool_name;
use crate::operations::Operation;
use crate::risk::RiskClass;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeMap {
    /// Curated tools, in file order (TOML tables keep it via the BTreeMap's
    /// keys only, so the order is recorded separately by [`ScopeMap::parse`]).
    #[serde(default)]
    pub tools: BTreeMap<String, CuratedTool>,
    #[serde(skip)]
    pub order: Vec<String>,
    /// Risk classes set by hand, by operationId (`[risk.<operationId>]`).
    #[serde(default)]
    pub risk: BTreeMap<String, RiskOverride>,
}

/// A risk class set by hand for one operation, where the derived one is
/// wrong. The reason is required: it goes into the build report.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RiskOverride {
    pub class: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CuratedTool {
    pub operation: Option<String>,
    pub description: Option<String>,
    pub idempotent: Option<bool>,
    pub scope: Option<String>,
    pub scope_reason: Option<String>,
    #[serde(default)]
    pub fixed: BTreeMap<String, toml::Value>,
    pub handler: Option<String>,
    #[serde(default)]
    pub arguments: BTreeMap<String, toml::Value>,
}

impl CuratedTool {
    pub fn fixed_json(&self) -> Value {
        serde_json::to_value(&self.fixed).unwrap_or(Value::Null)
    }
    pub fn arguments_json(&self) -> serde_json::Map<String, Value> {
        self.arguments
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect()
    }
}

/// The composites the runtime implements; a handler outside this list is a
/// build error rather than a tool that fails at run time.
pub const KNOWN_HANDLERS: [&str; 3] = ["scope_status", "login_failures", "users_csv"];

impl ScopeMap {
    pub fn parse(text: &str) -> Result<Self, CodegenError> {
        let mut map: ScopeMap = toml::from_str(text).map_err(|e| CodegenError::ScopeMap {
            message: e.to_string(),
        })?;
        // Keep file order: it is the order tools are listed in.
        let table: toml::Table = toml::from_str(text).map_err(|e| CodegenError::ScopeMap {
            message: e.to_string(),
        })?;
        let mut order: Vec<(usize, String)> = Vec::new();
        if let Some(toml::Value::Table(tools)) = table.get("tools") {
            for name in tools.keys() {
                let needle = format!("[tools.{name}]");
                order.push((text.find(&needle).unwrap_or(usize::MAX), name.clone()));
            }
        }
        order.sort();
        map.order = order.into_iter().map(|(_, n)| n).collect();
        Ok(map)
    }

    /// The class `[risk.<operation_id>]` sets, if any (validated first by
    /// [`ScopeMap::validate`]).
    pub fn risk_override(&self, operation_id: &str) -> Option<RiskClass> {
        self.risk
            .get(operation_id)
            .and_then(|r| r.class.parse().ok())
    }

    /// Checks the `[risk.*]` entries: a known operation, a known class and
    /// a reason.
    fn validate_risk(&self, ops: &[Operation]) -> Result<(), CodegenError> {
        for (id, entry) in &self.risk {
            let err = |message: String| CodegenError::ScopeMap {
                message: format!("[risk.{id}]: {message}"),
            };
            if !ops.iter().any(|o| &o.id == id) {
                return Err(err(format!(
                    "operation `{id}` is not in the spec; it may have been renamed or removed by Okta — fix or delete this entry"
                )));
            }
            if let Err(e) = entry.class.parse::<RiskClass>() {
                return Err(err(format!("class {e}")));
            }
            if entry.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(err(format!(
                    "class `{}` needs `reason = \"...\"` saying why the derived class is wrong",
                    entry.class
                )));
            }
        }
        Ok(())
    }

    /// Checks every entry against the spec's operations.
    pub fn validate(&self, ops: &[Operation]) -> Result<(), CodegenError> {
        self.validate_risk(ops)?;
        let err = |name: &str, message: String| CodegenError::ScopeMap {
            message: format!("[tools.{name}]: {message}"),
        };
        let mut seen = HashSet::new();
        for name in &self.order {
            let tool = &self.tools[name];
            if !seen.insert(name) {
                return Err(err(name, "this tool name appears twice".into()));
            }
            if !is_valid_tool_name(name) {
                return Err(err(
                    name,
                    "a tool name is at most 64 characters of [a-z0-9_]".into(),
                ));
            }
            if let Some(h) = &tool.handler
                && !KNOWN_HANDLERS.contains(&h.as_str())
            {
                return Err(err(
                    name,
                    format!("handler `{h}` is not one of {KNOWN_HANDLERS:?}"),
                ));
            }
            let op = match &tool.operation {
                Some(id) => Some(ops.iter().find(|o| &o.id == id).ok_or_else(|| {
                    err(
                        name,
                        format!(
                            "operation `{id}` is not in the spec; it may have been renamed or removed by Okta — fix or delete this entry"
                        ),
                    )
                })?),
                None if tool.handler.is_some() => None,
                None => return Err(err(name, "needs `operation` (or a `handler`)".into())),
            };
            if let Some(scope) = &tool.scope {
                let spec_scopes = op.map(|o| o.scopes.clone()).unwrap_or_default();
                let agrees = spec_scopes.len() == 1 && &spec_scopes[0] == scope;
                if !agrees && tool.scope_reason.as_deref().is_none_or(str::is_empty) {
                    return Err(err(
                        name,
                        format!(
                            "scope `{scope}` differs from the spec's {spec_scopes:?}; add `scope_reason` saying why, or remove `scope`"
                        ),
                    ));
                }
            }
            if let Some(op) = op {
                for key in tool.fixed.keys() {
                    if op.param(key).is_none() {
                        return Err(err(
                            name,
                            format!("fixed argument `{key}` is not a parameter of {}", op.id),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::read_operations;
    use serde_json::json;

    fn ops() -> Vec<Operation> {
        let spec = json!({"paths": {"/api/v1/groups/{groupId}": {
            "get": {"operationId": "getGroup", "security": [{"oauth2": ["okta.groups.read"]}],
                    "parameters": [{"name": "groupId", "in": "path", "schema": {"type": "string"}}]}
        }}});
        read_operations(&spec).unwrap().0
    }

    fn check(text: &str) -> Result<(), String> {
        ScopeMap::parse(text)
            .and_then(|m| m.validate(&ops()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_good_map_passes_and_keeps_file_order() {
        let text =
            "[tools.zeta]\noperation = \"getGroup\"\n[tools.alpha]\noperation = \"getGroup\"\n";
        assert_eq!(check(text), Ok(()));
        assert_eq!(ScopeMap::parse(text).unwrap().order, vec!["zeta", "alpha"]);
    }

    #[test]
    fn unknown_operation_names_the_entry() {
        let e = check("[tools.get_group]\noperation = \"getGroupz\"\n").unwrap_err();
        assert!(
            e.contains("[tools.get_group]") && e.contains("getGroupz"),
            "{e}"
        );
    }

    #[test]
    fn repeated_names_are_refused() {
        let e = check("[tools.a]\noperation = \"getGroup\"\n[tools.a]\noperation = \"getGroup\"\n")
            .unwrap_err();
        assert!(e.contains("tools.a") || e.contains("duplicate"), "{e}");
    }

    #[test]
    fn a_scope_override_needs_a_reason() {
        let e = check("[tools.g]\noperation = \"getGroup\"\nscope = \"okta.groups.manage\"\n")
            .unwrap_err();
        assert!(e.contains("[tools.g]") && e.contains("scope_reason"), "{e}");
        let ok = "[tools.g]\noperation = \"getGroup\"\nscope = \"okta.groups.manage\"\nscope_reason = \"because\"\n";
        assert_eq!(check(ok), Ok(()));
    }

    #[test]
    fn risk_overrides_need_a_known_operation_a_known_class_and_a_reason() {
        let ok = "[risk.getGroup]\nclass = \"grant\"\nreason = \"because\"\n";
        assert_eq!(check(ok), Ok(()));
        assert_eq!(
            ScopeMap::parse(ok).unwrap().risk_override("getGroup"),
            Some(RiskClass::Grant)
        );
        let e = check("[risk.getGroup]\nclass = \"grant\"\n").unwrap_err();
        assert!(e.contains("[risk.getGroup]") && e.contains("reason"), "{e}");
        let e = check("[risk.getGroup]\nclass = \"grant\"\nreason = \" \"\n").unwrap_err();
        assert!(e.contains("[risk.getGroup]") && e.contains("reason"), "{e}");
        let e = check("[risk.getGroup]\nclass = \"admin\"\nreason = \"x\"\n").unwrap_err();
        assert!(
            e.contains("[risk.getGroup]") && e.contains("`admin`"),
            "{e}"
        );
        let e = check("[risk.getGroupz]\nclass = \"read\"\nreason = \"x\"\n").unwrap_err();
        assert!(
            e.contains("[risk.getGroupz]") && e.contains("not in the spec"),
            "{e}"
        );
        let e = check("[risk.getGroup]\nclas = \"read\"\nreason = \"x\"\n").unwrap_err();
        assert!(e.contains("clas"), "{e}");
    }

    #[test]
    fn bad_names_handlers_and_fixed_args_are_refused() {
        assert!(check("[tools.Bad-Name]\noperation = \"getGroup\"\n").is_err());
        assert!(
            check("[tools.x]\nhandler = \"nope\"\n")
                .unwrap_err()
                .contains("handler")
        );
        let e = check("[tools.x]\noperation = \"getGroup\"\nfixed = { nope = 1 }\n").unwrap_err();
        assert!(e.contains("nope"), "{e}");
    }
}
