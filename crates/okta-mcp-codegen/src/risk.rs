//! Risk classes: what calling an operation does to the org, in five words a
//! person can decide on (`read`, `create`, `change`, `grant`, `destructive`).
//!
//! The MCP annotations, the runtime's confirmation and `OKTA_EXCLUDE_TOOLS`
//! all follow the class, so it is derived once, here, from what the spec
//! says about each operation (method, path, operationId, tags). A derivation
//! that is wrong for one operation is corrected in `scope-map.toml` under
//! `[risk.<operationId>]`, with a reason, rather than by a special case here.

use std::fmt;
use std::str::FromStr;

/// What an operation does, from least to most consequential for access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskClass {
    /// Only reads.
    Read,
    /// Adds a new object and grants nothing.
    Create,
    /// Modifies or replaces existing state.
    Change,
    /// Gives or widens access or credentials (roles, memberships, app
    /// assignments, secrets, keys, policies, authenticators, IdPs...).
    Grant,
    /// Deletes, deactivates, suspends, revokes, resets, expires or removes.
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

    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::Read => "read",
            RiskClass::Create => "create",
            RiskClass::Change => "change",
            RiskClass::Grant => "grant",
            RiskClass::Destructive => "destructive",
        }
    }

    /// The variant name as the generated Rust code spells it.
    pub fn variant(self) -> &'static str {
        match self {
            RiskClass::Read => "Read",
            RiskClass::Create => "Create",
            RiskClass::Change => "Change",
            RiskClass::Grant => "Grant",
            RiskClass::Destructive => "Destructive",
        }
    }
}

impl fmt::Display for RiskClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a risk class; use one of read, create, change, grant, destructive")]
pub struct UnknownRiskClass(pub String);

impl FromStr for RiskClass {
    type Err = UnknownRiskClass;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RiskClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownRiskClass(s.to_owned()))
    }
}

/// Words of an operationId that take access or state away wherever they
/// stand (`resetFactors`, `uploadIdentitySourceDataForDelete`). `unsuspend`
/// and `resend` are whole words of their own, so they do not match.
const DESTRUCTIVE_WORDS: [&str; 10] = [
    "delete",
    "deactivate",
    "suspend",
    "revoke",
    "reset",
    "expire",
    "clear",
    "unassign",
    "remove",
    "unlink",
];

/// Tag prefixes whose writes give or widen access or credentials: role
/// assignments and targets, resource sets and custom roles, group owners
/// and rules, app assignments, grants, keys and secrets, policies,
/// authenticators, IdPs, authorization servers, network zones, trusted
/// origins, API tokens, service accounts, factors and passwords; in Identity
/// Governance, grants of entitlements, bundles and apps.
const GRANT_TAGS: [&str; 33] = [
    "RoleAssignment",
    "RoleBTarget",
    "RoleC",
    "RoleD",
    "RoleE",
    "GovernanceBundle",
    "GroupOwner",
    "GroupRule",
    "ApplicationUsers",
    "ApplicationGroups",
    "ApplicationGrants",
    "ApplicationPolicies",
    "ApplicationTokens",
    "ApplicationSSO",
    "ApplicationCrossAppAccess",
    "ApplicationInterclientTrust",
    "ApiToken",
    "ApiServiceIntegrations",
    "Authenticator",
    "AuthorizationServer",
    "OAuth2ResourceServer",
    "IdentityProvider",
    "Policy",
    "DeviceAssurance",
    "NetworkZone",
    "TrustedOrigin",
    "HookKey",
    "WebAuthnPreregistration",
    "ServiceAccount",
    "OktaManagedUserAccount",
    "OrgSettingAdmin",
    "OrgSettingSupport",
    "Grants",
];

/// The tags under `User` whose writes do grant: credentials, factors,
/// enrollments, OAuth grants and tokens. Other `User*` tags (lifecycle,
/// types, linked objects, risk) grant nothing.
const USER_GRANT_TAGS: [&str; 5] = [
    "UserCred",
    "UserFactor",
    "UserAuthenticatorEnrollments",
    "UserGrant",
    "UserOAuth",
];

/// First words of an operationId that give access whatever the tag says.
const GRANT_VERBS: [&str; 3] = ["assign", "grant", "enroll"];

/// Splits a camelCase operationId into lower-case words.
fn words(operation_id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for ch in operation_id.chars() {
        if !ch.is_ascii_alphanumeric() {
            prev_lower = false;
            out.push(String::new());
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower || out.is_empty() {
            out.push(String::new());
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        if let Some(w) = out.last_mut() {
            w.push(ch.to_ascii_lowercase());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

fn is_grant_tag(tag: &str) -> bool {
    if USER_GRANT_TAGS.iter().any(|t| tag.starts_with(t)) {
        return true;
    }
    !tag.starts_with("User") && GRANT_TAGS.iter().any(|t| tag.starts_with(t))
}

/// The class of one operation.
///
/// In order: `GET`/`HEAD` read; `DELETE`, or a destructive word in the
/// operationId, is destructive (a deleted or deactivated policy takes
/// access away, it grants none); a `POST .../simulate` only evaluates
/// policies and reads; then grant, by tag (see [`GRANT_TAGS`]), by a first
/// word `assign`/`grant`/`enroll`, or by touching group membership,
/// factors or an `assignments` collection (Governance's collection
/// assignments); then create for `create`/`add`/`clone`; everything else changes
/// existing state.
pub fn classify(method: &str, path: &str, operation_id: &str, tags: &[&str]) -> RiskClass {
    let method = method.to_ascii_uppercase();
    if matches!(method.as_str(), "GET" | "HEAD") {
        return RiskClass::Read;
    }
    let words = words(operation_id);
    if method == "DELETE"
        || words
            .iter()
            .any(|w| DESTRUCTIVE_WORDS.contains(&w.as_str()))
    {
        return RiskClass::Destructive;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if method == "POST" && last == "simulate" {
        return RiskClass::Read;
    }
    let first = words.first().map(String::as_str).unwrap_or("");
    let membership = words
        .iter()
        .any(|w| w == "membership" || w == "memberships")
        || path.contains("/groups/{groupId}/users/");
    if tags.iter().any(|t| is_grant_tag(t))
        || GRANT_VERBS.contains(&first)
        || membership
        || path.contains("/factors/")
        || path.split('/').any(|segment| segment == "assignments")
    {
        return RiskClass::Grant;
    }
    if matches!(first, "create" | "add" | "clone") {
        return RiskClass::Create;
    }
    RiskClass::Change
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real operations of the pinned spec (management 2026.06.3):
    /// method, path, operationId, tag, and the class they must get.
    const PINNED: &[(&str, &str, &str, &str, RiskClass)] = &[
        ("GET", "/api/v1/users", "listUsers", "User", RiskClass::Read),
        (
            "GET",
            "/api/v1/users/{id}",
            "getUser",
            "User",
            RiskClass::Read,
        ),
        (
            "GET",
            "/api/v1/groups",
            "listGroups",
            "Group",
            RiskClass::Read,
        ),
        (
            "GET",
            "/api/v1/logs",
            "listLogEvents",
            "SystemLog",
            RiskClass::Read,
        ),
        (
            "POST",
            "/api/v1/policies/simulate",
            "createPolicySimulation",
            "Policy",
            RiskClass::Read,
        ),
        (
            "POST",
            "/api/v1/users",
            "createUser",
            "User",
            RiskClass::Create,
        ),
        (
            "POST",
            "/api/v1/groups",
            "addGroup",
            "Group",
            RiskClass::Create,
        ),
        (
            "POST",
            "/api/v1/apps",
            "createApplication",
            "Application",
            RiskClass::Create,
        ),
        (
            "POST",
            "/api/v1/brands",
            "createBrand",
            "Brands",
            RiskClass::Create,
        ),
        (
            "POST",
            "/api/v1/realms",
            "createRealm",
            "Realm",
            RiskClass::Create,
        ),
        (
            "POST",
            "/api/v1/eventHooks",
            "createEventHook",
            "EventHook",
            RiskClass::Create,
        ),
        (
            "PUT",
            "/api/v1/apps/{appId}",
            "replaceApplication",
            "Application",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/users/{id}",
            "updateUser",
            "User",
            RiskClass::Change,
        ),
        (
            "PUT",
            "/api/v1/groups/{groupId}",
            "replaceGroup",
            "Group",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/apps/{appId}/lifecycle/activate",
            "activateApplication",
            "Application",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/unsuspend",
            "unsuspendUser",
            "UserLifecycle",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/activate",
            "activateUser",
            "UserLifecycle",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/unlock",
            "unlockUser",
            "UserLifecycle",
            RiskClass::Change,
        ),
        (
            "PUT",
            "/api/v1/brands/{brandId}",
            "replaceBrand",
            "Brands",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/brands/{brandId}/templates/email/{templateName}/test",
            "sendTestEmail",
            "CustomTemplates",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/org",
            "updateOrgSettings",
            "OrgSettingGeneral",
            RiskClass::Change,
        ),
        (
            "POST",
            "/api/v1/users/{userId}/roles",
            "assignRoleToUser",
            "RoleAssignmentAUser",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/groups/{groupId}/roles",
            "assignRoleToGroup",
            "RoleAssignmentBGroup",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/users/{userId}/roles/{roleAssignmentId}/targets/groups/{groupId}",
            "assignGroupTargetToUserRole",
            "RoleBTargetAdmin",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/groups/{groupId}/users/{userId}",
            "assignUserToGroup",
            "Group",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/apps/{appId}/users",
            "assignUserToApplication",
            "ApplicationUsers",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/apps/{appId}/groups/{groupId}",
            "assignGroupToApplication",
            "ApplicationGroups",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/apps/{appId}/credentials/secrets",
            "createOAuth2ClientSecret",
            "ApplicationSSOPublicKeys",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/apps/{appId}/credentials/jwks",
            "addJwk",
            "ApplicationSSOPublicKeys",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/apps/{appId}/grants",
            "grantConsentToScope",
            "ApplicationGrants",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/api-tokens/{apiTokenId}",
            "upsertApiToken",
            "ApiToken",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/policies/{policyId}",
            "replacePolicy",
            "Policy",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/api/v1/policies/{policyId}/rules/{ruleId}",
            "replacePolicyRule",
            "Policy",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/policies/{policyId}/lifecycle/activate",
            "activatePolicy",
            "Policy",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/idps",
            "createIdentityProvider",
            "IdentityProvider",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/authenticators",
            "createAuthenticator",
            "Authenticator",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/authorizationServers/{authServerId}/scopes",
            "createOAuth2Scope",
            "AuthorizationServerScopes",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/zones",
            "createNetworkZone",
            "NetworkZone",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/trustedOrigins",
            "createTrustedOrigin",
            "TrustedOrigin",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/groups/rules",
            "createGroupRule",
            "GroupRule",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/groups/{groupId}/owners",
            "assignGroupOwner",
            "GroupOwner",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/iam/resource-sets",
            "createResourceSet",
            "RoleCResourceSet",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/users/{userId}/credentials/change_password",
            "changePassword",
            "UserCred",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/users/{userId}/factors",
            "enrollFactor",
            "UserFactor",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/directories/{appInstanceId}/groups/modify",
            "updateGroupMembership",
            "DirectoriesIntegration",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/api/v1/org/privacy/oktaSupport/grant",
            "grantOktaSupport",
            "OrgSettingSupport",
            RiskClass::Grant,
        ),
        (
            "DELETE",
            "/api/v1/groups/{groupId}",
            "deleteGroup",
            "Group",
            RiskClass::Destructive,
        ),
        (
            "DELETE",
            "/api/v1/policies/{policyId}",
            "deletePolicy",
            "Policy",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/policies/{policyId}/lifecycle/deactivate",
            "deactivatePolicy",
            "Policy",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/deactivate",
            "deactivateUser",
            "UserLifecycle",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/suspend",
            "suspendUser",
            "UserLifecycle",
            RiskClass::Destructive,
        ),
        (
            "DELETE",
            "/api/v1/users/{userId}/sessions",
            "revokeUserSessions",
            "UserSessions",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/reset_factors",
            "resetFactors",
            "UserLifecycle",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/expire_password",
            "expirePassword",
            "UserLifecycle",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/users/{id}/lifecycle/reset_password",
            "resetPassword",
            "UserLifecycle",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/org/privacy/oktaSupport/revoke",
            "revokeOktaSupport",
            "OrgSettingSupport",
            RiskClass::Destructive,
        ),
        (
            "DELETE",
            "/api/v1/groups/{groupId}/users/{userId}",
            "unassignUserFromGroup",
            "Group",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-delete",
            "uploadIdentitySourceDataForDelete",
            "IdentitySource",
            RiskClass::Destructive,
        ),
    ];

    /// The operations of `table` that do not get their class, described.
    fn misclassified(table: &[(&str, &str, &str, &str, RiskClass)]) -> Vec<String> {
        table
            .iter()
            .filter(|(m, p, id, tag, want)| classify(m, p, id, &[tag]) != *want)
            .map(|(m, p, id, tag, want)| {
                format!(
                    "{id} ({m} {p}, {tag}): {} not {want}",
                    classify(m, p, id, &[tag])
                )
            })
            .collect()
    }

    #[test]
    fn pinned_operations_get_their_class() {
        assert!(PINNED.len() >= 40);
        let wrong = misclassified(PINNED);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Real operations of the pinned Identity Governance spec (3.2.0).
    const GOVERNANCE: &[(&str, &str, &str, &str, RiskClass)] = &[
        (
            "GET",
            "/governance/api/v1/campaigns",
            "listCampaigns",
            "Campaigns",
            RiskClass::Read,
        ),
        (
            "POST",
            "/governance/api/v1/campaigns",
            "createCampaign",
            "Campaigns",
            RiskClass::Create,
        ),
        (
            "POST",
            "/governance/api/v1/campaigns/{campaignId}/launch",
            "launchCampaign",
            "Campaigns",
            RiskClass::Change,
        ),
        (
            "POST",
            "/governance/api/v1/campaigns/{campaignId}/end",
            "endCampaign",
            "Campaigns",
            RiskClass::Change,
        ),
        (
            "POST",
            "/governance/api/v1/campaigns/{campaignId}/reviews/reassign",
            "reassignReviews",
            "Reviews",
            RiskClass::Change,
        ),
        (
            "DELETE",
            "/governance/api/v1/campaigns/{campaignId}",
            "deleteCampaign",
            "Campaigns",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/governance/api/v1/grants",
            "createGrant",
            "Grants",
            RiskClass::Grant,
        ),
        (
            "PUT",
            "/governance/api/v1/grants/{grantId}",
            "replaceGrant",
            "Grants",
            RiskClass::Grant,
        ),
        (
            "PATCH",
            "/governance/api/v1/grants/{grantId}",
            "updateGrant",
            "Grants",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/governance/api/v1/collections/{collectionId}/assignments",
            "assignCollection",
            "Collections",
            RiskClass::Grant,
        ),
        (
            "PATCH",
            "/governance/api/v1/collections/{collectionId}/assignments/{assignmentId}",
            "updatePrincipalAssignment",
            "Collections",
            RiskClass::Grant,
        ),
        (
            "POST",
            "/governance/api/v2/revoke-principal-access",
            "revokePrincipalAccess",
            "Principal Access - V2",
            RiskClass::Destructive,
        ),
        (
            "POST",
            "/governance/api/v1/entitlement-bundles",
            "createEntitlementBundle",
            "Entitlement Bundles",
            RiskClass::Create,
        ),
        (
            "POST",
            "/governance/api/v2/requests",
            "createRequestV2",
            "Requests",
            RiskClass::Create,
        ),
        (
            "POST",
            "/governance/api/v2/resources/{resourceId}/request-conditions/{requestConditionId}/deactivate",
            "deactivateResourceRequestConditionV2",
            "Request Conditions",
            RiskClass::Destructive,
        ),
        (
            "PATCH",
            "/governance/api/v1/settings",
            "updateOrgSettings",
            "Org Governance Settings",
            RiskClass::Change,
        ),
    ];

    #[test]
    fn governance_operations_get_their_class() {
        assert!(GOVERNANCE.len() >= 12);
        let wrong = misclassified(GOVERNANCE);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn class_names_round_trip() {
        for c in RiskClass::ALL {
            assert_eq!(c.as_str().parse::<RiskClass>(), Ok(c));
        }
        let e = "admin".parse::<RiskClass>().unwrap_err();
        assert!(e.to_string().contains("`admin`") && e.to_string().contains("grant"));
        assert!("Grant".parse::<RiskClass>().is_err(), "names are exact");
    }

    #[test]
    fn operation_ids_split_into_words() {
        assert_eq!(words("resetFactors"), ["reset", "factors"]);
        assert_eq!(words("unsuspendUser"), ["unsuspend", "user"]);
        assert_eq!(
            words("createOAuth2ClientSecret"),
            ["create", "oauth2", "client", "secret"]
        );
    }
}
