//! The token request asks for exactly `OKTA_SCOPES`, in order: through the
//! real binary (private key JWT) against the fake Okta's token endpoint,
//! whose request log shows the `scope` sent. The `.read` a `.manage` implies
//! is never asked for (Okta refuses scopes the app was not granted), yet
//! still opens the read tools.

mod support;

use base64::Engine;
use serde_json::json;
use support::*;

/// A fresh EC P-256 private key as PKCS#8 PEM.
fn ec_pem() -> String {
    let pkcs8 = okta_mcp::auth::keys::DpopKey::generate()
        .expect("key")
        .to_pkcs8_b64();
    let der = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(pkcs8)
        .expect("base64url");
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

/// The `scope` of every token request the fake received.
fn token_scopes(fake: &FakeOkta) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/oauth2/v1/token")
        .map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "scope")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("no scope in {}", r.body_text()))
        })
        .collect()
}

async fn signed_in_round(scopes: &str) -> (Vec<String>, Vec<String>) {
    let fake = fake_org().await;
    let pem = ec_pem();
    let server = start(
        fake.base_url(),
        scopes,
        &[
            ("OKTA_PRIVATE_KEY", pem.as_str()),
            ("OKTA_KEY_ID", "kid-1"),
            ("OKTA_CLIENT_ID", "0oa-service"),
        ],
    )
    .await;
    // list_users needs okta.users.read, held only through okta.users.manage.
    let r = server.call("list_users", json!({"limit": 1})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let names = server.tool_names().await;
    let stderr = server.stop().await;
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
    (token_scopes(&fake), names)
}

#[tokio::test]
async fn a_manage_scope_alone_is_asked_for_alone() {
    let (sent, names) = signed_in_round("okta.users.manage").await;
    assert!(!sent.is_empty(), "a token was requested");
    for scope in &sent {
        assert_eq!(scope, "okta.users.manage");
    }
    // The granted okta.users.manage still opens the read tools.
    for tool in ["list_users", "get_user", "create_user"] {
        assert!(names.iter().any(|n| n == tool), "{tool} in {names:?}");
    }
}

#[tokio::test]
async fn several_scopes_are_asked_for_in_the_configured_order() {
    let configured = "okta.users.manage okta.apps.read,okta.groups.manage okta.users.manage";
    let (sent, _) = signed_in_round(configured).await;
    assert!(!sent.is_empty(), "a token was requested");
    for scope in &sent {
        assert_eq!(scope, "okta.users.manage okta.apps.read okta.groups.manage");
    }
}
