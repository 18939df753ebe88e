//! Where an export too large for the output cap goes: a new file in
//! `OKTA_EXPORT_DIR` (default: the system's temporary folder), readable by
//! its owner only, never replacing an existing file. `OKTA_EXPORT_DIR=off`
//! writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What `OKTA_EXPORT_DIR` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    Dir(PathBuf),
    /// Never write a file: large exports come back cut, with a cursor.
    Off,
}

impl ExportTarget {
    /// Blank or unset: the system's temporary folder.
    pub fn from_setting(setting: Option<&str>) -> Self {
        match setting.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if s.eq_ignore_ascii_case("off") => Self::Off,
            Some(s) => Self::Dir(PathBuf::from(s)),
            None => Self::Dir(std::env::temp_dir()),
        }
    }
}

/// Why an export file was not written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("OKTA_EXPORT_DIR `{0}` is not an existing folder")]
    NoFolder(PathBuf),
    #[error("could not write a new file in `{dir}`: {source}")]
    Write {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `bytes` to a new file `<stem>-<UTC time>-<random>.<ext>` in
/// `dir`, mode 0600 on Unix, and returns its path. The file is created
/// exclusively: an existing file (or a link planted under that name) is
/// never opened.
pub fn write_new(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, ExportError> {
    if !dir.is_dir() {
        return Err(ExportError::NoFolder(dir.to_owned()));
    }
    let stamp: String = crate::time_window::rfc3339(std::time::SystemTime::now())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut last_error = None;
    for _ in 0..8 {
        let suffix: String = crate::auth::keys::random_id().chars().take(8).collect();
        let path = dir.join(format!("{stem}-{stamp}-{suffix}.{ext}"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let written = opts.open(&path).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        match written {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(ExportError::Write {
                    dir: dir.to_owned(),
                    source: e,
                });
            }
        }
    }
    Err(ExportError::Write {
        dir: dir.to_owned(),
        source: last_error.unwrap_or_else(|| std::io::Error::other("no free file name")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        assert_eq!(ExportTarget::from_setting(Some(" OFF ")), ExportTarget::Off);
        assert_eq!(
            ExportTarget::from_setting(Some("/srv/exports")),
            ExportTarget::Dir("/srv/exports".into())
        );
        assert_eq!(
            ExportTarget::from_setting(Some("")),
            ExportTarget::Dir(std::env::temp_dir())
        );
    }

    #[test]
    fn files_are_new_private_and_never_replace_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_new(dir.path(), "okta-users", "csv", b"id\n1\n").unwrap();
        let b = write_new(dir.path(), "okta-users", "csv", b"id\n2\n").unwrap();
        assert_ne!(a, b);
        assert_eq!(std::fs::read(&a).unwrap(), b"id\n1\n");
        assert_eq!(a.parent(), Some(dir.path()));
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("okta-users-") && name.ends_with(".csv"),
            "{name}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let missing = dir.path().join("nope");
        assert!(matches!(
            write_new(&missing, "x", "csv", b""),
            Err(ExportError::NoFolder(_))
        ));
    }
}
