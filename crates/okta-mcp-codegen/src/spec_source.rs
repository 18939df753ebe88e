//! Finding the Okta spec on disk and proving it is the pinned release.
//!
//! The spec is vendored data that is never committed, so a build must find it
//! (`OKTA_OPENAPI_SPEC`, then `openapi/management.yaml`, then the shared copy
//! beside the repository) and check its sha256 against `openapi/spec.lock`.
//! Every failure names the fix.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::CodegenError;

/// The content of `openapi/spec.lock`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct SpecLock {
    pub release: String,
    pub sha256: String,
    pub url: String,
}

impl SpecLock {
    pub fn read(path: &Path) -> Result<Self, CodegenError> {
        let text = std::fs::read_to_string(path).map_err(|e| CodegenError::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| CodegenError::Lock {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Where the spec was found and what it holds.
#[derive(Debug, Clone)]
pub struct LocatedSpec {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// True when the digest differs from the lock and the user opted in.
    pub unpinned: bool,
}

/// The places a spec may be, in the order they are tried.
pub fn candidate_paths(
    project_root: &Path,
    env_override: Option<&Path>,
    release: &str,
) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(p) = env_override {
        paths.push(p.to_owned());
    }
    paths.push(project_root.join("openapi").join("management.yaml"));
    if let Some(parent) = project_root.parent() {
        paths.push(
            parent
                .join("shared")
                .join("okta-openapi")
                .join(format!("management-{release}.yaml")),
        );
    }
    paths
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Finds the spec and verifies it against the lock.
///
/// An explicit `OKTA_OPENAPI_SPEC` that does not exist is an error of its own:
/// silently falling back to another file would build something the user did
/// not ask for.
pub fn locate(
    project_root: &Path,
    lock: &SpecLock,
    env_override: Option<&Path>,
    allow_unpinned: bool,
) -> Result<LocatedSpec, CodegenError> {
    if let Some(p) = env_override
        && !p.is_file()
    {
        return Err(CodegenError::SpecOverrideMissing { path: p.to_owned() });
    }
    let candidates = candidate_paths(project_root, env_override, &lock.release);
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(CodegenError::SpecMissing {
            tried: candidates,
            release: lock.release.clone(),
            url: lock.url.clone(),
        });
    };
    let bytes = std::fs::read(path).map_err(|e| CodegenError::Io {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let sha256 = sha256_hex(&bytes);
    let unpinned = sha256 != lock.sha256;
    if unpinned && !allow_unpinned {
        return Err(CodegenError::SpecDigestMismatch {
            path: path.clone(),
            expected: lock.sha256.clone(),
            actual: sha256,
            release: lock.release.clone(),
        });
    }
    Ok(LocatedSpec {
        path: path.clone(),
        bytes,
        sha256,
        unpinned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock_for(bytes: &[u8]) -> SpecLock {
        SpecLock {
            release: "2099.01.0".into(),
            sha256: sha256_hex(bytes),
            url: "https://example.invalid/spec.yaml".into(),
        }
    }

    #[test]
    fn finds_the_project_copy_and_checks_its_digest() {
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("repo/openapi")).unwrap();
        std::fs::write(dir.join("repo/openapi/management.yaml"), b"openapi: 3.0.3").unwrap();
        let lock = lock_for(b"openapi: 3.0.3");
        let found = locate(&dir.join("repo"), &lock, None, false).unwrap();
        assert!(found.path.ends_with("openapi/management.yaml"));
        assert!(!found.unpinned);
    }

    #[test]
    fn shared_copy_is_the_last_resort() {
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::create_dir_all(dir.join("shared/okta-openapi")).unwrap();
        std::fs::write(
            dir.join("shared/okta-openapi/management-2099.01.0.yaml"),
            b"x",
        )
        .unwrap();
        let found = locate(&dir.join("repo"), &lock_for(b"x"), None, false).unwrap();
        assert!(found.path.ends_with("management-2099.01.0.yaml"));
    }

    #[test]
    fn digest_mismatch_is_refused_unless_opted_in() {
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("repo/openapi")).unwrap();
        std::fs::write(dir.join("repo/openapi/management.yaml"), b"changed").unwrap();
        let lock = lock_for(b"original");
        let err = locate(&dir.join("repo"), &lock, None, false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("OKTA_OPENAPI_UNPINNED"), "{msg}");
        assert!(
            locate(&dir.join("repo"), &lock, None, true)
                .unwrap()
                .unpinned
        );
    }

    #[test]
    fn missing_spec_names_every_place_and_the_download() {
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        let err = locate(&dir.join("repo"), &lock_for(b"x"), None, false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("openapi/management.yaml"), "{msg}");
        assert!(msg.contains("OKTA_OPENAPI_SPEC"), "{msg}");
        assert!(msg.contains("https://example.invalid/spec.yaml"), "{msg}");
    }

    #[test]
    fn a_named_override_that_is_absent_is_an_error() {
        let dir = tempdir();
        let err = locate(&dir, &lock_for(b"x"), Some(&dir.join("nope.yaml")), false).unwrap_err();
        assert!(err.to_string().contains("nope.yaml"));
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "okta-mcp-codegen-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}
