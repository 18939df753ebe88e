//! Which tools are listed and which may be called, from the scopes and the
//! toolset / tool / exclude / read-only choices.

use crate::config::Settings;
use crate::scopes::{ScopeSet, allows};
use crate::tool_table::{TOOLS, ToolSpec};

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

fn clean(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Selection {
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            toolsets: clean(&s.toolsets),
            tools: clean(&s.tools),
            exclude: clean(&s.exclude_tools),
            read_only: s.read_only,
            include_unscoped: s.include_unscoped,
        }
    }

    fn all_tools(&self) -> bool {
        self.tools.iter().any(|t| t == "all") || self.toolsets.iter().any(|t| t == "all")
    }

    /// Whether `tool` may be called at all under `scopes` (listed or not).
    pub fn callable(&self, scopes: &ScopeSet, tool: &ToolSpec) -> Result<(), Refusal> {
        if self.exclude.iter().any(|e| e == tool.name) {
            return Err(Refusal::Excluded);
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
        let in_toolset = self.toolsets.iter().any(|t| t == tool.toolset);
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
    Excluded,
    ReadOnly,
    Unscoped,
    MissingScopes(Vec<String>),
}

impl Refusal {
    pub fn message(&self, tool: &str) -> String {
        match self {
            Refusal::Excluded => {
                format!("`{tool}` is excluded by OKTA_EXCLUDE_TOOLS / --exclude-tools.")
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
