//! A minimal OAuth token endpoint (`POST /oauth2/v1/token`), enough for a client that
//! signs in with `client_credentials` before calling the API. It trusts any client
//! assertion; real OAuth is tested against a real server elsewhere.

use hyper::StatusCode;
use serde_json::json;

use crate::api::Call;
use crate::auth::{Auth, Credential};
use crate::ids::random_string;
use crate::reply::Reply;

/// Issues an access token and makes the server accept it. A request carrying a `DPoP`
/// header gets a DPoP-bound token.
pub fn issue(call: &Call, auth: &Auth, wants_dpop: bool) -> Reply {
    let form: Vec<(String, String)> = form_urlencoded::parse(call.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some("client_credentials") {
        return oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported.",
        );
    }
    if auth.requires_dpop() && !wants_dpop {
        return oauth_error(
            "invalid_dpop_proof",
            "The DPoP proof JWT header is missing.",
        );
    }
    let token = random_string(48);
    let (token_type, credential) = if wants_dpop {
        ("DPoP", Credential::Dpop(token.clone()))
    } else {
        ("Bearer", Credential::Bearer(token.clone()))
    };
    auth.accept_granted(
        credential,
        Some(crate::scopes::parse(field("scope").unwrap_or_default())),
    );
    Reply::ok(json!({
        "token_type": token_type,
        "expires_in": 3600,
        "access_token": token,
        "scope": field("scope").unwrap_or_default(),
    }))
    .header("cache-control", "no-store")
}

fn oauth_error(code: &str, description: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        json!({ "error": code, "error_description": description }),
    )
}

/// `GET /.well-known/openid-configuration`: the org authorization server's
/// discovery document, issuer = the org.
pub fn discovery(base: &str) -> Reply {
    let base = base.trim_end_matches('/');
    Reply::ok(serde_json::json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth2/v1/authorize"),
        "token_endpoint": format!("{base}/oauth2/v1/token"),
        "device_authorization_endpoint": format!("{base}/oauth2/v1/device/authorize"),
        "jwks_uri": format!("{base}/oauth2/v1/keys"),
        "dpop_signing_alg_values_supported": ["ES256", "RS256"],
    }))
}
