//! What okta-mcp's two build scripts share: finding every pinned spec,
//! telling cargo exactly which paths to watch, and writing outputs only
//! when their content changed.
//!
//! Cargo reruns a build script when a watched path changes, and treats a
//! watched path that does not exist as always changed. So we never watch a
//! missing file: for each place that would win the search over the spec we
//! found, we watch the nearest folder that exists (a new file there changes
//! its listing), and never a folder that holds the project itself (that
//! would scan `target/` on every build). Outputs that are rewritten with the
//! same bytes keep their mtime, so nothing downstream recompiles. Both build
//! scripts call [`find_specs`] and [`print_rerun_lines`], so they watch the
//! same files and variables for every spec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::CodegenError;
use crate::apis::SpecInput;
use crate::spec_source::{LocatedSpec, SpecLock, SpecLocks, candidate_paths, locate};

/// Environment variables that change how every spec is read; each spec
/// adds its own two ([`SpecLock::env_var`], [`SpecLock::url_env_var`]).
pub const SPEC_ENV_VARS: [&str; 2] = ["OKTA_OPENAPI_UNPINNED", "OKTA_OPENAPI_OFFLINE"];

/// How the environment steers the search.
#[derive(Debug, Clone, Default)]
pub struct SpecEnv {
    /// Per spec (`OKTA_OPENAPI_SPEC`, `OKTA_GOVERNANCE_SPEC`): this file and
    /// no other.
    pub override_paths: BTreeMap<String, PathBuf>,
    /// `OKTA_OPENAPI_UNPINNED=1`: accept digests other than the lock's.
    pub allow_unpinned: bool,
    /// `OKTA_OPENAPI_OFFLINE=1`: never download.
    pub offline: bool,
    /// Per spec (`OKTA_OPENAPI_URL`, `OKTA_GOVERNANCE_URL`): download from
    /// here instead of the lock's URL (a mirror, or a local server in
    /// tests); the digest is still the lock's.
    pub urls: BTreeMap<String, String>,
}

impl SpecEnv {
    pub fn from_process(locks: &SpecLocks) -> Self {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let yes =
            |name: &str| set(name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        let mut env = Self {
            allow_unpinned: yes("OKTA_OPENAPI_UNPINNED"),
            offline: yes("OKTA_OPENAPI_OFFLINE"),
            ..Self::default()
        };
        for lock in &locks.specs {
            if let Some(p) = set(&lock.env_var()) {
                env.override_paths
                    .insert(lock.name.clone(), PathBuf::from(p));
            }
            if let Some(u) = set(&lock.url_env_var()) {
                env.urls.insert(lock.name.clone(), u);
            }
        }
        env
    }
}

/// One pinned spec as a build script reads it.
#[derive(Debug)]
pub struct BuildSpec {
    pub lock: SpecLock,
    pub spec: LocatedSpec,
    /// The overlay's text, if the lock names one.
    pub overlay: Option<String>,
}

/// Every pinned spec, in lock order, and what to watch for all of them.
#[derive(Debug)]
pub struct BuildSpecs {
    pub specs: Vec<BuildSpec>,
    /// Every path whose change must rerun the build script.
    pub watch: Vec<PathBuf>,
    /// Every variable whose change must rerun it.
    pub env_vars: Vec<String>,
}

impl BuildSpecs {
    /// The generator's inputs, borrowing the specs.
    pub fn inputs(&self) -> Vec<SpecInput<'_>> {
        self.specs
            .iter()
            .map(|s| SpecInput {
                name: &s.lock.name,
                yaml: &s.spec.bytes,
                overlay: s.overlay.as_deref(),
            })
            .collect()
    }
}

/// Finds every spec for the project at `root`, steered by the environment
/// ([`SpecEnv::from_process`]).
pub fn find_specs(root: &Path) -> Result<BuildSpecs, CodegenError> {
    let locks = SpecLocks::read(&root.join("openapi/spec.lock"))?;
    find_specs_with(root, &SpecEnv::from_process(&locks))
}

/// Finds every spec; one that is nowhere on disk (and that no override
/// names) is downloaded into `openapi/<name>.yaml` unless offline.
pub fn find_specs_with(root: &Path, env: &SpecEnv) -> Result<BuildSpecs, CodegenError> {
    let lock_path = root.join("openapi/spec.lock");
    let locks = SpecLocks::read(&lock_path)?;
    let mut watch = vec![lock_path];
    let mut env_vars: Vec<String> = SPEC_ENV_VARS.iter().map(|v| (*v).to_owned()).collect();
    let mut specs = Vec::new();
    for lock in locks.specs {
        env_vars.push(lock.env_var());
        env_vars.push(lock.url_env_var());
        let env_override = env.override_paths.get(&lock.name).cloned();
        let spec = find_one(root, &lock, env, env_override.as_deref())?;
        let overlay = match &lock.overlay {
            Some(rel) => {
                let path = root.join(rel);
                let text = read_text(&path)?;
                watch.push(path);
                Some(text)
            }
            None => None,
        };
        let candidates = candidate_paths(root, env_override.as_deref(), &lock);
        for p in watch_for(root, &candidates, &spec.path) {
            if !watch.contains(&p) {
                watch.push(p);
            }
        }
        specs.push(BuildSpec {
            lock,
            spec,
            overlay,
        });
    }
    Ok(BuildSpecs {
        specs,
        watch,
        env_vars,
    })
}

fn find_one(
    root: &Path,
    lock: &SpecLock,
    env: &SpecEnv,
    env_override: Option<&Path>,
) -> Result<LocatedSpec, CodegenError> {
    match locate(root, lock, env_override, env.allow_unpinned) {
        Err(CodegenError::SpecMissing { .. }) if !env.offline => {
            let url = env.urls.get(&lock.name).unwrap_or(&lock.url);
            let dest = root.join(lock.local_file());
            crate::spec_download::download(url, &dest, lock)?;
            println!(
                "cargo:warning=downloaded Okta's {} spec {} (sha256 verified) to {}",
                lock.name,
                lock.release,
                dest.display()
            );
            locate(root, lock, env_override, env.allow_unpinned)
        }
        other => other,
    }
}

/// What to watch so that the build reruns when `found` changes or a file
/// appears at a candidate that would be preferred to it. Only existing
/// paths are returned.
pub fn watch_for(root: &Path, candidates: &[PathBuf], found: &Path) -> Vec<PathBuf> {
    let mut watch = vec![found.to_owned()];
    for candidate in candidates.iter().take_while(|c| c.as_path() != found) {
        let Some(folder) = nearest_existing_folder(candidate) else {
            continue;
        };
        // A folder that holds the project would be scanned whole, `target/`
        // included, on every build: watch nothing rather than that.
        if root.starts_with(&folder) {
            continue;
        }
        if !watch.contains(&folder) {
            watch.push(folder);
        }
    }
    watch
}

fn nearest_existing_folder(path: &Path) -> Option<PathBuf> {
    let mut at = path.parent();
    while let Some(dir) = at {
        if dir.is_dir() {
            return Some(dir.to_owned());
        }
        at = dir.parent();
    }
    None
}

/// Prints the `cargo:` lines for `paths` and the specs' variables.
pub fn print_rerun_lines(env_vars: &[String], paths: &[PathBuf]) {
    for var in env_vars {
        println!("cargo:rerun-if-env-changed={var}");
    }
    for p in paths {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

/// Writes `text` to `path` unless the file already holds exactly that.
/// Returns whether it wrote.
pub fn write_if_changed(path: &Path, text: &str) -> Result<bool, CodegenError> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    std::fs::write(path, text).map_err(|e| CodegenError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(true)
}

/// A path cargo gives a build script (`CARGO_MANIFEST_DIR`, `OUT_DIR`).
pub fn cargo_path(name: &str) -> Result<PathBuf, CodegenError> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .ok_or_else(|| CodegenError::BuildEnv { name: name.into() })
}

/// Reads a text input of the build.
pub fn read_text(path: &Path) -> Result<String, CodegenError> {
    std::fs::read_to_string(path).map_err(|e| CodegenError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The build script's entry: runs `body`, and turns an error into a message
/// the user can act on (not a panic backtrace) and exit code 1.
pub fn run_build_script(body: impl FnOnce() -> Result<(), CodegenError>) {
    if let Err(e) = body() {
        eprintln!("\nerror: {e}\n");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mgmt_lock() -> SpecLock {
        SpecLocks::parse(
            "[[spec]]\nname = \"management\"\nrelease = \"1\"\nsha256 = \"x\"\nurl = \"u\"\n",
        )
        .unwrap()
        .specs
        .remove(0)
    }

    fn tempdir(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "okta-mcp-build-support-{tag}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn a_missing_preferred_file_is_watched_through_its_folder() {
        let dir = tempdir("folder");
        let root = dir.join("repo");
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        std::fs::create_dir_all(dir.join("shared/okta-openapi")).unwrap();
        let found = dir.join("shared/okta-openapi/management-1.yaml");
        std::fs::write(&found, "x").unwrap();
        let candidates = candidate_paths(&root, None, &mgmt_lock());
        let watch = watch_for(&root, &candidates, &found);
        assert_eq!(watch, vec![found.clone(), root.join("openapi")]);
        assert!(watch.iter().all(|p| p.exists()), "{watch:?}");
    }

    #[test]
    fn the_first_candidate_needs_no_other_watch() {
        let dir = tempdir("first");
        let root = dir.join("repo");
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        let found = root.join("openapi/management.yaml");
        std::fs::write(&found, "x").unwrap();
        let candidates = candidate_paths(&root, None, &mgmt_lock());
        assert_eq!(watch_for(&root, &candidates, &found), vec![found]);
    }

    #[test]
    fn never_watches_a_folder_that_holds_the_project() {
        let dir = tempdir("holder");
        let root = dir.join("repo");
        // No openapi/ folder: its nearest existing folder is the project
        // itself, which must not be watched.
        std::fs::create_dir_all(&root).unwrap();
        let found = dir.join("elsewhere.yaml");
        std::fs::write(&found, "x").unwrap();
        let candidates = vec![root.join("openapi/management.yaml"), found.clone()];
        assert_eq!(watch_for(&root, &candidates, &found), vec![found]);
    }

    #[test]
    fn writes_only_when_the_content_differs() {
        let dir = tempdir("write");
        let out = dir.join("out.rs");
        assert!(write_if_changed(&out, "a").unwrap());
        let before = std::fs::metadata(&out).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!write_if_changed(&out, "a").unwrap());
        assert_eq!(std::fs::metadata(&out).unwrap().modified().unwrap(), before);
        assert!(write_if_changed(&out, "b").unwrap());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "b");
    }

    /// A project pinning a management spec (with an overlay) and a
    /// governance spec, with the digests of `spec` and `governance`.
    fn project_with(tag: &str, spec: &[u8], governance: &[u8]) -> PathBuf {
        let root = tempdir(tag).join("repo");
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        std::fs::write(
            root.join("openapi/spec.lock"),
            format!(
                "[[spec]]\nname = \"management\"\nrelease = \"2099.01.0\"\nsha256 = \"{}\"\nurl = \"http://127.0.0.1:9/unused.yaml\"\nenv = \"OKTA_OPENAPI_SPEC\"\noverlay = \"openapi/overlay.yaml\"\n\n[[spec]]\nname = \"governance\"\nrelease = \"9.9.9\"\nsha256 = \"{}\"\nurl = \"http://127.0.0.1:9/unused-too.yaml\"\n",
                crate::spec_source::sha256_hex(spec),
                crate::spec_source::sha256_hex(governance),
            ),
        )
        .unwrap();
        std::fs::write(root.join("openapi/overlay.yaml"), "paths: {}\n").unwrap();
        root
    }

    /// As [`project_with`], the governance spec already in place.
    fn project(tag: &str, spec: &[u8]) -> PathBuf {
        let root = project_with(tag, spec, b"governance bytes");
        std::fs::write(root.join("openapi/governance.yaml"), b"governance bytes").unwrap();
        root
    }

    #[test]
    fn a_missing_spec_is_downloaded_verified_and_kept() {
        let spec = b"openapi: 3.0.3\ninfo: {title: t, version: 2099.01.0}\npaths: {}\n".to_vec();
        let base = crate::spec_download::tests::serve(vec![("/spec.yaml", 200, spec.clone())], 1);
        let root = project("download", &spec);
        let env = SpecEnv {
            urls: [("management".to_owned(), format!("{base}/spec.yaml"))].into(),
            ..SpecEnv::default()
        };
        let found = find_specs_with(&root, &env).expect("downloaded");
        assert_eq!(found.specs[0].spec.bytes, spec);
        assert!(
            found.specs[0]
                .spec
                .path
                .ends_with("openapi/management.yaml")
        );
        assert_eq!(found.specs[0].overlay.as_deref(), Some("paths: {}\n"));
        assert_eq!(found.specs[1].overlay, None);
        // Kept: the next build finds it without the network (the server
        // answered its one request and is gone).
        assert!(find_specs_with(&root, &env).is_ok());
    }

    #[test]
    fn offline_fails_with_the_exact_fix_and_fetches_nothing() {
        let root = project("offline", b"x");
        let env = SpecEnv {
            offline: true,
            urls: [(
                "management".to_owned(),
                "http://127.0.0.1:9/never.yaml".to_owned(),
            )]
            .into(),
            ..SpecEnv::default()
        };
        let msg = find_specs_with(&root, &env).unwrap_err().to_string();
        assert!(msg.contains("OKTA_OPENAPI_OFFLINE"), "{msg}");
        assert!(
            msg.contains("curl -fsSL -o openapi/management.yaml"),
            "{msg}"
        );
        assert!(!root.join("openapi/management.yaml").exists());
    }

    #[test]
    fn a_wrong_download_is_refused_and_not_kept() {
        let base =
            crate::spec_download::tests::serve(vec![("/spec.yaml", 200, b"tampered".to_vec())], 1);
        let root = project("tampered", b"the pinned bytes");
        let env = SpecEnv {
            urls: [("management".to_owned(), format!("{base}/spec.yaml"))].into(),
            ..SpecEnv::default()
        };
        let msg = find_specs_with(&root, &env).unwrap_err().to_string();
        assert!(msg.contains("was not kept"), "{msg}");
        assert!(!root.join("openapi/management.yaml").exists());
    }

    #[test]
    fn the_governance_spec_downloads_from_its_own_url_and_is_watched_like_the_other() {
        let management =
            b"openapi: 3.0.3\ninfo: {title: m, version: 2099.01.0}\npaths: {}\n".to_vec();
        let governance = b"openapi: 3.0.3\ninfo: {title: g, version: 9.9.9}\npaths: {}\n".to_vec();
        let base = crate::spec_download::tests::serve(
            vec![("/governance.yaml", 200, governance.clone())],
            1,
        );
        let root = project_with("governance", &management, &governance);
        std::fs::write(root.join("openapi/management.yaml"), &management).unwrap();
        let env = SpecEnv {
            urls: [("governance".to_owned(), format!("{base}/governance.yaml"))].into(),
            ..SpecEnv::default()
        };
        let found = find_specs_with(&root, &env).expect("downloaded");
        assert_eq!(found.specs[1].spec.bytes, governance);
        assert!(root.join("openapi/governance.yaml").is_file());
        // Both spec files, the lock and the overlay are watched; both
        // specs' variables too.
        for p in [
            root.join("openapi/spec.lock"),
            root.join("openapi/overlay.yaml"),
            root.join("openapi/management.yaml"),
            root.join("openapi/governance.yaml"),
        ] {
            assert!(
                found.watch.contains(&p),
                "{} not watched: {:?}",
                p.display(),
                found.watch
            );
        }
        for v in [
            "OKTA_OPENAPI_SPEC",
            "OKTA_OPENAPI_URL",
            "OKTA_GOVERNANCE_SPEC",
            "OKTA_GOVERNANCE_URL",
            "OKTA_OPENAPI_OFFLINE",
            "OKTA_OPENAPI_UNPINNED",
        ] {
            assert!(found.env_vars.iter().any(|e| e == v), "{v} not watched");
        }
        let inputs = found.inputs();
        assert_eq!(
            inputs.iter().map(|i| i.name).collect::<Vec<_>>(),
            ["management", "governance"]
        );
    }

    #[test]
    fn a_governance_override_that_is_absent_names_its_variable() {
        let root = project("gov-override", b"m");
        std::fs::write(root.join("openapi/management.yaml"), b"m").unwrap();
        let env = SpecEnv {
            override_paths: [("governance".to_owned(), root.join("nope.yaml"))].into(),
            ..SpecEnv::default()
        };
        let msg = find_specs_with(&root, &env).unwrap_err().to_string();
        assert!(
            msg.contains("OKTA_GOVERNANCE_SPEC") && msg.contains("nope.yaml"),
            "{msg}"
        );
    }
}
