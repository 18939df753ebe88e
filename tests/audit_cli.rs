//! `okta-mcp audit` against a crafted audit file, through the real binary:
//! `--since` keeps recent entries and drops old ones, `--json` prints JSON
//! lines, and a missing file or `OKTA_AUDIT_LOG=off` is a note, not an error.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use okta_mcp::audit::{AuditEntry, ConfirmedBy, Outcome};

/// Runs `okta-mcp audit <args>` with only `OKTA_AUDIT_LOG` configured.
fn audit(setting: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_okta-mcp"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("OKTA_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("OKTA_AUDIT_LOG", setting)
        .env("RUST_LOG", "off")
        .arg("audit")
        .args(args)
        .output()
        .expect("run okta-mcp audit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn entry(tool: &str, age: Duration, outcome: Outcome) -> AuditEntry {
    let mut e = AuditEntry::new(tool, outcome);
    e.time = okta_mcp::time_window::rfc3339(SystemTime::now() - age);
    e.org = "https://example.okta.com".into();
    e.method = "DELETE".into();
    e.path = format!("/api/v1/groups/00g{tool}");
    e.class = "destructive".into();
    e.status = Some(204);
    e.confirmed_by = Some(ConfirmedBy::Elicitation);
    e.shown = vec![format!("Group {tool}")];
    e
}

/// Writes an old entry (3 hours ago), a malformed line and a recent one
/// (10 minutes ago).
fn crafted(path: &Path) {
    let old = entry("oldtool", Duration::from_secs(3 * 3600), Outcome::Sent);
    let recent = entry("recenttool", Duration::from_secs(600), Outcome::Sent);
    let text = format!(
        "{}\n{{not json\n{}\n",
        serde_json::to_string(&old).unwrap(),
        serde_json::to_string(&recent).unwrap()
    );
    std::fs::write(path, text).unwrap();
}

#[test]
fn since_shows_the_recent_entry_and_not_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    crafted(&path);
    let setting = path.to_str().unwrap();
    for since in [["--since", "1h"], ["--since", "-1h"]] {
        let out = audit(setting, &since);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        assert!(stdout.contains("recenttool"), "{stdout}");
        assert!(
            stdout.contains("DELETE /api/v1/groups/00grecenttool"),
            "{stdout}"
        );
        assert!(stdout.contains("204"), "{stdout}");
        assert!(stdout.contains("Group recenttool"), "{stdout}");
        assert!(!stdout.contains("oldtool"), "{stdout}");
    }
    let all = audit(setting, &[]);
    let stdout = text(&all.stdout);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("oldtool") && lines[1].contains("recenttool"));
    assert!(
        text(&all.stderr).contains("skipped 1 line"),
        "{}",
        text(&all.stderr)
    );
}

#[test]
fn json_prints_valid_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    crafted(&path);
    let out = audit(path.to_str().unwrap(), &["--json", "--since", "24h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let entries: Vec<AuditEntry> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let tools: Vec<_> = entries.iter().map(|e| e.tool.as_str()).collect();
    assert_eq!(tools, ["oldtool", "recenttool"]);
    assert_eq!(entries[1].confirmed_by, Some(ConfirmedBy::Elicitation));
}

#[test]
fn missing_file_off_and_bad_since() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing-yet").join("audit.jsonl");
    let out = audit(path.to_str().unwrap(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("no audit log at"),
        "{}",
        text(&out.stderr)
    );
    assert!(!path.exists(), "reading must not create the log");

    let out = audit("off", &[]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("auditing is off"),
        "{}",
        text(&out.stderr)
    );

    crafted(&dir.path().join("a.jsonl"));
    let out = audit(
        dir.path().join("a.jsonl").to_str().unwrap(),
        &["--since", "yesterday"],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("30m, 24h, 7d"),
        "{}",
        text(&out.stderr)
    );
}
