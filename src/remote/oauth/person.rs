//! The Okta credential of one signed-in person: an [`Authorizer`] that puts
//! their own Okta access token (and a DPoP proof when it is bound) on each
//! of their API calls, so Okta applies their admin role and its System Log
//! names them.
//!
//! The tokens live sealed in the store, not in this object: each call reads
//! them, so a refresh made by another replica is seen at once. A token
//! near expiry is refreshed at Okta under a lock in the store, so replicas
//! never spend the same (rotating) refresh token twice; the rotated tokens
//! are written back before use. If Okta has ended the grant, the sign-in is
//! ended here too and the person is told to sign in again.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;

use super::Shared;
use super::grant::{self, Grant, OktaTokens};
use super::upstream::UpstreamError;
use super::vault::sha256_b64;
use crate::auth::dpop::{Dpop, DpopMode, token_rejected};
use crate::auth::keys::{DpopKey, now_secs};
use crate::auth::{AuthError, Authorizer, GrantedScopes, TokenStatus};

/// Refresh this long before Okta's token expires.
const SKEW_SECS: u64 = 60;
/// How long the cross-replica refresh lock is held at most: longer than a
/// token request may take (30 s), so it cannot lapse mid-refresh.
const LOCK_TTL: Duration = Duration::from_secs(45);
/// How long to wait for another replica's refresh.
const LOCK_WAIT: Duration = Duration::from_secs(5);
const LOCK_POLL: Duration = Duration::from_millis(100);

const ENDED: &str = "your sign-in has ended: sign in again from your MCP client";

pub struct PersonAuthorizer {
    shared: Arc<Shared>,
    grant_id: String,
    granted: watch::Sender<GrantedScopes>,
    /// The tokens last used, for `token_status`.
    current: Mutex<Option<OktaTokens>>,
    /// The hash of an access token the API refused: refresh before reuse.
    rejected: Mutex<Option<String>>,
    /// Proofs for API calls, with the key the tokens are bound to.
    dpop: Mutex<Option<Arc<Dpop>>>,
    refresh: tokio::sync::Mutex<()>,
}

fn store_down(e: impl std::fmt::Display) -> AuthError {
    tracing::warn!("cannot read a person's Okta tokens: {e}");
    AuthError::Transport("the server's store cannot be reached; retry in a moment".into())
}

impl PersonAuthorizer {
    pub(super) fn new(shared: Arc<Shared>, grant_id: &str, granted: BTreeSet<String>) -> Self {
        Self {
            shared,
            grant_id: grant_id.to_owned(),
            granted: watch::channel(Some(granted)).0,
            current: Mutex::new(None),
            rejected: Mutex::new(None),
            dpop: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn usable(&self, t: &OktaTokens) -> bool {
        let refused = self
            .rejected
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .is_some_and(|h| h == sha256_b64(&t.access_token));
        !refused && t.expires_at > now_secs() + SKEW_SECS
    }

    async fn load(&self) -> Result<Grant, AuthError> {
        match grant::load(&self.shared.vault, &self.grant_id).await {
            Ok(Some(g)) => Ok(g),
            Ok(None) => Err(AuthError::Refused(ENDED.into())),
            Err(e) => Err(store_down(e)),
        }
    }

    fn remember(&self, g: &Grant) {
        if let Ok(mut c) = self.current.lock() {
            *c = Some(g.okta.clone());
        }
        self.granted.send_if_modified(|cur| {
            let changed = cur.as_ref() != Some(&g.granted);
            *cur = Some(g.granted.clone());
            changed
        });
    }

    /// Usable tokens: the stored ones, or refreshed ones.
    async fn tokens(&self) -> Result<OktaTokens, AuthError> {
        let g = self.load().await?;
        if self.usable(&g.okta) {
            self.remember(&g);
            return Ok(g.okta);
        }
        let g = self.refreshed().await?;
        self.remember(&g);
        Ok(g.okta)
    }

    /// Refreshes under the store lock, unless another replica did already.
    async fn refreshed(&self) -> Result<Grant, AuthError> {
        let _local = self.refresh.lock().await;
        let store = self.shared.vault.store().clone();
        let lock = grant::lock_key(&self.grant_id);
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            if store
                .put_new(&lock, b"1", Some(LOCK_TTL))
                .await
                .map_err(store_down)?
            {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(AuthError::Transport(
                    "your Okta token is being renewed by another replica; retry in a moment".into(),
                ));
            }
            tokio::time::sleep(LOCK_POLL).await;
            let g = self.load().await?;
            if self.usable(&g.okta) {
                return Ok(g);
            }
        }
        let outcome = self.refresh_locked().await;
        if let Err(e) = store.delete(&lock).await {
            tracing::debug!("cannot release a refresh lock (it expires by itself): {e}");
        }
        outcome
    }

    async fn refresh_locked(&self) -> Result<Grant, AuthError> {
        let mut g = self.load().await?;
        if self.usable(&g.okta) {
            return Ok(g);
        }
        match self.shared.upstream.refresh(&g.okta).await {
            Ok((tokens, granted)) => {
                g.okta = tokens;
                if !granted.is_empty() {
                    g.granted = granted;
                }
                if let Err(e) = grant::save(
                    &self.shared.vault,
                    &self.grant_id,
                    &g,
                    self.shared.config.sign_in_ttl,
                )
                .await
                {
                    tracing::warn!("cannot store a person's renewed Okta tokens: {e}");
                }
                tracing::debug!(person = %g.name, "renewed the person's Okta token");
                Ok(g)
            }
            Err(e) if e.grant_ended() => {
                tracing::info!(person = %g.name, "Okta ended the sign-in ({e}); it ends here too");
                if let Err(e) = grant::end(&self.shared.vault, &self.grant_id).await {
                    tracing::warn!("cannot end the sign-in: {e}");
                }
                Err(AuthError::Refused(ENDED.into()))
            }
            Err(UpstreamError::Unreachable(d)) => Err(AuthError::Transport(format!(
                "cannot reach Okta to renew your token: {d}"
            ))),
            Err(e) => Err(AuthError::Refused(format!(
                "renewing your Okta token failed: {e}"
            ))),
        }
    }

    /// The DPoP state for API calls with `t` (its bound key, if any).
    fn dpop_for(&self, t: &OktaTokens) -> Result<Arc<Dpop>, AuthError> {
        let mut slot = self
            .dpop
            .lock()
            .map_err(|_| AuthError::Config("DPoP state unavailable".into()))?;
        if let Some(d) = slot.as_ref()
            && d.key().map(DpopKey::to_pkcs8_b64) == t.dpop_key
        {
            return Ok(d.clone());
        }
        let key = t.dpop_key.as_deref().and_then(DpopKey::from_pkcs8_b64);
        if t.dpop && key.is_none() {
            return Err(AuthError::Refused(ENDED.into()));
        }
        let mode = if key.is_some() {
            DpopMode::Always
        } else {
            DpopMode::Never
        };
        let d = Arc::new(Dpop::unremembered(mode, key)?);
        *slot = Some(d.clone());
        Ok(d)
    }
}

impl Authorizer for PersonAuthorizer {
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let t = self.tokens().await?;
            self.dpop_for(&t)?
                .authorize(request, &t.access_token, t.dpop)
        })
    }

    fn retry_after_unauthorized(&self, response: &reqwest::Response) -> bool {
        if let Some(d) = self.dpop.lock().ok().and_then(|d| d.clone())
            && d.nonce_challenge(response)
        {
            return true;
        }
        if token_rejected(response) {
            let current = self.current.lock().ok().and_then(|c| c.clone());
            if let (Some(t), Ok(mut r)) = (current, self.rejected.lock()) {
                *r = Some(sha256_b64(&t.access_token));
                return true;
            }
        }
        false
    }

    fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        self.granted.borrow().clone()
    }

    fn granted_watch(&self) -> Option<watch::Receiver<GrantedScopes>> {
        Some(self.granted.subscribe())
    }

    fn describe(&self) -> String {
        "the signed-in person's own Okta token (remote mode)".into()
    }

    fn token_status(&self) -> Option<TokenStatus> {
        let c = self.current.lock().ok()?;
        let t = c.as_ref()?;
        Some(TokenStatus {
            dpop: t.dpop,
            expires_in_secs: t.expires_at.saturating_sub(now_secs()),
            refreshable: t.refresh_token.is_some(),
        })
    }
}
