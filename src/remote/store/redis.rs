//! The shared store for several replicas: Redis or Valkey
//! (`OKTA_MCP_STORE=redis://[user:password@]host[:port][/db]`).
//!
//! One multiplexed connection, re-established by redis-rs's connection
//! manager when it drops, opened on first use: a Redis that is down at
//! start shows in `/readyz` and as `503` answers until it is back. The
//! one-time steps are single commands, so they hold across replicas:
//! `put_new` is `SET NX PX`, `take` is `GETDEL` (Redis 6.2 or later).
//! Every key gets the `okta-mcp:` prefix, so the database can hold other
//! data too. Errors name the server without its password.

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::{Store, StoreError};

/// The prefix of every key okta-mcp writes.
const KEY_PREFIX: &str = "okta-mcp:";
/// How long one command may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(3);

/// A [`Store`] in Redis or Valkey.
pub struct RedisStore {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    conn: OnceCell<ConnectionManager>,
}

impl RedisStore {
    /// Checks the URL; connects on first use.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let shown = crate::config::mask_userinfo(url);
        let url = match url.strip_prefix("valkey://") {
            Some(rest) => format!("redis://{rest}"),
            None => url.to_owned(),
        };
        let client = redis::Client::open(url.as_str()).map_err(|e| StoreError::Unavailable {
            store: shown.clone(),
            reason: format!(
                "not a valid Redis URL ({:?}); use redis://[user:password@]host[:port][/db]",
                e.kind()
            ),
        })?;
        Ok(Self {
            client,
            shown,
            conn: OnceCell::new(),
        })
    }

    fn unavailable(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            store: self.shown.clone(),
            reason: crate::redact::redact(&e.to_string()),
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        self.conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(TIMEOUT))
                    .set_response_timeout(Some(TIMEOUT))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_millis(500));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
            .map_err(|e| self.unavailable(e))
    }

    /// Runs one command with the key prefixed, bounded by [`TIMEOUT`].
    async fn query<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        let answer = tokio::time::timeout(TIMEOUT * 2, cmd.query_async::<T>(&mut conn))
            .await
            .map_err(|_| self.unavailable("no answer in time"))?;
        answer.map_err(|e| {
            if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                self.unavailable(e)
            } else {
                StoreError::Protocol {
                    store: self.shown.clone(),
                    reason: crate::redact::redact(&e.to_string()),
                }
            }
        })
    }

    fn cmd(name: &str, key: &str) -> redis::Cmd {
        let mut c = redis::cmd(name);
        c.arg(format!("{KEY_PREFIX}{key}"));
        c
    }
}

/// Milliseconds for `PX`, at least 1 (Redis refuses 0).
fn px(ttl: Duration) -> u64 {
    (ttl.as_millis().min(u64::MAX as u128) as u64).max(1)
}

impl Store for RedisStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut c = Self::cmd("SET", key);
            c.arg(value);
            if let Some(t) = ttl {
                c.arg("PX").arg(px(t));
            }
            self.query::<()>(c).await
        })
    }

    fn put_new<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut c = Self::cmd("SET", key);
            c.arg(value).arg("NX");
            if let Some(t) = ttl {
                c.arg("PX").arg(px(t));
            }
            // `OK` when written, nil when the key was there.
            let answer: Option<String> = self.query(c).await?;
            Ok(answer.is_some())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move { self.query(Self::cmd("GET", key)).await })
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move { self.query(Self::cmd("GETDEL", key)).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.query::<()>(Self::cmd("DEL", key)).await })
    }

    fn describe(&self) -> String {
        format!("redis {}", self.shown)
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let pong: String = self.query(redis::cmd("PING")).await?;
            if pong == "PONG" {
                Ok(())
            } else {
                Err(StoreError::Protocol {
                    store: self.shown.clone(),
                    reason: format!("PING answered {pong:?}"),
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_shown_with_their_password() {
        let s = RedisStore::new("redis://user:hunter2-secret@127.0.0.1:6379/0").unwrap();
        assert!(!s.describe().contains("hunter2"), "{}", s.describe());
        assert!(RedisStore::new("valkey://127.0.0.1:6379").is_ok());
        let e = RedisStore::new("redis://:pw-secret@[bad").err().unwrap();
        assert!(!e.to_string().contains("pw-secret"), "{e}");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_not_a_hang_or_panic() {
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let s = RedisStore::new(&format!("redis://127.0.0.1:{port}")).unwrap();
        let started = std::time::Instant::now();
        let e = s.get("k").await.unwrap_err();
        assert!(matches!(e, StoreError::Unavailable { .. }), "{e}");
        assert!(s.ping().await.is_err());
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
