//! End-to-end tests of the fake over real HTTP on 127.0.0.1.

mod api;
mod auth;
mod binary;
mod dpop;
mod faults;
mod governance;
mod observe;
mod paging;

use std::time::Duration;

use fake_okta::{Credential, FakeOkta};
use serde_json::Value;

pub const TOKEN: &str = "t0k";
/// The Authorization header that [`start`]'s fake accepts.
pub const SSWS: &str = "SSWS t0k";

/// A fake with 25 users that accepts `SSWS t0k`.
pub async fn start() -> FakeOkta {
    FakeOkta::builder()
        .accept_token(Credential::Ssws(TOKEN.into()))
        .start()
        .await
        .expect("fake starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// GET `path` (with query) as the SSWS client.
pub async fn get(fake: &FakeOkta, path: &str) -> reqwest::Response {
    get_url(&format!("{}{path}", fake.base_url()), Some(SSWS)).await
}

/// GET an absolute URL with this `Authorization` header, or none.
pub async fn get_url(url: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut request = client().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.expect("request succeeds")
}

/// Sends `method path` with a JSON body (or none) as the SSWS client.
pub async fn send(
    fake: &FakeOkta,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client()
        .request(method, format!("{}{path}", fake.base_url()))
        .header("authorization", SSWS);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request succeeds")
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts an Okta error body with this code and returns it.
pub async fn okta_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body = json(response).await;
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorLink"], code);
    assert!(
        body["errorId"]
            .as_str()
            .is_some_and(|id| id.starts_with("oae") && id.len() > 10)
    );
    assert!(body["errorCauses"].is_array());
    assert!(body["errorSummary"].is_string());
    body
}

pub fn links(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

/// The URL of the `rel="next"` link, if any.
pub fn next_link(response: &reqwest::Response) -> Option<String> {
    links(response)
        .iter()
        .find(|l| l.ends_with("rel=\"next\""))
        .map(|l| {
            let start = l.find('<').map_or(0, |i| i + 1);
            let end = l.find('>').unwrap_or(l.len());
            l[start..end].to_string()
        })
}
