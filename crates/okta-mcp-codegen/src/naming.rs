//! Names: tool names from operationIds, and the identifiers progenitor uses.

use heck::ToSnakeCase;

/// The longest tool name MCP clients accept everywhere.
pub const MAX_TOOL_NAME: usize = 64;

/// Words shortened, in order, while a name is longer than 64 characters.
const ABBREVIATIONS: [(&str, &str); 8] = [
    ("administrator", "admin"),
    ("application", "app"),
    ("authorization", "authz"),
    ("configuration", "config"),
    ("identity_provider", "idp"),
    ("authenticator", "authn"),
    ("assignment", "assign"),
    ("resource", "res"),
];

/// A tool name: `snake_case` of the operationId, `[a-z0-9_]` only, at most
/// 64 characters. Long names first lose common long words; a name still too
/// long is cut and ends in a hash of the operationId, so two long names that
/// share a prefix stay distinct.
pub fn tool_name(operation_id: &str) -> String {
    let snake: String = operation_id
        .to_snake_case()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut name = snake.trim_matches('_').to_owned();
    for (long, short) in ABBREVIATIONS {
        if name.len() <= MAX_TOOL_NAME {
            break;
        }
        name = name.replace(long, short);
    }
    if name.len() > MAX_TOOL_NAME {
        let hash = fnv1a(operation_id.as_bytes());
        name.truncate(MAX_TOOL_NAME - 9);
        name = format!("{}_{:08x}", name.trim_end_matches('_'), hash as u32);
    }
    name
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Whether `name` is a valid tool name.
pub fn is_valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOOL_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The snake-case identifier progenitor derives from an API name (method
/// names from operationIds, argument names from parameter names), without
/// its keyword escaping, which callers compare around.
pub fn progenitor_ident(api_name: &str) -> String {
    let cleaned: String = api_name
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let out = cleaned.to_snake_case();
    match out.chars().next() {
        None => "x".into(),
        Some(c) if c.is_alphabetic() || c == '_' => out,
        Some(_) => format!("_{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_are_snake_case_and_bounded() {
        assert_eq!(tool_name("listUsers"), "list_users");
        assert_eq!(
            tool_name("getOAuth2ResourceServerJsonWebKey"),
            "get_o_auth2_resource_server_json_web_key"
        );
        let long = "listApplicationTargetsForApplicationAdministratorRoleForUser";
        // Words are shortened only until the name fits.
        assert_eq!(
            tool_name(long),
            "list_application_targets_for_application_admin_role_for_user"
        );
        let a = tool_name("listAllTheThingsThatAnOrgCouldPossiblyHaveInItsVeryLongTreeOfGroups");
        let b = tool_name("listAllTheThingsThatAnOrgCouldPossiblyHaveInItsVeryLongTreeOfUsers");
        assert!(is_valid_tool_name(&a) && is_valid_tool_name(&b), "{a} {b}");
        assert_ne!(a, b);
    }

    #[test]
    fn progenitor_identifiers() {
        assert_eq!(progenitor_ident("sortBy"), "sort_by");
        assert_eq!(progenitor_ident("If-Match"), "if_match");
        assert_eq!(
            progenitor_ident("OktaAccessGateway-Agent"),
            "okta_access_gateway_agent"
        );
    }
}
