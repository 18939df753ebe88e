//! How a refused request to `/mcp` is answered (RFC 6750 section 3, RFC
//! 9728 section 5.1): a `WWW-Authenticate: Bearer` challenge that points the
//! client at the protected-resource metadata, so it can find this server's
//! authorization server and sign in, or ask for the missing scope.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::remote::gate::Refusal;

/// A quoted-string parameter value: no quote, backslash or control
/// character survives (the values are ours, but stay safe anyway).
fn quoted(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect()
}

/// The `WWW-Authenticate` value for `refusal`.
pub fn challenge(refusal: &Refusal, resource_metadata_url: &str) -> String {
    let meta = format!("resource_metadata=\"{}\"", quoted(resource_metadata_url));
    match refusal {
        // No credentials: no error code (RFC 6750 section 3.1).
        Refusal::MissingToken => format!("Bearer {meta}"),
        Refusal::InvalidToken(_) | Refusal::SignInEnded => format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\", {meta}",
            quoted(&refusal.to_string())
        ),
        Refusal::InsufficientScope(scope) => format!(
            "Bearer error=\"insufficient_scope\", scope=\"{}\", error_description=\"{}\", {meta}",
            quoted(scope),
            quoted(&refusal.to_string())
        ),
        Refusal::Unavailable(_) => format!("Bearer {meta}"),
    }
}

/// The HTTP answer to a refused `/mcp` request: 401 (no or bad token,
/// sign-in ended), 403 (a scope is missing) or 503 (tokens cannot be
/// checked now), with the challenge and a JSON body saying why.
pub fn refusal_response(refusal: &Refusal, resource_metadata_url: &str) -> Response {
    let (status, error) = match refusal {
        Refusal::MissingToken => (StatusCode::UNAUTHORIZED, "invalid_request"),
        Refusal::InvalidToken(_) | Refusal::SignInEnded => {
            (StatusCode::UNAUTHORIZED, "invalid_token")
        }
        Refusal::InsufficientScope(_) => (StatusCode::FORBIDDEN, "insufficient_scope"),
        Refusal::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    };
    let body = json!({ "error": error, "error_description": refusal.to_string() });
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge(refusal, resource_metadata_url)) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if matches!(refusal, Refusal::Unavailable(_)) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn each_refusal_has_its_status_and_challenge() {
        let r = refusal_response(&Refusal::MissingToken, META);
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            format!("Bearer resource_metadata=\"{META}\"").as_str()
        );
        let r = refusal_response(&Refusal::InvalidToken("it has \"expired\"".into()), META);
        assert_eq!(r.status(), 401);
        let c = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(c.starts_with("Bearer error=\"invalid_token\""), "{c}");
        assert!(c.contains("it has expired") && c.contains(META), "{c}");
        let r = refusal_response(
            &Refusal::InsufficientScope("okta.users.manage".into()),
            META,
        );
        assert_eq!(r.status(), 403);
        let c = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(
            c.contains("error=\"insufficient_scope\", scope=\"okta.users.manage\""),
            "{c}"
        );
        let r = refusal_response(&Refusal::SignInEnded, META);
        assert_eq!(r.status(), 401);
        let r = refusal_response(&Refusal::Unavailable("store down".into()), META);
        assert_eq!(r.status(), 503);
        assert!(r.headers().contains_key(header::RETRY_AFTER));
    }
}
