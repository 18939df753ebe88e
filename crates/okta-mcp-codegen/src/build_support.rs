//! What okta-mcp's two build scripts share: finding the pinned spec, telling
//! cargo exactly which paths to watch, and writing outputs only when their
//! content changed.
//!
//! Cargo reruns a build script when a watched path changes, and treats a
//! watched path that does not exist as always changed. So we never watch a
//! missing file: for each place that would win the search over the spec we
//! found, we watch the nearest folder that exists (a new file there changes
//! its listing), and never a folder that holds the project itself (that
//! would scan `target/` on every build). Outputs that are rewritten with the
//! same bytes keep their mtime, so nothing downstream recompiles.

use std::path::{Path, PathBuf};

use crate::CodegenError;
use crate::spec_source::{LocatedSpec, SpecLock, candidate_paths, locate};

/// Environment variables that change which spec is read.
pub const SPEC_ENV_VARS: [&str; 4] = [
    "OKTA_OPENAPI_SPEC",
    "OKTA_OPENAPI_UNPINNED",
    "OKTA_OPENAPI_OFFLINE",
    "OKTA_OPENAPI_URL",
];

/// How the environment steers the search.
#[derive(Debug, Clone, Default)]
pub struct SpecEnv {
    /// `OKTA_OPENAPI_SPEC`: this file and no other.
    pub override_path: Option<PathBuf>,
    /// `OKTA_OPENAPI_UNPINNED=1`: accept a digest other than the lock's.
    pub allow_unpinned: bool,
    /// `OKTA_OPENAPI_OFFLINE=1`: never download.
    pub offline: bool,
    /// `OKTA_OPENAPI_URL`: download from here instead of the lock's URL
    /// (a mirror, or a local server in tests); the digest is still the lock's.
    pub url: Option<String>,
}

impl SpecEnv {
    pub fn from_process() -> Self {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let yes =
            |name: &str| set(name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        Self {
            override_path: set("OKTA_OPENAPI_SPEC").map(PathBuf::from),
            allow_unpinned: yes("OKTA_OPENAPI_UNPINNED"),
            offline: yes("OKTA_OPENAPI_OFFLINE"),
            url: set("OKTA_OPENAPI_URL"),
        }
    }
}

/// The pinned spec as a build script reads it.
#[derive(Debug)]
pub struct BuildSpec {
    pub lock: SpecLock,
    pub spec: LocatedSpec,
    /// The overlay's text (undocumented operations Okta serves).
    pub overlay: String,
    /// Every path whose change must rerun the build script.
    pub watch: Vec<PathBuf>,
}

/// Finds the spec for the project at `root`, steered by the environment
/// ([`SpecEnv::from_process`]).
pub fn find_spec(root: &Path) -> Result<BuildSpec, CodegenError> {
    find_spec_with(root, &SpecEnv::from_process())
}

/// Finds the spec; when it is nowhere on disk (and no override names a
/// file), downloads the pinned one into `openapi/` unless offline.
pub fn find_spec_with(root: &Path, env: &SpecEnv) -> Result<BuildSpec, CodegenError> {
    let lock_path = root.join("openapi/spec.lock");
    let overlay_path = root.join("openapi/overlay.yaml");
    let lock = SpecLock::read(&lock_path)?;
    let env_override = env.override_path.clone();
    let allow_unpinned = env.allow_unpinned;
    let spec = match locate(root, &lock, env_override.as_deref(), allow_unpinned) {
        Err(CodegenError::SpecMissing { .. }) if !env.offline => {
            let url = env.url.clone().unwrap_or_else(|| lock.url.clone());
            let dest = root.join("openapi").join("management.yaml");
            crate::spec_download::download(&url, &dest, &lock.sha256)?;
            println!(
                "cargo:warning=downloaded Okta's spec {} (sha256 verified) to {}",
                lock.release,
                dest.display()
            );
            locate(root, &lock, env_override.as_deref(), allow_unpinned)?
        }
        other => other?,
    };
    let overlay = std::fs::read_to_string(&overlay_path).map_err(|e| CodegenError::Io {
        path: overlay_path.clone(),
        message: e.to_string(),
    })?;
    let candidates = candidate_paths(root, env_override.as_deref(), &lock.release);
    let mut watch = vec![lock_path, overlay_path];
    watch.extend(watch_for(root, &candidates, &spec.path));
    Ok(BuildSpec {
        lock,
        spec,
        overlay,
        watch,
    })
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

/// Prints the `cargo:` lines for `paths` and the spec's environment.
pub fn print_rerun_lines(paths: &[PathBuf]) {
    for var in SPEC_ENV_VARS {
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
        let candidates = candidate_paths(&root, None, "1");
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
        let candidates = candidate_paths(&root, None, "1");
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

    fn project(tag: &str, spec: &[u8]) -> PathBuf {
        let root = tempdir(tag).join("repo");
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        std::fs::write(
            root.join("openapi/spec.lock"),
            format!(
                "release = \"2099.01.0\"\nsha256 = \"{}\"\nurl = \"http://127.0.0.1:9/unused.yaml\"\n",
                crate::spec_source::sha256_hex(spec)
            ),
        )
        .unwrap();
        std::fs::write(root.join("openapi/overlay.yaml"), "paths: {}\n").unwrap();
        root
    }

    #[test]
    fn a_missing_spec_is_downloaded_verified_and_kept() {
        let spec = b"openapi: 3.0.3\ninfo: {title: t, version: 2099.01.0}\npaths: {}\n".to_vec();
        let base = crate::spec_download::tests::serve(vec![("/spec.yaml", 200, spec.clone())], 1);
        let root = project("download", &spec);
        let env = SpecEnv {
            url: Some(format!("{base}/spec.yaml")),
            ..SpecEnv::default()
        };
        let found = find_spec_with(&root, &env).expect("downloaded");
        assert_eq!(found.spec.bytes, spec);
        assert!(found.spec.path.ends_with("openapi/management.yaml"));
        // Kept: the next build finds it without the network (the server
        // answered its one request and is gone).
        assert!(find_spec_with(&root, &env).is_ok());
    }

    #[test]
    fn offline_fails_with_the_exact_fix_and_fetches_nothing() {
        let root = project("offline", b"x");
        let env = SpecEnv {
            offline: true,
            url: Some("http://127.0.0.1:9/never.yaml".into()),
            ..SpecEnv::default()
        };
        let msg = find_spec_with(&root, &env).unwrap_err().to_string();
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
            url: Some(format!("{base}/spec.yaml")),
            ..SpecEnv::default()
        };
        let msg = find_spec_with(&root, &env).unwrap_err().to_string();
        assert!(msg.contains("was not kept"), "{msg}");
        assert!(!root.join("openapi/management.yaml").exists());
    }
}
