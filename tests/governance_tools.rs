//! Identity Governance tools through the real binary: listed by their own
//! scopes (manage implies read), selected by the `governance` toolset and
//! the narrower ones its tags give, and reached through the gateway with
//! the same gate as any tool. Nothing here needs Governance in the fake:
//! refused calls must send nothing, and the one call that is sent is checked
//! by the request the fake records (method, path, query), not by its answer.

mod support;

use std::collections::BTreeSet;

use okta_mcp::tool_table::TOOLS;
use serde_json::json;
use support::*;

const CERTIFICATION_READS: [&str; 3] = ["list_campaigns", "get_campaign", "list_campaign_reviews"];
const CERTIFICATION_WRITES: [&str; 2] = ["launch_campaign", "end_campaign"];

fn governance_tools() -> BTreeSet<&'static str> {
    TOOLS
        .iter()
        .filter(|t| t.api == "governance")
        .map(|t| t.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curated_governance_tools_are_listed_by_their_own_scopes() {
    let fake = fake_org().await;
    let url = fake.base_url();

    let s = start(url, "okta.governance.accessCertifications.read", &[]).await;
    let names = s.tool_names().await;
    s.stop().await;
    for t in CERTIFICATION_READS {
        assert!(names.iter().any(|n| n == t), "{t} not in {names:?}");
    }
    for t in CERTIFICATION_WRITES
        .iter()
        .chain(&["list_users", "list_grants"])
    {
        assert!(!names.iter().any(|n| n == t), "{t} listed: {names:?}");
    }

    // okta.governance.X.manage implies .read, as okta.X.manage does.
    let s = start(url, "okta.governance.accessCertifications.manage", &[]).await;
    let names = s.tool_names().await;
    s.stop().await;
    for t in CERTIFICATION_READS.iter().chain(&CERTIFICATION_WRITES) {
        assert!(names.iter().any(|n| n == t), "{t} not in {names:?}");
    }

    // The Management scopes alone list no Governance tool.
    let s = start(url, &scopes_of("management"), &[]).await;
    let names = s.tool_names().await;
    s.stop().await;
    let governance = governance_tools();
    assert!(
        !names.iter().any(|n| governance.contains(n.as_str())),
        "{names:?}"
    );
    assert!(fake.requests().is_empty(), "listing reached Okta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_governance_toolset_holds_every_operation_and_tags_give_narrower_ones() {
    let fake = fake_org().await;
    let url = fake.base_url();
    let scopes = all_scopes();

    let s = start(url, &scopes, &[("OKTA_TOOLSETS", "governance")]).await;
    let names: BTreeSet<String> = s.tool_names().await.into_iter().collect();
    s.stop().await;
    let listed_governance: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| governance_tools().contains(n))
        .collect();
    assert_eq!(listed_governance, governance_tools());
    let operations: BTreeSet<&str> = listed_governance
        .iter()
        .filter_map(|n| okta_mcp::tool_table::find(n))
        .map(|t| t.operation_id)
        .collect();
    assert_eq!(operations.len(), 147, "every Governance operation");
    assert!(!names.contains("list_users"), "no Management tool");

    let s = start(url, &scopes, &[("OKTA_TOOLSETS", "certifications")]).await;
    let names: BTreeSet<String> = s.tool_names().await.into_iter().collect();
    s.stop().await;
    let want: BTreeSet<&str> = TOOLS
        .iter()
        .filter(|t| t.toolset == "certifications")
        .map(|t| t.name)
        .collect();
    assert_eq!(
        want.len(),
        10,
        "Campaigns, Reviews, My Access Certification Reviews"
    );
    for t in &want {
        assert!(names.contains(*t), "{t} not listed");
    }
    assert!(
        !names.contains("list_grants"),
        "entitlements is another toolset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_reaches_governance_operations_through_the_same_gate() {
    let fake = fake_org().await;
    let url = fake.base_url();

    // Without the scope: refused, naming it, and nothing is sent.
    let s = start(url, "okta.users.read", &[]).await;
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "governance_get_org_settings", "arguments": {}}),
        )
        .await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(
        text(&r).contains("okta.governance.settings.read"),
        "{}",
        text(&r)
    );
    s.stop().await;
    assert!(fake.requests().is_empty(), "a refused call reached Okta");

    // The colliding operationIds are two operations under two names.
    let s = start(
        url,
        "okta.governance.settings.read okta.orgs.read okta.governance.accessCertifications.manage",
        &[],
    )
    .await;
    let gov = s
        .call(
            "describe_okta_operation",
            json!({"name": "governance_get_org_settings"}),
        )
        .await;
    assert_eq!(structured(&gov)["path"], "/governance/api/v1/settings");
    assert_eq!(
        structured(&gov)["scopes"],
        json!(["okta.governance.settings.read"])
    );
    let mgmt = s
        .call(
            "describe_okta_operation",
            json!({"name": "get_org_settings"}),
        )
        .await;
    assert_eq!(structured(&mgmt)["path"], "/api/v1/org", "{}", text(&mgmt));

    let launch = s
        .call(
            "describe_okta_operation",
            json!({"name": "launch_campaign"}),
        )
        .await;
    let d = structured(&launch);
    assert_eq!(d["class"], "change");
    assert_eq!(d["toolset"], "certifications");
    assert_eq!(d["method"], "POST");
    assert_eq!(
        d["path"],
        "/governance/api/v1/campaigns/{campaignId}/launch"
    );

    // A read goes out through the one client, on the Governance path.
    fake.clear_requests();
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "list_campaigns", "arguments": {"filter": "status eq \"ACTIVE\"", "limit": 5}}),
        )
        .await;
    let seen = fake.requests();
    assert_eq!(seen.len(), 1, "{}", text(&r));
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/governance/api/v1/campaigns");
    let query = seen[0].query.clone().unwrap_or_default();
    assert!(
        query.contains("limit=5") && query.contains("filter=status"),
        "{query}"
    );

    // Launching is a change: without a person's yes nothing is sent.
    fake.clear_requests();
    let r = s
        .call(
            "call_okta_operation",
            json!({"name": "launch_campaign", "arguments": {"campaignId": "icikfc0f1cG6Vmc0i0g4"}}),
        )
        .await;
    assert!(is_error(&r), "{}", text(&r));
    // The confirmation's preview may read the campaign; nothing is written.
    let sent = fake.requests();
    assert!(
        sent.iter().all(|r| r.method == "GET"),
        "an unconfirmed launch reached Okta: {:?}",
        sent.iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert!(text(&r).contains("confirm"), "{}", text(&r));
    s.stop().await;

    // A review decision may revoke: destructive, so it is put to the person
    // even when only destructive calls are (OKTA_CONFIRM=destructive).
    let s = start(
        url,
        "okta.governance.securityAccessReviews.admin.manage",
        &[("OKTA_CONFIRM", "destructive")],
    )
    .await;
    let d = structured(
        &s.call(
            "describe_okta_operation",
            json!({"name": "record_review_decision"}),
        )
        .await,
    );
    assert_eq!(d["class"], "destructive");
    assert_eq!(d["requires_confirmation"], true);
    let r = s
        .call(
            "record_review_decision",
            json!({"securityAccessReviewId": "sar1", "securityAccessReviewTargetId": "t1", "body": {"type": "REVOKE_ACCESS"}}),
        )
        .await;
    assert!(is_error(&r), "{}", text(&r));
    assert!(
        fake.requests().iter().all(|r| r.method == "GET"),
        "an unconfirmed revoke reached Okta"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_tools_all_lists_every_governance_operation_beside_the_management_ones() {
    // A user's setup: the scopes of both specs, OKTA_TOOLS=all, nothing else.
    let fake = fake_org().await;
    let scopes = format!("{} {}", scopes_of("management"), scopes_of("governance"));
    let s = start(fake.base_url(), &scopes, &[("OKTA_TOOLS", "all")]).await;
    let names: BTreeSet<String> = s.tool_names().await.into_iter().collect();
    s.stop().await;
    let listed_operations = |api: &str| -> BTreeSet<&'static str> {
        TOOLS
            .iter()
            .filter(|t| t.api == api && t.handler.is_none() && names.contains(t.name))
            .map(|t| t.operation_id)
            .collect()
    };
    // 147: the operationIds of governance-3.2.0.yaml (its README in
    // ../shared/okta-openapi says the same); a new pin changes this number.
    assert_eq!(listed_operations("governance").len(), 147);
    let scoped_management: BTreeSet<&str> = TOOLS
        .iter()
        .filter(|t| t.api == "management" && t.handler.is_none() && !t.unscoped())
        .map(|t| t.operation_id)
        .collect();
    assert!(scoped_management.len() > 500, "{}", scoped_management.len());
    assert_eq!(listed_operations("management"), scoped_management);
    assert!(fake.requests().is_empty(), "tools/list reached Okta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_names_both_specs_and_their_releases() {
    let fake = fake_org().await;
    let s = start(fake.base_url(), "okta.users.read", &[]).await;
    let info = s.client.peer_info().expect("initialize result").clone();
    s.stop().await;
    let description = info
        .server_info
        .as_ref()
        .and_then(|i| i.description.clone())
        .expect("a server description");
    let specs = okta_mcp::tool_table::SPECS;
    assert_eq!(specs.len(), 2, "{specs:?}");
    for spec in specs {
        assert!(
            description.contains(&format!("{} {}", spec.title, spec.release)),
            "{} missing from {description:?}",
            spec.name
        );
    }
    assert!(description.contains("Governance"), "{description}");
}
