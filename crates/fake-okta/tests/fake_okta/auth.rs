use std::time::{SystemTime, UNIX_EPOCH};

use fake_okta::{Credential, FakeOkta};

use crate::{SSWS, client, get_url, json, okta_error, start};

#[tokio::test]
async fn credentials_are_checked_per_scheme() {
    let fake = start().await;
    let url = format!("{}/api/v1/users", fake.base_url());
    let missing = get_url(&url, None).await;
    let body = okta_error(missing, 401, "E0000011").await;
    assert_eq!(body["errorSummary"], "Invalid token provided");
    let wrong = get_url(&url, Some("SSWS nope")).await;
    okta_error(wrong, 401, "E0000011").await;
    let wrong_scheme = get_url(&url, Some(&format!("Bearer {}", crate::TOKEN))).await;
    okta_error(wrong_scheme, 401, "E0000011").await;
    let right = get_url(&url, Some(SSWS)).await;
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn without_configured_credentials_anything_goes() {
    let fake = FakeOkta::builder().users(3).start().await.unwrap();
    let response = get_url(&format!("{}/api/v1/users", fake.base_url()), None).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn rate_limit_headers_count_down_and_429_when_spent() {
    let fake = FakeOkta::builder()
        .users(2)
        .rate_limit(3)
        .start()
        .await
        .unwrap();
    let url = format!("{}/api/v1/users", fake.base_url());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = get_url(&url, None).await;
        let header = |n: &str| {
            response.headers()[n]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        assert_eq!(header("x-rate-limit-limit"), 3);
        let reset = header("x-rate-limit-reset");
        assert!(
            reset > now && reset <= now + 61,
            "reset {reset} vs now {now}"
        );
        remaining.push(header("x-rate-limit-remaining"));
        assert_eq!(response.status(), 200);
    }
    // A minute boundary between requests refills the budget; only check when it did not.
    if remaining == [2, 1, 0] {
        let over = get_url(&url, None).await;
        assert_eq!(over.headers()["x-rate-limit-remaining"], "0");
        okta_error(over, 429, "E0000047").await;
    } else {
        assert_eq!(remaining[0], 2);
    }
}

#[tokio::test]
async fn errors_carry_rate_limit_headers_too() {
    let fake = start().await;
    let response = get_url(&format!("{}/api/v1/users/nope", fake.base_url()), None).await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("x-rate-limit-remaining"));
}

#[tokio::test]
async fn token_endpoint_issues_accepted_bearer_tokens() {
    let fake = start().await;
    let response = client()
        .post(format!("{}/oauth2/v1/token", fake.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=okta.users.read%20okta.groups.read&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=anything")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token = json(response).await;
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(token["scope"], "okta.users.read okta.groups.read");
    let access = token["access_token"].as_str().unwrap();
    let users = get_url(
        &format!("{}/api/v1/users", fake.base_url()),
        Some(&format!("Bearer {}", access)),
    )
    .await;
    assert_eq!(users.status(), 200);

    let refused = client()
        .post(format!("{}/oauth2/v1/token", fake.base_url()))
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(json(refused).await["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn tokens_can_be_added_at_run_time() {
    let fake = start().await;
    let url = format!("{}/api/v1/users", fake.base_url());
    assert_eq!(
        get_url(&url, Some(&format!("Bearer {}", "later")))
            .await
            .status(),
        401
    );
    fake.accept_token(Credential::Bearer("later".into()));
    assert_eq!(
        get_url(&url, Some(&format!("Bearer {}", "later")))
            .await
            .status(),
        200
    );
}
