//! The Redis store against a real `redis-server`: the same contract the
//! embedded stores keep, and a server that goes away is a clear error.

// Its peers (redis-server, nginx, the Python SDK venv) are installed by
// .ci/run, which runs on Linux; the release workflow's macOS and Windows
// jobs run every other test.
#![cfg(target_os = "linux")]

mod support;

use std::sync::Arc;

use okta_mcp::remote::store::{self, StoreError};
use support::peers::Redis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_keeps_the_contract() {
    let Some(redis) = Redis::start() else { return };
    let store = store::open(&redis.url()).expect("opens");
    assert!(store.describe().contains("redis"), "{}", store.describe());
    store::contract::check(store.clone()).await;
    // Two replicas are two clients of one server: what one writes the other
    // reads, and a one-time value is used once across them.
    let other = store::open(&redis.url()).unwrap();
    store.put("code:x", b"1", None).await.unwrap();
    assert_eq!(
        other.take("code:x").await.unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(store.take("code:x").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_is_a_clear_unavailable_error() {
    let Some(redis) = Redis::start() else { return };
    let url = redis.url();
    let store: Arc<dyn store::Store> = store::open(&url).unwrap();
    store.put("k", b"v", None).await.unwrap();
    store.ping().await.unwrap();
    drop(redis);
    let e = store.get("k").await.unwrap_err();
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e}");
    assert!(e.to_string().contains("127.0.0.1"), "{e}");
    assert!(store.ping().await.is_err());
}
