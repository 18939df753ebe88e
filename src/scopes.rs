//! Scope gating: which tools the configured (and granted) scopes allow.
//!
//! Okta's rule that `okta.X.manage` implies `okta.X.read` is applied here,
//! since the spec itself does not state it. It is for gating only: token
//! requests ask for exactly the configured scopes ([`requested_scopes`]),
//! since Okta refuses a scope the app was not granted.

use std::collections::BTreeSet;

use crate::tool_table::ToolSpec;

/// A set of OAuth scopes, with manage-implies-read already expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet {
    scopes: BTreeSet<String>,
}

/// The separators accepted between scopes in `OKTA_SCOPES`.
const SEPARATORS: [char; 5] = [' ', ',', '\n', '\t', '\r'];

/// The scopes a token request asks for: exactly those in `text`, in its
/// order, each once; nothing implied is added.
pub fn requested_scopes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in text.split(SEPARATORS).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

impl ScopeSet {
    /// Parses a space- or comma-separated list.
    pub fn parse(text: &str) -> Self {
        Self::from_iter(text.split(SEPARATORS).filter(|s| !s.is_empty()))
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Whether every scope in `needed` is held.
    pub fn covers(&self, needed: &[&str]) -> bool {
        needed.iter().all(|s| self.contains(s))
    }

    /// The needed scopes not held.
    pub fn missing<'a>(&self, needed: &[&'a str]) -> Vec<&'a str> {
        needed
            .iter()
            .copied()
            .filter(|s| !self.contains(s))
            .collect()
    }

    pub fn intersect(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet {
            scopes: self.scopes.intersection(&other.scopes).cloned().collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.scopes.len()
    }
}

impl<S: AsRef<str>> FromIterator<S> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut scopes = BTreeSet::new();
        for s in iter {
            let s = s.as_ref().trim();
            if s.is_empty() {
                continue;
            }
            scopes.insert(s.to_owned());
            if let Some(base) = s.strip_suffix(".manage") {
                scopes.insert(format!("{base}.read"));
            }
        }
        Self { scopes }
    }
}

/// Every scope some tool needs: the vocabulary unknown scopes are checked against.
pub fn known_scopes() -> BTreeSet<&'static str> {
    crate::tool_table::TOOLS
        .iter()
        .flat_map(|t| t.scopes.iter().copied())
        .collect()
}

/// The configured scopes no tool uses (typos, or scopes of other APIs);
/// `openid`-style scopes are fine.
pub fn unknown_scopes(configured: &ScopeSet) -> Vec<String> {
    let known = known_scopes();
    configured
        .iter()
        .filter(|s| s.starts_with("okta.") && !known.contains(s))
        .map(str::to_owned)
        .collect()
}

/// Whether `scopes` allow `tool`.
pub fn allows(scopes: &ScopeSet, tool: &ToolSpec) -> bool {
    scopes.covers(tool.scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_implies_read() {
        let s = ScopeSet::parse("okta.users.manage okta.groups.read");
        assert!(s.contains("okta.users.read"));
        assert!(s.contains("okta.users.manage"));
        assert!(!s.contains("okta.groups.manage"));
        assert!(s.covers(&["okta.users.read", "okta.groups.read"]));
        assert_eq!(
            s.missing(&["okta.apps.read", "okta.users.read"]),
            vec!["okta.apps.read"]
        );
    }

    #[test]
    fn manage_implies_read_for_every_spec_without_a_list() {
        // Identity Governance's scopes follow the same rule, however many
        // segments they have.
        let s = ScopeSet::parse(
            "okta.governance.accessCertifications.manage okta.governance.securityAccessReviews.admin.manage okta.accessRequests.request.manage",
        );
        for read in [
            "okta.governance.accessCertifications.read",
            "okta.governance.securityAccessReviews.admin.read",
            "okta.accessRequests.request.read",
        ] {
            assert!(s.contains(read), "{read}");
        }
        assert!(!s.contains("okta.governance.securityAccessReviews.endUser.read"));
        assert!(!s.contains("okta.accessRequests.catalog.read"));
        // Every generated manage scope whose read twin exists gets it.
        let known = known_scopes();
        let manages: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| k.ends_with(".manage"))
            .collect();
        let held: ScopeSet = manages.iter().copied().collect();
        for m in manages {
            let read = format!("{}.read", m.trim_end_matches(".manage"));
            if known.contains(read.as_str()) {
                assert!(held.contains(&read), "{m} does not imply {read}");
            }
        }
    }

    #[test]
    fn requested_scopes_are_exactly_the_configured_ones_in_order() {
        assert_eq!(
            requested_scopes(
                " okta.users.manage,okta.apps.read\tokta.groups.manage okta.users.manage "
            ),
            ["okta.users.manage", "okta.apps.read", "okta.groups.manage"]
        );
        assert!(requested_scopes("  ").is_empty());
    }

    #[test]
    fn unknown_okta_scopes_are_reported() {
        let s = ScopeSet::parse("okta.users.read okta.userz.read openid");
        assert_eq!(unknown_scopes(&s), vec!["okta.userz.read".to_owned()]);
    }
}
