//! The shortest end-to-end path: start, list, call, error.

mod support;

use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_gated_tools_and_calls_okta() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read", &[]).await;
    let names = server.tool_names().await;
    assert!(names.contains(&"list_users".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"create_user".to_owned()),
        "manage tools hidden with read scope"
    );
    let r = server.call("list_users", json!({"limit": 5})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    assert_eq!(s["items"].as_array().unwrap().len(), 5);
    assert!(s["next_cursor"].is_string());
    let r = server.call("get_user", json!({"id": "nope"})).await;
    assert!(is_error(&r));
    assert!(text(&r).contains("E0000007"), "{}", text(&r));
    server.stop().await;
}

#[test]
fn version_names_the_spec_release_and_its_sha256() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_okta-mcp"))
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(
        text.contains(okta_mcp::tool_table::SPEC_RELEASE)
            && text.contains(okta_mcp::tool_table::SPEC_SHA256),
        "{text}"
    );
    // Every spec the tools come from, Identity Governance included.
    let specs = okta_mcp::tool_table::SPECS;
    assert!(specs.iter().any(|s| s.name == "governance"), "{specs:?}");
    for s in specs {
        assert!(
            text.contains(s.release) && text.contains(s.sha256) && text.contains(s.title),
            "{} missing from {text}",
            s.name
        );
    }
}
