//! The behaviour every [`Store`] must have, as one check each
//! implementation's tests run (memory and file in their unit tests, Redis
//! in `tests/store_redis.rs` against a real `redis-server`).

use std::sync::Arc;
use std::time::Duration;

use super::Store;

/// Runs the whole contract against `store`. Keys are prefixed with a random
/// id, so a shared server's other keys do not matter.
pub async fn check(store: Arc<dyn Store>) {
    let run = crate::auth::keys::random_id();
    let k = |name: &str| format!("contract-{run}:{name}");

    // put / get / replace; values are bytes, not text.
    let bytes: &[u8] = &[0, 159, 146, 150, 255, b'\n'];
    store.put(&k("a"), bytes, None).await.unwrap();
    assert_eq!(store.get(&k("a")).await.unwrap().as_deref(), Some(bytes));
    store.put(&k("a"), b"second", None).await.unwrap();
    assert_eq!(
        store.get(&k("a")).await.unwrap().as_deref(),
        Some(&b"second"[..])
    );
    assert_eq!(store.get(&k("missing")).await.unwrap(), None);

    // put_new writes once.
    assert!(store.put_new(&k("once"), b"1", None).await.unwrap());
    assert!(!store.put_new(&k("once"), b"2", None).await.unwrap());
    assert_eq!(
        store.get(&k("once")).await.unwrap().as_deref(),
        Some(&b"1"[..])
    );

    // take reads and deletes in one step.
    assert_eq!(
        store.take(&k("once")).await.unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(store.take(&k("once")).await.unwrap(), None);
    assert_eq!(store.get(&k("once")).await.unwrap(), None);

    // delete; deleting a missing key is fine.
    store.delete(&k("a")).await.unwrap();
    assert_eq!(store.get(&k("a")).await.unwrap(), None);
    store.delete(&k("a")).await.unwrap();

    // Expiry: gone for get, take and put_new alike; a long TTL stays.
    // (A second of TTL: the check right after the write must come first
    // even on a loaded machine.)
    let short = Some(Duration::from_secs(1));
    store.put(&k("short"), b"x", short).await.unwrap();
    assert_eq!(
        store.get(&k("short")).await.unwrap().as_deref(),
        Some(&b"x"[..])
    );
    assert!(store.put_new(&k("short-new"), b"x", short).await.unwrap());
    store.put(&k("taken-late"), b"x", short).await.unwrap();
    store
        .put(&k("long"), b"y", Some(Duration::from_secs(600)))
        .await
        .unwrap();
    // put replaces the TTL too: no expiry for this one.
    store.put(&k("kept"), b"z", short).await.unwrap();
    store.put(&k("kept"), b"z", None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(store.get(&k("short")).await.unwrap(), None);
    assert_eq!(store.take(&k("taken-late")).await.unwrap(), None);
    assert!(
        store
            .put_new(&k("short-new"), b"again", None)
            .await
            .unwrap(),
        "an expired key can be created anew"
    );
    assert_eq!(
        store.get(&k("long")).await.unwrap().as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(
        store.get(&k("kept")).await.unwrap().as_deref(),
        Some(&b"z"[..])
    );

    // Concurrent one-time use: exactly one of many takers gets the value,
    // exactly one of many creators wins.
    store.put(&k("code"), b"c", None).await.unwrap();
    let mut takers = Vec::new();
    let mut creators = Vec::new();
    for i in 0..16u8 {
        let (s, key) = (store.clone(), k("code"));
        takers.push(tokio::spawn(async move { s.take(&key).await.unwrap() }));
        let (s, key) = (store.clone(), k("race"));
        creators.push(tokio::spawn(async move {
            s.put_new(&key, &[i], None).await.unwrap()
        }));
    }
    let mut got = 0;
    for t in takers {
        got += usize::from(t.await.unwrap().is_some());
    }
    assert_eq!(got, 1, "one taker gets a one-time value");
    let mut won = 0;
    for c in creators {
        won += usize::from(c.await.unwrap());
    }
    assert_eq!(won, 1, "one creator wins");

    store.ping().await.unwrap();
    assert!(!store.describe().is_empty());
    for name in ["short", "short-new", "long", "kept", "race"] {
        store.delete(&k(name)).await.unwrap();
    }
}
