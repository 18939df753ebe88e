use fake_okta::{FakeOkta, seeded_login, seeded_status};
use reqwest::Method;
use serde_json::json;

use crate::{get, json, okta_error, send, start};

#[tokio::test]
async fn seeded_users_look_like_okta_users() {
    let fake = start().await;
    let users = json(get(&fake, "/api/v1/users").await).await;
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 25);
    let user = &users[0];
    for field in [
        "id",
        "status",
        "created",
        "activated",
        "statusChanged",
        "lastLogin",
        "lastUpdated",
        "passwordChanged",
        "realmId",
        "type",
        "profile",
        "credentials",
        "_links",
    ] {
        assert!(user.get(field).is_some(), "missing {field}");
    }
    let id = user["id"].as_str().unwrap();
    assert!(id.starts_with("00u") && id.len() == 20, "{id}");
    assert_eq!(user["profile"]["login"], seeded_login(0));
    assert_eq!(
        user["_links"]["self"]["href"],
        format!("{}/api/v1/users/{id}", fake.base_url())
    );
    assert_eq!(users[7]["status"], seeded_status(7));
    assert_eq!(users[7]["status"], "STAGED");
    let apps = json(get(&fake, "/api/v1/apps").await).await;
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .any(|a| a["signOnMode"] == "MFA_AS_SERVICE")
    );
    assert!(apps[0]["id"].as_str().unwrap().starts_with("0oa"));
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = FakeOkta::builder().users(30).start().await.unwrap();
    let b = FakeOkta::builder().users(30).start().await.unwrap();
    let ids = |f: &FakeOkta| {
        f.users()
            .iter()
            .map(|u| u["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.users()[3]["profile"], b.users()[3]["profile"]);
}

#[tokio::test]
async fn unknown_ids_and_paths_are_okta_404s() {
    let fake = start().await;
    let body = okta_error(get(&fake, "/api/v1/users/abc").await, 404, "E0000007").await;
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: abc (User)"
    );
    okta_error(get(&fake, "/api/v1/groups/00gnope").await, 404, "E0000007").await;
    okta_error(get(&fake, "/api/v1/apps/0oanope").await, 404, "E0000007").await;
    okta_error(
        get(&fake, "/api/v1/catalog/apps/nope").await,
        404,
        "E0000007",
    )
    .await;
    okta_error(get(&fake, "/api/v1/no/such/thing").await, 404, "E0000007").await;
    okta_error(get(&fake, "/").await, 404, "E0000007").await;
}

#[tokio::test]
async fn bad_json_body_is_e0000003() {
    let fake = start().await;
    let response = crate::client()
        .post(format!("{}/api/v1/users", fake.base_url()))
        .header("authorization", "SSWS t0k")
        .header("content-type", "application/json")
        .body("{\"profile\": ")
        .send()
        .await
        .unwrap();
    okta_error(response, 400, "E0000003").await;
}

#[tokio::test]
async fn filters_search_and_q() {
    let fake = start().await;
    let staged = json(get(&fake, "/api/v1/users?filter=status%20eq%20%22STAGED%22").await).await;
    let staged = staged.as_array().unwrap();
    assert_eq!(staged.len(), 2, "seeded users 7 and 17");
    assert!(staged.iter().all(|u| u["status"] == "STAGED"));

    let login = seeded_login(3);
    let url = format!("/api/v1/users?search=profile.login%20eq%20%22{login}%22");
    let found = json(get(&fake, &url).await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["profile"]["login"], login);

    let found = json(
        get(
            &fake,
            "/api/v1/users?search=profile.login%20sw%20%22ava.%22",
        )
        .await,
    )
    .await;
    assert!(!found.as_array().unwrap().is_empty());
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["profile"]["login"].as_str().unwrap().starts_with("ava."))
    );

    let found = json(get(&fake, "/api/v1/users?q=Emm").await).await;
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["profile"]["firstName"] == "Emma")
    );
    assert!(!found.as_array().unwrap().is_empty());

    for bad in [
        "status%20eq",
        "status%20is%20%22ACTIVE%22",
        "%22ACTIVE%22",
        "status%20eq%20%22A",
    ] {
        let body = okta_error(
            get(&fake, &format!("/api/v1/users?search={bad}")).await,
            400,
            "E0000031",
        )
        .await;
        assert_eq!(body["errorSummary"], "Invalid search criteria.");
    }
    okta_error(
        get(&fake, "/api/v1/groups?filter=type%20equals%20x").await,
        400,
        "E0000031",
    )
    .await;
}

#[tokio::test]
async fn user_lifecycle_round_trip() {
    let fake = start().await;
    let new_user = json!({
        "profile": { "firstName": "Test", "lastName": "User", "email": "t.user@example.com", "login": "t.user@example.com" },
        "credentials": { "password": { "value": "Sup3r-secret!" } }
    });
    let created = send(
        &fake,
        Method::POST,
        "/api/v1/users?activate=false",
        Some(new_user.clone()),
    )
    .await;
    assert_eq!(created.status(), 200);
    let created = json(created).await;
    assert_eq!(created["status"], "STAGED");
    assert_eq!(
        created["credentials"]["password"],
        json!({}),
        "password never echoed"
    );
    let id = created["id"].as_str().unwrap().to_string();

    okta_error(
        send(&fake, Method::POST, "/api/v1/users", Some(new_user)).await,
        400,
        "E0000001",
    )
    .await;
    let by_login = json(get(&fake, "/api/v1/users/t.user@example.com").await).await;
    assert_eq!(by_login["id"], id.as_str());

    let path = format!("/api/v1/users/{id}");
    let updated = json(
        send(
            &fake,
            Method::POST,
            &path,
            Some(json!({"profile": {"title": "Tester"}})),
        )
        .await,
    )
    .await;
    assert_eq!(updated["profile"]["title"], "Tester");
    assert_eq!(updated["profile"]["firstName"], "Test");
    let replaced = send(
        &fake,
        Method::PUT,
        &path,
        Some(json!({"profile": {"title": "Only"}})),
    )
    .await;
    okta_error(replaced, 400, "E0000001").await;

    let activate = send(
        &fake,
        Method::POST,
        &format!("{path}/lifecycle/activate"),
        None,
    )
    .await;
    assert_eq!(activate.status(), 200);
    assert_eq!(json(get(&fake, &path).await).await["status"], "ACTIVE");
    okta_error(
        send(
            &fake,
            Method::POST,
            &format!("{path}/lifecycle/activate"),
            None,
        )
        .await,
        403,
        "E0000016",
    )
    .await;
    send(
        &fake,
        Method::POST,
        &format!("{path}/lifecycle/suspend"),
        None,
    )
    .await;
    assert_eq!(json(get(&fake, &path).await).await["status"], "SUSPENDED");
    okta_error(
        send(
            &fake,
            Method::POST,
            &format!("{path}/lifecycle/suspend"),
            None,
        )
        .await,
        400,
        "E0000001",
    )
    .await;
    send(
        &fake,
        Method::POST,
        &format!("{path}/lifecycle/unsuspend"),
        None,
    )
    .await;
    assert_eq!(json(get(&fake, &path).await).await["status"], "ACTIVE");

    let groups = json(get(&fake, &format!("{path}/groups")).await).await;
    assert_eq!(groups[0]["profile"]["name"], "Everyone");

    assert_eq!(send(&fake, Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(
        json(get(&fake, &path).await).await["status"],
        "DEPROVISIONED"
    );
    assert_eq!(send(&fake, Method::DELETE, &path, None).await.status(), 204);
    okta_error(get(&fake, &path).await, 404, "E0000007").await;
}

#[tokio::test]
async fn groups_and_membership() {
    let fake = start().await;
    let group = send(
        &fake,
        Method::POST,
        "/api/v1/groups",
        Some(json!({"profile": {"name": "Pilots", "description": "d"}})),
    )
    .await;
    let group = json(group).await;
    let gid = group["id"].as_str().unwrap().to_string();
    assert!(gid.starts_with("00g"));
    assert_eq!(group["type"], "OKTA_GROUP");
    let uid = fake.users()[2]["id"].as_str().unwrap().to_string();
    let member_path = format!("/api/v1/groups/{gid}/users/{uid}");
    assert_eq!(
        send(&fake, Method::PUT, &member_path, None).await.status(),
        204
    );
    let members = json(get(&fake, &format!("/api/v1/groups/{gid}/users")).await).await;
    assert_eq!(members[0]["id"], uid.as_str());
    assert_eq!(
        send(&fake, Method::DELETE, &member_path, None)
            .await
            .status(),
        204
    );
    let members = json(get(&fake, &format!("/api/v1/groups/{gid}/users")).await).await;
    assert_eq!(members, json!([]));
    okta_error(
        send(
            &fake,
            Method::PUT,
            &format!("/api/v1/groups/{gid}/users/00unope"),
            None,
        )
        .await,
        404,
        "E0000007",
    )
    .await;

    let renamed = send(
        &fake,
        Method::PUT,
        &format!("/api/v1/groups/{gid}"),
        Some(json!({"profile": {"name": "Aviators"}})),
    )
    .await;
    assert_eq!(json(renamed).await["profile"]["name"], "Aviators");
    let found = json(get(&fake, "/api/v1/groups?q=avi").await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);

    let everyone = fake.groups()[0]["id"].as_str().unwrap().to_string();
    let body = okta_error(
        send(
            &fake,
            Method::DELETE,
            &format!("/api/v1/groups/{everyone}"),
            None,
        )
        .await,
        403,
        "E0000006",
    )
    .await;
    assert_eq!(
        body["errorSummary"],
        "You do not have permission to perform the requested action"
    );
    assert_eq!(
        send(
            &fake,
            Method::DELETE,
            &format!("/api/v1/groups/{gid}"),
            None
        )
        .await
        .status(),
        204
    );
}

#[tokio::test]
async fn apps_lifecycle_and_delete() {
    let fake = start().await;
    let id = fake.apps()[0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/apps/{id}");
    okta_error(
        send(&fake, Method::DELETE, &path, None).await,
        403,
        "E0000056",
    )
    .await;
    let deactivated = send(
        &fake,
        Method::POST,
        &format!("{path}/lifecycle/deactivate"),
        None,
    )
    .await;
    assert_eq!(deactivated.status(), 200);
    assert_eq!(json(get(&fake, &path).await).await["status"], "INACTIVE");
    let active = json(get(&fake, "/api/v1/apps?filter=status%20eq%20%22ACTIVE%22").await).await;
    assert_eq!(active.as_array().unwrap().len(), 5);
    assert_eq!(send(&fake, Method::DELETE, &path, None).await.status(), 204);
    okta_error(get(&fake, &path).await, 404, "E0000007").await;
}

#[tokio::test]
async fn policies_logs_schema_catalog() {
    let fake = start().await;
    let passwords = json(get(&fake, "/api/v1/policies?type=PASSWORD").await).await;
    assert_eq!(passwords.as_array().unwrap().len(), 2);
    assert!(
        passwords
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["type"] == "PASSWORD" && p["id"].as_str().unwrap().starts_with("00p"))
    );
    okta_error(get(&fake, "/api/v1/policies").await, 400, "E0000001").await;

    let all = json(get(&fake, "/api/v1/logs?limit=1000").await).await;
    let all = all.as_array().unwrap();
    let cut = all[10]["published"].as_str().unwrap();
    let since = json(get(&fake, &format!("/api/v1/logs?since={cut}&limit=1000")).await).await;
    assert_eq!(since.as_array().unwrap().len(), all.len() - 10);
    let until = json(get(&fake, &format!("/api/v1/logs?until={cut}")).await).await;
    assert_eq!(until.as_array().unwrap().len(), 10);
    let filtered = json(
        get(
            &fake,
            "/api/v1/logs?filter=eventType%20eq%20%22user.session.start%22&limit=1000",
        )
        .await,
    )
    .await;
    assert!(!filtered.as_array().unwrap().is_empty());
    assert!(
        filtered
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["eventType"] == "user.session.start")
    );
    okta_error(
        get(&fake, "/api/v1/logs?since=yesterday").await,
        400,
        "E0000001",
    )
    .await;

    let schema = json(get(&fake, "/api/v1/meta/schemas/user/default").await).await;
    assert_eq!(
        schema["definitions"]["base"]["properties"]["login"]["unique"],
        "UNIQUE_VALIDATED"
    );
    assert!(schema["definitions"]["custom"]["properties"]["githubUsername"].is_object());

    let catalog = json(get(&fake, "/api/v1/catalog/apps").await).await;
    assert!(catalog.as_array().unwrap().len() >= 5);
    let slack = json(get(&fake, "/api/v1/catalog/apps/slack").await).await;
    assert_eq!(slack["displayName"], "Slack");
}

#[tokio::test]
async fn wrong_method_is_405() {
    let fake = start().await;
    okta_error(
        send(&fake, Method::PATCH, "/api/v1/users", None).await,
        405,
        "E0000022",
    )
    .await;
}
