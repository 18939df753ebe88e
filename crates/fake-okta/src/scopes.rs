//! OAuth scopes of a caller, and the Identity Governance API's check of them.
//!
//! A token from the token endpoint holds the scopes it asked for; a credential
//! configured with [`crate::FakeOkta::accept_token`] (and an API token, which Okta never
//! scopes) holds every scope. As in Okta, `X.manage` also allows `X.read`.

use std::collections::BTreeSet;

use hyper::StatusCode;

use crate::error;
use crate::reply::Reply;

/// What a credential may do: `None` is every scope.
pub type Granted = Option<BTreeSet<String>>;

/// The scopes of a space-separated `scope` parameter.
pub fn parse(text: &str) -> BTreeSet<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Whether `granted` allows `needed` (`.manage` implies `.read`).
pub fn allows(granted: &Granted, needed: &str) -> bool {
    let Some(set) = granted else { return true };
    set.contains(needed)
        || needed
            .strip_suffix(".read")
            .is_some_and(|stem| set.contains(&format!("{stem}.manage")))
}

/// 403 E0000006 with the `WWW-Authenticate: Bearer error="insufficient_scope"` header
/// Okta sends when a token lacks the scope an endpoint needs.
pub fn refusal(base_url: &str, path: &str, needed: &str) -> Reply {
    error::okta_error(
        StatusCode::FORBIDDEN,
        "E0000006",
        "You do not have permission to perform the requested action",
        &[],
    )
    .header(
        "www-authenticate",
        format!(
            "Bearer authorization_uri=\"{base_url}/oauth2/v1/authorize\", realm=\"{base_url}\", scope=\"{needed}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{path}\""
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_implies_read_and_nothing_else() {
        let g: Granted = Some(parse(
            "okta.governance.accessCertifications.manage okta.users.read",
        ));
        assert!(allows(&g, "okta.governance.accessCertifications.read"));
        assert!(allows(&g, "okta.governance.accessCertifications.manage"));
        assert!(!allows(&g, "okta.governance.entitlements.read"));
        let read_only: Granted = Some(parse("okta.governance.entitlements.read"));
        assert!(!allows(&read_only, "okta.governance.entitlements.manage"));
        assert!(allows(&None, "anything.manage"));
    }
}
