//! The Identity Governance (OIG) side of the fake org: access certification campaigns
//! and their reviews, access requests and their messages, entitlements and their
//! values, entitlement bundles and grants. Shapes follow Okta Governance API 3.2.0;
//! the seed is deterministic and built around the seeded users and apps.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::ids::okta_id;
use crate::time::seeded;

/// The org id inside ORNs.
pub const ORG: &str = "00o1fakeokta0000000";

/// Every OIG object, keyed by id (ids sort in creation order, as paging needs).
#[derive(Default)]
pub struct Governance {
    pub campaigns: BTreeMap<String, Value>,
    pub reviews: BTreeMap<String, Value>,
    pub requests: BTreeMap<String, Value>,
    /// Access requests of the v2 API (catalog entries requested for a user).
    pub requests_v2: BTreeMap<String, Value>,
    /// Request id (v1 or v2) → its messages, oldest first.
    pub messages: BTreeMap<String, Vec<Value>>,
    pub entitlements: BTreeMap<String, Value>,
    pub values: BTreeMap<String, Value>,
    pub bundles: BTreeMap<String, Value>,
    pub grants: BTreeMap<String, Value>,
    /// Security access reviews (v2), keyed by id.
    pub security_reviews: BTreeMap<String, Value>,
    /// Security access review id → its access items, keyed by id.
    pub accesses: BTreeMap<String, BTreeMap<String, Value>>,
    seq: u64,
}

/// The admin recorded as creator of seeded objects.
const ADMIN: &str = "00u0000000admin0000";

impl Governance {
    /// A fresh id with `prefix`, greater than every id made before.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        okta_id(prefix, self.seq)
    }

    /// Seeds campaigns (one active with a review per user, one scheduled, one
    /// completed), requests, entitlements with values, bundles and grants.
    pub fn seed(base: &str, users: &[String], apps: &[String]) -> Self {
        let mut g = Self::default();
        let app = |i: usize| apps.get(i % apps.len().max(1)).cloned().unwrap_or_default();
        for (e, name) in [
            "Role",
            "License",
            "Region",
            "Profile",
            "Permission Set",
            "Team",
        ]
        .iter()
        .enumerate()
        {
            let id = g.new_id("esp");
            let parent = app(e % 2);
            g.entitlements
                .insert(id.clone(), entitlement(base, &id, name, &parent));
            for v in 0..5 {
                let vid = g.new_id("ent");
                let label = format!("{name} {}", v + 1);
                g.values
                    .insert(vid.clone(), value(&vid, &id, &label, &parent));
            }
        }
        let ent_ids: Vec<String> = g.entitlements.keys().cloned().collect();
        for b in 0..12 {
            let id = g.new_id("enb");
            let ent = &ent_ids[b % ent_ids.len()];
            let first_value = g
                .values
                .values()
                .find(|v| v["entitlementId"] == ent.as_str())
                .map(|v| v["id"].clone())
                .unwrap_or(Value::Null);
            let target = g.entitlements[ent]["parent"]["externalId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let body = json!({
                "name": format!("Bundle {}", b + 1),
                "description": format!("Seeded bundle {}", b + 1),
                "target": {"externalId": target, "type": "APPLICATION"},
                "entitlements": [{"id": ent, "values": [{"id": first_value}]}],
            });
            let bundle = bundle(base, &id, &body, &seeded(-(b as i64) * 60));
            g.bundles.insert(id, bundle);
        }
        for (i, user) in users.iter().enumerate().take(20) {
            let id = g.new_id("0gg");
            let ent = &ent_ids[i % ent_ids.len()];
            let value_id = g
                .values
                .values()
                .filter(|v| v["entitlementId"] == ent.as_str())
                .nth(i % 5)
                .map(|v| v["id"].clone())
                .unwrap_or(Value::Null);
            let target = g.entitlements[ent]["parent"]["externalId"].clone();
            let body = json!({
                "grantType": "CUSTOM",
                "target": {"externalId": target, "type": "APPLICATION"},
                "targetPrincipal": {"externalId": user, "type": "OKTA_USER"},
                "entitlements": [{"id": ent, "values": [{"id": value_id}]}],
                "actor": "ADMIN",
            });
            let grant = grant(base, &id, &body, &seeded(-(i as i64) * 30));
            g.grants.insert(id, grant);
        }
        let campaigns = [
            ("Quarterly Sales access review", "ACTIVE"),
            ("Engineering app review", "SCHEDULED"),
            ("Finance year-end review", "COMPLETED"),
        ];
        for (c, (name, status)) in campaigns.iter().enumerate() {
            let id = g.new_id("ici");
            let body = scheduled_campaign_body(name, &app(c));
            let mut campaign = campaign(base, &id, &body, &seeded(-2880 + c as i64));
            campaign["status"] = json!(status);
            g.campaigns.insert(id.clone(), campaign);
            let reviewed = match *status {
                "ACTIVE" => users.len(),
                "COMPLETED" => users.len().min(10),
                _ => 0,
            };
            for (u, user) in users.iter().enumerate().take(reviewed) {
                let decision = match (*status, u % 3) {
                    ("COMPLETED", 0) => "REVOKE",
                    ("COMPLETED", _) => "APPROVE",
                    _ => "UNREVIEWED",
                };
                let rid = g.new_id("icr");
                let review = review(base, &rid, &id, user, &app(c), decision);
                g.reviews.insert(rid, review);
            }
        }
        for r in 0..8 {
            let id = g.new_id("req");
            let requester = users.get(r).cloned().unwrap_or_default();
            let body = json!({
                "subject": format!("Access to app {} for user {}", r % 2 + 1, r + 1),
                "requestTypeId": "rtp0000000seeded000",
            });
            let mut request = request(base, &id, &body, &requester, &seeded(-(r as i64) * 90));
            if r % 3 == 2 {
                request["requestStatus"] = json!("RESOLVED");
                request["resolved"] = json!(seeded(-(r as i64) * 45));
            }
            g.requests.insert(id, request);
        }
        const STATUSES: [&str; 4] = ["SUBMITTED", "PENDING", "APPROVED", "DENIED"];
        for (r, user) in users.iter().enumerate().take(8) {
            let id = g.new_id("req");
            let body = json!({
                "requested": {"type": "CATALOG_ENTRY", "entryId": okta_id("cen", r as u64 % 3 + 1)},
                "requestedFor": {"type": "OKTA_USER", "externalId": user},
            });
            let mut request = request_v2(base, &id, &body, &app(r), &seeded(-(r as i64) * 90));
            request["status"] = json!(STATUSES[r % 4]);
            g.requests_v2.insert(id, request);
        }
        if let Some(user) = users.first() {
            g.seed_security_review(base, user, apps);
        }
        g
    }

    /// One ACTIVE security access review of `user`'s access, with an access
    /// item per app (at most three), each open to REVOKE_ACCESS.
    fn seed_security_review(&mut self, base: &str, user: &str, apps: &[String]) {
        let id = self.new_id("sar");
        let href = format!("{base}/governance/api/v2/security-access-reviews/{id}");
        let review = with(
            json!({
                "id": id,
                "name": format!("Security access review of {user}"),
                "status": "ACTIVE",
                "endTime": seeded(10_080),
                "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [ADMIN]}},
                "principal": {"id": user, "type": "OKTA_USER"},
                "_links": {"self": {"href": href}, "accesses": {"href": format!("{href}/accesses")}},
            }),
            audit(&seeded(-60)),
        );
        self.security_reviews.insert(id.clone(), review);
        let mut items = BTreeMap::new();
        for (n, app) in apps.iter().take(3).enumerate() {
            let aid = self.new_id("aim");
            let severity = ["LOW", "MEDIUM", "HIGH"][n % 3];
            let item = json!({
                "id": aid,
                "type": "APPLICATION",
                "name": format!("App {} of {user}", n + 1),
                "resourceId": app,
                "severity": severity,
                "supportedActions": ["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"],
                "remediationStatus": "NONE",
                "appInfo": {"id": app, "assignmentType": "INDIVIDUAL", "assignedDate": seeded(-1440)},
                "_links": {"self": {"href": format!("{href}/accesses/{aid}")}},
            });
            items.insert(aid, item);
        }
        self.accesses.insert(id, items);
    }
}

/// What an action on a security access review's access item leaves behind:
/// its remediation status and the actions it then supports; `None` for an
/// action the spec does not define.
pub fn access_action(action: &str) -> Option<(&'static str, &'static [&'static str])> {
    Some(match action {
        "REVOKE_ACCESS" => ("REMEDIATED", &["RESTORE_ACCESS"]),
        "RESTORE_ACCESS" => ("NONE", &["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"]),
        "FLAG_FOR_MANUAL_REMEDIATION" => (
            "PENDING_MANUAL_REMEDIATION",
            &["FLAG_FOR_MANUAL_RESTORATION"],
        ),
        "FLAG_FOR_MANUAL_RESTORATION" => ("PENDING_MANUAL_RESTORATION", &["REVOKE_ACCESS"]),
        _ => return None,
    })
}

/// An ORN of an app, a user or an OIG object.
pub fn orn(kind: &str, id: &str) -> String {
    match kind {
        "apps" => format!("orn:okta:idp:{ORG}:apps:oidc_client:{id}"),
        "users" => format!("orn:okta:directory:{ORG}:users:{id}"),
        other => format!("orn:okta:governance:{ORG}:{other}:{id}"),
    }
}

fn audit(when: &str) -> Value {
    json!({"created": when, "createdBy": ADMIN, "lastUpdated": when, "lastUpdatedBy": ADMIN})
}

fn with(mut object: Value, extra: Value) -> Value {
    if let (Value::Object(o), Value::Object(e)) = (&mut object, extra) {
        o.extend(e);
    }
    object
}

/// The create body of a one-off campaign of `resource`, reviewed by the admin.
pub fn scheduled_campaign_body(name: &str, resource: &str) -> Value {
    json!({
        "name": name,
        "description": format!("{name} (seeded)"),
        "scheduleSettings": {"type": "ONE_OFF", "startDate": seeded(-1440), "durationInDays": 30, "timeZone": "UTC"},
        "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": resource}]},
        "reviewerSettings": {"type": "USER", "reviewerId": ADMIN},
        "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "NO_ACTION", "noResponse": "NO_ACTION"},
    })
}

/// A campaign as `GET /governance/api/v1/campaigns/{id}` returns it (status SCHEDULED).
pub fn campaign(base: &str, id: &str, body: &Value, when: &str) -> Value {
    let href = format!("{base}/governance/api/v1/campaigns/{id}");
    let mut c = json!({"id": id, "status": "SCHEDULED", "campaignType": "RESOURCE"});
    for field in [
        "name",
        "description",
        "scheduleSettings",
        "resourceSettings",
        "principalScopeSettings",
        "reviewerSettings",
        "remediationSettings",
        "notificationSettings",
    ] {
        if let Some(v) = body.get(field) {
            c[field] = v.clone();
        }
    }
    c["scheduleType"] = body["scheduleSettings"]["type"].clone();
    c["startDate"] = body["scheduleSettings"]["startDate"].clone();
    with(
        with(c, audit(when)),
        json!({"_links": {
            "self": {"href": href},
            "launchCampaign": {"href": format!("{href}/launch")},
            "endCampaign": {"href": format!("{href}/end")},
            "reviews": {"href": format!("{base}/governance/api/v1/reviews?filter=campaignId%20eq%20%22{id}%22")},
        }}),
    )
}

/// A review of `user`'s access to `resource` in a campaign.
pub fn review(
    base: &str,
    id: &str,
    campaign: &str,
    user: &str,
    resource: &str,
    decision: &str,
) -> Value {
    let when = seeded(-600);
    with(
        json!({
            "id": id,
            "campaignId": campaign,
            "resourceId": resource,
            "principalProfile": {"id": user, "status": "ACTIVE"},
            "reviewerProfile": {"id": ADMIN, "status": "ACTIVE"},
            "reviewerType": "USER",
            "reviewerLevel": "FIRST",
            "decision": decision,
            "decided": if decision == "UNREVIEWED" { Value::Null } else { json!(when) },
            "remediationStatus": Value::Null,
            "_links": {
                "self": {"href": format!("{base}/governance/api/v1/reviews/{id}")},
                "reassignReview": {"href": format!("{base}/governance/api/v1/campaigns/{campaign}/reviews/reassign")},
            },
        }),
        audit(&when),
    )
}

/// An access request, OPEN.
pub fn request(base: &str, id: &str, body: &Value, requester: &str, when: &str) -> Value {
    let type_id = body["requestTypeId"].clone();
    with(
        json!({
            "id": id,
            "subject": body["subject"],
            "requestTypeId": type_id,
            "requesterUserIds": [requester],
            "requesterFieldValues": body.get("requesterFieldValues").cloned().unwrap_or(Value::Null),
            "requestStatus": "OPEN",
            "resolved": Value::Null,
            "type": "ACCESS_REQUEST",
            "_links": {
                "self": {"href": format!("{base}/governance/api/v1/requests/{id}"), "type": "application/json"},
                "requestType": {"href": format!("{base}/governance/api/v1/request-types/{}", type_id.as_str().unwrap_or_default()), "type": "application/json"},
            },
        }),
        audit(when),
    )
}

/// A v2 access request for the catalog entry `body.requested.entryId` of the app
/// `resource`, SUBMITTED by the admin for `body.requestedFor`.
pub fn request_v2(base: &str, id: &str, body: &Value, resource: &str, when: &str) -> Value {
    let entry = body["requested"]["entryId"].as_str().unwrap_or_default();
    with(
        json!({
            "id": id,
            "status": "SUBMITTED",
            "requestedBy": body.get("requestedBy").cloned().unwrap_or(json!({"type": "OKTA_USER", "externalId": ADMIN})),
            "requestedFor": body["requestedFor"],
            "requested": {
                "entryId": entry,
                "resourceId": resource,
                "resourceType": "APPLICATION",
                "accessScopeId": resource,
                "accessScopeType": "APPLICATION",
            },
            "requesterFieldValues": body.get("requesterFieldValues").cloned().unwrap_or(json!([])),
            "_links": {
                "self": {"href": format!("{base}/governance/api/v2/requests/{id}"), "type": "application/json"},
                "catalogEntry": {"href": format!("{base}/governance/api/v1/catalogs/default/entries/{entry}"), "type": "application/json"},
            },
        }),
        audit(when),
    )
}

/// An entitlement of the app `parent`.
pub fn entitlement(base: &str, id: &str, name: &str, parent: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "externalValue": name,
        "description": format!("The {name} entitlement"),
        "multiValue": true,
        "required": false,
        "dataType": "string",
        "parentResourceOrn": orn("apps", parent),
        "parent": {"externalId": parent, "type": "APPLICATION"},
        "_links": {
            "self": {"href": format!("{base}/governance/api/v1/entitlements/{id}")},
            "values": {"href": format!("{base}/governance/api/v1/entitlements/{id}/values")},
        },
    })
}

/// One value of an entitlement.
pub fn value(id: &str, entitlement: &str, name: &str, parent: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "description": format!("{name} access"),
        "externalValue": name.to_lowercase().replace(' ', "-"),
        "entitlementId": entitlement,
        "orn": orn("entitlement-values", id),
        "parentResourceOrn": orn("apps", parent),
        "parent": {"externalId": parent, "type": "APPLICATION"},
    })
}

/// An entitlement bundle made from a create body.
pub fn bundle(base: &str, id: &str, body: &Value, when: &str) -> Value {
    let target = body["target"]["externalId"].as_str().unwrap_or_default();
    with(
        json!({
            "id": id,
            "name": body["name"],
            "description": body.get("description").cloned().unwrap_or(Value::Null),
            "orn": orn("entitlement-bundles", id),
            "status": "ACTIVE",
            "targetResourceOrn": orn("apps", target),
            "target": body["target"],
            "entitlements": body["entitlements"],
            "_links": {"self": {"href": format!("{base}/governance/api/v1/entitlement-bundles/{id}")}},
        }),
        audit(when),
    )
}

/// A grant made from a create body.
pub fn grant(base: &str, id: &str, body: &Value, when: &str) -> Value {
    let target = body["target"]["externalId"].as_str().unwrap_or_default();
    let principal = body["targetPrincipal"]["externalId"]
        .as_str()
        .unwrap_or_default();
    let mut g = json!({
        "id": id,
        "grantType": body["grantType"],
        "action": "ALLOW",
        "actor": body.get("actor").cloned().unwrap_or(json!("API")),
        "targetResourceOrn": orn("apps", target),
        "target": body["target"],
        "targetPrincipalOrn": orn("users", principal),
        "targetPrincipal": body["targetPrincipal"],
        "status": "ACTIVE",
        "_links": {"self": {"href": format!("{base}/governance/api/v1/grants/{id}")}},
    });
    for field in ["entitlements", "entitlementBundleId"] {
        if let Some(v) = body.get(field) {
            g[field] = v.clone();
        }
    }
    with(g, audit(when))
}
