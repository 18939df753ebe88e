//! `okta-mcp doctor` through the real binary against the fake Okta: all
//! checks pass on a good setup, and each failure it names shows with its fix
//! and a non-zero exit code.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use serde_json::Value;
use support::*;

/// Runs `okta-mcp doctor [extra]` with a clean environment plus `env`.
fn doctor(env: &[(&str, &str)], extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_okta-mcp"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("OKTA_NO_BROWSER", "1")
        .env("OKTA_AUDIT_LOG", "off")
        .envs(env.iter().copied())
        .arg("doctor")
        .args(extra)
        .output()
        .expect("doctor runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_setup_passes_every_check() {
    let fake = fake_org().await;
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read okta.groups.read"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    line(&out, "ok    configuration");
    line(&out, "ok    org:");
    assert!(line(&out, "ok    token").contains("SSWS"), "{out}");
    line(&out, "ok    read okta.users.read");
    line(&out, "ok    read okta.groups.read");
    assert!(
        line(&out, "ok    rate limits").contains("requests left"),
        "{out}"
    );
    assert!(!out.contains(TOKEN), "the token is never printed");
    let (code, json) = doctor(
        &[
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read"),
        ],
        &["--json"],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&json).expect("--json is JSON");
    assert_eq!(v["passed"], true);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_problems_are_named() {
    let fake = fake_org().await;
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read"),
            ("OKTA_TOOLSETS", "users,nosuchset"),
            ("OKTA_EXCLUDE_TOOLS", "delete_everything"),
            ("OKTA_READ_ONLY", "maybe"),
        ],
        &[],
    );
    assert_ne!(code, 0);
    let l = line(&out, "FAIL  configuration");
    assert!(l.contains("`nosuchset`"), "{l}");
    assert!(l.contains("`delete_everything`"), "{l}");
    assert!(l.contains("OKTA_READ_ONLY is `maybe`"), "{l}");
}

#[test]
fn an_unreachable_org_and_a_url_that_is_no_org() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", &closed),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read"),
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(line(&out, "FAIL  org").contains("cannot reach"), "{out}");
    assert!(out.contains("fix: check the network"), "{out}");
    line(&out, "skip  token");
    line(&out, "skip  rate limits");

    // Something answers, but not as an Okta org.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in listener.incoming().take(2) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", &url),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read"),
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(
        line(&out, "FAIL  org").contains("not an Okta org URL"),
        "{out}"
    );
    assert!(out.contains("fix: set OKTA_ORG_URL"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_admin_role_and_a_rejected_token() {
    let fake = fake_org().await;
    fake.add_fault(
        Fault::any_method("/api/v1/groups")
            .kind(FaultKind::Forbidden)
            .always(),
    );
    let env = |token: &'static str| {
        vec![
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_API_TOKEN", token),
            ("OKTA_SCOPES", "okta.users.read okta.groups.read"),
        ]
    };
    let (code, out) = doctor(&env(TOKEN), &[]);
    assert_ne!(code, 0);
    line(&out, "ok    read okta.users.read");
    assert!(
        line(&out, "FAIL  read okta.groups.read").contains("E0000006"),
        "{out}"
    );
    assert!(out.contains("fix: assign an admin role"), "{out}");

    let (code, out) = doctor(&env("not-the-token"), &[]);
    assert_ne!(code, 0);
    assert!(
        line(&out, "FAIL  read okta.users.read").contains("401"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_rate_limit_fails_the_headroom_check() {
    let fake = FakeOkta::builder()
        .users(5)
        .accept_token(Credential::Ssws(TOKEN.into()))
        // Two a minute: the discovery request takes one, the read the other.
        .rate_limit(2)
        .start()
        .await
        .unwrap();
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_API_TOKEN", TOKEN),
            ("OKTA_SCOPES", "okta.users.read"),
        ],
        &[],
    );
    assert_ne!(code, 0, "{out}");
    line(&out, "ok    read okta.users.read");
    assert!(line(&out, "FAIL  rate limits").contains("0 of 2"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_sign_in_not_done_says_how_with_the_same_settings() {
    let fake = fake_org().await;
    let (code, out) = doctor(
        &[
            ("OKTA_ORG_URL", fake.base_url()),
            ("OKTA_CLIENT_ID", "0oa-native"),
            ("OKTA_SCOPES", "okta.users.read"),
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(line(&out, "FAIL  token").contains("not signed in"), "{out}");
    assert!(
        out.contains("OKTA_CLIENT_ID=0oa-native OKTA_SCOPES=\"okta.users.read\" okta-mcp login"),
        "{out}"
    );
}
