//! `/api/v1/apps`: listing, read, delete and activate/deactivate of app integrations,
//! and logo uploads.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Answer, Call, filter_param, page_of_map, starts_with_ci};
use crate::error;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

/// `GET /api/v1/apps` with `q`, `filter`, `limit` and `after`.
pub fn list(store: &Store, call: &Call) -> Answer {
    let filter = filter_param(call)?;
    let q = call.param("q").map(str::to_string);
    let keep = |a: &Value| {
        filter.as_ref().is_none_or(|f| f.matches(a))
            && q.as_ref()
                .is_none_or(|q| starts_with_ci(&a["label"], q) || starts_with_ci(&a["name"], q))
    };
    page_of_map(store, call, &store.apps, (20, 200), keep)
}

/// `GET /api/v1/apps/{id}`.
pub fn get(store: &Store, id: &str) -> Answer {
    store
        .apps
        .get(id)
        .map(|a| Reply::ok(a.clone()))
        .ok_or_else(|| error::not_found(id, "AppInstance"))
}

/// `DELETE /api/v1/apps/{id}`: only an inactive app can be deleted.
pub fn delete(store: &mut Store, id: &str) -> Answer {
    match store.apps.get(id) {
        None => Err(error::not_found(id, "AppInstance")),
        Some(app) if app["status"] == "ACTIVE" => Err(error::okta_error(
            StatusCode::FORBIDDEN,
            "E0000056",
            "Delete application forbidden.",
            &["Application must be deactivated before it can be deleted".to_string()],
        )),
        Some(_) => {
            store.apps.remove(id);
            Ok(Reply::no_content())
        }
    }
}

/// `POST /api/v1/apps/{id}/lifecycle/{activate|deactivate}`.
pub fn lifecycle(store: &mut Store, id: &str, action: &str) -> Answer {
    let status = match action {
        "activate" => "ACTIVE",
        "deactivate" => "INACTIVE",
        _ => {
            return Err(error::no_such_path(&format!(
                "/api/v1/apps/{id}/lifecycle/{action}"
            )));
        }
    };
    let Some(app) = store.apps.get_mut(id) else {
        return Err(error::not_found(id, "AppInstance"));
    };
    app["status"] = json!(status);
    app["lastUpdated"] = json!(time::now());
    Ok(Reply::ok(json!({})))
}

/// `POST /api/v1/apps/{id}/logo`: a multipart form with one part named `file`, as Okta
/// takes it; answers 201 like Okta. The bytes are not kept: tests read them from the
/// request log.
pub fn upload_logo(store: &Store, call: &Call, id: &str) -> Answer {
    if !store.apps.contains_key(id) {
        return Err(error::not_found(id, "AppInstance"));
    }
    let body = String::from_utf8_lossy(call.body);
    if !body.starts_with("--") || !body.contains("name=\"file\"") {
        return Err(error::validation(
            "file",
            "The request must be a multipart form with a part named file.",
        ));
    }
    Ok(
        Reply::raw(StatusCode::CREATED, "application/json", Vec::new())
            .header("location", format!("/assets/img/logos/{id}.png")),
    )
}
