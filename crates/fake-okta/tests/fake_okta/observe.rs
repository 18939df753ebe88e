use fake_okta::{Fault, FaultKind};

use crate::{client, get, get_url, okta_error, start};

#[tokio::test]
async fn request_log_keeps_paths_and_queries_as_sent() {
    let fake = start().await;
    let response = get(&fake, "/api/v1/users/..%2F..%2Fadmin%2Fx").await;
    let body = okta_error(response, 404, "E0000007").await;
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: ../../admin/x (User)"
    );
    get(
        &fake,
        "/api/v1/users?search=profile.login%20eq%20%22a%2Bb%40x.com%22&limit=5",
    )
    .await;

    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/v1/users/..%2F..%2Fadmin%2Fx");
    assert_eq!(log[0].query, None);
    assert_eq!(log[1].path, "/api/v1/users");
    assert_eq!(
        log[1].query.as_deref(),
        Some("search=profile.login%20eq%20%22a%2Bb%40x.com%22&limit=5")
    );
    assert_eq!(log[1].header("Authorization"), Some("SSWS t0k"));
    assert_eq!(
        log[1].path_and_query(),
        "/api/v1/users?search=profile.login%20eq%20%22a%2Bb%40x.com%22&limit=5"
    );

    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn request_log_keeps_bodies_and_headers() {
    let fake = start().await;
    crate::send(
        &fake,
        reqwest::Method::POST,
        "/api/v1/groups",
        Some(serde_json::json!({"profile": {"name": "Logged"}})),
    )
    .await;
    let log = fake.requests();
    let request = log.last().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.body_json().unwrap()["profile"]["name"], "Logged");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.body_text().contains("Logged"));
}

#[tokio::test]
async fn counts_requests_and_concurrency() {
    let fake = start().await;
    fake.add_fault(
        Fault::any_method("/api/v1/users")
            .always()
            .kind(FaultKind::Delay { ms: 300 }),
    );
    let client = client();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url) = (
            client.clone(),
            format!("{}/api/v1/users?limit=1", fake.base_url()),
        );
        tasks.push(tokio::spawn(async move {
            client
                .get(url)
                .header("authorization", "SSWS t0k")
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(fake.total_requests(), 6);
    assert_eq!(fake.max_in_flight(), 6, "all six were waiting together");
    fake.clear_faults();
    get(&fake, "/api/v1/users").await;
    assert_eq!(fake.max_in_flight(), 6);
    fake.reset_counters();
    get(&fake, "/api/v1/users").await;
    assert_eq!((fake.total_requests(), fake.max_in_flight()), (1, 1));
}

#[tokio::test]
async fn record_limit_drops_the_oldest() {
    let fake = fake_okta::FakeOkta::builder()
        .record_limit(2)
        .start()
        .await
        .unwrap();
    for path in ["/a", "/b", "/c"] {
        get_url(&format!("{}{path}", fake.base_url()), None).await;
    }
    let paths: Vec<_> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/b", "/c"]);
}
