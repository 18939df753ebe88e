//! One runtime per signed-in person, in remote mode.
//!
//! A person's calls run with the configured scopes narrowed to what they
//! granted, with their own Okta credential (from the [`Gate`]) on the
//! shared HTTP stack (one connection pool, one in-flight limit, one
//! rate-limit book: Okta's limits are the org's), and audit lines that
//! name them. The runtimes are only a cache, rebuilt from the person on
//! the request: nothing in them is needed by another replica. Allowances
//! "for the rest of the session" live in the [`Store`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use crate::audit::AuditLog;
use crate::call::{Runtime, SessionAllowances, ToolHandlers};
use crate::config::Config;
use crate::okta_http::HttpStack;
use crate::remote::gate::{Gate, Person};
use crate::remote::store::{Namespace, Store};
use crate::scopes::ScopeSet;

/// How long a cached runtime is reused before it is built again.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// Most runtimes cached at once.
const CACHE_MAX: usize = 1024;
/// How long a session allowance lasts at most.
pub const ALLOW_TTL: Duration = Duration::from_secs(12 * 3600);

/// The per-person runtimes of one server.
pub struct People {
    config: Config,
    /// The server's stack; each person gets it with their own credential.
    stack: Option<Arc<HttpStack>>,
    gate: Arc<dyn Gate>,
    audit: Arc<AuditLog>,
    store: Arc<dyn Store>,
    handlers: &'static dyn ToolHandlers,
    cache: Mutex<HashMap<String, (Arc<Runtime>, Instant)>>,
}

impl People {
    pub fn new(
        config: Config,
        stack: Option<Arc<HttpStack>>,
        gate: Arc<dyn Gate>,
        audit: Arc<AuditLog>,
        store: Arc<dyn Store>,
        handlers: &'static dyn ToolHandlers,
    ) -> Self {
        Self {
            config,
            stack,
            gate,
            audit,
            store,
            handlers,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The runtime `person`'s calls run on.
    pub fn runtime_for(&self, person: &Person) -> Arc<Runtime> {
        let key = cache_key(person);
        if let Ok(cache) = self.cache.lock()
            && let Some((rt, at)) = cache.get(&key)
            && at.elapsed() < CACHE_TTL
        {
            return rt.clone();
        }
        let stack = self
            .stack
            .as_ref()
            .map(|s| Arc::new(s.with_authorizer(self.gate.authorizer_for(person))));
        let rt = Runtime::new(self.config.clone(), stack, self.handlers)
            .with_shared_audit(self.audit.clone())
            .with_person(person.name.clone());
        rt.set_granted(ScopeSet::from_iter(person.granted_scopes.iter()));
        let rt = Arc::new(rt);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_MAX
                    && let Some(oldest) = cache
                        .iter()
                        .min_by_key(|(_, (_, at))| *at)
                        .map(|(k, _)| k.clone())
                {
                    cache.remove(&oldest);
                }
            }
            cache.insert(key, (rt.clone(), Instant::now()));
        }
        rt
    }

    /// Where `person`'s allowances for this session live: the MCP session
    /// (protocol 2025-11-25) when there is one, else their sign-in.
    pub fn allowances(&self, person: &Person, session: Option<&str>) -> Arc<dyn SessionAllowances> {
        let scope = match session {
            Some(s) => format!("{}/session/{}", person.subject, s),
            None => format!("{}/grant/{}", person.subject, person.grant_id),
        };
        Arc::new(StoreAllowances {
            store: self.store.clone(),
            scope,
        })
    }
}

/// The same person with the same grant and scopes reuses a runtime.
fn cache_key(person: &Person) -> String {
    let scopes: Vec<&str> = person.granted_scopes.iter().map(String::as_str).collect();
    format!(
        "{}\n{}\n{}\n{}",
        person.subject,
        person.grant_id,
        person.name,
        scopes.join(" ")
    )
}

/// Session allowances kept in the store.
struct StoreAllowances {
    store: Arc<dyn Store>,
    scope: String,
}

impl StoreAllowances {
    fn key(&self, tool: &str) -> String {
        Namespace::Allow.key(&format!("{}/{tool}", self.scope))
    }
}

impl SessionAllowances for StoreAllowances {
    fn allowed<'a>(&'a self, tool: &'a str) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            self.store
                .get(&self.key(tool))
                .await
                .map(|v| v.is_some())
                .map_err(|e| e.to_string())
        })
    }

    fn allow<'a>(&'a self, tool: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.store
                .put(&self.key(tool), b"1", Some(ALLOW_TTL))
                .await
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;
    use crate::remote::gate::Refusal;
    use crate::remote::store::memory::MemoryStore;
    use std::collections::BTreeSet;

    /// A gate that hands each person a token of their own name.
    struct NamedTokens;

    impl Gate for NamedTokens {
        fn authenticate<'a>(
            &'a self,
            _: Option<&'a str>,
        ) -> BoxFuture<'a, Result<Person, Refusal>> {
            Box::pin(async { Err(Refusal::MissingToken) })
        }
        fn authorizer_for(&self, person: &Person) -> Arc<dyn crate::auth::Authorizer> {
            Arc::new(StaticToken::access_token(&format!("token-of-{}", person.subject)).unwrap())
        }
        fn resource_metadata_url(&self) -> String {
            String::new()
        }
    }

    fn person(subject: &str, scopes: &[&str]) -> Person {
        Person {
            subject: subject.into(),
            name: format!("{subject}@example.com"),
            client_id: "client".into(),
            granted_scopes: scopes
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            grant_id: format!("grant-{subject}"),
        }
    }

    fn people(store: Arc<dyn Store>) -> People {
        people_capturing(store, Arc::default())
    }

    fn people_capturing(store: Arc<dyn Store>, capture: Arc<crate::okta_http::Capture>) -> People {
        let cli = <crate::config::Cli as clap::Parser>::parse_from([
            "okta-mcp",
            "--org-url",
            "https://acme.okta.com",
            "--scopes",
            "okta.users.manage okta.groups.read",
        ]);
        let config = Config::from_settings(cli.settings);
        let stack = HttpStack::new(
            "https://acme.okta.com",
            Arc::new(StaticToken::api_token("server-token").unwrap()),
            config.http_policy(),
        )
        .unwrap()
        .with_capture(capture);
        People::new(
            config,
            Some(Arc::new(stack)),
            Arc::new(NamedTokens),
            Arc::new(AuditLog::disabled()),
            store,
            &crate::composite::COMPOSITES,
        )
    }

    #[tokio::test]
    async fn each_person_gets_their_scopes_their_credential_and_their_name() {
        let capture = Arc::new(crate::okta_http::Capture::default());
        let p = people_capturing(Arc::new(MemoryStore::new()), capture.clone());
        let ann = person("ann", &["okta.users.read"]);
        let bob = person("bob", &["okta.groups.read", "okta.apps.read"]);
        let a = p.runtime_for(&ann);
        let b = p.runtime_for(&bob);
        assert!(a.effective_scopes().contains("okta.users.read"));
        assert!(
            !a.effective_scopes().contains("okta.users.manage"),
            "not granted"
        );
        assert!(!a.effective_scopes().contains("okta.groups.read"));
        assert!(b.effective_scopes().contains("okta.groups.read"));
        assert!(
            !b.effective_scopes().contains("okta.apps.read"),
            "not configured"
        );
        assert_eq!(a.person(), Some("ann@example.com"));
        let args = |v: serde_json::Value| v.as_object().unwrap().clone();
        let r = a
            .call(
                "get_user",
                args(serde_json::json!({"id": "u1"})),
                &Default::default(),
            )
            .await;
        assert!(!r.is_error, "{}", r.text);
        let r = b
            .call(
                "list_groups",
                args(serde_json::json!({})),
                &Default::default(),
            )
            .await;
        assert!(!r.is_error, "{}", r.text);
        let r = b
            .call(
                "get_user",
                args(serde_json::json!({"id": "u1"})),
                &Default::default(),
            )
            .await;
        assert!(r.is_error, "bob did not grant okta.users.read");
        let sent: Vec<String> = capture
            .take()
            .iter()
            .map(|c| c.headers["authorization"].to_str().unwrap().to_owned())
            .collect();
        assert_eq!(sent, ["Bearer token-of-ann", "Bearer token-of-bob"]);
        assert!(Arc::ptr_eq(&a, &p.runtime_for(&ann)), "cached");
        let mut more = ann.clone();
        more.granted_scopes.insert("okta.groups.read".into());
        assert!(
            !Arc::ptr_eq(&a, &p.runtime_for(&more)),
            "new scopes, new runtime"
        );
    }

    #[tokio::test]
    async fn allowances_are_per_person_and_session_in_the_store() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let p = people(store.clone());
        let ann = person("ann", &[]);
        let s1 = p.allowances(&ann, Some("s1"));
        s1.allow("delete_group").await.unwrap();
        assert!(s1.allowed("delete_group").await.unwrap());
        assert!(!s1.allowed("delete_user").await.unwrap());
        // Another replica (another People over the same store) knows it.
        let other = people(store);
        assert!(
            other
                .allowances(&ann, Some("s1"))
                .allowed("delete_group")
                .await
                .unwrap()
        );
        assert!(
            !p.allowances(&ann, Some("s2"))
                .allowed("delete_group")
                .await
                .unwrap()
        );
        assert!(
            !p.allowances(&ann, None)
                .allowed("delete_group")
                .await
                .unwrap()
        );
        let bob = person("bob", &[]);
        assert!(
            !p.allowances(&bob, Some("s1"))
                .allowed("delete_group")
                .await
                .unwrap()
        );
    }
}
