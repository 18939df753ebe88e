//! `OKTA_EXCLUDE_TOOLS` end to end: the real binary over stdio against the
//! fake Okta. An excluded operation must stay out of reach under every name
//! (curated tool, `confirm_*` alias, generated tool, and the gateway's
//! search / describe / call), by tool name, operationId, toolset or risk
//! class, and a refused call must send nothing to Okta.

mod support;

use serde_json::{Value, json};
use support::*;

fn refused_by(r: &rmcp::model::CallToolResult, entry: &str) {
    let t = text(r);
    assert!(is_error(r), "not refused: {t}");
    assert!(
        t.contains("OKTA_EXCLUDE_TOOLS") && t.contains(&format!("`{entry}`")),
        "refusal should name OKTA_EXCLUDE_TOOLS and the entry `{entry}`: {t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusion_holds_under_every_alias_and_through_the_gateway() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        &all_scopes(),
        &[(
            "OKTA_EXCLUDE_TOOLS",
            "delete_application, deleteGroup grant,nope_not_a_tool",
        )],
    )
    .await;

    let listed = server.tool_names().await;
    for gone in [
        "delete_application",
        "confirm_delete_application",
        "delete_group",
        "confirm_delete_group",
        "add_user_to_group",
    ] {
        assert!(!listed.iter().any(|n| n == gone), "{gone} is listed");
    }
    for kept in ["list_users", "create_user", "call_okta_operation"] {
        assert!(listed.iter().any(|n| n == kept), "{kept} is not listed");
    }

    // By tool name, through its confirm_* alias.
    let r = server
        .call(
            "confirm_delete_application",
            json!({"appId": "0oa1", "confirm": true}),
        )
        .await;
    refused_by(&r, "delete_application");
    // By operationId, through the gateway.
    let r = server
        .call(
            "call_okta_operation",
            json!({"name": "delete_group", "arguments": {"groupId": "00g1", "confirm": true}}),
        )
        .await;
    refused_by(&r, "deleteGroup");
    let r = server
        .call(
            "describe_okta_operation",
            json!({"name": "confirm_delete_group"}),
        )
        .await;
    refused_by(&r, "deleteGroup");
    // By class, a listed tool and an unlisted operation through the gateway.
    let r = server
        .call(
            "add_user_to_group",
            json!({"groupId": "00g1", "userId": "00u1", "confirm": true}),
        )
        .await;
    refused_by(&r, "grant");
    let r = server
        .call(
            "call_okta_operation",
            json!({"name": "assign_role_to_user", "arguments": {"userId": "00u1", "body": {"type": "SUPER_ADMIN"}, "confirm": true}}),
        )
        .await;
    refused_by(&r, "grant");
    // Search does not offer them.
    let r = server
        .call(
            "search_okta_operations",
            json!({"query": "delete group application assign role", "limit": 100}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let names: Vec<String> = structured(&r)["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|h| h["name"].as_str().map(str::to_owned))
        .collect();
    assert!(!names.is_empty(), "search found nothing at all");
    for gone in [
        "delete_group",
        "confirm_delete_group",
        "delete_application",
        "assign_role_to_user",
    ] {
        assert!(!names.iter().any(|n| n == gone), "search offers {gone}");
    }
    assert!(
        structured(&r)["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["class"] != "grant"),
        "search offers a grant"
    );
    assert!(fake.requests().is_empty(), "a refused call reached Okta");

    // The unknown entry is reported, once on stderr and by get_scope_status.
    let r = server.call("get_scope_status", json!({})).await;
    assert_eq!(
        structured(&r)["unknown_exclusions"],
        json!(["nope_not_a_tool"])
    );
    // The server keeps serving; the fake does see allowed calls.
    let r = server.call("list_users", json!({"limit": 2})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert!(!fake.requests().is_empty(), "the allowed call reached Okta");
    let stderr = server.stop().await;
    assert_eq!(
        stderr.matches("nope_not_a_tool").count(),
        1,
        "the unknown entry should be warned about once:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toolset_or_destructive_class_is_refused_everywhere() {
    let fake = fake_org().await;
    let server = start(
        fake.base_url(),
        &all_scopes(),
        &[("OKTA_EXCLUDE_TOOLS", "users destructive")],
    )
    .await;
    let listed = server.tool_names().await;
    assert!(
        !listed
            .iter()
            .any(|n| n == "list_users" || n == "delete_group")
    );
    assert!(listed.iter().any(|n| n == "list_groups"));

    let r = server.call("list_users", json!({})).await;
    refused_by(&r, "users");
    let r = server
        .call(
            "call_okta_operation",
            json!({"name": "get_user", "arguments": {"id": "00u1"}}),
        )
        .await;
    refused_by(&r, "users");
    let r = server
        .call(
            "call_okta_operation",
            json!({"name": "delete_group", "arguments": {"groupId": "00g1", "confirm": true}}),
        )
        .await;
    refused_by(&r, "destructive");
    assert!(text(&r).contains("cannot be undone"), "{}", text(&r));
    assert!(fake.requests().is_empty(), "a refused call reached Okta");

    let r = server.call("get_scope_status", json!({})).await;
    assert_eq!(structured(&r)["unknown_exclusions"], Value::Array(vec![]));
    server.stop().await;
}
