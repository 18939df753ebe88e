//! Okta's error responses.
//!
//! Okta answers every failure with the same JSON shape
//! (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`); clients parse it,
//! so the fake reproduces it, with the codes and wording Okta uses.

use hyper::StatusCode;
use serde_json::json;

use crate::ids::random_string;
use crate::reply::Reply;

/// An Okta error body with its HTTP status and its causes.
pub fn okta_error(status: StatusCode, code: &str, summary: &str, causes: &[String]) -> Reply {
    let causes: Vec<_> = causes
        .iter()
        .map(|c| json!({ "errorSummary": c }))
        .collect();
    Reply::json(
        status,
        json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": format!("oae{}", random_string(22)),
            "errorCauses": causes,
        }),
    )
}

/// 404 E0000007 for an id (or name) that names nothing of `kind` ("User", "UserGroup", ...).
pub fn not_found(id: &str, kind: &str) -> Reply {
    let summary = format!("Not found: Resource not found: {id} ({kind})");
    okta_error(StatusCode::NOT_FOUND, "E0000007", &summary, &[])
}

/// 404 E0000007 for a path the API does not have.
pub fn no_such_path(path: &str) -> Reply {
    let summary = format!("Not found: Resource not found: {path} (Path)");
    okta_error(StatusCode::NOT_FOUND, "E0000007", &summary, &[])
}

/// 400 E0000003: the body is not valid JSON.
pub fn malformed_body() -> Reply {
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000003",
        "The request body was not well-formed.",
        &[],
    )
}

/// 400 E0000001: a field failed validation.
pub fn validation(field: &str, cause: &str) -> Reply {
    let summary = format!("Api validation failed: {field}");
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000001",
        &summary,
        &[cause.to_string()],
    )
}

/// 400 E0000031: a `search` or `filter` expression could not be understood.
pub fn invalid_search(cause: &str) -> Reply {
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000031",
        "Invalid search criteria.",
        &[cause.to_string()],
    )
}

/// 401 E0000011: missing or unacceptable credentials.
pub fn invalid_token(cause: &str) -> Reply {
    okta_error(
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
        &[cause.to_string()],
    )
}

/// 403 E0000006: the caller may not do this.
pub fn forbidden() -> Reply {
    okta_error(
        StatusCode::FORBIDDEN,
        "E0000006",
        "You do not have permission to perform the requested action",
        &[],
    )
}

/// 429 E0000047: the rate limit is spent.
pub fn too_many_requests() -> Reply {
    okta_error(
        StatusCode::TOO_MANY_REQUESTS,
        "E0000047",
        "API call exceeded rate limit due to too many requests.",
        &[],
    )
}

/// 405 E0000022: the path exists but not with this method.
pub fn method_not_allowed() -> Reply {
    okta_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
        &[],
    )
}
