//! Which tools are listed and which may be called, from the scopes and the
//! toolset / tool / exclude / read-only choices.
//!
//! `OKTA_EXCLUDE_TOOLS` holds: an excluded operation is refused under every
//! name that reaches it (its curated tool, a `confirm_*` alias, the
//! composites that run it, and `call_okta_operation` /
//! `describe_okta_operation` / `search_okta_operations` naming it). An entry
//! may be a tool name, an operationId, a toolset or a risk class.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::config::Settings;
use crate::scopes::{ScopeSet, allows};
use crate::tool_table::{self, RiskClass, TOOLS, ToolSpec};

/// The handler of `call_okta_operation`, which runs another tool through
/// the same gate.
const GATEWAY_CALL: &str = "call_okta_operation";

/// The user's choices, normalised.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub toolsets: Vec<String>,
    pub tools: Vec<String>,
    pub exclude: Vec<String>,
    pub read_only: bool,
    pub include_unscoped: bool,
}

/// The entries of a list setting: comma- or space-separated, blanks
/// dropped.
fn clean(list: &[String]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every name an exclusion entry may use: tool names, operationIds and
/// toolsets (class names are checked apart).
fn known_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        TOOLS
            .iter()
            .flat_map(|t| [t.name, t.operation_id, t.toolset, t.api])
            .filter(|n| !n.is_empty())
            .collect()
    })
}

/// The class an exclusion entry names, in any letter case.
fn class_named(entry: &str) -> Option<RiskClass> {
    RiskClass::from_name(&entry.to_ascii_lowercase())
}

impl Selection {
    pub fn from_settings(s: &Settings) -> Self {
        let selection = Self {
            toolsets: clean(&s.toolsets),
            tools: clean(&s.tools),
            exclude: clean(&s.exclude_tools),
            read_only: s.read_only,
            include_unscoped: s.include_unscoped,
        };
        let unknown = selection.unknown_exclusions();
        if !unknown.is_empty() {
            tracing::warn!(
                "OKTA_EXCLUDE_TOOLS: {} names no tool, operationId, toolset or risk class (read, create, change, grant, destructive); it excludes nothing. Check the spelling (`okta-mcp tools` lists the tools).",
                unknown.join(", ")
            );
        }
        selection
    }

    /// The exclusion entries that name nothing: no tool, operationId,
    /// toolset or risk class.
    pub fn unknown_exclusions(&self) -> Vec<String> {
        self.exclude
            .iter()
            .filter(|e| !known_names().contains(e.as_str()) && class_named(e).is_none())
            .cloned()
            .collect()
    }

    /// The first exclusion entry that covers `tool`, if any: its name, its
    /// operationId, another plain tool of the same operation (an alias), its
    /// toolset, or its class. `call_okta_operation` is not excluded by its
    /// class: it is gated on the class of each operation it runs.
    pub fn excluded_by(&self, tool: &ToolSpec) -> Option<&str> {
        let op = tool.operation_id;
        self.exclude
            .iter()
            .find(|e| {
                let e = e.as_str();
                e == tool.name
                    || tool.in_toolset(e)
                    || (!op.is_empty()
                        && (e == op
                            || tool_table::find(e)
                                .is_some_and(|o| o.handler.is_none() && o.operation_id == op)))
                    || (tool.handler != Some(GATEWAY_CALL) && class_named(e) == Some(tool.class))
            })
            .map(String::as_str)
    }

    fn all_tools(&self) -> bool {
        self.tools.iter().any(|t| t == "all") || self.toolsets.iter().any(|t| t == "all")
    }

    /// Whether `tool` may be called at all under `scopes` (listed or not).
    pub fn callable(&self, scopes: &ScopeSet, tool: &ToolSpec) -> Result<(), Refusal> {
        if let Some(entry) = self.excluded_by(tool) {
            return Err(Refusal::Excluded {
                entry: entry.to_owned(),
            });
        }
        // The gateway is gated again on the operation it runs, so in
        // read-only mode it still reaches the read-only long tail.
        if self.read_only && !tool.read_only && tool.handler != Some(GATEWAY_CALL) {
            return Err(Refusal::ReadOnly);
        }
        if tool.unscoped() && !self.include_unscoped {
            return Err(Refusal::Unscoped);
        }
        if !allows(scopes, tool) {
            return Err(Refusal::MissingScopes(
                scopes
                    .missing(tool.scopes)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ));
        }
        Ok(())
    }

    /// Whether `tool` is listed.
    pub fn listed(&self, scopes: &ScopeSet, tool: &ToolSpec) -> bool {
        if self.callable(scopes, tool).is_err() {
            return false;
        }
        let named = self.tools.iter().any(|t| t == tool.name);
        let in_toolset = self.toolsets.iter().any(|t| tool.in_toolset(t));
        if named || self.all_tools() {
            return true;
        }
        if !self.toolsets.is_empty() {
            return in_toolset || (tool.toolset == "meta" && tool.curated);
        }
        if !self.tools.is_empty() {
            return false;
        }
        tool.curated
    }

    /// The listed tools, in table order.
    pub fn listed_tools(&self, scopes: &ScopeSet) -> Vec<&'static ToolSpec> {
        TOOLS.iter().filter(|t| self.listed(scopes, t)).collect()
    }
}

/// Why a tool may not be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An `OKTA_EXCLUDE_TOOLS` entry covers the tool; `entry` is the one.
    Excluded {
        entry: String,
    },
    ReadOnly,
    Unscoped,
    MissingScopes(Vec<String>),
}

impl Refusal {
    pub fn message(&self, tool: &str) -> String {
        match self {
            Refusal::Excluded { entry } => {
                let why = match class_named(entry) {
                    Some(class) => format!("entry `{entry}`: it {}", class.meaning()),
                    None => format!("entry `{entry}`"),
                };
                format!(
                    "`{tool}` is excluded by OKTA_EXCLUDE_TOOLS / --exclude-tools ({why}). Nothing was sent to Okta; the person who runs this server can remove the entry to allow it."
                )
            }
            Refusal::ReadOnly => format!(
                "`{tool}` changes the org, and the server runs read-only (OKTA_READ_ONLY / --read-only)."
            ),
            Refusal::Unscoped => format!(
                "`{tool}` calls an operation no OAuth scope covers; set OKTA_INCLUDE_UNSCOPED=true to allow it."
            ),
            Refusal::MissingScopes(missing) => format!(
                "`{tool}` needs the scope {}, which this server does not hold. Grant it to the Okta app (Okta API Scopes tab), add it to OKTA_SCOPES, and sign in again.",
                missing.join(" and ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::known_scopes;

    fn excluding(entries: &str) -> Selection {
        Selection {
            exclude: clean(&[entries.to_owned()]),
            ..Selection::default()
        }
    }

    fn all_scopes() -> ScopeSet {
        known_scopes().into_iter().collect()
    }

    fn refusal(sel: &Selection, tool: &str) -> Option<Refusal> {
        let tool = tool_table::find(tool).unwrap_or_else(|| panic!("no tool {tool}"));
        sel.callable(&all_scopes(), tool).err()
    }

    fn excluded(entry: &str) -> Option<Refusal> {
        Some(Refusal::Excluded {
            entry: entry.to_owned(),
        })
    }

    #[test]
    fn entries_split_on_commas_and_spaces() {
        assert_eq!(
            clean(&["grant, destructive".into(), " list_users  apps ".into()]),
            ["grant", "destructive", "list_users", "apps"]
        );
    }

    #[test]
    fn a_tool_name_blocks_every_alias_of_its_operation() {
        let sel = excluding("delete_application");
        assert_eq!(
            refusal(&sel, "delete_application"),
            excluded("delete_application")
        );
        assert_eq!(
            refusal(&sel, "confirm_delete_application"),
            excluded("delete_application")
        );
        assert_eq!(refusal(&sel, "get_application"), None);
        // A composite's name blocks the composite, not the operation.
        let sel = excluding("export_users_csv");
        assert_eq!(
            refusal(&sel, "export_users_csv"),
            excluded("export_users_csv")
        );
        assert_eq!(refusal(&sel, "list_users"), None);
    }

    #[test]
    fn an_operation_id_blocks_its_tools_and_the_composites_that_run_it() {
        let sel = excluding("deleteApplication");
        assert_eq!(
            refusal(&sel, "delete_application"),
            excluded("deleteApplication")
        );
        assert_eq!(
            refusal(&sel, "confirm_delete_application"),
            excluded("deleteApplication")
        );
        let sel = excluding("listUsers");
        assert_eq!(refusal(&sel, "list_users"), excluded("listUsers"));
        assert_eq!(refusal(&sel, "export_users_csv"), excluded("listUsers"));
        // A generated (unlisted) tool, by its operationId.
        let sel = excluding("createOAuth2ClientSecret");
        assert_eq!(
            refusal(&sel, "create_o_auth2_client_secret"),
            excluded("createOAuth2ClientSecret")
        );
    }

    #[test]
    fn a_toolset_blocks_its_tools() {
        let sel = excluding("apps");
        assert_eq!(refusal(&sel, "list_applications"), excluded("apps"));
        assert_eq!(refusal(&sel, "list_users"), None);
    }

    #[test]
    fn a_class_blocks_its_tools_but_not_the_gateway_itself() {
        let sel = excluding("grant Destructive");
        assert_eq!(refusal(&sel, "add_user_to_group"), excluded("grant"));
        assert_eq!(refusal(&sel, "assign_role_to_user"), excluded("grant"));
        assert_eq!(refusal(&sel, "delete_group"), excluded("Destructive"));
        assert_eq!(refusal(&sel, "deactivate_user"), excluded("Destructive"));
        for allowed in [
            "list_users",
            "create_user",
            "update_user",
            "call_okta_operation",
        ] {
            assert_eq!(refusal(&sel, allowed), None, "{allowed}");
        }
        let listed: Vec<&str> = sel
            .listed_tools(&all_scopes())
            .iter()
            .map(|t| t.name)
            .collect();
        assert!(listed.contains(&"call_okta_operation") && listed.contains(&"create_user"));
        assert!(!listed.contains(&"delete_group") && !listed.contains(&"add_user_to_group"));
    }

    #[test]
    fn the_gateway_is_excluded_by_its_own_name() {
        let sel = excluding("call_okta_operation");
        assert_eq!(
            refusal(&sel, "call_okta_operation"),
            excluded("call_okta_operation")
        );
        assert_eq!(refusal(&sel, "search_okta_operations"), None);
    }

    #[test]
    fn unknown_entries_are_reported_and_exclude_nothing() {
        let sel = excluding("list_users,nope deleteGroupz GRANT");
        assert_eq!(sel.unknown_exclusions(), ["nope", "deleteGroupz"]);
        assert_eq!(refusal(&sel, "get_user"), None);
        assert!(excluding("").unknown_exclusions().is_empty());
    }

    #[test]
    fn the_refusal_names_the_setting_and_the_entry() {
        let sel = excluding("grant");
        let r = refusal(&sel, "add_user_to_group").expect("refused");
        let m = r.message("add_user_to_group");
        assert!(m.contains("OKTA_EXCLUDE_TOOLS"), "{m}");
        assert!(m.contains("`grant`") && m.contains("grants access"), "{m}");
        let m = excluded("deleteApplication")
            .unwrap()
            .message("confirm_delete_application");
        assert!(m.contains("entry `deleteApplication`"), "{m}");
    }
}
