//! Toolsets: each spec's tags merged into groups a person can pick.
//!
//! A tool is in two toolsets: the narrow one its tag maps to here (`users`,
//! `certifications`, ...) and the one named after its spec (`management`,
//! `governance`), which covers every operation of that spec.

use heck::ToSnakeCase;

/// Each spec's tag rules, by the spec's name in `openapi/spec.lock`.
const RULES_BY_API: &[(&str, &[(&str, &str)])] =
    &[("management", MANAGEMENT), ("governance", GOVERNANCE)];

/// Identity Governance's 28 tags, by the work they serve: access
/// certifications (campaigns and their reviews), access requests (v1 and
/// v2, their catalogs, conditions and settings), entitlements and grants,
/// collections, labels, risk rules, security access reviews, resource
/// owners, and governance settings.
const GOVERNANCE: &[(&str, &str)] = &[
    ("Campaigns", "certifications"),
    ("Reviews", "certifications"),
    ("My Access Certification Reviews", "certifications"),
    ("Requests", "access_requests"),
    ("Request Types", "access_requests"),
    ("Request Settings", "access_requests"),
    ("Request Sequences", "access_requests"),
    ("Request Conditions", "access_requests"),
    ("Catalogs", "access_requests"),
    ("My Catalogs", "access_requests"),
    ("My Requests", "access_requests"),
    ("Entitlement", "entitlements"),
    ("Grants", "entitlements"),
    ("Principal Entitlements", "entitlements"),
    ("Principal Access", "entitlements"),
    ("Collections", "collections"),
    ("Labels", "labels"),
    ("Risk Rules", "risk_rules"),
    ("Security Access Reviews", "security_access_reviews"),
    ("My Security Access Reviews", "security_access_reviews"),
    ("Resource Owners", "resource_owners"),
    ("Delegates", "governance_settings"),
    ("My Settings", "governance_settings"),
    ("Principal Settings", "governance_settings"),
    ("Org Governance Settings", "governance_settings"),
];

/// Tag prefixes and the toolset they join, first match wins. A tag no rule
/// covers becomes a toolset of its own (its snake_case name), so a new Okta
/// tag still lands somewhere sensible.
const MANAGEMENT: &[(&str, &str)] = &[
    ("UserFactor", "users"),
    ("UserAuthenticatorEnrollments", "users"),
    ("UserRisk", "users"),
    ("UserType", "users"),
    ("UserLinkedObject", "users"),
    ("UserClassification", "users"),
    ("User", "users"),
    ("Session", "users"),
    ("OktaManagedUserAccount", "users"),
    ("Group", "groups"),
    ("ApiServiceIntegrations", "apps"),
    ("Application", "apps"),
    ("OktaApplicationSettings", "apps"),
    ("AuthorizationServer", "authorization_servers"),
    ("OAuth2ResourceServer", "authorization_servers"),
    ("Policy", "policies"),
    ("Authenticator", "authenticators"),
    ("WebAuthnPreregistration", "authenticators"),
    ("RoleAssignment", "roles"),
    ("RoleBTarget", "roles"),
    ("RoleC", "roles"),
    ("RoleD", "roles"),
    ("RoleE", "roles"),
    ("GovernanceBundle", "roles"),
    ("SystemLog", "logs"),
    ("LogStream", "logs"),
    ("Brands", "brands"),
    ("Themes", "brands"),
    ("CustomPages", "brands"),
    ("CustomTemplates", "brands"),
    ("EmailCustomization", "brands"),
    ("Template", "brands"),
    ("AssociatedDomainCustomizations", "brands"),
    ("CustomDomain", "domains"),
    ("EmailDomain", "domains"),
    ("EmailServer", "domains"),
    ("IdentityProvider", "identity_providers"),
    ("IdentitySource", "identity_providers"),
    ("EventHook", "hooks"),
    ("InlineHook", "hooks"),
    ("HookKey", "hooks"),
    ("Device", "devices"),
    ("NetworkZone", "network"),
    ("TrustedOrigin", "network"),
    ("Schema", "schemas"),
    ("UISchema", "schemas"),
    ("ProfileMapping", "schemas"),
    ("LinkedObject", "schemas"),
    ("ThreatInsight", "security"),
    ("AttackProtection", "security"),
    ("BotProtection", "security"),
    ("CAPTCHA", "security"),
    ("Behavior", "security"),
    ("SSF", "security"),
    ("DisasterRecovery", "security"),
    ("Realm", "realms"),
    ("AgentPools", "agents"),
    ("DirectoriesIntegration", "agents"),
    ("ApiToken", "credentials"),
    ("ServiceAccount", "credentials"),
    ("OrgSetting", "org"),
    ("OrgCreator", "org"),
    ("Feature", "org"),
    ("RateLimitSettings", "org"),
    ("PrincipalRateLimit", "org"),
    ("Subscription", "org"),
    ("OktaPersonalSettings", "org"),
    ("PushProvider", "org"),
    ("CustomTelephonyProvider", "org"),
];

/// The narrow toolset a tag of the spec `api` belongs to.
pub fn toolset_for(api: &str, tag: &str) -> String {
    RULES_BY_API
        .iter()
        .find(|(name, _)| *name == api)
        .and_then(|(_, rules)| rules.iter().find(|(prefix, _)| tag.starts_with(prefix)))
        .map(|(_, set)| (*set).to_owned())
        .unwrap_or_else(|| tag.to_snake_case())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_merge_into_readable_groups() {
        let m = |tag| toolset_for("management", tag);
        assert_eq!(m("UserFactor"), "users");
        assert_eq!(m("ApplicationSSOPublicKeys"), "apps");
        assert_eq!(m("RoleBTargetClient"), "roles");
        assert_eq!(m("AuthorizationServerPolicies"), "authorization_servers");
        assert_eq!(m("SomethingNew"), "something_new");
    }

    #[test]
    fn governance_tags_follow_the_work_they_serve() {
        let g = |tag| toolset_for("governance", tag);
        assert_eq!(g("Campaigns"), "certifications");
        assert_eq!(g("Reviews"), "certifications");
        assert_eq!(g("Request Conditions"), "access_requests");
        assert_eq!(g("My Catalogs"), "access_requests");
        assert_eq!(g("Entitlement Bundles"), "entitlements");
        assert_eq!(g("Grants"), "entitlements");
        assert_eq!(g("Principal Access - V2"), "entitlements");
        assert_eq!(g("Risk Rules"), "risk_rules");
        assert_eq!(g("My Security Access Reviews"), "security_access_reviews");
        // Each spec's rules apply to its own tags only.
        assert_eq!(toolset_for("management", "Reviews"), "reviews");
        assert_eq!(g("User"), "user");
        // A new Governance tag still lands in a toolset of its own.
        assert_eq!(g("Access Insights"), "access_insights");
    }
}
