//! `/api/v1/policies`: policies of one type (Okta requires the `type` parameter).

use serde_json::Value;

use super::{Answer, Call};
use crate::error;
use crate::reply::Reply;
use crate::store::Store;

const TYPES: [&str; 7] = [
    "OKTA_SIGN_ON",
    "PASSWORD",
    "MFA_ENROLL",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
    "IDP_DISCOVERY",
    "POST_AUTH_SESSION",
];

/// `GET /api/v1/policies?type=...[&status=...]`.
pub fn list(store: &Store, call: &Call) -> Answer {
    let kind = call.param("type").unwrap_or_default();
    if !TYPES.contains(&kind) {
        return Err(error::validation(
            "type",
            "type: must be one of the policy types",
        ));
    }
    let status = call.param("status");
    let policies = store
        .policies
        .iter()
        .filter(|p| p["type"] == kind && status.is_none_or(|s| p["status"] == s))
        .cloned()
        .collect();
    Ok(Reply::ok(Value::Array(policies)))
}

/// `GET /api/v1/policies/{id}`.
pub fn get(store: &Store, id: &str) -> Answer {
    store
        .policies
        .iter()
        .find(|p| p["id"] == id)
        .map(|p| Reply::ok(p.clone()))
        .ok_or_else(|| error::not_found(id, "Policy"))
}
