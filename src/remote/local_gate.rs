//! Local single-user mode (`OKTA_MCP_HTTP_AUTH=none`): no MCP
//! authorization; every request acts as the one person at this machine
//! with the server's own Okta credential, exactly as stdio does.
//!
//! Anyone who can connect would act with that credential, so the settings
//! allow this mode only on a loopback address and public URL (see
//! [`crate::remote::settings`]); the Host/Origin guard keeps web pages
//! from reaching it through the browser (DNS rebinding, cross-origin
//! requests).

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::auth::{Authorizer, GrantedScopes};
use crate::remote::gate::{Gate, Person, Refusal};
use crate::scopes::ScopeSet;

/// The gate of local single-user mode: admits every request as the local
/// person.
pub struct LocalGate {
    authorizer: Arc<dyn Authorizer>,
    configured: ScopeSet,
    /// What the server's token was granted, once known.
    granted: Option<tokio::sync::watch::Receiver<GrantedScopes>>,
    /// New at each start: "allowed for the session" ends with the process,
    /// as in stdio.
    grant_id: String,
    metadata_url: String,
}

impl LocalGate {
    pub fn new(authorizer: Arc<dyn Authorizer>, configured: ScopeSet, public_url: &str) -> Self {
        Self {
            granted: authorizer.granted_watch(),
            authorizer,
            configured,
            grant_id: format!("local-{}", crate::auth::keys::random_id()),
            metadata_url: format!(
                "{}/.well-known/oauth-protected-resource",
                public_url.trim_end_matches('/')
            ),
        }
    }

    fn person(&self) -> Person {
        let granted: BTreeSet<String> = self
            .granted
            .as_ref()
            .and_then(|rx| rx.borrow().clone())
            .unwrap_or_else(|| self.configured.iter().map(str::to_owned).collect());
        Person {
            subject: "local".into(),
            name: "local user (server credential)".into(),
            client_id: "local".into(),
            granted_scopes: granted,
            grant_id: self.grant_id.clone(),
        }
    }
}

impl Gate for LocalGate {
    fn authenticate<'a>(
        &'a self,
        _authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Person, Refusal>> {
        Box::pin(std::future::ready(Ok(self.person())))
    }

    fn authorizer_for(&self, _person: &Person) -> Arc<dyn Authorizer> {
        self.authorizer.clone()
    }

    fn resource_metadata_url(&self) -> String {
        self.metadata_url.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;

    #[tokio::test]
    async fn every_request_is_the_local_person_with_the_configured_scopes() {
        let auth = Arc::new(StaticToken::api_token("t").unwrap());
        let gate = LocalGate::new(
            auth,
            ScopeSet::parse("okta.users.read"),
            "http://127.0.0.1:9/",
        );
        let a = gate.authenticate(None).await.unwrap();
        let b = gate.authenticate(Some("Bearer whatever")).await.unwrap();
        assert_eq!(a, b);
        assert!(a.granted_scopes.contains("okta.users.read"));
        assert!(a.grant_id.starts_with("local-"));
        assert_eq!(
            gate.resource_metadata_url(),
            "http://127.0.0.1:9/.well-known/oauth-protected-resource"
        );
    }
}
