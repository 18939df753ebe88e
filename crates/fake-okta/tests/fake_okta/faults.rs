use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fake_okta::{Fault, FaultKind, Method};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{get, json, okta_error, start};

fn users_fault(kind: FaultKind) -> Fault {
    Fault::new(Method::GET, "/api/v1/users").times(1).kind(kind)
}

#[tokio::test]
async fn too_many_requests_then_success() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::TooManyRequests { reset_in_secs: 7 }));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let limited = get(&fake, "/api/v1/users").await;
    assert_eq!(limited.headers()["x-rate-limit-remaining"], "0");
    let reset: u64 = limited.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (now + 6..=now + 8).contains(&reset),
        "reset {reset}, now {now}"
    );
    assert_eq!(
        limited
            .headers()
            .get_all("x-rate-limit-remaining")
            .iter()
            .count(),
        1
    );
    okta_error(limited, 429, "E0000047").await;
    assert_eq!(get(&fake, "/api/v1/users").await.status(), 200);
    assert_eq!(fake.faults_fired(), 1);
}

#[tokio::test]
async fn service_unavailable_twice_then_success() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::ServiceUnavailable).times(2));
    okta_error(get(&fake, "/api/v1/users").await, 503, "E0000010").await;
    okta_error(get(&fake, "/api/v1/users?limit=1").await, 503, "E0000010").await;
    assert_eq!(get(&fake, "/api/v1/users").await.status(), 200);
}

async fn post_empty_group(fake: &fake_okta::FakeOkta) -> reqwest::Response {
    crate::send(
        fake,
        reqwest::Method::POST,
        "/api/v1/groups",
        Some(serde_json::json!({})),
    )
    .await
}

#[tokio::test]
async fn faults_match_method_and_path_prefix() {
    let fake = start().await;
    fake.add_fault(
        Fault::new(Method::POST, "/api/v1/groups")
            .always()
            .kind(FaultKind::Forbidden),
    );
    assert_eq!(
        get(&fake, "/api/v1/groups").await.status(),
        200,
        "GET is not POST"
    );
    let post = post_empty_group(&fake).await;
    okta_error(post, 403, "E0000006").await;
    fake.add_fault(Fault::any_method("/api/v1/apps").kind(FaultKind::Empty204));
    assert_eq!(
        get(&fake, "/api/v1/users").await.status(),
        200,
        "other prefix"
    );
    assert_eq!(get(&fake, "/api/v1/apps/x").await.status(), 204);
    fake.clear_faults();
    let post = post_empty_group(&fake).await;
    assert_eq!(post.status(), 400, "cleared: normal validation error");
}

#[tokio::test]
async fn delay_slows_the_answer() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::Delay { ms: 400 }));
    let started = Instant::now();
    let response = get(&fake, "/api/v1/users").await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await.as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn reset_drops_the_connection_with_rst() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::ResetConnection));
    let address = fake.base_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /api/v1/users HTTP/1.1\r\nhost: x\r\nauthorization: SSWS t0k\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("closed in time");
    assert!(
        buf.is_empty(),
        "no response bytes: {:?}",
        String::from_utf8_lossy(&buf)
    );
    let err = read.expect_err("RST, not a clean close");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);

    let failed = crate::client()
        .get(format!("{}/api/v1/users", fake.base_url()))
        .send()
        .await;
    assert!(failed.is_ok(), "the fault fired once only");
}

#[tokio::test]
async fn reset_is_an_error_for_http_clients() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::ResetConnection));
    let result = crate::client()
        .get(format!("{}/api/v1/users", fake.base_url()))
        .header("authorization", "SSWS t0k")
        .send()
        .await;
    let err = result.expect_err("connection reset");
    assert!(!err.is_timeout());
}

#[tokio::test]
async fn malformed_json_with_200() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::MalformedJson));
    let response = get(&fake, "/api/v1/users").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn oversized_body_is_streamed_valid_json() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::Oversized { megabytes: 3 }));
    let response = get(&fake, "/api/v1/users").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "chunked, not built up front"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.len() >= 3 * 1024 * 1024 && bytes.len() < 4 * 1024 * 1024,
        "{}",
        bytes.len()
    );
    let items: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert!(items.as_array().unwrap().len() > 20_000);
}

#[tokio::test]
async fn extra_fields_and_unknown_enum_values() {
    let fake = start().await;
    fake.add_fault(Fault::new(Method::GET, "/api/v1/apps").kind(FaultKind::ExtraFields));
    let apps = json(get(&fake, "/api/v1/apps").await).await;
    let first = &apps[0];
    assert_eq!(first["fakeOktaUnknownField"], "surprise");
    assert_eq!(first["status"], "FUTURE_STATUS");
    assert_eq!(first["signOnMode"], "FUTURE_SIGN_ON_MODE");
    assert!(first["_links"].is_object(), "the rest is intact");
    let again = json(get(&fake, "/api/v1/apps").await).await;
    assert!(again[0].get("fakeOktaUnknownField").is_none());
}

#[tokio::test]
async fn empty_204() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::Empty204));
    let response = get(&fake, "/api/v1/users").await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn html_instead_of_json() {
    let fake = start().await;
    fake.add_fault(users_fault(FaultKind::Html { status: 502 }));
    fake.add_fault(users_fault(FaultKind::Html { status: 200 }));
    let bad_gateway = get(&fake, "/api/v1/users").await;
    assert_eq!(bad_gateway.status(), 502);
    assert!(
        bad_gateway.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        bad_gateway
            .text()
            .await
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let ok_html = get(&fake, "/api/v1/users").await;
    assert_eq!(ok_html.status(), 200);
    assert!(ok_html.json::<Value>().await.is_err());
}

#[tokio::test]
async fn builder_faults_are_active_from_the_start() {
    let fake = fake_okta::FakeOkta::builder()
        .fault("GET /api/v1/users 503 2".parse().unwrap())
        .start()
        .await
        .unwrap();
    assert_eq!(get(&fake, "/api/v1/users").await.status(), 503);
    assert_eq!(get(&fake, "/api/v1/users").await.status(), 503);
    assert_eq!(get(&fake, "/api/v1/users").await.status(), 200);
}
