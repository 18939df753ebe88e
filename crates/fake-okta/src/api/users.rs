//! `/api/v1/users`: listing and searching, create, read, update, delete, lifecycle
//! transitions and a user's groups.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Answer, Call, filter_param, page_of_map, starts_with_ci};
use crate::error;
use crate::ids::random_string;
use crate::model::{self, UserFacts};
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

const REQUIRED_PROFILE: [&str; 4] = ["login", "email", "firstName", "lastName"];

/// `GET /api/v1/users` with `q`, `filter`, `search`, `limit` and `after`.
pub fn list(store: &Store, call: &Call) -> Answer {
    let filter = filter_param(call)?;
    let q = call.param("q").map(str::to_string);
    let keep = |u: &Value| match (&filter, &q) {
        (Some(f), _) => f.matches(u),
        (None, Some(q)) => ["firstName", "lastName", "email", "login"]
            .iter()
            .any(|field| starts_with_ci(&u["profile"][field], q)),
        // Like Okta, a plain listing leaves out deprovisioned users.
        (None, None) => u["status"] != "DEPROVISIONED",
    };
    page_of_map(store, call, &store.users, (200, 200), keep)
}

/// `POST /api/v1/users?activate=true|false`.
pub fn create(store: &mut Store, call: &Call) -> Answer {
    let body = call.json()?;
    let profile = checked_profile(store, &body, None)?;
    let has_password = body["credentials"]["password"]["value"].is_string();
    let status = match (call.flag("activate", true), has_password) {
        (false, _) => "STAGED",
        (true, true) => "ACTIVE",
        (true, false) => "PROVISIONED",
    };
    let now = time::now();
    let id = store.new_id("00u");
    let user = model::user(
        &store.base_url,
        UserFacts {
            id: id.clone(),
            status: status.into(),
            created: now.clone(),
            activated: (status != "STAGED").then(|| now.clone()),
            last_login: None,
            last_updated: now.clone(),
            password_changed: has_password.then(|| now.clone()),
            profile,
            has_password,
        },
    );
    store.users.insert(id.clone(), user.clone());
    let mut groups: Vec<String> = body["groupIds"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    groups.extend(store.everyone_group());
    for gid in groups {
        if let Some(members) = store.members.get_mut(&gid) {
            members.insert(id.clone());
        }
    }
    Ok(Reply::ok(user))
}

/// `GET /api/v1/users/{id or login}`.
pub fn get(store: &Store, key: &str) -> Answer {
    let id = find(store, key)?;
    Ok(Reply::ok(store.users[&id].clone()))
}

/// `POST` (partial, merges the profile) or `PUT` (replaces the profile) `/api/v1/users/{id}`.
pub fn update(store: &mut Store, call: &Call, key: &str, replace: bool) -> Answer {
    let id = find(store, key)?;
    let body = call.json()?;
    let profile = if replace {
        checked_profile(store, &body, Some(&id))?
    } else {
        let mut merged = store.users[&id]["profile"].clone();
        if let (Some(target), Some(changes)) = (merged.as_object_mut(), body["profile"].as_object())
        {
            for (k, v) in changes {
                target.insert(k.clone(), v.clone());
            }
        }
        checked_profile(store, &json!({ "profile": merged }), Some(&id))?
    };
    let password_changed = body["credentials"]["password"]["value"].is_string();
    let Some(user) = store.users.get_mut(&id) else {
        return Err(error::not_found(key, "User"));
    };
    let now = time::now();
    user["profile"] = profile;
    user["lastUpdated"] = json!(now);
    if password_changed {
        user["passwordChanged"] = json!(now);
        user["credentials"]["password"] = json!({});
    }
    Ok(Reply::ok(user.clone()))
}

/// `DELETE /api/v1/users/{id}`: the first call deprovisions, the second deletes.
pub fn delete(store: &mut Store, key: &str) -> Answer {
    let id = find(store, key)?;
    if store.users[&id]["status"] == "DEPROVISIONED" {
        store.users.remove(&id);
        for members in store.members.values_mut() {
            members.remove(&id);
        }
    } else {
        set_status(store, &id, "DEPROVISIONED");
    }
    Ok(Reply::no_content())
}

/// `POST /api/v1/users/{id}/lifecycle/{action}`.
pub fn lifecycle(store: &mut Store, call: &Call, key: &str, action: &str) -> Answer {
    let id = find(store, key)?;
    let user = &store.users[&id];
    let status = user["status"].as_str().unwrap_or_default().to_string();
    let has_password = user["credentials"]["password"].is_object();
    let refuse = |why: &str| Err(error::validation("status", why));
    let next = match (action, status.as_str()) {
        ("activate", "ACTIVE") => {
            return Err(error::okta_error(
                StatusCode::FORBIDDEN,
                "E0000016",
                "Activation failed because the user is already active",
                &[],
            ));
        }
        ("activate", _) if has_password => "ACTIVE",
        ("activate", _) => "PROVISIONED",
        ("deactivate", _) => "DEPROVISIONED",
        ("suspend", "ACTIVE") => "SUSPENDED",
        ("suspend", _) => return refuse("Cannot suspend a user that is not active"),
        ("unsuspend", "SUSPENDED") => "ACTIVE",
        ("unsuspend", _) => return refuse("Cannot unsuspend a user that is not suspended"),
        ("unlock", "LOCKED_OUT") => "ACTIVE",
        ("unlock", _) => return refuse("Cannot unlock a user that is not locked out"),
        ("expire_password", "ACTIVE") => "PASSWORD_EXPIRED",
        ("expire_password", _) => {
            return refuse("Cannot expire the password of a user that is not active");
        }
        _ => return Err(error::no_such_path(call.path)),
    };
    set_status(store, &id, next);
    if action == "activate" && !call.flag("sendEmail", true) {
        let token = random_string(20);
        let url = format!("{}/welcome/{token}", store.base_url);
        return Ok(Reply::ok(
            json!({ "activationUrl": url, "activationToken": token }),
        ));
    }
    Ok(Reply::ok(json!({})))
}

/// `GET /api/v1/users/{id}/groups`.
pub fn groups(store: &Store, key: &str) -> Answer {
    let id = find(store, key)?;
    let groups: Vec<Value> = store
        .members
        .iter()
        .filter(|(_, members)| members.contains(&id))
        .filter_map(|(gid, _)| store.groups.get(gid).cloned())
        .collect();
    Ok(Reply::ok(Value::Array(groups)))
}

fn find(store: &Store, key: &str) -> Result<String, Reply> {
    store
        .user_id(key)
        .ok_or_else(|| error::not_found(key, "User"))
}

fn set_status(store: &mut Store, id: &str, status: &str) {
    let base = store.base_url.clone();
    if let Some(user) = store.users.get_mut(id) {
        let now = time::now();
        if status == "ACTIVE" && user["activated"].is_null() {
            user["activated"] = json!(now);
        }
        user["status"] = json!(status);
        user["statusChanged"] = json!(now);
        user["lastUpdated"] = json!(now);
        user["_links"] = model::user_links(&base, id, status);
    }
}

/// The `profile` of a create/replace body, checked as Okta checks it.
fn checked_profile(store: &Store, body: &Value, id: Option<&str>) -> Result<Value, Reply> {
    let profile = &body["profile"];
    if !profile.is_object() {
        return Err(error::validation(
            "profile",
            "profile: The field cannot be left blank",
        ));
    }
    for field in REQUIRED_PROFILE {
        if profile[field].as_str().is_none_or(str::is_empty) {
            let cause = format!("{field}: The field cannot be left blank");
            return Err(error::validation(field, &cause));
        }
    }
    let login = profile["login"].as_str().unwrap_or_default();
    if store.login_taken(login, id) {
        let cause = "login: An object with this field already exists in the current organization";
        return Err(error::validation("login", cause));
    }
    Ok(profile.clone())
}

/// `POST /api/v1/users/{id}/roles`: assigns a standard role (recorded on the
/// user as `_roles`, which no Okta response shows).
pub fn assign_role(store: &mut Store, call: &Call, id: &str) -> Answer {
    let body = call.json()?;
    let Some(kind) = body["type"].as_str().map(str::to_owned) else {
        return Err(error::validation("type", "The role type is required."));
    };
    let uid = store
        .user_id(id)
        .ok_or_else(|| error::not_found(id, "User"))?;
    let rid = store.new_id("ra1");
    let role = json!({
        "id": rid,
        "type": kind,
        "label": kind,
        "status": "ACTIVE",
        "assignmentType": "USER",
        "created": time::now(),
    });
    if let Some(user) = store.users.get_mut(&uid)
        && let Some(obj) = user.as_object_mut()
    {
        let roles = obj.entry("_roles").or_insert_with(|| json!([]));
        if let Some(list) = roles.as_array_mut() {
            list.push(role.clone());
        }
    }
    Ok(Reply::json(StatusCode::CREATED, role))
}
