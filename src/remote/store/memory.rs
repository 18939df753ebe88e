//! The default store: this process's memory. Right for one instance whose
//! sign-ins and confirmations may be lost on restart; a second replica
//! needs [`super::redis`].

use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;

use super::table::{Full, Table};
use super::{Store, StoreError};

/// A [`Store`] in memory.
#[derive(Default)]
pub struct MemoryStore {
    table: Mutex<Table>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key with its raw value, for checks that what is kept is
    /// sealed (nothing a person's tokens could be read from).
    pub fn raw_values(&self) -> Vec<(String, Vec<u8>)> {
        self.with(|t| Ok(t.raw())).unwrap_or_default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Table) -> Result<T, Full>) -> Result<T, StoreError> {
        let mut table = self
            .table
            .lock()
            .map_err(|_| unavailable("a lock was poisoned"))?;
        f(&mut table).map_err(|Full| full())
    }
}

fn unavailable(reason: &str) -> StoreError {
    StoreError::Unavailable {
        store: "memory".into(),
        reason: reason.into(),
    }
}

fn full() -> StoreError {
    unavailable(&format!(
        "it holds {} entries, its limit; use OKTA_MCP_STORE=redis://... for a larger deployment",
        super::table::MAX_ENTRIES
    ))
}

impl Store for MemoryStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.with(|t| t.put(key, value, ttl))))
    }

    fn put_new<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(
            self.with(|t| t.put_new(key, value, ttl)),
        ))
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(std::future::ready(self.with(|t| Ok(t.get(key)))))
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(std::future::ready(self.with(|t| Ok(t.take(key)))))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.with(|t| {
            t.delete(key);
            Ok(())
        })))
    }

    fn describe(&self) -> String {
        "memory (this process only)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_keeps_the_contract() {
        super::super::contract::check(std::sync::Arc::new(MemoryStore::new())).await;
    }
}
