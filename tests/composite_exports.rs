//! The curated composites page to their stated limits and accept the cursor
//! they return: `export_users_csv` (10,000 users from the fake, written to a
//! new owner-only file when the CSV does not fit the output cap) and
//! `get_login_failures`.

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::*;

/// The ids the fake lists (a plain listing leaves out DEPROVISIONED users).
fn listed_ids(fake: &FakeOkta) -> Vec<String> {
    fake.users()
        .iter()
        .filter(|u| u["status"] != "DEPROVISIONED")
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The first column of each CSV row, header skipped.
fn csv_ids(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().trim_matches('"').to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_users_csv_returns_10000_users_in_a_private_file() {
    // 10,200 seeded users, 102 of them DEPROVISIONED: 10,098 listed.
    let fake = FakeOkta::builder()
        .users(10_200)
        .accept_token(Credential::Ssws(TOKEN.into()))
        .start()
        .await
        .unwrap();
    let listed = listed_ids(&fake);
    assert_eq!(listed.len(), 10_098);
    let exports = tempfile::tempdir().unwrap();
    let dir = exports.path().to_str().unwrap().to_owned();
    let s = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_EXPORT_DIR", dir.as_str())],
    )
    .await;
    let r = s
        .call("export_users_csv", json!({"max_users": 10_000}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let st = structured(&r);
    assert_eq!(st["rows"], 10_000, "{st}");
    let file = st["file"].as_str().expect("a file path").to_owned();
    assert!(
        text(&r).contains(&file),
        "the text says where: {}",
        text(&r)
    );
    let path = std::path::Path::new(&file);
    assert_eq!(path.parent(), Some(exports.path()));
    let csv = std::fs::read_to_string(path).unwrap();
    assert_eq!(st["bytes"], csv.len());
    assert!(csv.starts_with("id,status,login,email,firstName,lastName,created,lastLogin\n"));
    let rows = csv_ids(&csv);
    assert_eq!(
        rows,
        listed[..10_000],
        "the first 10,000 listed users, in order"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "readable by its owner only");
    }
    // 50 pages of 200.
    let pages = fake
        .requests()
        .iter()
        .filter(|q| q.method == "GET" && q.path == "/api/v1/users")
        .count();
    assert_eq!(pages, 50);

    // The cursor it returns continues after the last row.
    let cursor = st["next_cursor"]
        .as_str()
        .expect("more users remain")
        .to_owned();
    let r = s
        .call(
            "export_users_csv",
            json!({"max_users": 10_000, "after": cursor}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let st = structured(&r);
    assert_eq!(st["rows"], 98);
    assert!(st["file"].is_null(), "98 rows fit the cap: {st}");
    assert!(st["next_cursor"].is_null());
    assert_eq!(csv_ids(st["csv"].as_str().unwrap()), listed[10_000..]);
    // A second export never replaces the first.
    let again = s.call("export_users_csv", json!({"max_users": 2000})).await;
    let second = structured(&again)["file"].as_str().unwrap().to_owned();
    assert_ne!(second, file);
    assert_eq!(std::fs::read_to_string(path).unwrap(), csv);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_users_csv_without_files_cuts_on_rows_and_resumes() {
    let fake = FakeOkta::builder()
        .users(450)
        .accept_token(Credential::Ssws(TOKEN.into()))
        .start()
        .await
        .unwrap();
    let listed = listed_ids(&fake);
    let s = start(
        fake.base_url(),
        "okta.users.read",
        &[
            ("OKTA_EXPORT_DIR", "off"),
            ("OKTA_MAX_OUTPUT_BYTES", "8000"),
        ],
    )
    .await;
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut calls = 0;
    loop {
        let mut args = json!({"max_users": 300});
        if let Some(a) = &after {
            args["after"] = a.clone().into();
        }
        let r = s.call("export_users_csv", args).await;
        assert!(!is_error(&r), "{}", text(&r));
        let st = structured(&r);
        assert!(st["file"].is_null());
        let csv = st["csv"].as_str().unwrap();
        let whole = serde_json::to_string(&st).unwrap().len();
        assert!(whole <= 8000, "{whole} bytes of result");
        assert!(st.get("_truncated").is_none());
        let rows = csv_ids(csv);
        assert_eq!(st["rows"], rows.len());
        assert!(!rows.is_empty());
        seen.extend(rows);
        calls += 1;
        assert!(calls < 100, "paging must end");
        match st["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(calls > 3, "the cap cut the CSV ({calls} calls)");
    assert_eq!(seen, listed, "every user once, in order");
    s.stop().await;
}

fn failure(i: usize) -> Value {
    json!({
        "uuid": format!("fail-{i:04}"),
        "published": "2026-01-01T00:00:00.000Z",
        "eventType": "user.session.start",
        "displayMessage": "User login to Okta",
        "severity": "WARN",
        "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
        "actor": {"id": "00u1", "type": "User", "alternateId": format!("user{i}@example.com"), "displayName": "Someone"},
        "client": {"ipAddress": "203.0.113.7"},
        "target": [],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_accept_their_cursor_and_page_to_the_limit() {
    let fake = fake_org().await;
    for i in 0..60 {
        fake.push_log(failure(i));
    }
    let window = json!({"since": "2025-12-31T00:00:00Z", "until": "2026-01-02T00:00:00Z"});
    // Under the cap: one call returns `limit` events.
    let s = start(fake.base_url(), "okta.logs.read", &[]).await;
    let mut args = window.clone();
    args["limit"] = 45.into();
    let r = s.call("get_login_failures", args).await;
    assert!(!is_error(&r), "{}", text(&r));
    let st = structured(&r);
    assert_eq!(st["items"].as_array().unwrap().len(), 45);
    let cursor = st["next_cursor"].as_str().expect("15 more").to_owned();
    let mut args = window.clone();
    args["limit"] = 45.into();
    args["after"] = cursor.into();
    let r = s.call("get_login_failures", args).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 15);
    s.stop().await;

    // A small cap: cut, and the cursors it returns reach every event once.
    let s = start(
        fake.base_url(),
        "okta.logs.read",
        &[("OKTA_MAX_OUTPUT_BYTES", "3000")],
    )
    .await;
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..60 {
        let mut args = window.clone();
        args["limit"] = 1000.into();
        if let Some(a) = &after {
            args["after"] = a.clone().into();
        }
        let r = s.call("get_login_failures", args).await;
        assert!(!is_error(&r), "{}", text(&r));
        let st = structured(&r);
        let whole = serde_json::to_string(&st).unwrap().len();
        assert!(whole <= 3000, "{whole} bytes of result");
        seen.extend(st["items"].as_array().unwrap().iter().map(|e| {
            e["uuid"]
                .as_str()
                .unwrap_or_else(|| panic!("{st}"))
                .to_owned()
        }));
        match st["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 60, "{seen:?}");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 60);
    s.stop().await;
}
