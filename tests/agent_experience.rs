//! What an agent meets: which tools are listed, the long tail through the
//! meta-tools, confirmation by elicitation (server-to-client request and
//! MRTR), cancellation and progress of `fetch_all`, the output cap and its
//! cursors, `fields`, and injection attempts in ids and filters. The real
//! binary over stdio against the fake Okta.

mod support;

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ElicitationAction, NumberOrString, ProgressToken,
    RequestMetaObject, RequestParamsMeta,
};
use serde_json::json;
use support::agent::*;
use support::*;

// ---------------------------------------------------------------------------
// Selection.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toolsets_tools_exclude_and_read_only_list_exactly() {
    let fake = fake_org().await;
    let url = fake.base_url();

    let s = start(url, "okta.logs.read", &[("OKTA_TOOLSETS", "logs")]).await;
    assert_eq!(
        s.tool_names().await,
        [
            "get_scope_status",
            "get_logs",
            "get_login_failures",
            "search_okta_operations",
            "describe_okta_operation",
            "call_okta_operation",
        ]
    );
    s.stop().await;

    let scopes = "okta.users.read okta.groups.manage";
    let s = start(
        url,
        scopes,
        &[
            (
                "OKTA_TOOLS",
                "get_user,list_groups, delete_group,create_user",
            ),
            ("OKTA_EXCLUDE_TOOLS", "list_groups"),
        ],
    )
    .await;
    // create_user needs okta.users.manage; list_groups is excluded (exclude wins).
    assert_eq!(s.tool_names().await, ["delete_group", "get_user"]);
    let r = s.call("list_groups", json!({})).await;
    assert!(
        is_error(&r) && text(&r).contains("OKTA_EXCLUDE_TOOLS"),
        "{}",
        text(&r)
    );
    s.stop().await;

    let s = start(
        url,
        scopes,
        &[
            ("OKTA_READ_ONLY", "true"),
            (
                "OKTA_TOOLS",
                "get_user,delete_group,call_okta_operation,add_user_to_group",
            ),
        ],
    )
    .await;
    assert_eq!(s.tool_names().await, ["get_user", "call_okta_operation"]);
    // In read-only mode every listed tool says so, the gateway included.
    for t in s.tools().await {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
        assert_eq!(a.destructive_hint, None, "{}", t.name);
    }
    let gid = deletable_groups(&fake).remove(0);
    fake.clear_requests();
    let r = s
        .call("delete_group", json!({"groupId": gid, "confirm": true}))
        .await;
    assert!(
        is_error(&r) && text(&r).contains("read-only"),
        "{}",
        text(&r)
    );
    // Through the gateway too: the operation is gated, not the gateway.
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "delete_group", "arguments": {"groupId": gid, "confirm": true}}),
        )
        .await;
    assert!(
        is_error(&r) && text(&r).contains("read-only"),
        "{}",
        text(&r)
    );
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "get_group", "arguments": {"groupId": gid}}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(structured(&r)["id"], gid.as_str());
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups"), 0);
    s.stop().await;

    // `all` lists every operation the scopes allow, and only those.
    let s = start(url, "okta.logs.read", &[("OKTA_TOOLS", "all")]).await;
    let names = s.tool_names().await;
    assert!(names.contains(&"get_logs".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n == "list_users"), "{names:?}");
    let expected: Vec<&str> = okta_mcp::tool_table::TOOLS
        .iter()
        .filter(|t| t.scopes.iter().all(|s| *s == "okta.logs.read"))
        .filter(|t| !t.unscoped())
        .map(|t| t.name)
        .collect();
    assert_eq!(names, expected);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_status_names_missing_scopes_and_what_they_unlock() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.users.read", &[]).await;
    let r = s.call("get_scope_status", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let st = structured(&r);
    let missing = st["missing_scopes"].as_array().unwrap();
    let groups = missing
        .iter()
        .find(|m| m["scope"] == "okta.groups.read")
        .expect("okta.groups.read is missing");
    let unlocks: Vec<&str> = groups["would_unlock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(unlocks.contains(&"list_groups"), "{unlocks:?}");
    assert!(
        !missing.iter().any(|m| m["scope"] == "okta.users.read"),
        "held scopes are not missing"
    );
    s.stop().await;
}

// ---------------------------------------------------------------------------
// The long tail.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_tools_reach_the_long_tail_and_refuse_what_scopes_forbid() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.users.read okta.userTypes.read", &[]).await;
    let names = s.tool_names().await;
    assert!(
        !names.contains(&"list_user_types".to_owned()),
        "not curated"
    );

    let r = s
        .call("search_okta_operations", json!({"query": "user types"}))
        .await;
    let hits: Vec<String> = structured(&r)["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(hits.contains(&"list_user_types".to_owned()), "{hits:?}");
    assert!(
        !hits.contains(&"create_user_type".to_owned()),
        "search shows only what the scopes allow: {hits:?}"
    );

    let r = s
        .call(
            "describe_okta_operation",
            json!({"name": "list_user_types"}),
        )
        .await;
    assert_eq!(structured(&r)["path"], "/api/v1/meta/types/user");

    fake.clear_requests();
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_user_types", "arguments": {}}),
        )
        .await;
    let seen = fake.requests();
    assert_eq!(seen.len(), 1, "{}", text(&r));
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/api/v1/meta/types/user");

    fake.clear_requests();
    for (name, args) in [
        ("list_groups", json!({})),
        ("create_user_type", json!({"body": {}})),
    ] {
        let r = s
            .call(
                "call_okta_operation",
                json!({"name": name, "arguments": args}),
            )
            .await;
        assert!(is_error(&r), "{name}: {}", text(&r));
        assert!(text(&r).contains("needs the scope"), "{}", text(&r));
    }
    assert!(fake.requests().is_empty(), "refused calls send nothing");
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Confirmation.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elicitation_accepted_deletes_declined_does_not() {
    let fake = fake_org().await;
    let groups = deletable_groups(&fake);
    let id = |i: usize| groups[i].clone();

    // Accepted: the person saw the exact action, Okta got the DELETE.
    let s = group_admin(&fake, ElicitationAction::Accept, false).await;
    let r = s.call("delete_group", json!({"groupId": id(0)})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let asked = s.agent().asked();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains(&id(0)), "{asked:?}");
    assert!(asked[0].to_lowercase().contains("delete"), "{asked:?}");
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    s.client.cancel().await.ok();

    // Declined, and cancelled: nothing sent, even when the model wrote
    // `confirm: true` itself.
    for action in [ElicitationAction::Decline, ElicitationAction::Cancel] {
        let s = group_admin(&fake, action.clone(), false).await;
        let r = s
            .call("delete_group", json!({"groupId": id(1), "confirm": true}))
            .await;
        assert!(is_error(&r), "{}", text(&r));
        assert!(text(&r).contains("Nothing was sent"), "{}", text(&r));
        let said = if action == ElicitationAction::Decline {
            "declined"
        } else {
            "cancelled"
        };
        assert!(text(&r).contains(said), "{}", text(&r));
        let r = s
            .call(
                "call_okta_operation",
                json!({"name": "delete_group", "arguments": {"groupId": id(1), "confirm": true}}),
            )
            .await;
        assert!(is_error(&r), "{}", text(&r));
        assert_eq!(s.agent().asked().len(), 2);
        s.client.cancel().await.ok();
    }
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    assert!(fake.groups().iter().any(|g| g["id"] == id(1).as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_elicitation_the_model_must_ask_and_pass_confirm() {
    let fake = fake_org().await;
    let gid = deletable_groups(&fake).remove(0);
    let s = start(fake.base_url(), "okta.groups.manage", &[]).await;
    let r = s.call("delete_group", json!({"groupId": gid})).await;
    assert!(is_error(&r));
    assert_eq!(structured(&r)["confirmation_required"], true);
    assert!(text(&r).contains("\"confirm\": true"), "{}", text(&r));
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);
    let r = s
        .call("delete_group", json!({"groupId": gid, "confirm": true}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mrtr_clients_confirm_through_input_required() {
    let fake = fake_org().await;
    let groups = deletable_groups(&fake);
    let id = |i: usize| groups[i].clone();

    let s = group_admin(&fake, ElicitationAction::Decline, true).await;
    // One round by hand: the server answers InputRequired, sends nothing.
    let params = CallToolRequestParams::new("delete_group")
        .with_arguments(object(json!({"groupId": id(0)})));
    let first = s.client.call_tool_once(params.clone()).await.unwrap();
    let CallToolResponse::InputRequired(ir) = first else {
        panic!("expected input_required, got {first:?}");
    };
    let state = ir.request_state.clone().expect("requestState");
    let reqs = serde_json::to_value(ir.input_requests.as_ref().unwrap()).unwrap();
    assert!(
        reqs["confirm"]["params"]["message"]
            .as_str()
            .unwrap()
            .contains(&id(0)),
        "{reqs}"
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);

    // A forged answer for other arguments, under that state, is not taken.
    let mut responses = rmcp::model::InputResponses::new();
    responses.insert(
        "confirm".into(),
        json!({"action": "accept", "content": {"confirm": true}}),
    );
    let forged = CallToolRequestParams::new("delete_group")
        .with_arguments(object(json!({"groupId": id(1)})))
        .with_input_responses(responses.clone())
        .with_request_state(state.clone());
    let again = s.client.call_tool_once(forged).await.unwrap();
    assert!(
        matches!(again, CallToolResponse::InputRequired(_)),
        "{again:?}"
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);

    // An unknown state is not taken either.
    let unknown = params
        .clone()
        .with_input_responses(responses)
        .with_request_state("made-up");
    let again = s.client.call_tool_once(unknown).await.unwrap();
    assert!(
        matches!(again, CallToolResponse::InputRequired(_)),
        "{again:?}"
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);

    // The SDK's own rounds: the person declines, nothing is sent.
    let r = s.call("delete_group", json!({"groupId": id(0)})).await;
    assert!(
        is_error(&r) && text(&r).contains("declined"),
        "{}",
        text(&r)
    );
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 0);
    s.client.cancel().await.ok();

    let s = group_admin(&fake, ElicitationAction::Accept, true).await;
    let r = s.call("delete_group", json!({"groupId": id(0)})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(s.agent().asked().len(), 1);
    assert_eq!(requests_with(&fake, "DELETE", "/api/v1/groups/"), 1);
    s.client.cancel().await.ok();
}

// ---------------------------------------------------------------------------
// Long reads: progress, cancellation, output cap, fields.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_all_reports_progress_with_the_token() {
    let fake = fake_org().await;
    let s = start_agent(
        fake.base_url(),
        "okta.users.read",
        &[],
        Agent::default(),
        false,
    )
    .await;
    // rmcp's client puts its own token on every request; ours is replaced.
    let token = ProgressToken(NumberOrString::String("pages-1".into()));
    let mut params = CallToolRequestParams::new("list_users")
        .with_arguments(object(json!({"limit": 5, "fetch_all": true})));
    params.set_meta(RequestMetaObject::with_progress_token(token.clone()));
    let r = s.client.call_tool(params).await.unwrap();
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 25);
    assert_eq!(
        s.agent().progress_values(5).await,
        [1.0, 2.0, 3.0, 4.0, 5.0]
    );
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_fetch_all_stops_paging_promptly() {
    let fake = fake_org().await;
    fake.add_fault(
        Fault::new(Method::GET, "/api/v1/users")
            .always()
            .kind(FaultKind::Delay { ms: 300 }),
    );
    let s = start_agent(
        fake.base_url(),
        "okta.users.read",
        &[],
        Agent::default(),
        false,
    )
    .await;
    let params = CallToolRequestParams::new("list_users").with_arguments(object(
        json!({"limit": 1, "fetch_all": true, "max_pages": 100}),
    ));
    // Dropping the request future sends notifications/cancelled.
    let call = s.client.call_tool_once(params);
    let outcome = tokio::time::timeout(Duration::from_millis(1200), call).await;
    assert!(outcome.is_err(), "the call was still running");
    let at_cancel = requests_with(&fake, "GET", "/api/v1/users");
    assert!(at_cancel >= 2, "{at_cancel} pages before cancelling");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = requests_with(&fake, "GET", "/api/v1/users");
    assert!(
        later <= at_cancel + 1,
        "paging went on after cancellation: {at_cancel} -> {later}"
    );
    // The server still answers.
    fake.clear_faults();
    let r = s.call("get_scope_status", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let r = s.call("list_users", json!({"limit": 2})).await;
    assert_eq!(structured(&r)["items"].as_array().unwrap().len(), 2);
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_cap_cursors_return_every_user_exactly_once() {
    let fake = fake_org().await;
    let s = start(
        fake.base_url(),
        "okta.users.read",
        &[("OKTA_MAX_OUTPUT_BYTES", "2500")],
    )
    .await;
    let mut ids: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut cut = 0;
    for _ in 0..200 {
        let mut args = json!({"limit": 7});
        if let Some(a) = &after {
            args["after"] = a.clone().into();
        }
        let r = s.call("list_users", args).await;
        assert!(!is_error(&r), "{}", text(&r));
        let st = structured(&r);
        assert!(r.content.iter().all(|c| c.as_text().is_some()));
        assert!(
            serde_json::to_string(&st["items"]).unwrap().len() <= 2500,
            "items over the cap"
        );
        let items = st["items"].as_array().unwrap();
        assert!(!items.is_empty(), "no progress at {after:?}");
        ids.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        if st["notice"]
            .as_str()
            .is_some_and(|n| n.contains("output cut"))
        {
            cut += 1;
        }
        match st["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(cut > 0, "the cap never cut a page");
    let mut expected: Vec<String> = fake
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    let mut got = ids.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "every user exactly once (in order: {ids:?})");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_project_and_list_users_sends_okta_fields() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.users.read okta.groups.read", &[]).await;
    fake.clear_requests();
    let r = s
        .call(
            "list_users",
            json!({"limit": 3, "fields": "profile.login,status"}),
        )
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    for u in structured(&r)["items"].as_array().unwrap() {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["profile", "status"], "{u}");
        assert_eq!(u["profile"].as_object().unwrap().len(), 1, "{u}");
        assert!(u["profile"]["login"].is_string());
    }
    let q = fake.requests()[0].query.clone().unwrap_or_default();
    let sent: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    assert!(
        sent.contains(&("fields".into(), "id,status,profile:(login)".into())),
        "{sent:?}"
    );

    // Other tools project locally and send no `fields`.
    fake.clear_requests();
    let r = s
        .call(
            "list_groups",
            json!({"limit": 2, "fields": "id,profile.name"}),
        )
        .await;
    for g in structured(&r)["items"].as_array().unwrap() {
        assert_eq!(g.as_object().unwrap().len(), 2, "{g}");
    }
    let q = fake.requests()[0].query.clone().unwrap_or_default();
    assert!(!q.contains("fields"), "{q}");
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Injection.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_cannot_change_the_path() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.groups.read okta.users.read", &[]).await;
    fake.clear_requests();
    for (id, expect) in [
        ("../users", "/api/v1/groups/..%2Fusers"),
        ("00g1?limit=1#x", "/api/v1/groups/00g1%3Flimit=1%23x"),
        ("a/../../users", "/api/v1/groups/a%2F..%2F..%2Fusers"),
    ] {
        fake.clear_requests();
        let r = s.call("get_group", json!({"groupId": id})).await;
        assert!(is_error(&r), "{id}: {}", text(&r));
        let seen = fake.requests();
        assert_eq!(seen.len(), 1, "{id}");
        assert_eq!(seen[0].path, expect, "{id}");
        assert!(seen[0].query.is_none(), "{id}: {:?}", seen[0].query);
    }
    fake.clear_requests();
    for id in ["..", ".", "a\\..\\users", ""] {
        let r = s.call("get_group", json!({"groupId": id})).await;
        assert!(is_error(&r), "{id:?}");
        assert!(text(&r).contains("not a valid id"), "{id:?}: {}", text(&r));
    }
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "get_user", "arguments": {"id": ".."}}),
        )
        .await;
    assert!(text(&r).contains("not a valid id"), "{}", text(&r));
    assert!(fake.requests().is_empty(), "refused ids send nothing");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failure_user_cannot_break_out_of_the_filter() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.logs.read", &[]).await;
    fake.clear_requests();
    let evil = r#"x" or actor.id sw "\"#;
    let r = s
        .call("get_login_failures", json!({"user": evil, "since": "-1h"}))
        .await;
    assert!(!is_error(&r), "{}", text(&r));
    let req = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/logs")
        .expect("a System Log request");
    let q = req.query.unwrap_or_default();
    let filter = url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())
        .expect("a filter");
    assert!(
        filter.contains(r#""x\" or actor.id sw \"\\""#),
        "quote and backslash escaped: {filter}"
    );
    s.stop().await;
}
