//! `/governance/api/v1/requests` (and the same under `/v2`): access requests (list,
//! create, read) and the messages added to them.

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

pub fn list(store: &Store, call: &Call, version: &str) -> Answer {
    governance_list(store, call, scopes(version).0, &store.gov.requests)
}

/// `POST`: an OPEN request; `subject` and `requestTypeId` are required.
pub fn create(store: &mut Store, call: &Call, version: &str) -> Answer {
    call.require(store, scopes(version).1)?;
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

pub fn get(store: &Store, call: &Call, version: &str, id: &str) -> Answer {
    call.require(store, scopes(version).0)?;
    let mut request = store
        .gov
        .requests
        .get(id)
        .cloned()
        .ok_or_else(|| error::not_found(id, "Request"))?;
    request["messages"] = Value::Array(store.gov.messages.get(id).cloned().unwrap_or_default());
    Ok(Reply::ok(request))
}

/// `POST .../messages` with `{"message": "..."}`: 201 `{}`.
pub fn add_message(store: &mut Store, call: &Call, version: &str, id: &str) -> Answer {
    call.require(store, scopes(version).1)?;
    let body = call.json()?;
    let Some(text) = body["message"].as_str().filter(|m| !m.trim().is_empty()) else {
        return Err(error::validation("message", "message: is required"));
    };
    if !store.gov.requests.contains_key(id) {
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
