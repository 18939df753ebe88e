//! `/governance/api/v1/requests` and `/governance/api/v2/requests`: access requests
//! (list, create, read) and the messages added to them. The two versions keep their
//! own requests in their own shapes: v1 a subject and a request type, v2 a catalog
//! entry requested for a user.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Answer, Call, governance_list};
use crate::error;
use crate::governance;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

/// The scopes of a version: v1 has the governance ones, v2 the access-request ones.
fn scopes(version: &str) -> (&'static str, &'static str) {
    if version == "v2" {
        (
            "okta.accessRequests.request.read",
            "okta.accessRequests.request.manage",
        )
    } else {
        (
            "okta.governance.accessRequests.read",
            "okta.governance.accessRequests.manage",
        )
    }
}

pub fn list(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, scopes("v1").0, &store.gov.requests)
}

/// `POST` (v1): an OPEN request; `subject` and `requestTypeId` are required.
pub fn create(store: &mut Store, call: &Call) -> Answer {
    call.require(store, scopes("v1").1)?;
    let body = call.json()?;
    for field in ["subject", "requestTypeId"] {
        if !body[field].is_string() {
            return Err(error::validation(field, &format!("{field}: is required")));
        }
    }
    let requester = body["requesterUserIds"][0]
        .as_str()
        .unwrap_or("00u0000000admin0000")
        .to_string();
    let id = store.gov.new_id("req");
    let request = governance::request(&store.base_url, &id, &body, &requester, &time::now());
    store.gov.requests.insert(id, request.clone());
    Ok(Reply::json(StatusCode::CREATED, request))
}

/// `GET` (v1): the request with its messages.
pub fn get(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, scopes("v1").0)?;
    let mut request = store
        .gov
        .requests
        .get(id)
        .cloned()
        .ok_or_else(|| error::not_found(id, "Request"))?;
    request["messages"] = Value::Array(store.gov.messages.get(id).cloned().unwrap_or_default());
    Ok(Reply::ok(request))
}

pub fn list_v2(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, scopes("v2").0, &store.gov.requests_v2)
}

/// `POST` (v2): `requested` is a `CATALOG_ENTRY` with an `entryId`, `requestedFor` a
/// user of the org; 202 with the SUBMITTED request.
pub fn create_v2(store: &mut Store, call: &Call) -> Answer {
    call.require(store, scopes("v2").1)?;
    let body = call.json()?;
    if body["requested"]["type"] != "CATALOG_ENTRY" || !body["requested"]["entryId"].is_string() {
        return Err(error::validation(
            "requested",
            "requested: a CATALOG_ENTRY with an entryId is required",
        ));
    }
    let user = body["requestedFor"]["externalId"]
        .as_str()
        .unwrap_or_default();
    if body["requestedFor"]["type"] != "OKTA_USER" || !store.users.contains_key(user) {
        return Err(error::validation(
            "requestedFor",
            "requestedFor: must be an OKTA_USER of the org",
        ));
    }
    let resource = store.apps.keys().next().cloned().unwrap_or_default();
    let id = store.gov.new_id("req");
    let request = governance::request_v2(&store.base_url, &id, &body, &resource, &time::now());
    store.gov.requests_v2.insert(id, request.clone());
    Ok(Reply::json(StatusCode::ACCEPTED, request))
}

pub fn get_v2(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, scopes("v2").0)?;
    store
        .gov
        .requests_v2
        .get(id)
        .cloned()
        .map(Reply::ok)
        .ok_or_else(|| error::not_found(id, "Request"))
}

/// `POST .../messages` with `{"message": "..."}`: 201 `{}`.
pub fn add_message(store: &mut Store, call: &Call, version: &str, id: &str) -> Answer {
    call.require(store, scopes(version).1)?;
    let body = call.json()?;
    let Some(text) = body["message"].as_str().filter(|m| !m.trim().is_empty()) else {
        return Err(error::validation("message", "message: is required"));
    };
    let requests = if version == "v2" {
        &store.gov.requests_v2
    } else {
        &store.gov.requests
    };
    if !requests.contains_key(id) {
        return Err(error::not_found(id, "Request"));
    }
    let message = json!({"message": text, "created": time::now()});
    store
        .gov
        .messages
        .entry(id.to_string())
        .or_default()
        .push(message);
    Ok(Reply::json(StatusCode::CREATED, json!({})))
}
