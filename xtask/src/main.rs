//! Project tasks. `cargo xtask update-spec <release|path> [--dry-run] [--unpinned] [--no-build]`
//! moves okta-mcp to another Okta Management API release in one command:
//! diff report against the pinned spec, new `openapi/spec.lock`, `cargo build`,
//! and the change in tool count and `tools/list` size. See scripts/README.md.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use okta_mcp_codegen::spec_diff::{diff, operations_of, tools_list_bytes};
use okta_mcp_codegen::spec_source::{SpecLock, locate, sha256_hex};
use okta_mcp_codegen::{Generated, Inputs, generate, scope_map::ScopeMap};

const USAGE: &str =
    "usage: cargo xtask update-spec <release|path> [--dry-run] [--unpinned] [--no-build]

  <release>   e.g. 2025.11.0: ../shared/okta-openapi/management-<release>.yaml, else
              downloaded (curl) from the lock's upstream URL with the release swapped in
  <path>      any management-minimal.yaml
  --dry-run   print the diff and the tool changes; write nothing, build nothing
  --unpinned  leave openapi/spec.lock alone; build with OKTA_OPENAPI_SPEC=<spec>
              OKTA_OPENAPI_UNPINNED=1 (try a release without moving the pin)
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
    target: String,
    dry_run: bool,
    unpinned: bool,
    build: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        target: String::new(),
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
            s if o.target.is_empty() => o.target = s.to_owned(),
            s => return Err(format!("unexpected argument {s}\n{USAGE}")),
        }
    }
    if o.target.is_empty() {
        return Err(USAGE.into());
    }
    Ok(o)
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

/// The lock's URL with its `/dist/<release>/` swapped for another release.
fn release_url(lock: &SpecLock, release: &str) -> String {
    lock.url
        .replace(&format!("/{}/", lock.release), &format!("/{release}/"))
}

/// Finds the new spec: an existing path, the shared copy of a release, or a
/// download of that release into `openapi/`.
fn resolve(root: &Path, lock: &SpecLock, target: &str) -> Result<PathBuf, String> {
    let as_path = PathBuf::from(target);
    if as_path.is_file() {
        return Ok(as_path);
    }
    let looks_like_release =
        target.chars().all(|c| c.is_ascii_digit() || c == '.') && target.contains('.');
    if !looks_like_release {
        return Err(format!(
            "{target} is neither a file nor a release name like 2026.06.3"
        ));
    }
    let shared = root
        .parent()
        .map(|p| p.join(format!("shared/okta-openapi/management-{target}.yaml")));
    if let Some(p) = shared.filter(|p| p.is_file()) {
        return Ok(p);
    }
    let url = release_url(lock, target);
    let dest = root.join(format!("openapi/management-{target}.yaml"));
    eprintln!("downloading {url}");
    let ok = Command::new("curl")
        .args(["-fsSL", "--max-time", "120", "-o"])
        .arg(&dest)
        .arg(&url)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(dest)
    } else {
        let _ = std::fs::remove_file(&dest);
        Err(format!(
            "release {target}: not in ../shared/okta-openapi/ and the download of {url} failed; pass a path instead"
        ))
    }
}

fn spec_release(yaml: &[u8]) -> Result<String, String> {
    let spec = okta_mcp_codegen::parse_spec(yaml).map_err(|e| e.to_string())?;
    spec.pointer("/info/version")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "the spec has no info.version".into())
}

/// Rewrites the three keys of `openapi/spec.lock`, keeping its comments.
fn write_lock(path: &Path, text: &str, new: &SpecLock) -> Result<(), String> {
    let mut out = String::new();
    for line in text.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let value = match key {
            "release" => Some(&new.release),
            "sha256" => Some(&new.sha256),
            "url" => Some(&new.url),
            _ => None,
        };
        match value {
            Some(v) if !line.trim_start().starts_with('#') => {
                out.push_str(&format!("{key} = {v:?}\n"))
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    std::fs::write(path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
    let lock = SpecLock::read(&lock_path).map_err(|e| e.to_string())?;
    let overlay = read(&root.join("openapi/overlay.yaml"))?;
    let map_text = read(&root.join("scope-map.toml"))?;
    let map = ScopeMap::parse(&map_text).map_err(|e| e.to_string())?;

    let pinned = locate(&root, &lock, None, false).map_err(|e| e.to_string())?;
    let new_path = resolve(&root, &lock, &o.target)?;
    let new_bytes =
        std::fs::read(&new_path).map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let new_release = spec_release(&new_bytes)?;
    let new_sha = sha256_hex(&new_bytes);
    eprintln!(
        "pinned: {} ({})\nnew:    {} ({}, sha256 {new_sha})",
        lock.release,
        pinned.path.display(),
        new_release,
        new_path.display()
    );

    let old_ops = operations_of(&pinned.bytes, Some(&overlay)).map_err(|e| e.to_string())?;
    let new_ops = operations_of(&new_bytes, Some(&overlay)).map_err(|e| e.to_string())?;
    let d = diff(&old_ops, &new_ops, &map);
    println!("{}", d.to_markdown());

    eprintln!("generating both tool tables…");
    let gen_of = |bytes: &[u8]| {
        generate(&Inputs {
            spec_yaml: bytes,
            overlay_yaml: Some(&overlay),
            scope_map_toml: &map_text,
        })
    };
    let old_gen = gen_of(&pinned.bytes).map_err(|e| format!("the pinned spec: {e}"))?;
    let new_gen = match gen_of(&new_bytes) {
        Ok(g) => g,
        Err(e) => {
            return Err(format!(
                "the new spec does not generate, so the lock was left alone:\n{e}"
            ));
        }
    };
    let (a, b) = (sizes(&old_gen), sizes(&new_gen));
    println!("## Tools and tools/list size\n");
    println!("| | {} → {} |\n| --- | --- |", lock.release, new_release);
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
            .env("OKTA_OPENAPI_SPEC", &new_path)
            .env("OKTA_OPENAPI_UNPINNED", "1");
        eprintln!("--unpinned: openapi/spec.lock left at {}", lock.release);
    } else {
        let new_lock = SpecLock {
            url: release_url(&lock, &new_release),
            release: new_release.clone(),
            sha256: new_sha,
        };
        // build.rs looks in openapi/management.yaml before the shared copy of
        // the pinned release, so the spec must be where it will be found.
        let shared = root
            .parent()
            .map(|p| p.join(format!("shared/okta-openapi/management-{new_release}.yaml")));
        let local = root.join("openapi/management.yaml");
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
            "openapi/spec.lock: {} → {} ({})",
            lock.release, new_lock.release, new_lock.url
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
        "\nbuilt okta-mcp from {new_release}: {} tools ({:+}), tools/list {} bytes all / {} curated",
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

    #[test]
    fn lock_rewrite_keeps_comments_and_swaps_the_release_in_the_url() {
        let text = "# keep me\nrelease = \"2026.06.3\"\nsha256 = \"aa\"\nurl = \"https://x/dist/2026.06.3/management-minimal.yaml\"\n";
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("spec.lock");
        std::fs::write(&path, text).unwrap();
        let lock = SpecLock::read(&path).unwrap();
        let new = SpecLock {
            url: release_url(&lock, "2025.11.0"),
            release: "2025.11.0".into(),
            sha256: "bb".into(),
        };
        write_lock(&path, text, &new).unwrap();
        let back = std::fs::read_to_string(&path).unwrap();
        assert!(back.starts_with("# keep me\n"));
        assert_eq!(SpecLock::read(&path).unwrap(), new);
        assert!(new.url.contains("/dist/2025.11.0/"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn options_parse() {
        let o = parse(&["2025.11.0".into(), "--dry-run".into()]).unwrap();
        assert!(o.dry_run && !o.unpinned && o.build && o.target == "2025.11.0");
        assert!(parse(&[]).is_err());
        assert!(parse(&["a".into(), "b".into()]).is_err());
    }
}
