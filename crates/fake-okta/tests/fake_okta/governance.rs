//! The Identity Governance endpoints: envelope paging, scope checks, and the flows the
//! curated OIG tools drive (campaigns, reviews, requests, bundles, grants).

use std::collections::HashSet;

use fake_okta::{Credential, FakeOkta};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{SSWS, client, get, get_url, json, okta_error, send, start};

/// Follows `_links.next.href` from `path`, returning every page's body.
async fn envelope_pages(fake: &FakeOkta, path: &str, auth: &str) -> Vec<Value> {
    let mut url = Some(format!("{}{path}", fake.base_url()));
    let mut pages = Vec::new();
    while let Some(u) = url {
        let response = get_url(&u, Some(auth)).await;
        assert_eq!(response.status(), 200, "{u}");
        assert!(
            response.headers().get("link").is_none(),
            "envelope lists carry their links in the body"
        );
        let body = json(response).await;
        url = body["_links"]["next"]["href"].as_str().map(str::to_string);
        pages.push(body);
        assert!(pages.len() < 100, "paging must end");
    }
    pages
}

fn ids(pages: &[Value], key: &str) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p[key].as_array().unwrap().clone())
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn governance_lists_page_in_envelopes() {
    let fake = start().await;
    let pages = envelope_pages(&fake, "/governance/api/v1/reviews?limit=10", SSWS).await;
    // 25 reviews of the active campaign and 10 of the completed one.
    assert_eq!(pages.len(), 4);
    let all = ids(&pages, "data");
    assert_eq!(all.len(), 35);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        35,
        "no review twice"
    );
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "id order");
    assert_eq!(pages[0]["metadata"]["total"], 35);
    let next = pages[0]["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next.contains("after=") && next.ends_with("&limit=10"),
        "{next}"
    );
    assert!(!next.contains(&all[9]), "the cursor is opaque: {next}");
    assert!(pages[3]["_links"]["next"].is_null());
    assert_eq!(
        pages[0]["_links"]["self"]["href"],
        format!("{}/governance/api/v1/reviews?limit=10", fake.base_url())
    );

    // Default page size 20, most 200.
    let body = json(get(&fake, "/governance/api/v1/reviews").await).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 20);
    let body = json(get(&fake, "/governance/api/v1/grants?limit=1000").await).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 20);

    // A filter narrows the list and its next links keep it.
    let campaigns = json(get(&fake, "/governance/api/v1/campaigns").await).await;
    let active = campaigns["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "ACTIVE")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path =
        format!("/governance/api/v1/reviews?filter=campaignId%20eq%20%22{active}%22&limit=7");
    let pages = envelope_pages(&fake, &path, SSWS).await;
    assert_eq!(ids(&pages, "data").len(), 25);
    assert!(
        pages
            .iter()
            .flat_map(|p| p["data"].as_array().unwrap().clone())
            .all(|r| r["campaignId"] == active.as_str())
    );

    // A cursor the fake did not make is refused.
    let bad = get(&fake, "/governance/api/v1/campaigns?after=00u1").await;
    okta_error(bad, 400, "E0000001").await;
}

#[tokio::test]
async fn every_governance_list_is_an_envelope() {
    let fake = start().await;
    for (path, count) in [
        ("/governance/api/v1/campaigns", 3),
        ("/governance/api/v1/entitlements", 6),
        ("/governance/api/v1/entitlements/values", 30),
        ("/governance/api/v1/entitlement-bundles", 12),
        ("/governance/api/v1/grants", 20),
        ("/governance/api/v1/requests", 8),
        ("/governance/api/v2/requests", 8),
    ] {
        let pages = envelope_pages(&fake, &format!("{path}?limit=5"), SSWS).await;
        assert_eq!(ids(&pages, "data").len(), count, "{path}");
        assert_eq!(pages.len(), count.div_ceil(5), "{path}");
    }
    let roles = envelope_pages(&fake, "/api/v1/iam/roles?limit=5", SSWS).await;
    assert_eq!(ids(&roles, "roles").len(), 12);
    assert!(roles[0].get("data").is_none() && roles[0].get("metadata").is_none());
}

/// A token from the fake's token endpoint holding `scope`.
async fn token(fake: &FakeOkta, scope: &str) -> String {
    let body = client()
        .post(format!("{}/oauth2/v1/token", fake.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&scope={}",
            scope.replace(' ', "%20")
        ))
        .send()
        .await
        .unwrap();
    let body = json(body).await;
    format!("Bearer {}", body["access_token"].as_str().unwrap())
}

#[tokio::test]
async fn governance_checks_scopes_and_manage_implies_read() {
    let fake = start().await;
    let reader = token(&fake, "okta.governance.accessCertifications.read").await;
    let base = fake.base_url().to_string();
    let ok = get_url(
        &format!("{base}/governance/api/v1/campaigns"),
        Some(&reader),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let campaigns = json(ok).await;
    let scheduled = campaigns["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "SCHEDULED")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Reading entitlements needs another scope.
    let refused = get_url(
        &format!("{base}/governance/api/v1/entitlements"),
        Some(&reader),
    )
    .await;
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"okta.governance.entitlements.read\""),
        "{challenge}"
    );
    okta_error(refused, 403, "E0000006").await;

    // Launching needs .manage; refused, and nothing changed.
    let launch = client()
        .post(format!(
            "{base}/governance/api/v1/campaigns/{scheduled}/launch"
        ))
        .header("authorization", &reader)
        .send()
        .await
        .unwrap();
    okta_error(launch, 403, "E0000006").await;
    let still = json(get(&fake, &format!("/governance/api/v1/campaigns/{scheduled}")).await).await;
    assert_eq!(still["status"], "SCHEDULED");

    // .manage alone also reads.
    let manager = token(&fake, "okta.governance.accessCertifications.manage").await;
    let list = get_url(&format!("{base}/governance/api/v1/reviews"), Some(&manager)).await;
    assert_eq!(list.status(), 200);
    let launch = client()
        .post(format!(
            "{base}/governance/api/v1/campaigns/{scheduled}/launch"
        ))
        .header("authorization", &manager)
        .send()
        .await
        .unwrap();
    assert_eq!(launch.status(), 202);

    // The v2 requests take the okta.accessRequests scopes, not the v1 ones.
    let v1 = token(&fake, "okta.governance.accessRequests.read").await;
    let r = get_url(&format!("{base}/governance/api/v2/requests"), Some(&v1)).await;
    okta_error(r, 403, "E0000006").await;
    let r = get_url(&format!("{base}/governance/api/v1/requests"), Some(&v1)).await;
    assert_eq!(r.status(), 200);

    // A configured credential may scope itself the same way; the Management API
    // does not check scopes here.
    let scoped = FakeOkta::builder()
        .users(3)
        .accept_scoped_token(Credential::Bearer("b1".into()), "okta.users.read")
        .start()
        .await
        .unwrap();
    let url = format!("{}/governance/api/v1/grants", scoped.base_url());
    okta_error(get_url(&url, Some("Bearer b1")).await, 403, "E0000006").await;
    let users = get_url(
        &format!("{}/api/v1/users", scoped.base_url()),
        Some("Bearer b1"),
    )
    .await;
    assert_eq!(users.status(), 200);
}

#[tokio::test]
async fn campaigns_launch_and_end_once() {
    let fake = start().await;
    let created = send(
        &fake,
        Method::POST,
        "/governance/api/v1/campaigns",
        Some(json!({
            "name": "Contractor review",
            "scheduleSettings": {"type": "ONE_OFF", "startDate": "2030-01-01T00:00:00Z"},
            "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": "0oa1"}]},
            "reviewerSettings": {"type": "USER", "reviewerId": "00u1"},
            "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "NO_ACTION", "noResponse": "NO_ACTION"},
        })),
    )
    .await;
    assert_eq!(created.status(), 201);
    let campaign = json(created).await;
    let id = campaign["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ici"), "{id}");
    assert_eq!(campaign["status"], "SCHEDULED");

    let missing = send(
        &fake,
        Method::POST,
        "/governance/api/v1/campaigns",
        Some(json!({"name": "x"})),
    )
    .await;
    okta_error(missing, 400, "E0000001").await;

    let end_early = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/campaigns/{id}/end"),
        None,
    )
    .await;
    okta_error(end_early, 409, "E0000195").await;
    let launch = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/campaigns/{id}/launch"),
        None,
    )
    .await;
    assert_eq!(launch.status(), 202);
    assert!(
        launch.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&id)
    );
    let reviews = json(
        get(
            &fake,
            &format!("/governance/api/v1/reviews?filter=campaignId%20eq%20%22{id}%22"),
        )
        .await,
    )
    .await;
    assert_eq!(
        reviews["data"].as_array().unwrap().len(),
        10,
        "launch assigns reviews"
    );
    let again = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/campaigns/{id}/launch"),
        None,
    )
    .await;
    okta_error(again, 409, "E0000195").await;
    let delete = send(
        &fake,
        Method::DELETE,
        &format!("/governance/api/v1/campaigns/{id}"),
        None,
    )
    .await;
    okta_error(delete, 409, "E0000195").await;
    let end = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/campaigns/{id}/end"),
        None,
    )
    .await;
    assert_eq!(end.status(), 202);
    let done = json(get(&fake, &format!("/governance/api/v1/campaigns/{id}")).await).await;
    assert_eq!(done["status"], "COMPLETED");
    let gone = get(&fake, "/governance/api/v1/campaigns/ici000000nothing").await;
    okta_error(gone, 404, "E0000007").await;
}

#[tokio::test]
async fn requests_messages_bundles_grants_and_principal_entitlements() {
    let fake = start().await;
    let created = send(
        &fake,
        Method::POST,
        "/governance/api/v1/requests",
        Some(json!({"subject": "Need Salesforce", "requestTypeId": "rtp1"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let request = json(created).await;
    assert_eq!(request["requestStatus"], "OPEN");
    let rid = request["id"].as_str().unwrap().to_string();
    let msg = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/requests/{rid}/messages"),
        Some(json!({"message": "Approved by my manager"})),
    )
    .await;
    assert_eq!(msg.status(), 201);
    let empty = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v1/requests/{rid}/messages"),
        Some(json!({"message": " "})),
    )
    .await;
    okta_error(empty, 400, "E0000001").await;
    let read = json(get(&fake, &format!("/governance/api/v1/requests/{rid}")).await).await;
    assert_eq!(read["messages"][0]["message"], "Approved by my manager");

    let entitlements = json(get(&fake, "/governance/api/v1/entitlements").await).await;
    let ent = entitlements["data"][0].clone();
    let ent_id = ent["id"].as_str().unwrap().to_string();
    let values = json(
        get(
            &fake,
            &format!("/governance/api/v1/entitlements/{ent_id}/values"),
        )
        .await,
    )
    .await;
    let values = values["data"].as_array().unwrap().clone();
    assert_eq!(values.len(), 5);
    assert!(values.iter().all(|v| v["entitlementId"] == ent_id.as_str()));
    let value_id = values[4]["id"].as_str().unwrap().to_string();

    let bundle = send(
        &fake,
        Method::POST,
        "/governance/api/v1/entitlement-bundles",
        Some(json!({
            "name": "Sales admin",
            "target": ent["parent"],
            "entitlements": [{"id": ent_id, "values": [{"id": value_id}]}],
        })),
    )
    .await;
    assert_eq!(bundle.status(), 201);
    let bundle_id = json(bundle).await["id"].as_str().unwrap().to_string();
    let bad_bundle = send(
        &fake,
        Method::POST,
        "/governance/api/v1/entitlement-bundles",
        Some(json!({"name": "x", "target": ent["parent"], "entitlements": [{"id": "espNope"}]})),
    )
    .await;
    okta_error(bad_bundle, 404, "E0000007").await;

    // A user with no grant yet gets the bundle; principal entitlements show it.
    let user = fake.users()[24]["id"].as_str().unwrap().to_string();
    let filter = format!(
        "/governance/api/v1/principal-entitlements?filter=targetPrincipal.externalId%20eq%20%22{user}%22"
    );
    let before = json(get(&fake, &filter).await).await;
    assert_eq!(before["data"].as_array().unwrap().len(), 0, "{before}");
    let grant = send(
        &fake,
        Method::POST,
        "/governance/api/v1/grants",
        Some(json!({
            "grantType": "ENTITLEMENT-BUNDLE",
            "entitlementBundleId": bundle_id,
            "target": ent["parent"],
            "targetPrincipal": {"externalId": user, "type": "OKTA_USER"},
        })),
    )
    .await;
    assert_eq!(grant.status(), 201);
    let after = json(get(&fake, &filter).await).await;
    let held = after["data"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["id"], ent_id.as_str());
    assert_eq!(held[0]["values"][0]["id"], value_id.as_str());
    // The spec's filter names the app as parent; another app holds nothing.
    let app = ent["parent"]["externalId"].as_str().unwrap();
    let in_app = |app: &str| {
        format!(
            "/governance/api/v1/principal-entitlements?filter={}",
            format!("parent.externalId eq \"{app}\" and parent.type eq \"APPLICATION\" and targetPrincipal.externalId eq \"{user}\" and targetPrincipal.type eq \"OKTA_USER\"")
                .replace(' ', "%20")
                .replace('"', "%22")
        )
    };
    let scoped = json(get(&fake, &in_app(app)).await).await;
    assert_eq!(scoped["data"], after["data"]);
    let other = json(get(&fake, &in_app("0oa000000000other000")).await).await;
    assert_eq!(other["data"].as_array().unwrap().len(), 0, "{other}");
    let no_filter = get(&fake, "/governance/api/v1/principal-entitlements").await;
    okta_error(no_filter, 400, "E0000001").await;
    let stranger = send(
        &fake,
        Method::POST,
        "/governance/api/v1/grants",
        Some(json!({"grantType": "CUSTOM", "targetPrincipal": {"externalId": "00uNobody"}, "entitlements": [{"id": ent_id}]})),
    )
    .await;
    okta_error(stranger, 400, "E0000001").await;
}

#[tokio::test]
async fn security_access_review_actions_change_the_access_item() {
    let fake = start().await;
    let reviews = json(get(&fake, "/governance/api/v2/security-access-reviews").await).await;
    let reviews = reviews["data"].as_array().unwrap().clone();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["status"], "ACTIVE");
    let sar = reviews[0]["id"].as_str().unwrap().to_string();
    let path = format!("/governance/api/v2/security-access-reviews/{sar}/accesses");
    let items = json(get(&fake, &path).await).await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 3, "one access item per app, three at most");
    let item = items[0]["id"].as_str().unwrap().to_string();
    assert_eq!(items[0]["remediationStatus"], "NONE");
    let actions = format!("{path}/{item}/actions");
    let act = |action: &str| send(&fake, Method::POST, &actions, Some(json!({"type": action})));

    // An action the item does not support now, or no action at all: 400.
    okta_error(act("RESTORE_ACCESS").await, 400, "E0000001").await;
    okta_error(act("APPROVE").await, 400, "E0000001").await;

    let revoked = act("REVOKE_ACCESS").await;
    assert_eq!(revoked.status(), 202);
    assert!(
        revoked.bytes().await.unwrap().is_empty(),
        "202 without a body"
    );
    let after = json(get(&fake, &path).await).await;
    let changed = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == item.as_str())
        .unwrap()
        .clone();
    assert_eq!(changed["remediationStatus"], "REMEDIATED");
    assert_eq!(changed["supportedActions"], json!(["RESTORE_ACCESS"]));
    assert_eq!(
        after["data"][1]["remediationStatus"], "NONE",
        "one item only"
    );
    okta_error(act("REVOKE_ACCESS").await, 400, "E0000001").await;
    assert_eq!(act("RESTORE_ACCESS").await.status(), 202);

    let missing = send(
        &fake,
        Method::POST,
        &format!("{path}/aim000000nothing0000/actions"),
        Some(json!({"type": "REVOKE_ACCESS"})),
    )
    .await;
    okta_error(missing, 404, "E0000007").await;

    // The admin scopes gate both calls; manage implies read.
    let reader = token(&fake, "okta.governance.securityAccessReviews.admin.read").await;
    let url = format!("{}{path}/{item}/actions", fake.base_url());
    let refused = client()
        .post(&url)
        .header("authorization", &reader)
        .json(&json!({"type": "REVOKE_ACCESS"}))
        .send()
        .await
        .unwrap();
    okta_error(refused, 403, "E0000006").await;
    let manager = token(&fake, "okta.governance.securityAccessReviews.admin.manage").await;
    let listed = get_url(&format!("{}{path}", fake.base_url()), Some(&manager)).await;
    assert_eq!(listed.status(), 200);
}

#[tokio::test]
async fn add_campaigns_makes_scheduled_campaigns_in_listing_order() {
    let fake = start().await;
    let added = fake.add_campaigns(42);
    assert_eq!(added.len(), 42);
    let pages = envelope_pages(&fake, "/governance/api/v1/campaigns?limit=20", SSWS).await;
    assert_eq!(pages.len(), 3);
    let all = ids(&pages, "data");
    assert_eq!(all.len(), 45, "3 seeded and 42 added");
    assert_eq!(all[3..], added[..]);
}

#[tokio::test]
async fn v2_requests_are_catalog_entries_requested_for_a_user() {
    let fake = start().await;
    let listed = json(get(&fake, "/governance/api/v2/requests?limit=200").await).await;
    let listed = listed["data"].as_array().unwrap().clone();
    assert!(
        listed
            .iter()
            .all(|r| r["requestedFor"]["type"] == "OKTA_USER"
                && r["requested"]["entryId"].is_string()
                && r.get("subject").is_none())
    );
    let pending = json(
        get(
            &fake,
            "/governance/api/v2/requests?filter=status%20eq%20%22PENDING%22",
        )
        .await,
    )
    .await;
    assert_eq!(pending["data"].as_array().unwrap().len(), 2);

    let user = fake.users()[3]["id"].as_str().unwrap().to_string();
    let created = send(
        &fake,
        Method::POST,
        "/governance/api/v2/requests",
        Some(json!({
            "requested": {"type": "CATALOG_ENTRY", "entryId": "cen1234567890abcdefg"},
            "requestedFor": {"type": "OKTA_USER", "externalId": user},
        })),
    )
    .await;
    assert_eq!(created.status(), 202);
    let request = json(created).await;
    assert_eq!(request["status"], "SUBMITTED");
    assert_eq!(request["requestedFor"]["externalId"], user.as_str());
    assert_eq!(request["requested"]["entryId"], "cen1234567890abcdefg");
    let id = request["id"].as_str().unwrap().to_string();
    let read = json(get(&fake, &format!("/governance/api/v2/requests/{id}")).await).await;
    assert_eq!(read, request);
    // v1 does not know it.
    okta_error(
        get(&fake, &format!("/governance/api/v1/requests/{id}")).await,
        404,
        "E0000007",
    )
    .await;

    let stranger = send(
        &fake,
        Method::POST,
        "/governance/api/v2/requests",
        Some(json!({
            "requested": {"type": "CATALOG_ENTRY", "entryId": "cen1234567890abcdefg"},
            "requestedFor": {"type": "OKTA_USER", "externalId": "00u000000000nobody00"},
        })),
    )
    .await;
    okta_error(stranger, 400, "E0000001").await;

    let msg = send(
        &fake,
        Method::POST,
        &format!("/governance/api/v2/requests/{id}/messages"),
        Some(json!({"message": "Please decide by Friday"})),
    )
    .await;
    assert_eq!(msg.status(), 201);
    assert_eq!(
        fake.request_messages(&id)[0]["message"],
        "Please decide by Friday"
    );
}
