//! `/governance/api/v1/campaigns` and `/reviews`: access certification campaigns
//! (list, create, read, delete, launch, end) and their reviews (list, read).

use hyper::StatusCode;
use serde_json::Value;

use super::{Answer, Call, governance_list};
use crate::error;
use crate::governance;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

const READ: &str = "okta.governance.accessCertifications.read";
const MANAGE: &str = "okta.governance.accessCertifications.manage";

/// `GET /governance/api/v1/campaigns` with `filter`, `limit` and `after`.
pub fn list(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.campaigns)
}

/// `POST /governance/api/v1/campaigns`: a SCHEDULED campaign.
pub fn create(store: &mut Store, call: &Call) -> Answer {
    call.require(store, MANAGE)?;
    let body = call.json()?;
    for field in [
        "name",
        "resourceSettings",
        "reviewerSettings",
        "scheduleSettings",
        "remediationSettings",
    ] {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(error::validation(field, &format!("{field}: is required")));
        }
    }
    let id = store.gov.new_id("ici");
    let campaign = governance::campaign(&store.base_url, &id, &body, &time::now());
    store.gov.campaigns.insert(id, campaign.clone());
    Ok(Reply::json(StatusCode::CREATED, campaign))
}

pub fn get(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, READ)?;
    store
        .gov
        .campaigns
        .get(id)
        .cloned()
        .map(Reply::ok)
        .ok_or_else(|| error::not_found(id, "Campaign"))
}

/// `DELETE`: only a SCHEDULED (or ERROR) campaign.
pub fn delete(store: &mut Store, call: &Call, id: &str) -> Answer {
    call.require(store, MANAGE)?;
    let status = status_of(store, id)?;
    if status != "SCHEDULED" && status != "ERROR" {
        return Err(conflict(&format!(
            "A campaign with status {status} cannot be deleted"
        )));
    }
    store.gov.campaigns.remove(id);
    Ok(Reply::no_content())
}

/// `POST .../launch` (SCHEDULED → ACTIVE, a review per user of the first ten) and
/// `POST .../end` (ACTIVE → COMPLETED); 202 with a `Location`.
pub fn transition(store: &mut Store, call: &Call, id: &str, action: &str) -> Answer {
    call.require(store, MANAGE)?;
    let status = status_of(store, id)?;
    let (from, to) = match action {
        "launch" => ("SCHEDULED", "ACTIVE"),
        "end" => ("ACTIVE", "COMPLETED"),
        _ => return Err(error::no_such_path(call.path)),
    };
    if status != from {
        return Err(conflict(&format!(
            "Campaign must be {from} to {action}; it is {status}"
        )));
    }
    let now = time::now();
    if let Some(c) = store.gov.campaigns.get_mut(id) {
        c["status"] = to.into();
        c["lastUpdated"] = now.into();
    }
    if action == "launch" {
        let resource =
            store.gov.campaigns[id]["resourceSettings"]["targetResources"][0]["resourceId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        let users: Vec<String> = store.users.keys().take(10).cloned().collect();
        for user in users {
            let rid = store.gov.new_id("icr");
            let review =
                governance::review(&store.base_url, &rid, id, &user, &resource, "UNREVIEWED");
            store.gov.reviews.insert(rid, review);
        }
    }
    let location = format!("{}/governance/api/v1/campaigns/{id}", store.base_url);
    Ok(Reply::no_content()
        .status(StatusCode::ACCEPTED)
        .header("location", location))
}

/// `GET /governance/api/v1/reviews` with `filter` (e.g. `campaignId eq "..."`).
pub fn reviews(store: &Store, call: &Call) -> Answer {
    governance_list(store, call, READ, &store.gov.reviews)
}

pub fn review(store: &Store, call: &Call, id: &str) -> Answer {
    call.require(store, READ)?;
    store
        .gov
        .reviews
        .get(id)
        .cloned()
        .map(Reply::ok)
        .ok_or_else(|| error::not_found(id, "Review"))
}

fn status_of(store: &Store, id: &str) -> Result<String, Reply> {
    store
        .gov
        .campaigns
        .get(id)
        .map(|c| c["status"].as_str().unwrap_or_default().to_string())
        .ok_or_else(|| error::not_found(id, "Campaign"))
}

fn conflict(cause: &str) -> Reply {
    error::okta_error(
        StatusCode::CONFLICT,
        "E0000195",
        "Api validation failed due to conflict: Campaign",
        &[cause.to_string()],
    )
}
