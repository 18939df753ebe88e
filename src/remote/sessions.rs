//! MCP sessions (protocol 2025-11-25) that outlive their replica.
//!
//! rmcp keeps a session's worker in the memory of the replica that
//! started it; with a [`SessionStore`] it also writes the client's
//! `initialize` parameters at the handshake, and a replica that gets a
//! request for a session it does not know replays the handshake from them.
//! This is that store over ours ([`Namespace::Session`]), plus the record
//! of who started each session ([`Namespace::SessionOwner`]), which the
//! transport checks so only that person can use it.

use std::sync::Arc;
use std::time::Duration;

use rmcp::transport::streamable_http_server::session::{
    SessionState, SessionStore, SessionStoreError,
};

use super::store::{Namespace, Store};

/// How long a session can be restored on another replica after it began.
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 3600);

/// rmcp's session store, kept in ours.
pub struct StoreSessions {
    pub store: Arc<dyn Store>,
}

#[async_trait::async_trait]
impl SessionStore for StoreSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        match self.store.get(&Namespace::Session.key(session_id)).await? {
            None => Ok(None),
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        }
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let bytes = serde_json::to_vec(state)?;
        self.store
            .put(
                &Namespace::Session.key(session_id),
                &bytes,
                Some(SESSION_TTL),
            )
            .await?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.store
            .delete(&Namespace::Session.key(session_id))
            .await?;
        self.store
            .delete(&Namespace::SessionOwner.key(session_id))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::store::memory::MemoryStore;
    use rmcp::model::{InitializeRequestParams, ProtocolVersion};

    #[tokio::test]
    async fn sessions_round_trip_and_go_with_their_owner() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let sessions = StoreSessions {
            store: store.clone(),
        };
        let mut params = InitializeRequestParams::default();
        params.protocol_version = ProtocolVersion::V_2025_06_18;
        sessions
            .store("s1", &SessionState::new(params))
            .await
            .unwrap();
        store
            .put(&Namespace::SessionOwner.key("s1"), b"ann", None)
            .await
            .unwrap();
        let loaded = sessions.load("s1").await.unwrap().unwrap();
        assert_eq!(
            loaded.initialize_params.protocol_version,
            ProtocolVersion::V_2025_06_18
        );
        assert!(sessions.load("s2").await.unwrap().is_none());
        sessions.delete("s1").await.unwrap();
        assert!(sessions.load("s1").await.unwrap().is_none());
        assert!(
            store
                .get(&Namespace::SessionOwner.key("s1"))
                .await
                .unwrap()
                .is_none()
        );
        // A record that is not a session is an error, not a panic.
        store
            .put(&Namespace::Session.key("bad"), b"{", None)
            .await
            .unwrap();
        assert!(sessions.load("bad").await.is_err());
    }
}
