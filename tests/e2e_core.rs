//! The core of issue 2, end to end: the real `okta-mcp` binary over stdio,
//! driven by rmcp's client, against the fake Okta on 127.0.0.1.
//!
//! Listing is checked against the tool table with the documented rule,
//! computed here independently of the server's own gating code, plus
//! hand-picked names so the check is not circular.

mod support;

use std::collections::BTreeSet;

use okta_mcp::tool_table::TOOLS;
use serde_json::{Value, json};
use support::*;

// ---------------------------------------------------------------------------
// tools/list under several scope sets

/// The scopes held: each configured one, and `okta.X.read` for every `okta.X.manage`.
fn held(scopes: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in scopes.split_whitespace() {
        out.insert(s.to_owned());
        if let Some(base) = s.strip_suffix(".manage") {
            out.insert(format!("{base}.read"));
        }
    }
    out
}

/// The documented rule: curated tools whose scopes are all held (operations
/// no scope covers need OKTA_INCLUDE_UNSCOPED, off by default), in table order.
fn expected_listing(scopes: &str) -> Vec<String> {
    let held = held(scopes);
    TOOLS
        .iter()
        .filter(|t| t.curated)
        .filter(|t| !t.scopes.is_empty() || t.operation_id.is_empty())
        .filter(|t| t.scopes.iter().all(|s| held.contains(*s)))
        .map(|t| t.name.to_owned())
        .collect()
}

/// Lists twice under `scopes`; checks the exact set, the order, and the picks.
async fn check_listing(scopes: &str, present: &[&str], absent: &[&str]) -> Vec<String> {
    let fake = fake_org().await;
    let server = start(fake.base_url(), scopes, &[]).await;
    let first = server.tool_names().await;
    let second = server.tool_names().await;
    assert_eq!(first, second, "two listings differ under {scopes:?}");
    let expected = expected_listing(scopes);
    let got: BTreeSet<&String> = first.iter().collect();
    let want: BTreeSet<&String> = expected.iter().collect();
    assert_eq!(
        got.difference(&want).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "listed but not expected under {scopes:?}"
    );
    assert_eq!(
        want.difference(&got).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "expected but not listed under {scopes:?}"
    );
    assert_eq!(first, expected, "listing order is not table order");
    assert_eq!(first.len(), got.len(), "duplicate names: {first:?}");
    for name in present {
        assert!(
            first.iter().any(|n| n == name),
            "{name} missing under {scopes:?}"
        );
    }
    for name in absent {
        assert!(
            !first.iter().any(|n| n == name),
            "{name} listed under {scopes:?}"
        );
    }
    // Nothing listed needs to talk to Okta.
    assert!(fake.requests().is_empty(), "tools/list reached Okta");
    server.stop().await;
    first
}

const META: [&str; 4] = [
    "get_scope_status",
    "search_okta_operations",
    "describe_okta_operation",
    "call_okta_operation",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_read_lists_read_tools_only() {
    let names = check_listing(
        "okta.users.read",
        &["list_users", "get_user", "get_scope_status"],
        &[
            "create_user",
            "deactivate_user",
            "delete_deactivated_user",
            "list_groups",
            "list_applications",
        ],
    )
    .await;
    assert!(names.len() > META.len() + 2, "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_manage_implies_read() {
    let read = expected_listing("okta.users.read");
    let names = check_listing(
        "okta.users.manage",
        &[
            "list_users",
            "get_user",
            "create_user",
            "deactivate_user",
            "delete_deactivated_user",
        ],
        &["list_groups", "create_group", "list_applications"],
    )
    .await;
    for name in &read {
        assert!(names.contains(name), "manage lost read tool {name}");
    }
    assert!(names.len() > read.len(), "manage added no tools");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_apps_read() {
    check_listing(
        "okta.groups.read okta.apps.read",
        &[
            "list_groups",
            "get_group",
            "list_applications",
            "get_application",
        ],
        &[
            "create_group",
            "delete_group",
            "create_application",
            "delete_application",
            "list_users",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_scopes_list_only_scope_free_tools() {
    let names = check_listing("", &META, &["list_users", "list_groups"]).await;
    let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, META.into_iter().collect::<BTreeSet<_>>());
}

// ---------------------------------------------------------------------------
// Calls against the fake Okta

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|i| i["id"].as_str().expect("item id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_users_pages_with_cursor() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read", &[]).await;
    let all: Vec<String> = fake
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 25);

    let r = server.call("list_users", json!({"limit": 10})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    let page1 = ids(&s["items"]);
    let cursor = s["next_cursor"].as_str().expect("next_cursor").to_owned();
    assert_eq!(page1, all[..10]);

    let r = server
        .call("list_users", json!({"limit": 10, "after": cursor}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    let page2 = ids(&s["items"]);
    assert!(
        page1.iter().all(|id| !page2.contains(id)),
        "pages overlap: {page1:?} / {page2:?}"
    );
    assert_eq!(page2, all[10..20]);
    let cursor = s["next_cursor"].as_str().expect("second cursor").to_owned();

    let r = server
        .call("list_users", json!({"limit": 10, "after": cursor}))
        .await;
    let s = structured(&r);
    assert_eq!(ids(&s["items"]), all[20..]);
    assert!(s["next_cursor"].is_null(), "last page has a cursor: {s}");

    let gets: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "GET" && q.path == "/api/v1/users")
        .collect();
    assert_eq!(gets.len(), 3, "{gets:?}");
    assert!(!gets[0].query.clone().unwrap_or_default().contains("after="));
    for q in &gets[1..] {
        let query = q.query.clone().unwrap_or_default();
        assert!(query.contains("after="), "no after in {query}");
        assert!(query.contains("limit=10"), "no limit in {query}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_user_returns_okta_json_unchanged() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read", &[]).await;
    let user = fake.users()[3].clone();
    let id = user["id"].as_str().unwrap();
    let r = server.call("get_user", json!({"id": id})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    assert_eq!(s["id"], user["id"]);
    assert_eq!(s["profile"]["login"], user["profile"]["login"]);
    // Fields the spec does not know (realmId) come back as Okta sent them.
    assert_eq!(s["realmId"], "guo1a2b3c4d5e6f7g8h9");
    assert_eq!(s, user, "the whole user, unchanged");
    let seen = fake.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("/api/v1/users/{id}"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_delete_group_with_confirmation() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.groups.manage", &[]).await;
    let body = json!({
        "profile": {"name": "Platform Engineers", "description": "made by e2e_core"},
        "x-extra": {"nested": [1, "two", null]},
    });
    let r = server.call("create_group", json!({"body": body})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let created = structured(&r);
    let gid = created["id"].as_str().expect("group id").to_owned();
    assert_eq!(created["profile"]["name"], "Platform Engineers");
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, "/api/v1/groups");
    assert_eq!(posts[0].body_json(), Some(body), "body changed on the way");
    assert!(fake.groups().iter().any(|g| g["id"] == gid.as_str()));

    // Destructive: refused without confirm, and nothing reaches Okta.
    fake.clear_requests();
    let r = server.call("delete_group", json!({"groupId": gid})).await;
    assert!(is_error(&r), "deleted without confirmation");
    assert!(text(&r).contains("Confirmation needed"), "{}", text(&r));
    assert_eq!(structured(&r)["confirmation_required"], true);
    assert!(
        fake.requests().iter().all(|q| q.method != "DELETE"),
        "DELETE sent without confirmation"
    );
    assert!(fake.groups().iter().any(|g| g["id"] == gid.as_str()));

    // `confirm: false` is no confirmation either.
    let r = server
        .call("delete_group", json!({"groupId": gid, "confirm": false}))
        .await;
    assert!(is_error(&r));
    assert!(fake.requests().iter().all(|q| q.method != "DELETE"));

    let r = server
        .call("delete_group", json!({"groupId": gid, "confirm": true}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let deletes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].path, format!("/api/v1/groups/{gid}"));
    assert!(
        deletes[0].query.as_deref().unwrap_or("").is_empty(),
        "confirm leaked to Okta: {:?}",
        deletes[0].query
    );
    assert!(!fake.groups().iter().any(|g| g["id"] == gid.as_str()));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_errors_come_back_as_tool_errors() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read okta.groups.read", &[]).await;
    let r = server
        .call("get_user", json!({"id": "00uDoesNotExist"}))
        .await;
    assert!(is_error(&r));
    assert!(text(&r).contains("E0000007"), "{}", text(&r));
    assert!(text(&r).contains("404"), "{}", text(&r));
    let s = structured(&r);
    assert_eq!(s["status"], 404, "{s}");
    assert_eq!(s["errorCode"], "E0000007", "{s}");
    assert!(s["error"].is_string(), "{s}");

    let r = server
        .call("get_group", json!({"groupId": "00gDoesNotExist"}))
        .await;
    assert!(is_error(&r));
    assert_eq!(structured(&r)["errorCode"], "E0000007");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_are_refused_before_okta() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read okta.groups.manage", &[]).await;
    let cases = [
        ("get_user", json!({"id": 42}), "id"),
        ("get_user", json!({}), "id"),
        ("list_users", json!({"limit": "ten"}), "limit"),
        ("list_users", json!({"limt": 5}), "limt"),
        ("delete_group", json!({"confirm": true}), "groupId"),
        ("create_group", json!({"body": "not an object"}), "body"),
    ];
    for (tool, args, field) in cases {
        let r = server.call(tool, args.clone()).await;
        assert!(is_error(&r), "{tool} {args} accepted");
        let t = text(&r);
        assert!(
            t.contains(field),
            "{tool} {args}: {t} does not name {field}"
        );
        assert!(t.contains("invalid arguments"), "{tool} {args}: {t}");
    }
    // A path id that would change the path.
    let r = server.call("get_user", json!({"id": ".."})).await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(
        fake.requests().is_empty(),
        "bad arguments reached Okta: {:?}",
        fake.requests()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_disallowed_tools_are_refused() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read", &[]).await;
    let r = server.call("no_such_tool", json!({})).await;
    assert!(is_error(&r));
    assert!(text(&r).contains("no_such_tool"), "{}", text(&r));

    // Not listed under these scopes, and refused when called directly.
    let names = server.tool_names().await;
    assert!(!names.contains(&"create_user".to_owned()));
    let r = server
        .call(
            "create_user",
            json!({"body": {"profile": {"login": "x@example.com"}}}),
        )
        .await;
    assert!(is_error(&r), "create_user ran with okta.users.read");
    assert!(text(&r).contains("okta.users.manage"), "{}", text(&r));
    let r = server.call("list_groups", json!({})).await;
    assert!(is_error(&r));
    assert!(text(&r).contains("okta.groups.read"), "{}", text(&r));
    let r = server
        .call("delete_group", json!({"groupId": "00g1", "confirm": true}))
        .await;
    assert!(is_error(&r));
    assert!(text(&r).contains("okta.groups.manage"), "{}", text(&r));
    assert!(
        fake.requests().is_empty(),
        "refused calls reached Okta: {:?}",
        fake.requests()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_and_enum_values_pass_through() {
    let fake = fake_org().await;
    let server = start(fake.base_url(), "okta.users.read okta.apps.read", &[]).await;

    let r = server.call("list_applications", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let s = structured(&r);
    let apps = s["items"].as_array().expect("items");
    assert_eq!(apps.len(), fake.apps().len());
    let mfa = apps
        .iter()
        .find(|a| a["signOnMode"] == "MFA_AS_SERVICE")
        .unwrap_or_else(|| panic!("MFA_AS_SERVICE app dropped: {s}"));
    let id = mfa["id"].as_str().unwrap();
    let fake_app = fake
        .apps()
        .into_iter()
        .find(|a| a["id"] == id)
        .expect("app in the fake");
    assert_eq!(mfa, &fake_app, "app changed on the way");

    let r = server.call("get_application", json!({"appId": id})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["signOnMode"], "MFA_AS_SERVICE");
    assert_eq!(structured(&r), fake_app);

    let r = server.call("list_users", json!({"limit": 3})).await;
    let s = structured(&r);
    let users = s["items"].as_array().expect("items");
    assert_eq!(users.len(), 3);
    for (u, want) in users.iter().zip(fake.users()) {
        assert_eq!(u["realmId"], "guo1a2b3c4d5e6f7g8h9");
        assert_eq!(u, &want);
    }
    server.stop().await;
}
