use std::collections::HashSet;

use fake_okta::{Credential, FakeOkta};

use crate::{SSWS, get, get_url, json, links, next_link, okta_error, start};

#[tokio::test]
async fn users_page_through_next_links_with_opaque_cursors() {
    let fake = start().await;
    let first = get(&fake, "/api/v1/users?limit=10").await;
    assert_eq!(first.status(), 200);
    let all_links = links(&first);
    assert!(
        all_links.contains(&format!(
            "<{}/api/v1/users?limit=10>; rel=\"self\"",
            fake.base_url()
        )),
        "{all_links:?}"
    );
    let next = next_link(&first).expect("a next link");
    let prefix = format!("{}/api/v1/users?after=", fake.base_url());
    assert!(
        next.starts_with(&prefix) && next.ends_with("&limit=10"),
        "{next}"
    );
    let cursor = &next[prefix.len()..next.len() - "&limit=10".len()];
    let mut seen: Vec<String> = json(first)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen.len(), 10);
    assert!(
        cursor != "10" && !cursor.contains(&seen[9]),
        "cursor {cursor} must be opaque"
    );

    let mut url = Some(next);
    let mut pages = 1;
    while let Some(u) = url {
        let page = get_url(&u, Some(SSWS)).await;
        assert_eq!(page.status(), 200);
        url = next_link(&page);
        seen.extend(
            json(page)
                .await
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        25,
        "no user twice"
    );
    let expected: Vec<String> = fake
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, expected, "id order");
}

#[tokio::test]
async fn default_and_maximum_page_size_is_200() {
    let fake = FakeOkta::builder().users(450).start().await.unwrap();
    let page = get(&fake, "/api/v1/users").await;
    assert!(next_link(&page).is_some_and(|l| l.ends_with("&limit=200")));
    let users = json(page).await;
    assert_eq!(users.as_array().unwrap().len(), 200);
    let page = get(&fake, "/api/v1/users?limit=1000").await;
    assert_eq!(json(page).await.as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn next_link_keeps_search_parameters_as_sent() {
    let fake = start().await;
    let query = "search=status%20eq%20%22ACTIVE%22&limit=3";
    let page = get(&fake, &format!("/api/v1/users?{query}")).await;
    let next = next_link(&page).unwrap();
    assert!(
        next.contains("?search=status%20eq%20%22ACTIVE%22&after="),
        "{next}"
    );
    let second = get_url(&next, Some(SSWS)).await;
    for user in json(second).await.as_array().unwrap() {
        assert_eq!(user["status"], "ACTIVE");
    }
}

#[tokio::test]
async fn forged_cursor_is_rejected() {
    let fake = start().await;
    let first = fake.users()[0]["id"].as_str().unwrap().to_string();
    okta_error(
        get(&fake, &format!("/api/v1/users?after={first}")).await,
        400,
        "E0000001",
    )
    .await;
    okta_error(get(&fake, "/api/v1/users?limit=ten").await, 400, "E0000001").await;
}

#[tokio::test]
async fn last_page_has_only_a_self_link() {
    let fake = start().await;
    let page = get(&fake, "/api/v1/groups").await;
    assert_eq!(links(&page).len(), 1);
    assert!(next_link(&page).is_none());
    assert_eq!(json(page).await.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn group_members_and_logs_page_too() {
    let fake = start().await;
    let everyone = fake.groups()[0]["id"].as_str().unwrap().to_string();
    let page = get(&fake, &format!("/api/v1/groups/{everyone}/users?limit=20")).await;
    let next = next_link(&page).unwrap();
    assert_eq!(json(page).await.as_array().unwrap().len(), 20);
    let rest = get_url(&next, Some(SSWS)).await;
    assert_eq!(json(rest).await.as_array().unwrap().len(), 5);

    let page = get(&fake, "/api/v1/logs?limit=7").await;
    let next = next_link(&page).unwrap();
    let first: Vec<_> = json(page).await.as_array().unwrap().clone();
    let second = get_url(&next, Some(SSWS)).await;
    let second: Vec<_> = json(second).await.as_array().unwrap().clone();
    assert_eq!((first.len(), second.len()), (7, 7));
    assert!(first[6]["published"].as_str() < second[0]["published"].as_str());
}

#[tokio::test]
async fn pages_work_with_bearer_tokens_too() {
    let fake = FakeOkta::builder()
        .accept_token(Credential::Bearer("b".into()))
        .start()
        .await
        .unwrap();
    let response = get_url(
        &format!("{}/api/v1/users?limit=5", fake.base_url()),
        Some(&format!("Bearer {}", "b")),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(next_link(&response).is_some());
}
