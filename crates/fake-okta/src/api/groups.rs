//! `/api/v1/groups`: listing and searching, create, read, update, delete, and membership.

use std::ops::Bound;

use serde_json::{Value, json};

use super::{Answer, Call, filter_param, page_of_map, page_reply, starts_with_ci};
use crate::error;
use crate::model;
use crate::paging;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

/// `GET /api/v1/groups` with `q`, `filter`, `search`, `limit` and `after`.
pub fn list(store: &Store, call: &Call) -> Answer {
    let filter = filter_param(call)?;
    let q = call.param("q").map(str::to_string);
    let keep = |g: &Value| {
        filter.as_ref().is_none_or(|f| f.matches(g))
            && q.as_ref()
                .is_none_or(|q| starts_with_ci(&g["profile"]["name"], q))
    };
    page_of_map(store, call, &store.groups, (10_000, 10_000), keep)
}

/// `POST /api/v1/groups`: creates an OKTA_GROUP.
pub fn create(store: &mut Store, call: &Call) -> Answer {
    let body = call.json()?;
    let name = checked_name(store, &body, None)?;
    let description = body["profile"]["description"].as_str().unwrap_or_default();
    let id = store.new_id("00g");
    let group = model::group(
        &store.base_url,
        &id,
        "OKTA_GROUP",
        &name,
        description,
        &time::now(),
    );
    store.groups.insert(id.clone(), group.clone());
    store.members.insert(id, Default::default());
    Ok(Reply::ok(group))
}

/// `GET /api/v1/groups/{id}`.
pub fn get(store: &Store, id: &str) -> Answer {
    store
        .groups
        .get(id)
        .map(|g| Reply::ok(g.clone()))
        .ok_or_else(|| error::not_found(id, "UserGroup"))
}

/// `PUT /api/v1/groups/{id}`: replaces the profile of an OKTA_GROUP.
pub fn update(store: &mut Store, call: &Call, id: &str) -> Answer {
    editable(store, id)?;
    let body = call.json()?;
    checked_name(store, &body, Some(id))?;
    let Some(group) = store.groups.get_mut(id) else {
        return Err(error::not_found(id, "UserGroup"));
    };
    group["profile"] = body["profile"].clone();
    group["lastUpdated"] = json!(time::now());
    Ok(Reply::ok(group.clone()))
}

/// `DELETE /api/v1/groups/{id}`.
pub fn delete(store: &mut Store, id: &str) -> Answer {
    editable(store, id)?;
    store.groups.remove(id);
    store.members.remove(id);
    Ok(Reply::no_content())
}

/// `GET /api/v1/groups/{id}/users`, paged.
pub fn members(store: &Store, call: &Call, id: &str) -> Answer {
    let Some(members) = store.members.get(id) else {
        return Err(error::not_found(id, "UserGroup"));
    };
    let limit = paging::limit(call.param("limit"), 1000, 1000)?;
    let after = paging::after(call.param("after"))?;
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    let users = members
        .range((lower, Bound::Unbounded))
        .filter_map(|uid| store.users.get(uid));
    Ok(page_reply(store, call, users, limit, "id"))
}

/// `PUT /api/v1/groups/{gid}/users/{uid}`.
pub fn add_member(store: &mut Store, gid: &str, uid: &str) -> Answer {
    change_membership(store, gid, uid, true)
}

/// `DELETE /api/v1/groups/{gid}/users/{uid}`.
pub fn remove_member(store: &mut Store, gid: &str, uid: &str) -> Answer {
    change_membership(store, gid, uid, false)
}

fn change_membership(store: &mut Store, gid: &str, uid: &str, add: bool) -> Answer {
    editable(store, gid)?;
    if !store.users.contains_key(uid) {
        return Err(error::not_found(uid, "User"));
    }
    if let Some(members) = store.members.get_mut(gid) {
        if add {
            members.insert(uid.to_string());
        } else {
            members.remove(uid);
        }
    }
    if let Some(group) = store.groups.get_mut(gid) {
        group["lastMembershipUpdated"] = json!(time::now());
    }
    Ok(Reply::no_content())
}

/// Only OKTA_GROUPs can be changed through the API; 404 or 403 otherwise.
fn editable(store: &Store, id: &str) -> Result<(), Reply> {
    match store.groups.get(id) {
        None => Err(error::not_found(id, "UserGroup")),
        Some(g) if g["type"] != "OKTA_GROUP" => Err(error::forbidden()),
        Some(_) => Ok(()),
    }
}

/// The group name of a create/update body; 400 when blank or taken by another group.
fn checked_name(store: &Store, body: &Value, id: Option<&str>) -> Result<String, Reply> {
    let Some(name) = body["profile"]["name"].as_str().filter(|n| !n.is_empty()) else {
        return Err(error::validation(
            "name",
            "name: The field cannot be left blank",
        ));
    };
    let taken = store
        .groups
        .iter()
        .any(|(gid, g)| Some(gid.as_str()) != id && g["profile"]["name"].as_str() == Some(name));
    if taken {
        let cause = "name: An object with this field already exists in the current organization";
        return Err(error::validation("name", cause));
    }
    Ok(name.to_string())
}
