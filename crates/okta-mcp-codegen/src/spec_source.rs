//! Finding each pinned Okta spec on disk and proving it is the pinned one.
//!
//! The specs are vendored data that is never committed, so a build must find
//! each one (its environment variable, e.g. `OKTA_OPENAPI_SPEC` or
//! `OKTA_GOVERNANCE_SPEC`, then `openapi/<name>.yaml`, then the shared copy
//! beside the repository, `../shared/okta-openapi/<name>-<release>.yaml`)
//! and check its sha256 against `openapi/spec.lock`. Every failure names
//! the fix.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::CodegenError;

/// One `[[spec]]` entry of `openapi/spec.lock`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SpecLock {
    /// `management`, `governance`: names the local file, the shared copy,
    /// the spec's toolset and the prefix of its colliding operationIds.
    pub name: String,
    /// The spec's `info.version`.
    pub release: String,
    pub sha256: String,
    /// Where the build downloads exactly this file (pinned to a commit).
    pub url: String,
    /// The variable naming a file to use instead (default `OKTA_<NAME>_SPEC`).
    pub env: Option<String>,
    /// Paths merged into this spec before generation, relative to the root.
    pub overlay: Option<String>,
    /// Where `cargo xtask update-spec` looks for other releases.
    pub upstream: Option<crate::spec_upstream::Upstream>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    spec: Vec<SpecLock>,
}

/// Every spec of `openapi/spec.lock`, in file order (the first one keeps
/// its operationIds when two specs share one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecLocks {
    pub specs: Vec<SpecLock>,
}

impl SpecLocks {
    pub fn read(path: &Path) -> Result<Self, CodegenError> {
        let text = std::fs::read_to_string(path).map_err(|e| CodegenError::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::parse(&text).map_err(|message| CodegenError::Lock {
            path: path.to_owned(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: LockFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for s in &file.spec {
            if s.name.is_empty()
                || !s
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(format!(
                    "spec name `{}` must be lower-case letters and digits",
                    s.name
                ));
            }
            if !seen.insert(&s.name) {
                return Err(format!("spec `{}` is pinned twice", s.name));
            }
        }
        if file.spec.is_empty() {
            return Err("no [[spec]] entry".into());
        }
        Ok(Self { specs: file.spec })
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&SpecLock> {
        self.specs.iter().find(|s| s.name == name)
    }

    /// The spec names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.specs.iter().map(|s| s.name.as_str()).collect()
    }
}

impl SpecLock {
    /// The variable that names a file to use instead of the search.
    pub fn env_var(&self) -> String {
        self.env
            .clone()
            .unwrap_or_else(|| format!("OKTA_{}_SPEC", self.name.to_ascii_uppercase()))
    }

    /// The variable that names another download address (a mirror, or a
    /// local server in tests): the spec variable with `_SPEC` read `_URL`
    /// (`OKTA_OPENAPI_URL`, `OKTA_GOVERNANCE_URL`).
    pub fn url_env_var(&self) -> String {
        let env = self.env_var();
        match env.strip_suffix("_SPEC") {
            Some(base) => format!("{base}_URL"),
            None => format!("{env}_URL"),
        }
    }

    /// Where the build keeps its copy, relative to the project root.
    pub fn local_file(&self) -> PathBuf {
        Path::new("openapi").join(format!("{}.yaml", self.name))
    }

    /// The shared copy's file name.
    pub fn shared_file(&self, release: &str) -> String {
        format!("{}-{release}.yaml", self.name)
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
    lock: &SpecLock,
) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(p) = env_override {
        paths.push(p.to_owned());
    }
    paths.push(project_root.join(lock.local_file()));
    if let Some(parent) = project_root.parent() {
        paths.push(
            parent
                .join("shared")
                .join("okta-openapi")
                .join(lock.shared_file(&lock.release)),
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
/// An explicit override that does not exist is an error of its own:
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
        return Err(CodegenError::SpecOverrideMissing {
            name: lock.name.as_str().into(),
            env: lock.env_var().into(),
            path: p.to_owned(),
        });
    }
    let candidates = candidate_paths(project_root, env_override, lock);
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(CodegenError::SpecMissing {
            name: lock.name.as_str().into(),
            env: lock.env_var().into(),
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
            name: lock.name.as_str().into(),
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
            name: "management".into(),
            release: "2099.01.0".into(),
            sha256: sha256_hex(bytes),
            url: "https://example.invalid/spec.yaml".into(),
            env: Some("OKTA_OPENAPI_SPEC".into()),
            overlay: None,
            upstream: None,
        }
    }

    #[test]
    fn the_lock_pins_each_spec_with_its_own_names() {
        let locks = SpecLocks::parse(
            "[[spec]]\nname = \"management\"\nrelease = \"1\"\nsha256 = \"aa\"\nurl = \"u\"\nenv = \"OKTA_OPENAPI_SPEC\"\n\n[[spec]]\nname = \"governance\"\nrelease = \"3.2.0\"\nsha256 = \"bb\"\nurl = \"v\"\n",
        )
        .unwrap();
        assert_eq!(locks.names(), ["management", "governance"]);
        let (m, g) = (&locks.specs[0], locks.get("governance").unwrap());
        assert_eq!(
            (m.env_var(), m.url_env_var()),
            ("OKTA_OPENAPI_SPEC".into(), "OKTA_OPENAPI_URL".into())
        );
        assert_eq!(
            (g.env_var(), g.url_env_var()),
            ("OKTA_GOVERNANCE_SPEC".into(), "OKTA_GOVERNANCE_URL".into())
        );
        assert_eq!(g.local_file(), Path::new("openapi/governance.yaml"));
        assert_eq!(g.shared_file("3.2.0"), "governance-3.2.0.yaml");
        let twice = "[[spec]]\nname = \"a\"\nrelease = \"1\"\nsha256 = \"aa\"\nurl = \"u\"\n";
        assert!(
            SpecLocks::parse(&twice.repeat(2))
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            SpecLocks::parse("release = \"1\"").is_err(),
            "the old flat form is refused"
        );
    }

    #[test]
    fn the_governance_spec_is_found_by_its_own_names() {
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::create_dir_all(dir.join("shared/okta-openapi")).unwrap();
        std::fs::write(dir.join("shared/okta-openapi/governance-3.2.0.yaml"), b"g").unwrap();
        let lock = SpecLock {
            name: "governance".into(),
            release: "3.2.0".into(),
            env: None,
            ..lock_for(b"g")
        };
        let found = locate(&dir.join("repo"), &lock, None, false).unwrap();
        assert!(found.path.ends_with("governance-3.2.0.yaml"));
        let err = locate(
            &dir.join("repo"),
            &lock,
            Some(&dir.join("none.yaml")),
            false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("OKTA_GOVERNANCE_SPEC") && err.contains("governance"),
            "{err}"
        );
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
