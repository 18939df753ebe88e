//! `/governance/api/v1/entitlements` (and their values), `/entitlement-bundles`,
//! `/grants` and `/principal-entitlements`: who may hold what inside apps.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Answer, Call, envelope_of_map, filter_param, governance_list};
use crate::error;
use crate::governance;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

const READ: &str = "okta.governance.entitlements.read";
const MANAGE: &str = "okta.governance.entitlements.manage";

pub fn list(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.entitlements)
}

pub fn get(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, READ)?;
    found(store.gov.entitlements.get(id), id, "Entitlement")
}

/// The values of one entitlement, or of all (`entitlement` = None).
pub fn values(store: &Store, call: &Call, entitlement: Option<&str>) -> Answer {
    call.require(store, READ)?;
    if let Some(e) = entitlement
        && !store.gov.entitlements.contains_key(e)
    {
        return Err(error::not_found(e, "Entitlement"));
    }
    let filter = filter_param(call)?;
    envelope_of_map(store, call, &store.gov.values, (20, 200), "data", |v| {
        entitlement.is_none_or(|e| v["entitlementId"] == e)
            && filter.as_ref().is_none_or(|f| f.matches(v))
    })
}

pub fn value(store: &Store, call: &Call, entitlement: &str, id: &str) -> Answer {
    call.require(store, READ)?;
    found(
        store
            .gov
            .values
            .get(id)
            .filter(|v| v["entitlementId"] == entitlement),
        id,
        "EntitlementValue",
    )
}

pub fn bundles(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.bundles)
}

/// `POST /entitlement-bundles`: `name`, `target` and `entitlements` are required.
pub fn create_bundle(store: &mut Store, call: &Call) -> Answer {
    call.require(store, MANAGE)?;
    let body = call.json()?;
    if !body["name"].is_string() {
        return Err(error::validation("name", "name: is required"));
    }
    if !body["target"]["externalId"].is_string() {
        return Err(error::validation(
            "target",
            "target.externalId: is required",
        ));
    }
    known_entitlements(store, &body)?;
    let id = store.gov.new_id("enb");
    let bundle = governance::bundle(&store.base_url, &id, &body, &time::now());
    store.gov.bundles.insert(id, bundle.clone());
    Ok(Reply::json(StatusCode::CREATED, bundle))
}

pub fn bundle(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, READ)?;
    found(store.gov.bundles.get(id), id, "EntitlementBundle")
}

pub fn delete_bundle(store: &mut Store, call: &Call, id: &str) -> Answer {
    call.require(store, MANAGE)?;
    store
        .gov
        .bundles
        .remove(id)
        .map(|_| Reply::no_content())
        .ok_or_else(|| error::not_found(id, "EntitlementBundle"))
}

pub fn grants(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.grants)
}

pub fn grant(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, READ)?;
    found(store.gov.grants.get(id), id, "Grant")
}

/// `POST /grants`: a user gets an entitlement bundle or custom entitlements in an app.
pub fn create_grant(store: &mut Store, call: &Call) -> Answer {
    call.require(store, MANAGE)?;
    let body = call.json()?;
    let principal = body["targetPrincipal"]["externalId"]
        .as_str()
        .unwrap_or_default();
    if !store.users.contains_key(principal) {
        return Err(error::validation(
            "targetPrincipal",
            "targetPrincipal.externalId: must be a user of the org",
        ));
    }
    match body["grantType"].as_str() {
        Some("ENTITLEMENT-BUNDLE") => {
            let bundle = body["entitlementBundleId"].as_str().unwrap_or_default();
            if !store.gov.bundles.contains_key(bundle) {
                return Err(error::not_found(bundle, "EntitlementBundle"));
            }
        }
        Some("CUSTOM") => known_entitlements(store, &body)?,
        _ => {
            return Err(error::validation(
                "grantType",
                "grantType: must be ENTITLEMENT-BUNDLE or CUSTOM",
            ));
        }
    }
    let id = store.gov.new_id("0gg");
    let grant = governance::grant(&store.base_url, &id, &body, &time::now());
    store.gov.grants.insert(id, grant.clone());
    Ok(Reply::json(StatusCode::CREATED, grant))
}

/// `GET /principal-entitlements?filter=parent.externalId eq "0oa..." and parent.type eq
/// "APPLICATION" and targetPrincipal.externalId eq "00u..." and ...`: the entitlements
/// (with the values held) a user has in an app through grants. The filter sees each
/// grant with its app as `parent`. Not paged.
pub fn principal(store: &Store, call: &Call) -> Answer {
    call.require(store, READ)?;
    let Some(filter) = filter_param(call)? else {
        return Err(error::validation("filter", "filter: is required"));
    };
    let with_parent = |g: &Value| {
        let mut view = g.clone();
        view["parent"] = g["target"].clone();
        view
    };
    let mut held: Vec<Value> = Vec::new();
    for grant in store
        .gov
        .grants
        .values()
        .filter(|g| filter.matches(&with_parent(g)))
    {
        let entitlements = match grant["entitlementBundleId"].as_str() {
            Some(b) => store
                .gov
                .bundles
                .get(b)
                .map(|b| b["entitlements"].clone())
                .unwrap_or_default(),
            None => grant["entitlements"].clone(),
        };
        for e in entitlements.as_array().into_iter().flatten() {
            let Some(ent) = e["id"]
                .as_str()
                .and_then(|id| store.gov.entitlements.get(id))
            else {
                continue;
            };
            let values: Vec<Value> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v["id"].as_str().and_then(|id| store.gov.values.get(id)))
                .map(|v| json!({"id": v["id"], "name": v["name"], "externalValue": v["externalValue"]}))
                .collect();
            let mut entry = ent.clone();
            if let Some(o) = entry.as_object_mut() {
                o.remove("_links");
            }
            entry["targetPrincipal"] = grant["targetPrincipal"].clone();
            entry["targetPrincipalOrn"] = grant["targetPrincipalOrn"].clone();
            entry["values"] = Value::Array(values);
            held.push(entry);
        }
    }
    Ok(Reply::ok(json!({ "data": held })))
}

/// 400 unless every `entitlements[].id` names an entitlement.
fn known_entitlements(store: &Store, body: &Value) -> Result<(), Reply> {
    let list = body["entitlements"].as_array().filter(|l| !l.is_empty());
    let Some(list) = list else {
        return Err(error::validation(
            "entitlements",
            "entitlements: at least one is required",
        ));
    };
    for e in list {
        let id = e["id"].as_str().unwrap_or_default();
        if !store.gov.entitlements.contains_key(id) {
            return Err(error::not_found(id, "Entitlement"));
        }
    }
    Ok(())
}

fn found(value: Option<&Value>, id: &str, kind: &str) -> Answer {
    value
        .cloned()
        .map(Reply::ok)
        .ok_or_else(|| error::not_found(id, kind))
}
