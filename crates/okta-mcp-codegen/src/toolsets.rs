//! Toolsets: the spec's 120-odd tags merged into groups a person can pick.

use heck::ToSnakeCase;

/// Tag prefixes and the toolset they join, first match wins. A tag no rule
/// covers becomes a toolset of its own (its snake_case name), so a new Okta
/// tag still lands somewhere sensible.
const RULES: &[(&str, &str)] = &[
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

/// The toolset a tag belongs to.
pub fn toolset_for_tag(tag: &str) -> String {
    RULES
        .iter()
        .find(|(prefix, _)| tag.starts_with(prefix))
        .map(|(_, set)| (*set).to_owned())
        .unwrap_or_else(|| tag.to_snake_case())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_merge_into_readable_groups() {
        assert_eq!(toolset_for_tag("UserFactor"), "users");
        assert_eq!(toolset_for_tag("ApplicationSSOPublicKeys"), "apps");
        assert_eq!(toolset_for_tag("RoleBTargetClient"), "roles");
        assert_eq!(
            toolset_for_tag("AuthorizationServerPolicies"),
            "authorization_servers"
        );
        assert_eq!(toolset_for_tag("SomethingNew"), "something_new");
    }
}
