//! Every curated Identity Governance tool run through the real binary against
//! the fake, as an admin would with an OAuth access token holding the OIG
//! scopes (the fake checks them on every call): campaigns listed, read,
//! launched and ended (both put to the person, who says yes), their reviews,
//! a decision on a security access review, access requests created, read and
//! messaged, entitlements and values, grants, principal entitlements and
//! bundles. Each step checks the data, ids and names made or read earlier;
//! the gateway reaches operations no curated tool covers and refuses one
//! whose scope is not configured, sending nothing.

mod support;

use rmcp::model::{CallToolResult, ElicitationAction};
use serde_json::{Value, json};
use support::agent::*;
use support::*;

/// The access token the fake issued, holding exactly [`OIG_SCOPES`].
const BEARER: &str = "oig-access-token-7c2e91";

/// The daily-work scopes the README asks for (`.manage` implies `.read`).
const OIG_SCOPES: &str = "okta.governance.accessCertifications.manage \
    okta.governance.securityAccessReviews.admin.manage \
    okta.accessRequests.request.manage \
    okta.governance.entitlements.manage";

const CURATED: [&str; 16] = [
    "list_campaigns",
    "get_campaign",
    "launch_campaign",
    "end_campaign",
    "list_campaign_reviews",
    "record_review_decision",
    "list_access_requests",
    "get_access_request",
    "create_access_request",
    "add_access_request_message",
    "list_entitlements",
    "list_entitlement_values",
    "list_grants",
    "list_principal_entitlements",
    "list_entitlement_bundles",
    "create_entitlement_bundle",
];

/// A fake org that accepts only [`BEARER`], scoped to [`OIG_SCOPES`].
async fn oig_org() -> FakeOkta {
    FakeOkta::builder()
        .users(25)
        .accept_scoped_token(Credential::Bearer(BEARER.into()), OIG_SCOPES)
        .start()
        .await
        .expect("fake Okta starts")
}

/// The server with that token and those scopes; the person says yes.
async fn oig_admin(fake: &FakeOkta) -> AgentServer {
    start_agent(
        fake.base_url(),
        OIG_SCOPES,
        &[("OKTA_API_TOKEN", ""), ("OKTA_ACCESS_TOKEN", BEARER)],
        Agent::answering(ElicitationAction::Accept),
        false,
    )
    .await
}

/// The tool name of an operation (the gateway's names).
fn tool_of(operation_id: &str) -> &'static str {
    okta_mcp::tool_table::TOOLS
        .iter()
        .find(|t| t.operation_id == operation_id && t.handler.is_none())
        .unwrap_or_else(|| panic!("no tool for {operation_id}"))
        .name
}

/// Runs a tool that must succeed; its structured result.
async fn ok(s: &AgentServer, tool: &str, args: Value) -> Value {
    let r: CallToolResult = s.call(tool, args.clone()).await;
    assert!(!is_error(&r), "{tool} {args}: {}", text(&r));
    structured(&r)
}

/// A list tool's items (every page).
async fn items(s: &AgentServer, tool: &str, mut args: Value) -> Vec<Value> {
    args["fetch_all"] = true.into();
    let st = ok(s, tool, args).await;
    assert!(st["next_cursor"].is_null(), "{tool}: {st}");
    st["items"].as_array().expect("items").clone()
}

/// Runs an operation through `call_okta_operation`.
async fn gateway(s: &AgentServer, operation_id: &str, arguments: Value) -> Value {
    ok(
        s,
        "call_okta_operation",
        json!({"name": tool_of(operation_id), "arguments": arguments}),
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn eq(field: &str, value: &str) -> String {
    format!("{field} eq \"{value}\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_are_listed_read_launched_reviewed_and_ended() {
    let fake = oig_org().await;
    let s = oig_admin(&fake).await;
    let listed: Vec<String> = s
        .client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    for t in CURATED {
        assert!(listed.iter().any(|n| n == t), "{t} not in {listed:?}");
    }

    // The seeded campaigns, by status.
    let all = items(&s, "list_campaigns", json!({})).await;
    let names: Vec<&str> = all.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Quarterly Sales access review",
            "Engineering app review",
            "Finance year-end review"
        ]
    );
    let scheduled = items(
        &s,
        "list_campaigns",
        json!({"filter": eq("status", "SCHEDULED")}),
    )
    .await;
    assert_eq!(scheduled.len(), 1, "{scheduled:?}");
    let campaign = id(&scheduled[0]);
    let read = ok(&s, "get_campaign", json!({"campaignId": campaign})).await;
    assert_eq!(read["name"], "Engineering app review");
    assert_eq!(read["status"], "SCHEDULED");

    // Launching is a change: the person is asked, says yes, and it is sent.
    let before = s.agent().asked().len();
    ok(&s, "launch_campaign", json!({"campaignId": campaign})).await;
    let asked = s.agent().asked();
    assert_eq!(asked.len(), before + 1, "launch was put to the person");
    assert!(
        asked.last().unwrap().contains("launch_campaign"),
        "{asked:?}"
    );
    let read = ok(&s, "get_campaign", json!({"campaignId": campaign})).await;
    assert_eq!(read["status"], "ACTIVE");

    // The launch assigned a review per user of the first ten.
    let reviews = items(
        &s,
        "list_campaign_reviews",
        json!({"filter": eq("campaignId", &campaign)}),
    )
    .await;
    assert_eq!(reviews.len(), 10);
    let first_users: Vec<String> = fake.users()[..10].iter().map(id).collect();
    let reviewed: Vec<String> = reviews
        .iter()
        .map(|r| {
            assert_eq!(r["campaignId"], campaign.as_str());
            assert_eq!(r["decision"], "UNREVIEWED");
            r["principalProfile"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(reviewed, first_users);
    // A non-curated read through the gateway: one of those reviews.
    let review = gateway(&s, "getReview", json!({"reviewId": id(&reviews[0])})).await;
    assert_eq!(review["campaignId"], campaign.as_str());

    ok(&s, "end_campaign", json!({"campaignId": campaign})).await;
    let asked = s.agent().asked();
    assert_eq!(asked.len(), before + 2, "end was put to the person");
    assert!(asked.last().unwrap().contains("end_campaign"), "{asked:?}");
    let read = ok(&s, "get_campaign", json!({"campaignId": campaign})).await;
    assert_eq!(read["status"], "COMPLETED");
    // Ending it twice: Okta's conflict comes back as an error.
    let again = s
        .call("end_campaign", json!({"campaignId": campaign}))
        .await;
    assert!(is_error(&again), "{}", text(&again));
    assert!(text(&again).contains("409"), "{}", text(&again));
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_decision_revokes_an_access_item_after_a_yes() {
    let fake = oig_org().await;
    let s = oig_admin(&fake).await;
    // The security access review and its items: non-curated, through the gateway.
    let reviews = gateway(&s, "listSecurityAccessReviews", json!({})).await;
    let review = id(&reviews["items"][0]);
    let accesses = gateway(
        &s,
        "listSecurityAccessReviewAccesses",
        json!({"securityAccessReviewId": review}),
    )
    .await;
    let item = accesses["items"][0].clone();
    assert_eq!(item["remediationStatus"], "NONE");
    let target = id(&item);

    let r = ok(
        &s,
        "record_review_decision",
        json!({"securityAccessReviewId": review, "securityAccessReviewTargetId": target,
               "body": {"type": "REVOKE_ACCESS"}}),
    )
    .await;
    let asked = s.agent().asked();
    assert_eq!(asked.len(), 1, "the revoke was put to the person: {r}");
    assert!(asked[0].contains("record_review_decision"), "{asked:?}");
    let posted: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "POST")
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].path,
        format!("/governance/api/v2/security-access-reviews/{review}/accesses/{target}/actions")
    );
    let accesses = gateway(
        &s,
        "listSecurityAccessReviewAccesses",
        json!({"securityAccessReviewId": review}),
    )
    .await;
    let after: Vec<&Value> = accesses["items"].as_array().unwrap().iter().collect();
    assert_eq!(after[0]["id"], target.as_str());
    assert_eq!(after[0]["remediationStatus"], "REMEDIATED");
    assert_eq!(after[0]["supportedActions"], json!(["RESTORE_ACCESS"]));
    assert_eq!(after[1]["remediationStatus"], "NONE", "only that item");

    // Revoking it again: Okta's 400 comes back as an error naming the cause.
    let again = s
        .call(
            "record_review_decision",
            json!({"securityAccessReviewId": review, "securityAccessReviewTargetId": target,
                   "body": {"type": "REVOKE_ACCESS"}}),
        )
        .await;
    assert!(is_error(&again), "{}", text(&again));
    assert!(
        text(&again).contains("not a supported action"),
        "{}",
        text(&again)
    );
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_requests_are_listed_created_read_and_messaged() {
    let fake = oig_org().await;
    let s = oig_admin(&fake).await;
    let all = items(&s, "list_access_requests", json!({})).await;
    assert_eq!(all.len(), 8);
    let pending = items(
        &s,
        "list_access_requests",
        json!({"filter": eq("status", "PENDING")}),
    )
    .await;
    assert_eq!(pending.len(), 2);
    assert!(
        pending.iter().all(|r| r["status"] == "PENDING"),
        "{pending:?}"
    );

    let user = id(&fake.users()[12]);
    let created = ok(
        &s,
        "create_access_request",
        json!({"body": {
            "requested": {"type": "CATALOG_ENTRY", "entryId": "cen7Hq2mS0xYpR4vLw0g"},
            "requestedFor": {"type": "OKTA_USER", "externalId": user},
        }}),
    )
    .await;
    let request = id(&created);
    assert_eq!(created["status"], "SUBMITTED");
    let read = ok(&s, "get_access_request", json!({"requestId": request})).await;
    assert_eq!(read["requestedFor"]["externalId"], user.as_str());
    assert_eq!(read["requested"]["entryId"], "cen7Hq2mS0xYpR4vLw0g");
    let all = items(&s, "list_access_requests", json!({})).await;
    assert_eq!(all.len(), 9);
    assert_eq!(id(all.last().unwrap()), request, "the new one lists last");

    let text_sent = "Please decide by Friday.";
    ok(
        &s,
        "add_access_request_message",
        json!({"requestId": request, "body": {"message": text_sent}}),
    )
    .await;
    let messages = fake.request_messages(&request);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["message"], text_sent);

    // An unknown request: Okta's 404, as an error.
    let r = s
        .call(
            "get_access_request",
            json!({"requestId": "req0000000000nothing"}),
        )
        .await;
    assert!(is_error(&r) && text(&r).contains("404"), "{}", text(&r));
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entitlements_values_grants_and_bundles() {
    let fake = oig_org().await;
    let s = oig_admin(&fake).await;
    let app = id(&fake.apps()[1]);
    let in_app = format!(
        "{} and {}",
        eq("parent.externalId", &app),
        eq("parent.type", "APPLICATION")
    );
    let entitlements = items(&s, "list_entitlements", json!({"filter": in_app})).await;
    let names: Vec<&str> = entitlements
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["License", "Profile", "Team"], "the app's own");
    let license = id(&entitlements[0]);
    let values = items(
        &s,
        "list_entitlement_values",
        json!({"entitlementId": license}),
    )
    .await;
    let value_names: Vec<&str> = values.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(
        value_names,
        [
            "License 1",
            "License 2",
            "License 3",
            "License 4",
            "License 5"
        ]
    );

    // The seeded grant of user 1 (index 1): the License entitlement.
    let user = id(&fake.users()[1]);
    let of_user = format!(
        "{} and {}",
        eq("targetPrincipal.externalId", &user),
        eq("targetPrincipal.type", "OKTA_USER")
    );
    let grants = items(&s, "list_grants", json!({"filter": of_user})).await;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0]["target"]["externalId"], app.as_str());
    assert_eq!(grants[0]["entitlements"][0]["id"], license.as_str());
    let held_value = grants[0]["entitlements"][0]["values"][0]["id"].clone();
    let held = ok(
        &s,
        "list_principal_entitlements",
        json!({"filter": format!("{in_app} and {of_user}")}),
    )
    .await;
    let held = held["items"].as_array().expect("an envelope list").clone();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["id"], license.as_str());
    assert_eq!(held[0]["values"][0]["id"], held_value);

    // A bundle of two License values, then found by name and through the gateway.
    let bundles = items(&s, "list_entitlement_bundles", json!({})).await;
    assert_eq!(bundles.len(), 12);
    let created = ok(
        &s,
        "create_entitlement_bundle",
        json!({"body": {
            "name": "Sales licences",
            "description": "Made by governance_e2e",
            "target": {"externalId": app, "type": "APPLICATION"},
            "entitlements": [{"id": license, "values": [{"id": id(&values[0])}, {"id": id(&values[1])}]}],
        }}),
    )
    .await;
    let bundle = id(&created);
    assert_eq!(created["name"], "Sales licences");
    let found = items(
        &s,
        "list_entitlement_bundles",
        json!({"filter": eq("name", "Sales licences")}),
    )
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!(id(&found[0]), bundle);
    let read = gateway(
        &s,
        "getEntitlementBundle",
        json!({"entitlementBundleId": bundle}),
    )
    .await;
    assert_eq!(
        read["entitlements"][0]["values"][1]["id"],
        id(&values[1]).as_str()
    );
    s.client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_an_oig_operation_whose_scope_is_missing() {
    let fake = oig_org().await;
    let s = oig_admin(&fake).await;
    fake.clear_requests();
    for (operation, scope) in [
        ("listLabels", "okta.governance.labels.read"),
        ("createCollection", "okta.governance.collections.manage"),
    ] {
        let r = s
            .call(
                "call_okta_operation",
                json!({"name": tool_of(operation), "arguments": {}}),
            )
            .await;
        assert!(is_error(&r), "{operation}: {}", text(&r));
        assert!(text(&r).contains(scope), "{operation}: {}", text(&r));
    }
    // The gateway takes tool names, which the curated descriptions use.
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "listAllDefaultEntriesV2", "arguments": {}}),
        )
        .await;
    assert!(
        is_error(&r) && text(&r).contains("no operation named"),
        "{}",
        text(&r)
    );
    for (curated, named) in [
        ("create_access_request", "list_all_default_entries_v2"),
        ("create_entitlement_bundle", "create_grant"),
    ] {
        let t = okta_mcp::tool_table::find(curated).unwrap();
        assert!(
            t.description.contains(named),
            "{curated}: {}",
            t.description
        );
        assert!(okta_mcp::tool_table::find(named).is_some(), "{named}");
    }
    assert!(
        fake.requests().is_empty(),
        "a refused call reached Okta: {:?}",
        fake.requests()
    );
    assert!(s.agent().asked().is_empty(), "nothing to confirm");
    s.client.cancel().await.ok();
}
