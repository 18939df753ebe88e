//! The expiring map under the embedded stores ([`super::memory`] and
//! [`super::file`]): values with an optional deadline in wall-clock
//! milliseconds, so a deadline means the same after a restart.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Most entries an embedded store holds; past it, writes are refused (after
/// dropping what expired) rather than letting memory grow without bound.
pub const MAX_ENTRIES: usize = 200_000;

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One stored value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// The value, base64 in the file.
    #[serde(with = "b64")]
    pub value: Vec<u8>,
    /// When it expires (ms since the epoch); never when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
}

impl Entry {
    fn live(&self, now: u64) -> bool {
        self.expires_at_ms.is_none_or(|at| at > now)
    }
}

/// Why a write was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// The map itself; callers hold it behind a lock.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Table {
    entries: HashMap<String, Entry>,
    /// Writes since the last purge: every [`PURGE_EVERY`] writes the
    /// expired entries go, so a long-running process does not keep them.
    #[serde(skip)]
    writes: u32,
}

/// How often (in writes) expired entries are dropped.
const PURGE_EVERY: u32 = 512;

impl Table {
    /// Every key with its raw value, expired or not (what a look at the
    /// store's memory or file would show).
    pub fn raw(&self) -> Vec<(String, Vec<u8>)> {
        self.entries
            .iter()
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect()
    }

    fn deadline(ttl: Option<Duration>, now: u64) -> Option<u64> {
        ttl.map(|t| now.saturating_add(t.as_millis().min(u64::MAX as u128) as u64))
    }

    /// Drops the entries that expired; true when something was dropped.
    pub fn purge(&mut self, now: u64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.live(now));
        before != self.entries.len()
    }

    fn room_for(&mut self, key: &str, now: u64) -> Result<(), Full> {
        if self.entries.len() < MAX_ENTRIES || self.entries.contains_key(key) {
            return Ok(());
        }
        self.purge(now);
        if self.entries.len() < MAX_ENTRIES {
            Ok(())
        } else {
            Err(Full)
        }
    }

    pub fn put(&mut self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), Full> {
        let now = now_ms();
        self.writes += 1;
        if self.writes >= PURGE_EVERY {
            self.writes = 0;
            self.purge(now);
        }
        self.room_for(key, now)?;
        self.entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires_at_ms: Self::deadline(ttl, now),
            },
        );
        Ok(())
    }

    pub fn put_new(
        &mut self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, Full> {
        let now = now_ms();
        if self.entries.get(key).is_some_and(|e| e.live(now)) {
            return Ok(false);
        }
        self.put(key, value, ttl).map(|()| true)
    }

    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = now_ms();
        self.entries
            .get(key)
            .filter(|e| e.live(now))
            .map(|e| e.value.clone())
    }

    pub fn take(&mut self, key: &str) -> Option<Vec<u8>> {
        let now = now_ms();
        self.entries
            .remove(key)
            .filter(|e| e.live(now))
            .map(|e| e.value)
    }

    /// True when something was deleted.
    pub fn delete(&mut self, key: &str) -> bool {
        self.entries.remove(key).is_some()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_invisible_and_purged() {
        let mut t = Table::default();
        t.put("a", b"1", Some(Duration::ZERO)).unwrap();
        t.put("b", b"2", None).unwrap();
        assert_eq!(t.get("a"), None);
        assert_eq!(t.take("a"), None);
        t.put("c", b"3", Some(Duration::ZERO)).unwrap();
        assert!(t.purge(now_ms()));
        assert_eq!(t.len(), 1);
        assert_eq!(t.get("b").as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn a_full_table_refuses_new_keys_but_replaces_existing_ones() {
        let mut t = Table::default();
        for i in 0..MAX_ENTRIES {
            t.entries.insert(
                format!("k{i}"),
                Entry {
                    value: vec![],
                    expires_at_ms: None,
                },
            );
        }
        assert_eq!(t.put("new", b"x", None), Err(Full));
        assert_eq!(t.put_new("new", b"x", None), Err(Full));
        assert_eq!(t.put("k1", b"x", None), Ok(()));
    }
}
