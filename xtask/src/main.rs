//! Project tasks. `cargo xtask update-spec [<spec>] <release|path> [--dry-run] [--unpinned] [--no-build]`
//! moves one of okta-mcp's specs (`management`, the default, or `governance`)
//! to another release in one command: diff report against the pinned specs,
//! new `openapi/spec.lock` entry, `cargo build`, and the change in tool
//! count and `tools/list` size. See scripts/README.md.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use okta_mcp_codegen::spec_diff::{diff, operations_of, tools_list_bytes};
use okta_mcp_codegen::spec_download::get;
use okta_mcp_codegen::spec_source::{SpecLock, SpecLocks, locate, sha256_hex};
use okta_mcp_codegen::spec_upstream::Hosts;
use okta_mcp_codegen::{Generated, Inputs, SpecInput, generate, scope_map::ScopeMap};

const USAGE: &str =
    "usage: cargo xtask update-spec [<spec>] <release|path> [--dry-run] [--unpinned] [--no-build]

  <spec>      which spec of openapi/spec.lock: management (the default) or governance
  <release>   e.g. 2025.11.0 or 3.2.0: ../shared/okta-openapi/<spec>-<release>.yaml, else
              downloaded (curl) from the spec's upstream repository: the newest commit of
              its branch that has the release's file, found through GitHub's API
              (OKTA_SPEC_GITHUB_API / OKTA_SPEC_GITHUB_RAW point elsewhere)
  <path>      any file of that spec
  --dry-run   print the diff and the tool changes; write nothing, build nothing
  --unpinned  leave openapi/spec.lock alone; build with the spec's variable (OKTA_OPENAPI_SPEC,
              OKTA_GOVERNANCE_SPEC) set to the file and OKTA_OPENAPI_UNPINNED=1
  --no-build  update the lock but skip `cargo build`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("update-spec") => match update_spec(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

struct Opts {
    /// The spec named first, if any (checked against the lock later).
    words: Vec<String>,
    dry_run: bool,
    unpinned: bool,
    build: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        words: Vec::new(),
        dry_run: false,
        unpinned: false,
        build: true,
    };
    for a in args {
        match a.as_str() {
            "--dry-run" => o.dry_run = true,
            "--unpinned" => o.unpinned = true,
            "--no-build" => o.build = false,
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            s if o.words.len() < 2 => o.words.push(s.to_owned()),
            s => return Err(format!("unexpected argument {s}\n{USAGE}")),
        }
    }
    if o.words.is_empty() {
        return Err(USAGE.into());
    }
    Ok(o)
}

/// The spec and the target: `[<spec>] <release|path>`, the spec defaulting
/// to the lock's first.
fn spec_and_target<'a>(
    locks: &'a SpecLocks,
    words: &'a [String],
) -> Result<(&'a SpecLock, &'a str), String> {
    match words {
        [target] => Ok((&locks.specs[0], target)),
        [spec, target] => locks
            .get(spec)
            .map(|l| (l, target.as_str()))
            .ok_or_else(|| {
                format!(
                    "openapi/spec.lock pins no spec `{spec}` (it pins {})",
                    locks.names().join(", ")
                )
            }),
        _ => Err(USAGE.into()),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// GitHub's hosts, or the ones the environment names (mirrors, tests).
fn hosts() -> Hosts {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let default = Hosts::default();
    Hosts {
        api: set("OKTA_SPEC_GITHUB_API").unwrap_or(default.api),
        raw: set("OKTA_SPEC_GITHUB_RAW").unwrap_or(default.raw),
    }
}

fn looks_like_release(target: &str) -> bool {
    target.contains('.') && target.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The commit-pinned address of `release` upstream.
fn upstream_url(lock: &SpecLock, release: &str) -> Result<String, String> {
    let upstream = lock.upstream.as_ref().ok_or_else(|| {
        format!(
            "openapi/spec.lock gives the {} spec no `upstream`, so other releases cannot be found; pass a path",
            lock.name
        )
    })?;
    upstream
        .resolve(release, &hosts(), get)
        .map_err(|e| e.to_string())
}

/// The address the lock gives a release found on disk: commit-pinned when
/// GitHub answers; else (offline) the file on the upstream branch, which the
/// build still verifies by sha256, with a warning to pin it later.
fn lock_url_offline_or_not(lock: &SpecLock, release: &str) -> Result<String, String> {
    match upstream_url(lock, release) {
        Ok(url) => Ok(url),
        Err(e) => {
            let upstream = lock.upstream.as_ref().ok_or_else(|| {
                format!("the lock needs the address the build downloads release {release} from, and {e}; nothing was written")
            })?;
            let url = upstream.raw_url(&upstream.branch, release, &hosts());
            eprintln!(
                "warning: {e}\nthe lock's url follows branch {} instead of a commit ({url}); the build still checks its sha256. Run update-spec again online to pin it.",
                upstream.branch
            );
            Ok(url)
        }
    }
}

/// The new spec: an existing path, the shared copy of a release, or a
/// download of that release into `openapi/<spec>-<release>.yaml`. Returns
/// the file and, when downloaded, the commit-pinned address it came from.
fn resolve(
    root: &Path,
    lock: &SpecLock,
    target: &str,
) -> Result<(PathBuf, Option<String>), String> {
    let as_path = PathBuf::from(target);
    if as_path.is_file() {
        return Ok((as_path, None));
    }
    if !looks_like_release(target) {
        return Err(format!(
            "{target} is neither a file nor a release name like {}",
            lock.release
        ));
    }
    let shared = root
        .parent()
        .map(|p| p.join("shared/okta-openapi").join(lock.shared_file(target)));
    if let Some(p) = shared.filter(|p| p.is_file()) {
        return Ok((p, None));
    }
    let url = upstream_url(lock, target)
        .map_err(|e| format!("release {target} is not in ../shared/okta-openapi/, and {e}"))?;
    eprintln!("downloading {url}");
    let bytes =
        get(&url).map_err(|e| format!("downloading {url} failed: {e}; pass a path instead"))?;
    let version = spec_release(&bytes)?;
    if version != target {
        return Err(format!(
            "the newest {} spec upstream ({url}) is release {version}, not {target}; run `cargo xtask update-spec {} {version}`, or pass the path of the file you want",
            lock.name, lock.name
        ));
    }
    let dest = root.join(format!("openapi/{}", lock.shared_file(target)));
    std::fs::write(&dest, &bytes).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    Ok((dest, Some(url)))
}

fn spec_release(yaml: &[u8]) -> Result<String, String> {
    let spec = okta_mcp_codegen::parse_spec(yaml).map_err(|e| e.to_string())?;
    spec.pointer("/info/version")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "the spec has no info.version".into())
}

/// Rewrites `release`, `sha256` and `url` of the `[[spec]]` entry named
/// `new.name` in `openapi/spec.lock`, keeping everything else (comments,
/// the other specs) as it is.
fn write_lock(path: &Path, text: &str, new: &SpecLock) -> Result<(), String> {
    std::fs::write(path, rewrite_lock(text, new)?)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn rewrite_lock(text: &str, new: &SpecLock) -> Result<String, String> {
    // Split into blocks, each starting at a `[[spec]]` line.
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        if line.trim() == "[[spec]]" {
            blocks.push(Vec::new());
        }
        blocks.last_mut().expect("one block at least").push(line);
    }
    let key = |line: &str| line.split('=').next().unwrap_or("").trim().to_owned();
    let is_ours = |block: &Vec<&str>| {
        block.iter().any(|l| {
            key(l) == "name"
                && l.split_once('=').map(|(_, v)| v.trim().trim_matches('"'))
                    == Some(new.name.as_str())
        })
    };
    if !blocks.iter().any(is_ours) {
        return Err(format!(
            "openapi/spec.lock has no [[spec]] named {}",
            new.name
        ));
    }
    let mut out = String::new();
    for block in &blocks {
        let ours = is_ours(block);
        for line in block {
            let value = match key(line).as_str() {
                _ if !ours || line.trim_start().starts_with('#') => None,
                "release" => Some(&new.release),
                "sha256" => Some(&new.sha256),
                "url" => Some(&new.url),
                _ => None,
            };
            match value {
                Some(v) => out.push_str(&format!("{} = {v:?}\n", key(line))),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    Ok(out)
}

struct Sizes {
    tools: usize,
    curated: usize,
    all_bytes: usize,
    curated_bytes: usize,
}

fn sizes(g: &Generated) -> Sizes {
    Sizes {
        tools: g.tools.len(),
        curated: g.tools.iter().filter(|t| t.curated).count(),
        all_bytes: tools_list_bytes(&g.tools),
        curated_bytes: tools_list_bytes(g.tools.iter().filter(|t| t.curated)),
    }
}

fn change(old: usize, new: usize) -> String {
    format!("{old} → {new} ({:+})", new as i64 - old as i64)
}

fn update_spec(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let root = root();
    let lock_path = root.join("openapi/spec.lock");
    let lock_text = read(&lock_path)?;
    let locks = SpecLocks::read(&lock_path).map_err(|e| e.to_string())?;
    let (lock, target) = spec_and_target(&locks, &o.words)?;
    let map_text = read(&root.join("scope-map.toml"))?;
    let map = ScopeMap::parse(&map_text).map_err(|e| e.to_string())?;

    // Every pinned spec, with its overlay: the diff and the tool tables are
    // of the whole build, so the other spec's curated tools still count.
    let mut pinned = Vec::new();
    for l in &locks.specs {
        let found = locate(&root, l, None, false).map_err(|e| e.to_string())?;
        let overlay = match &l.overlay {
            Some(rel) => Some(read(&root.join(rel))?),
            None => None,
        };
        pinned.push((l.name.clone(), found, overlay));
    }
    let old_spec = &pinned
        .iter()
        .find(|(n, _, _)| *n == lock.name)
        .expect("every lock entry was located")
        .1;
    let (new_path, resolved_url) = resolve(&root, lock, target)?;
    let new_bytes =
        std::fs::read(&new_path).map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let new_release = spec_release(&new_bytes)?;
    let new_sha = sha256_hex(&new_bytes);
    eprintln!(
        "{} spec\npinned: {} ({})\nnew:    {} ({}, sha256 {new_sha})",
        lock.name,
        lock.release,
        old_spec.path.display(),
        new_release,
        new_path.display()
    );

    let inputs = |replace: bool| -> Vec<SpecInput<'_>> {
        pinned
            .iter()
            .map(|(name, found, overlay)| SpecInput {
                name,
                yaml: if replace && *name == lock.name {
                    &new_bytes
                } else {
                    &found.bytes
                },
                overlay: overlay.as_deref(),
            })
            .collect()
    };
    let (old_inputs, new_inputs) = (inputs(false), inputs(true));
    let old_ops = operations_of(&old_inputs).map_err(|e| e.to_string())?;
    let new_ops = operations_of(&new_inputs).map_err(|e| e.to_string())?;
    let d = diff(&old_ops, &new_ops, &map);
    println!("{}", d.to_markdown());

    eprintln!("generating both tool tables…");
    let gen_of = |specs: &[SpecInput]| {
        generate(&Inputs {
            specs,
            scope_map_toml: &map_text,
        })
    };
    let old_gen = gen_of(&old_inputs).map_err(|e| format!("the pinned specs: {e}"))?;
    let new_gen = match gen_of(&new_inputs) {
        Ok(g) => g,
        Err(e) => {
            return Err(format!(
                "the new spec does not generate, so the lock was left alone:\n{e}"
            ));
        }
    };
    let (a, b) = (sizes(&old_gen), sizes(&new_gen));
    println!("## Tools and tools/list size\n");
    println!(
        "| | {} {} → {} |\n| --- | --- |",
        lock.name, lock.release, new_release
    );
    println!("| tools (OKTA_TOOLS=all) | {} |", change(a.tools, b.tools));
    println!(
        "| curated tools (default set) | {} |",
        change(a.curated, b.curated)
    );
    println!(
        "| tools/list bytes, all | {} |",
        change(a.all_bytes, b.all_bytes)
    );
    println!(
        "| tools/list bytes, curated | {} |",
        change(a.curated_bytes, b.curated_bytes)
    );
    println!(
        "| ~tokens (bytes/4), all | {} |",
        change(a.all_bytes / 4, b.all_bytes / 4)
    );

    if o.dry_run {
        eprintln!("--dry-run: nothing written, nothing built");
        return Ok(());
    }
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.current_dir(&root).args(["build", "-p", "okta-mcp"]);
    if o.unpinned {
        build
            .env(lock.env_var(), &new_path)
            .env("OKTA_OPENAPI_UNPINNED", "1");
        eprintln!("--unpinned: openapi/spec.lock left at {}", lock.release);
    } else {
        let url = match resolved_url {
            Some(url) => url,
            None if new_release == lock.release => lock.url.clone(),
            None => lock_url_offline_or_not(lock, &new_release)?,
        };
        let new_lock = SpecLock {
            url,
            release: new_release.clone(),
            sha256: new_sha,
            ..lock.clone()
        };
        // build.rs looks in openapi/<spec>.yaml before the shared copy of
        // the pinned release, so the spec must be where it will be found.
        let shared = root.parent().map(|p| {
            p.join("shared/okta-openapi")
                .join(lock.shared_file(&new_release))
        });
        let local = root.join(lock.local_file());
        let same_as_shared = shared
            .as_ref()
            .is_some_and(|s| std::fs::read(s).is_ok_and(|b| b == new_bytes));
        if !same_as_shared || local.is_file() {
            std::fs::write(&local, &new_bytes)
                .map_err(|e| format!("cannot write {}: {e}", local.display()))?;
            eprintln!("copied the spec to {} (gitignored)", local.display());
        }
        write_lock(&lock_path, &lock_text, &new_lock)?;
        eprintln!(
            "openapi/spec.lock: {} {} → {} ({})",
            lock.name, lock.release, new_lock.release, new_lock.url
        );
    }
    if !o.build {
        return Ok(());
    }
    eprintln!("cargo build -p okta-mcp …");
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build failed (see above)".into());
    }
    println!(
        "\nbuilt okta-mcp from {} {new_release}: {} tools ({:+}), tools/list {} bytes all / {} curated",
        lock.name,
        b.tools,
        b.tools as i64 - a.tools as i64,
        b.all_bytes,
        b.curated_bytes
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "# keep me\n[[spec]]\nname = \"management\"\nrelease = \"2026.06.3\"\nsha256 = \"aa\"\nurl = \"https://x/c1/dist/2026.06.3/management-minimal.yaml\"\nenv = \"OKTA_OPENAPI_SPEC\"\n\n[[spec]]\nname = \"governance\"\n# the SDK's file\nrelease = \"3.2.0\"\nsha256 = \"bb\"\nurl = \"https://y/c2/gov.yaml\"\n";

    #[test]
    fn lock_rewrite_touches_only_the_named_spec_and_keeps_comments() {
        let locks = SpecLocks::parse(LOCK).unwrap();
        let new = SpecLock {
            release: "3.3.0".into(),
            sha256: "cc".into(),
            url: "https://y/c3/gov.yaml".into(),
            ..locks.get("governance").unwrap().clone()
        };
        let text = rewrite_lock(LOCK, &new).unwrap();
        assert!(text.starts_with("# keep me\n") && text.contains("# the SDK's file\n"));
        let back = SpecLocks::parse(&text).unwrap();
        assert_eq!(back.get("governance"), Some(&new));
        assert_eq!(
            back.get("management"),
            locks.get("management"),
            "the other spec is untouched"
        );
        let other = SpecLock {
            name: "nope".into(),
            ..new
        };
        assert!(rewrite_lock(LOCK, &other).unwrap_err().contains("nope"));
    }

    #[test]
    fn options_and_the_spec_name_parse() {
        let o = parse(&["2025.11.0".into(), "--dry-run".into()]).unwrap();
        assert!(o.dry_run && !o.unpinned && o.build && o.words == ["2025.11.0"]);
        assert!(parse(&[]).is_err());
        assert!(parse(&["a".into(), "b".into(), "c".into()]).is_err());
        let locks = SpecLocks::parse(LOCK).unwrap();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let w = words(&["2025.11.0"]);
        let (l, t) = spec_and_target(&locks, &w).unwrap();
        assert_eq!((l.name.as_str(), t), ("management", "2025.11.0"));
        let w = words(&["governance", "3.3.0"]);
        let (l, t) = spec_and_target(&locks, &w).unwrap();
        assert_eq!((l.name.as_str(), t), ("governance", "3.3.0"));
        let w = words(&["identity", "1.0"]);
        assert!(
            spec_and_target(&locks, &w)
                .unwrap_err()
                .contains("identity")
        );
        assert!(looks_like_release("3.2.0") && !looks_like_release("./x.yaml"));
    }
}
