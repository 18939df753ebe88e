//! Answers to confirmation questions (protocol 2025-11-25 elicitation) that
//! may reach any replica.
//!
//! With a 2025-11-25 session the server asks by sending a request on the
//! stream of the pending `tools/call`; the client answers with a new POST,
//! which a load balancer may send to another replica than the one waiting.
//! So the transport hands every answer (a JSON-RPC response) to the store
//! ([`keep_answer`]) instead of the local session, and the replica that
//! asked watches the store for it ([`Relay::ask`]).
//!
//! rmcp numbers server requests per copy of a session, so two replicas
//! may both use the same id. One question at a time per session keeps an
//! answer from being taken for another question: a replica asks only while
//! it holds the session's question lock, clears any old answer before
//! asking, and takes only the answer with its request's id. A second
//! question while one is open is not asked (the call is not done).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::RoleServer;
use rmcp::model::{ClientResult, ElicitResult, ServerRequest};
use rmcp::service::{Peer, PeerRequestOptions};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::store::{Namespace, Store, StoreError};

/// How often the asking replica looks for the answer.
const POLL: Duration = Duration::from_millis(100);
/// The question lock lives this long unless renewed (a replica that dies
/// while asking frees the session this fast).
const LOCK_TTL: Duration = Duration::from_secs(30);
/// How long an answer is kept for the replica that asked.
const ANSWER_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a question waits for its answer at most.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

fn lock_key(session: &str) -> String {
    Namespace::Elicit.key(&format!("{session}/lock"))
}

fn answer_key(session: &str) -> String {
    Namespace::Elicit.key(&format!("{session}/answer"))
}

/// Whether `body` is a JSON-RPC response (an answer from the client), and
/// its id.
pub fn response_id(body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    if o.contains_key("method") || !(o.contains_key("result") || o.contains_key("error")) {
        return None;
    }
    o.get("id").cloned()
}

/// Keeps the client's answer (`body`, a JSON-RPC response) for the replica
/// that asked in `session`.
pub async fn keep_answer(store: &dyn Store, session: &str, body: &[u8]) -> Result<(), StoreError> {
    store
        .put(&answer_key(session), body, Some(ANSWER_TTL))
        .await
}

/// Asks questions in one session through the store.
#[derive(Clone)]
pub struct Relay {
    store: Arc<dyn Store>,
    session: String,
}

impl Relay {
    pub fn new(store: Arc<dyn Store>, session: String) -> Self {
        Self { store, session }
    }

    /// Sends `request` to the client and waits for its answer, wherever it
    /// arrives. `None`: not asked, cancelled, or no usable answer.
    pub async fn ask(
        &self,
        peer: &Peer<RoleServer>,
        request: ServerRequest,
        cancel: &CancellationToken,
    ) -> Option<ElicitResult> {
        let nonce = crate::auth::keys::random_id();
        match self
            .store
            .put_new(&lock_key(&self.session), nonce.as_bytes(), Some(LOCK_TTL))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    "a confirmation is already open in this session; not asking a second"
                );
                return None;
            }
            Err(e) => {
                tracing::warn!("cannot ask for a confirmation: {e}");
                return None;
            }
        }
        let answer = self.ask_locked(peer, request, cancel, &nonce).await;
        let _ = self.store.delete(&lock_key(&self.session)).await;
        answer
    }

    async fn ask_locked(
        &self,
        peer: &Peer<RoleServer>,
        request: ServerRequest,
        cancel: &CancellationToken,
        nonce: &str,
    ) -> Option<ElicitResult> {
        let key = answer_key(&self.session);
        // An old answer (to a question given up on) is not this one's.
        self.store.delete(&key).await.ok()?;
        let handle = match peer
            .send_cancellable_request(request, PeerRequestOptions::no_options())
            .await
        {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!("confirmation by elicitation failed: {e}");
                return None;
            }
        };
        let id = serde_json::to_value(&handle.id).ok()?;
        let deadline = Instant::now() + MAX_WAIT;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return None,
                _ = tokio::time::sleep(POLL) => {}
            }
            if Instant::now() > deadline {
                return None;
            }
            match self.store.take(&key).await {
                Ok(Some(body)) if response_id(&body).as_ref() == Some(&id) => {
                    return parse_answer(&body);
                }
                Ok(Some(_)) => {} // another question's answer: dropped
                Ok(None) => {}
                Err(e) => tracing::warn!("waiting for a confirmation: {e}"),
            }
            // Still asking: keep the lock.
            let _ = self
                .store
                .put(&lock_key(&self.session), nonce.as_bytes(), Some(LOCK_TTL))
                .await;
        }
    }
}

/// The elicitation result in a JSON-RPC response; `None` for an error.
fn parse_answer(body: &[u8]) -> Option<ElicitResult> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match serde_json::from_value::<ClientResult>(v.get("result")?.clone()).ok()? {
        ClientResult::ElicitResult(r) => Some(r),
        _ => serde_json::from_value(v.get("result")?.clone()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_responses_are_answers() {
        assert_eq!(
            response_id(br#"{"jsonrpc":"2.0","id":3,"result":{"action":"accept"}}"#),
            Some(Value::from(3))
        );
        assert_eq!(
            response_id(br#"{"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"x"}}"#),
            Some(Value::from("a"))
        );
        assert_eq!(
            response_id(br#"{"jsonrpc":"2.0","id":3,"method":"tools/call"}"#),
            None
        );
        assert_eq!(
            response_id(br#"{"jsonrpc":"2.0","method":"notifications/x"}"#),
            None
        );
        assert_eq!(response_id(b"not json"), None);
    }

    #[test]
    fn answers_parse_and_errors_do_not() {
        let a = parse_answer(
            br#"{"jsonrpc":"2.0","id":0,"result":{"action":"accept","content":{"confirm":true}}}"#,
        )
        .unwrap();
        assert_eq!(a.action, rmcp::model::ElicitationAction::Accept);
        assert!(
            parse_answer(br#"{"jsonrpc":"2.0","id":0,"error":{"code":1,"message":"x"}}"#).is_none()
        );
    }
}
