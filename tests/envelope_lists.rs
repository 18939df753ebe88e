//! Lists that arrive in an envelope (`{"roles": [...], "_links": {"next": ...}}`,
//! the shape of every Identity Governance list as `{"data": [...]}`) page, cap and
//! project exactly like top-level arrays, through the real binary against the fake
//! (`list_roles`: 12 custom roles in pages of 5; `list_campaigns`, 45 campaigns,
//! beside the array list `list_users` under one shared set of assertions). And a
//! single object larger than the output cap comes back cut, with a note of what
//! was left out.

mod support;

use std::collections::HashSet;

use rmcp::model::{
    CallToolRequestParams, NumberOrString, ProgressToken, RequestMetaObject, RequestParamsMeta,
};
use serde_json::{Value, json};
use support::agent::*;
use support::*;

const ROLES: &str = "okta.roles.read";

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|i| i["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// Every role id, read page by page through `call_okta_operation` with
/// `after`; `check` sees each result. Returns the ids, the calls made and how
/// many results the output cap cut.
async fn walk_with_cursors(
    s: &Server,
    extra: Value,
    check: impl Fn(&Value),
) -> (Vec<String>, usize, usize) {
    let gateway = |arguments| {
        (
            "call_okta_operation",
            json!({"name": "list_roles", "arguments": arguments}),
        )
    };
    walk(s, gateway, extra, check).await
}

/// Reads a list page by page, feeding each `next_cursor` back as `after`:
/// `call` turns the arguments into the tool call to make; `check` sees each
/// result. Returns the ids, the calls made and how many results the output
/// cap cut.
async fn walk(
    s: &Server,
    call: impl Fn(Value) -> (&'static str, Value),
    extra: Value,
    check: impl Fn(&Value),
) -> (Vec<String>, usize, usize) {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let (mut calls, mut cut) = (0, 0);
    loop {
        let mut arguments = extra.clone();
        if let Some(a) = &after {
            arguments["after"] = a.clone().into();
        }
        let (tool, args) = call(arguments);
        let r = s.call(tool, args).await;
        assert!(!is_error(&r), "{tool}: {}", text(&r));
        let st = structured(&r);
        check(&st);
        if st["notice"]
            .as_str()
            .is_some_and(|n| n.contains("output cut"))
        {
            cut += 1;
        }
        let page = ids(&st["items"]);
        assert!(!page.is_empty(), "{tool}: no progress at {after:?}: {st}");
        seen.extend(page);
        calls += 1;
        assert!(calls < 60, "{tool}: paging must end");
        match st["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => return (seen, calls, cut),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_pages_follow_next_cursor_and_fetch_all() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), ROLES, &[]).await;
    let (all, calls, _) = walk_with_cursors(&s, json!({}), |_| {}).await;
    assert_eq!(calls, 3, "12 roles in pages of 5");
    assert_eq!(all.len(), 12);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        12,
        "no role twice"
    );
    assert!(all.iter().all(|id| id.starts_with("cr0")), "{all:?}");

    // fetch_all reads the three pages in one call; the cursor sent on each
    // follow-up request is the one in `_links.next.href`.
    fake.clear_requests();
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_roles", "arguments": {"fetch_all": true}}),
        )
        .await;
    let st = structured(&r);
    assert_eq!(ids(&st["items"]), all);
    assert!(st["next_cursor"].is_null(), "{st}");
    let gets: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path == "/api/v1/iam/roles")
        .collect();
    assert_eq!(gets.len(), 3);
    assert!(!gets[0].query.clone().unwrap_or_default().contains("after="));
    assert!(gets[1].query.clone().unwrap_or_default().contains("after="));

    // max_pages stops early and says so, with a cursor that resumes.
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_roles", "arguments": {"fetch_all": true, "max_pages": 2}}),
        )
        .await;
    let st = structured(&r);
    assert_eq!(ids(&st["items"]), all[..10]);
    assert!(
        st["notice"].as_str().unwrap().contains("max_pages=2"),
        "{st}"
    );
    let cursor = st["next_cursor"].as_str().unwrap().to_owned();
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_roles", "arguments": {"after": cursor}}),
        )
        .await;
    assert_eq!(ids(&structured(&r)["items"]), all[10..]);

    // fields project each item, not the envelope.
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_roles", "arguments": {"fields": "label"}}),
        )
        .await;
    let st = structured(&r);
    for item in st["items"].as_array().unwrap() {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["label"], "{item}");
    }
    assert!(
        st.get("roles").is_none() && st.get("_links").is_none(),
        "{st}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_cap_cuts_envelopes_on_item_boundaries() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), ROLES, &[("OKTA_MAX_OUTPUT_BYTES", "1000")]).await;
    let (seen, _, cut) = walk_with_cursors(&s, json!({"fetch_all": true}), |st| {
        let whole = serde_json::to_string(st).unwrap();
        assert!(whole.len() <= 1000, "{} bytes of result", whole.len());
    })
    .await;
    assert!(cut >= 2, "the cap cut {cut} times");
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        12,
        "every role once"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_all_on_an_envelope_reports_progress() {
    let fake = fake_org().await;
    let s = start_agent(
        fake.base_url(),
        ROLES,
        &[("OKTA_TOOLS", "list_roles")],
        Agent::default(),
        false,
    )
    .await;
    let token = ProgressToken(NumberOrString::String("roles-1".into()));
    let mut params =
        CallToolRequestParams::new("list_roles").with_arguments(object(json!({"fetch_all": true})));
    params.set_meta(RequestMetaObject::with_progress_token(token));
    let r = s.client.call_tool(params).await.unwrap();
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 12);
    assert_eq!(s.agent().progress_values(3).await, [1.0, 2.0, 3.0]);
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_object_over_the_cap_is_cut_with_a_note() {
    let fake = fake_org().await;
    let user = fake.users()[0]["id"].as_str().unwrap().to_owned();
    assert!(fake.set_profile_field(&user, "bio", json!("b".repeat(200_000))));
    let s = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_MAX_OUTPUT_BYTES", "6000")],
    )
    .await;
    let r = s.call("get_user", json!({"id": user})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let st = structured(&r);
    let size = serde_json::to_string(&st).unwrap().len();
    assert!(size <= 6000, "{size} bytes");
    assert_eq!(st["id"], user.as_str());
    assert_eq!(st["status"], "ACTIVE");
    assert!(
        st["profile"]["login"].is_string(),
        "small fields survive: {st}"
    );
    let note = &st["_truncated"];
    assert!(
        note["notice"]
            .as_str()
            .unwrap()
            .contains("OKTA_MAX_OUTPUT_BYTES")
    );
    let cut: Vec<&str> = note["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(cut.contains(&"profile.bio"), "{note}");
    // The text a model reads is the same valid JSON.
    let text = text(&r);
    let json_start = text.find('{').unwrap();
    assert!(serde_json::from_str::<Value>(&text[json_start..]).is_ok());

    // Under the cap, the same user comes back whole, without a note.
    let other = fake.users()[1]["id"].as_str().unwrap().to_owned();
    let r = s.call("get_user", json!({"id": other})).await;
    assert!(structured(&r).get("_truncated").is_none());
    s.stop().await;
}

/// A list tool and what it must list, page size 20.
struct ListCase {
    tool: &'static str,
    scopes: &'static str,
    expected: Vec<String>,
}

/// Walks `case` in pages of 20 (see [`walk`]).
async fn walk_tool(
    s: &Server,
    case: &ListCase,
    mut extra: Value,
    check: impl Fn(&Value),
) -> (Vec<String>, usize, usize) {
    extra["limit"] = 20.into();
    walk(s, |args| (case.tool, args), extra, check).await
}

/// The paging, projection and cap assertions every list tool must pass,
/// whatever shape its pages come in.
async fn assert_lists_alike(url: &str, case: &ListCase) {
    let n = case.expected.len();
    assert!(n > 40, "{}: enough for three pages", case.tool);
    let s = start(url, case.scopes, &[]).await;
    let tool = case.tool;

    // One page per call, next_cursor fed back as `after`.
    let (seen, calls, _) = walk_tool(&s, case, json!({}), |st| {
        assert!(st["items"].as_array().unwrap().len() <= 20);
    })
    .await;
    assert_eq!(seen, case.expected, "{tool}: every item once, in order");
    assert_eq!(calls, n.div_ceil(20), "{tool}");

    // fetch_all: every page in one call.
    let r = s.call(tool, json!({"limit": 20, "fetch_all": true})).await;
    let st = structured(&r);
    assert_eq!(ids(&st["items"]), case.expected, "{tool}");
    assert!(st["next_cursor"].is_null(), "{tool}: {st}");

    // max_pages stops early, says so, and its cursor resumes.
    let r = s
        .call(
            tool,
            json!({"limit": 20, "fetch_all": true, "max_pages": 2}),
        )
        .await;
    let st = structured(&r);
    assert_eq!(ids(&st["items"]), case.expected[..40], "{tool}");
    assert!(
        st["notice"].as_str().unwrap_or("").contains("max_pages=2"),
        "{tool}: {st}"
    );
    let cursor = st["next_cursor"].as_str().expect("a cursor").to_owned();
    let r = s
        .call(
            tool,
            json!({"limit": 20, "fetch_all": true, "after": cursor}),
        )
        .await;
    assert_eq!(ids(&structured(&r)["items"]), case.expected[40..], "{tool}");

    // fields project each item.
    let r = s
        .call(tool, json!({"limit": 20, "fields": "id,status"}))
        .await;
    let st = structured(&r);
    let page = st["items"].as_array().unwrap();
    assert_eq!(page.len(), 20, "{tool}");
    for item in page {
        let mut keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "status"], "{tool}: {item}");
    }
    s.stop().await;

    // The output cap cuts on an item boundary; the cursor continues there.
    let cap = 6000;
    let s = start(
        url,
        case.scopes,
        &[("OKTA_MAX_OUTPUT_BYTES", &cap.to_string())],
    )
    .await;
    let (seen, calls, cut) = walk_tool(&s, case, json!({"fetch_all": true}), |st| {
        let size = serde_json::to_string(st).unwrap().len();
        assert!(size <= cap, "{tool}: {size} bytes of result");
        assert!(
            st.get("_truncated").is_none(),
            "{tool}: items are never cut"
        );
    })
    .await;
    assert_eq!(seen, case.expected, "{tool}: every item once, in order");
    assert!(
        cut >= 3 && calls > n.div_ceil(20),
        "{tool}: {cut} cuts in {calls} calls"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oig_envelope_list_and_an_array_list_page_cap_and_project_alike() {
    let fake = FakeOkta::builder()
        .users(47)
        .accept_token(Credential::Ssws(TOKEN.into()))
        .start()
        .await
        .unwrap();
    let added = fake.add_campaigns(42);
    let campaigns = ListCase {
        tool: "list_campaigns",
        scopes: "okta.governance.accessCertifications.read",
        expected: fake
            .campaigns()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect(),
    };
    assert_eq!(
        campaigns.expected[3..],
        added,
        "3 seeded, then the 42 added"
    );
    assert_eq!(campaigns.expected.len(), 45);
    // An array list with a Link header: the users the fake lists.
    let users = ListCase {
        tool: "list_users",
        scopes: "okta.users.read",
        expected: fake
            .users()
            .iter()
            .filter(|u| u["status"] != "DEPROVISIONED")
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect(),
    };
    assert_lists_alike(fake.base_url(), &campaigns).await;
    assert_lists_alike(fake.base_url(), &users).await;
}
