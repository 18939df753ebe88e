//! `/governance/api/v2/security-access-reviews`: the reviews (list), their access
//! items (list) and the actions an admin takes on an item (revoke, restore, flag for
//! manual work), which `record_review_decision` sends.

use serde_json::json;

use super::{Answer, Call, envelope_of_map, filter_param, governance_list};
use crate::error;
use crate::governance;
use crate::reply::Reply;
use crate::store::Store;

const READ: &str = "okta.governance.securityAccessReviews.admin.read";
const MANAGE: &str = "okta.governance.securityAccessReviews.admin.manage";

pub fn list(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.security_reviews)
}

/// The access items of one review, in envelope pages.
pub fn accesses(store: &Store, call: &Call, review: &str) -> Answer {
    call.require(store, READ)?;
    let items = store
        .gov
        .accesses
        .get(review)
        .ok_or_else(|| error::not_found(review, "SecurityAccessReview"))?;
    let filter = filter_param(call)?;
    envelope_of_map(store, call, items, (20, 200), "data", |v| {
        filter.as_ref().is_none_or(|f| f.matches(v))
    })
}

/// `POST .../accesses/{target}/actions` with `{"type": "REVOKE_ACCESS" | ...}`: 202
/// without a body; the item's `remediationStatus` and `supportedActions` follow. An
/// action the item does not support now is refused (400), as is one of a review that
/// is no longer ACTIVE.
pub fn act(store: &mut Store, call: &Call, review: &str, target: &str) -> Answer {
    call.require(store, MANAGE)?;
    let body = call.json()?;
    let action = body["type"].as_str().unwrap_or_default().to_string();
    let Some((status, next)) = governance::access_action(&action) else {
        return Err(error::validation(
            "type",
            "type: must be REVOKE_ACCESS, RESTORE_ACCESS, FLAG_FOR_MANUAL_REMEDIATION or FLAG_FOR_MANUAL_RESTORATION",
        ));
    };
    let active = store
        .gov
        .security_reviews
        .get(review)
        .ok_or_else(|| error::not_found(review, "SecurityAccessReview"))?["status"]
        == "ACTIVE";
    if !active {
        return Err(error::validation(
            "securityAccessReviewId",
            "the security access review is not ACTIVE",
        ));
    }
    let item = store
        .gov
        .accesses
        .get_mut(review)
        .and_then(|items| items.get_mut(target))
        .ok_or_else(|| error::not_found(target, "SecurityAccessReviewAccess"))?;
    let supported = item["supportedActions"]
        .as_array()
        .is_some_and(|a| a.iter().any(|s| s == action.as_str()));
    if !supported {
        return Err(error::validation(
            "type",
            &format!("type: {action} is not a supported action of this access item now"),
        ));
    }
    item["remediationStatus"] = json!(status);
    item["supportedActions"] = json!(next);
    Ok(Reply::no_content().status(hyper::StatusCode::ACCEPTED))
}
