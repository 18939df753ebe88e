//! A store in one local file, for a single instance whose sign-ins must
//! survive a restart (`OKTA_MCP_STORE=file:///path/state.json`).
//!
//! The state is held in memory and the whole file rewritten after each
//! change: written to a temporary file beside it (mode 0600), synced, then
//! renamed over the old one, so a crash leaves the old or the new state,
//! never half of one. Expired values are dropped on load and on write. A
//! lock file keeps a second process from using the same file: two writers
//! would each overwrite the other's changes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;

use super::table::{Full, Table, now_ms};
use super::{Store, StoreError};

/// A [`Store`] kept in a local file.
pub struct FileStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    table: Mutex<Table>,
    /// Held open for the life of the store: the lock lives with it.
    _lock: File,
}

impl FileStore {
    /// Opens (or creates) the store at `path`; its folder must exist.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let err = |reason: String| StoreError::File {
            path: path.display().to_string(),
            reason,
        };
        let lock_path = sibling(path, ".lock");
        let lock = open_private(&lock_path, false)
            .map_err(|e| err(format!("the lock file cannot be opened: {e}")))?;
        lock_exclusive(&lock).map_err(|e| err(e.to_owned()))?;
        let mut table = match std::fs::read(path) {
            Ok(bytes) if bytes.is_empty() => Table::default(),
            Ok(bytes) => serde_json::from_slice::<Table>(&bytes).map_err(|e| {
                err(format!(
                    "it is not an okta-mcp state file ({e}); move it away or name another file"
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::default(),
            Err(e) => return Err(err(format!("it cannot be read: {e}"))),
        };
        table.purge(now_ms());
        let inner = Inner {
            path: path.to_owned(),
            table: Mutex::new(table),
            _lock: lock,
        };
        inner.save()?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Runs `f` on the table off the async threads; saves when it changed.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Table) -> Result<(T, bool), Full> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let path = inner.path.display().to_string();
            tokio::task::spawn_blocking(move || inner.apply(f))
                .await
                .unwrap_or_else(|e| {
                    Err(StoreError::File {
                        path,
                        reason: format!("the write did not finish: {e}"),
                    })
                })
        })
    }
}

impl Inner {
    fn err(&self, reason: String) -> StoreError {
        StoreError::File {
            path: self.path.display().to_string(),
            reason,
        }
    }

    fn apply<T>(
        &self,
        f: impl FnOnce(&mut Table) -> Result<(T, bool), Full>,
    ) -> Result<T, StoreError> {
        let mut table = self
            .table
            .lock()
            .map_err(|_| self.err("a lock was poisoned".into()))?;
        let purged = table.purge(now_ms());
        let (out, changed) = f(&mut table).map_err(|Full| {
            self.err(format!(
                "it holds {} entries, its limit",
                super::table::MAX_ENTRIES
            ))
        })?;
        if changed || purged {
            self.write(&table)?;
        }
        Ok(out)
    }

    fn save(&self) -> Result<(), StoreError> {
        let table = self
            .table
            .lock()
            .map_err(|_| self.err("a lock was poisoned".into()))?;
        self.write(&table)
    }

    /// Writes the whole table: temporary file, sync, rename.
    fn write(&self, table: &Table) -> Result<(), StoreError> {
        let bytes =
            serde_json::to_vec(table).map_err(|e| self.err(format!("cannot encode: {e}")))?;
        let tmp = sibling(&self.path, ".tmp");
        let result = (|| -> std::io::Result<()> {
            let mut f = open_private(&tmp, true)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The rename is durable once the folder is synced.
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(())
        })();
        result.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            self.err(format!("it cannot be written: {e}"))
        })
    }
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Opens a file only its owner may read (0600 on Unix).
fn open_private(path: &Path, truncate: bool) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        // `mode` applies only when the file is created.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

#[cfg(unix)]
fn lock_exclusive(f: &File) -> Result<(), &'static str> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows; no memory is shared.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(
            "another process uses this store file (its .lock is held); a file store serves one instance, use redis:// for several",
        )
    }
}

#[cfg(not(unix))]
fn lock_exclusive(_: &File) -> Result<(), &'static str> {
    Ok(())
}

impl Store for FileStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.run(move |t| t.put(&key, &value, ttl).map(|()| ((), true)))
    }

    fn put_new<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.run(move |t| t.put_new(&key, &value, ttl).map(|w| (w, w)))
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        let got = self
            .inner
            .table
            .lock()
            .map(|t| t.get(key))
            .map_err(|_| self.inner.err("a lock was poisoned".into()));
        Box::pin(std::future::ready(got))
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        let key = key.to_owned();
        self.run(move |t| {
            let v = t.take(&key);
            let changed = v.is_some();
            Ok((v, changed))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = key.to_owned();
        self.run(move |t| Ok(((), t.delete(&key))))
    }

    fn describe(&self) -> String {
        format!("file {} (one instance)", self.inner.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_keeps_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(&dir.path().join("state.json")).unwrap();
        super::super::contract::check(std::sync::Arc::new(store)).await;
    }

    #[tokio::test]
    async fn values_survive_a_restart_expired_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        {
            let s = FileStore::open(&path).unwrap();
            s.put("keep", b"v1", None).await.unwrap();
            s.put("long", b"v2", Some(Duration::from_secs(3600)))
                .await
                .unwrap();
            s.put("short", b"v3", Some(Duration::from_millis(30)))
                .await
                .unwrap();
            assert!(
                FileStore::open(&path).is_err(),
                "a second process is refused"
            );
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        let s = FileStore::open(&path).unwrap();
        assert_eq!(s.get("keep").await.unwrap().as_deref(), Some(&b"v1"[..]));
        assert_eq!(s.get("long").await.unwrap().as_deref(), Some(&b"v2"[..]));
        assert_eq!(s.get("short").await.unwrap(), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("short"),
            "expired entries are dropped: {text}"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_file_is_private_and_written_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let s = FileStore::open(&path).unwrap();
        s.put("k", b"secret-ish", None).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!sibling(&path, ".tmp").exists(), "no temporary file left");
        let parsed: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(parsed["entries"]["k"]["value"].is_string(), "{parsed}");
    }

    #[test]
    fn a_file_that_is_not_a_state_file_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "not json").unwrap();
        let e = FileStore::open(&path).err().unwrap().to_string();
        assert!(e.contains("not an okta-mcp state file"), "{e}");
    }
}
