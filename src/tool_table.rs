//! The tool table generated from the spec and `scope-map.toml`: what each
//! tool is called, what it takes, what it needs and what it calls.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// One spec the tools were generated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecProvenance {
    /// Its name in `openapi/spec.lock` (`management`, `governance`).
    pub name: &'static str,
    /// Its `info.title`.
    pub title: &'static str,
    /// Its `info.version`.
    pub release: &'static str,
    pub sha256: &'static str,
    /// True when built from a file other than the pinned one.
    pub unpinned: bool,
}

include!(concat!(env!("OUT_DIR"), "/provenance.rs"));

/// What calling a tool does to the org, derived for every operation by the
/// generator (`crates/okta-mcp-codegen/src/risk.rs`, overridable in
/// `scope-map.toml`). The annotations, `read_only`, `destructive` and
/// `confirm` follow from it, and `OKTA_EXCLUDE_TOOLS` accepts its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RiskClass {
    Read,
    Create,
    Change,
    Grant,
    Destructive,
}

impl RiskClass {
    pub const ALL: [RiskClass; 5] = [
        RiskClass::Read,
        RiskClass::Create,
        RiskClass::Change,
        RiskClass::Grant,
        RiskClass::Destructive,
    ];

    /// The name `OKTA_EXCLUDE_TOOLS` and the build report use.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::Read => "read",
            RiskClass::Create => "create",
            RiskClass::Change => "change",
            RiskClass::Grant => "grant",
            RiskClass::Destructive => "destructive",
        }
    }

    /// The class named `name` (exactly as [`RiskClass::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// What the class means, for a person deciding on a call.
    pub fn meaning(self) -> &'static str {
        match self {
            RiskClass::Read => "only reads",
            RiskClass::Create => "adds a new object",
            RiskClass::Change => "changes existing settings",
            RiskClass::Grant => "grants access or credentials",
            RiskClass::Destructive => "cannot be undone",
        }
    }
}

/// One tool. Every field is generated; see `crates/okta-mcp-codegen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// One line, for search results.
    pub summary: &'static str,
    /// The full JSON Schema of the arguments, as JSON text: what calls are
    /// validated against and what `describe_okta_operation` shows.
    pub input_schema: &'static str,
    /// The abridged schema `tools/list` carries, as JSON text.
    pub listed_schema: &'static str,
    /// The annotations `tools/list` carries (only the meaningful hints), as
    /// JSON text; the rule lives in the generator.
    pub listed_annotations: &'static str,
    /// The operation's longer explanation, shown by `describe_okta_operation`.
    pub details: &'static str,
    /// Empty for tools that call no single operation.
    pub operation_id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    /// Every scope the tool needs.
    pub scopes: &'static [&'static str],
    pub toolset: &'static str,
    /// The spec of its operation (`management`, `governance`), which is a
    /// toolset too; empty for tools that call no single operation.
    pub api: &'static str,
    pub curated: bool,
    /// What calling it does. `read_only` is `class == Read`; `destructive`
    /// and `confirm` are true for `Change`, `Grant` and `Destructive`.
    pub class: RiskClass,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    pub confirm: bool,
    pub paged: bool,
    pub handler: Option<&'static str>,
    /// Arguments always sent, as a JSON object text.
    pub fixed_args: &'static str,
    pub body_media_type: Option<&'static str>,
    pub native_fields: bool,
    /// Whether results hold text end users control (System Log events,
    /// profiles, labels): their text starts with [`crate::org_data::NOTE`].
    pub org_data: bool,
}

include!(concat!(env!("OUT_DIR"), "/tool_table.rs"));

impl ToolSpec {
    /// The parsed full input schema (parsed once per tool, on first use).
    pub fn schema(&self) -> &'static Map<String, Value> {
        static PARSED: OnceLock<Vec<OnceLock<Map<String, Value>>>> = OnceLock::new();
        self.parsed_once(&PARSED, self.input_schema)
    }

    /// The parsed listed schema (parsed once per tool, on first use).
    pub fn listed_schema(&self) -> &'static Map<String, Value> {
        static PARSED: OnceLock<Vec<OnceLock<Map<String, Value>>>> = OnceLock::new();
        self.parsed_once(&PARSED, self.listed_schema)
    }

    fn parsed_once(
        &self,
        cells: &'static OnceLock<Vec<OnceLock<Map<String, Value>>>>,
        text: &'static str,
    ) -> &'static Map<String, Value> {
        let cells = cells.get_or_init(|| TOOLS.iter().map(|_| OnceLock::new()).collect());
        let index = name_index().get(self.name).copied().unwrap_or(0);
        cells[index].get_or_init(|| match serde_json::from_str(text) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        })
    }

    pub fn fixed(&self) -> Map<String, Value> {
        match serde_json::from_str(self.fixed_args) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// Whether `name` is one of its toolsets: its narrow one or its spec's.
    pub fn in_toolset(&self, name: &str) -> bool {
        self.toolset == name || (!self.api.is_empty() && self.api == name)
    }

    /// Whether this tool calls an operation no OAuth scope covers.
    pub fn unscoped(&self) -> bool {
        self.scopes.is_empty() && !self.operation_id.is_empty()
    }
}

/// What `okta-mcp --version` prints after the name: this build's version and
/// the specs it was generated from.
pub fn version_text() -> String {
    let mut text = env!("CARGO_PKG_VERSION").to_owned();
    for s in SPECS {
        text.push_str(&format!(
            "\n{} ({}) {} (sha256 {}){}",
            s.title,
            s.name,
            s.release,
            s.sha256,
            if s.unpinned {
                ", not the pinned release"
            } else {
                ""
            }
        ));
    }
    text
}

/// The specs the tools come from, by title and release, for the MCP
/// server description: "Okta Admin Management API 2026.06.3 and Okta
/// Governance API 3.2.0".
pub fn specs_summary() -> String {
    let named: Vec<String> = SPECS
        .iter()
        .map(|s| format!("{} {}", s.title, s.release))
        .collect();
    match named.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => named.concat(),
    }
}

/// Finds a tool by name.
pub fn find(name: &str) -> Option<&'static ToolSpec> {
    name_index().get(name).map(|&i| &TOOLS[i])
}

fn name_index() -> &'static std::collections::HashMap<&'static str, usize> {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, usize>> = OnceLock::new();
    INDEX.get_or_init(|| TOOLS.iter().enumerate().map(|(i, t)| (t.name, i)).collect())
}

/// The build report (coverage, left-out operations, repairs).
pub const BUILD_REPORT: &str = include_str!(concat!(env!("OUT_DIR"), "/build-report.md"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_schema_is_a_valid_closed_object_schema() {
        for t in TOOLS {
            let schema = Value::Object(t.schema().clone());
            assert_eq!(schema["type"], "object", "{}", t.name);
            assert!(!has_ref_keyword(&schema, false), "{} has a $ref", t.name);
            if let Err(e) = jsonschema::meta::validate(&schema) {
                panic!("{}: {e}", t.name);
            }
            jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        }
    }

    /// A `$ref` keyword anywhere (a property *named* `$ref` is fine).
    fn has_ref_keyword(v: &Value, in_properties: bool) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, child)| {
                (!in_properties && k == "$ref")
                    || has_ref_keyword(child, !in_properties && k == "properties")
            }),
            Value::Array(a) => a.iter().any(|c| has_ref_keyword(c, false)),
            _ => false,
        }
    }

    #[test]
    fn flags_follow_the_class() {
        for t in TOOLS {
            let writes = matches!(
                t.class,
                RiskClass::Change | RiskClass::Grant | RiskClass::Destructive
            );
            assert_eq!(t.read_only, t.class == RiskClass::Read, "{}", t.name);
            assert_eq!(t.destructive, writes, "{}", t.name);
            assert_eq!(t.confirm, writes, "{}", t.name);
            let listed: Value = serde_json::from_str(t.listed_annotations).unwrap();
            assert_eq!(
                listed.get("readOnlyHint") == Some(&Value::Bool(true)),
                t.class == RiskClass::Read,
                "{}",
                t.name
            );
            if t.class != RiskClass::Read {
                assert_eq!(listed["destructiveHint"], writes, "{}", t.name);
            }
        }
    }

    #[test]
    fn class_names_round_trip_and_mean_something() {
        for c in RiskClass::ALL {
            assert_eq!(RiskClass::from_name(c.as_str()), Some(c));
            assert!(!c.meaning().is_empty());
        }
        assert_eq!(RiskClass::from_name("admin"), None);
        assert_eq!(RiskClass::Grant.meaning(), "grants access or credentials");
    }

    #[test]
    fn tools_share_their_operation_s_class() {
        let class = |name: &str| find(name).map(|t| t.class);
        assert_eq!(
            class("delete_application"),
            class("confirm_delete_application")
        );
        assert_eq!(class("delete_application"), Some(RiskClass::Destructive));
        assert_eq!(class("add_user_to_group"), Some(RiskClass::Grant));
        assert_eq!(class("create_user"), Some(RiskClass::Create));
        assert_eq!(class("list_users"), Some(RiskClass::Read));
        assert_eq!(class("export_users_csv"), Some(RiskClass::Read));
        assert_eq!(class("get_scope_status"), Some(RiskClass::Read));
        assert_eq!(class("call_okta_operation"), Some(RiskClass::Destructive));
        assert_eq!(class("search_okta_operations"), Some(RiskClass::Read));
    }

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for t in TOOLS {
            assert!(seen.insert(t.name), "{} twice", t.name);
            assert!(
                t.name.len() <= 64
                    && t.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
        }
    }
}
