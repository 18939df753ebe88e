//! The shapes of Okta objects (users, groups, apps, policies, log events).
//!
//! Seeding and the create/update endpoints both build objects here, so every object the
//! fake serves has the fields and links real Okta sends, including some that specs lag
//! behind on (`realmId` on users, `orn` on apps).

use serde_json::{Map, Value, json};

/// Everything that varies between two users.
pub struct UserFacts {
    pub id: String,
    pub status: String,
    pub created: String,
    pub activated: Option<String>,
    pub last_login: Option<String>,
    pub last_updated: String,
    pub password_changed: Option<String>,
    pub profile: Value,
    pub has_password: bool,
}

/// A user as `GET /api/v1/users/{id}` returns it.
pub fn user(base: &str, facts: UserFacts) -> Value {
    let mut credentials = Map::new();
    if facts.has_password {
        credentials.insert("password".into(), json!({}));
        credentials.insert(
            "recovery_question".into(),
            json!({ "question": "What is the food you least liked as a child?" }),
        );
    }
    credentials.insert("provider".into(), json!({ "type": "OKTA", "name": "OKTA" }));
    let links = user_links(base, &facts.id, &facts.status);
    json!({
        "id": facts.id,
        "status": facts.status,
        "created": facts.created,
        "activated": facts.activated,
        "statusChanged": facts.activated.clone().or_else(|| Some(facts.created.clone())),
        "lastLogin": facts.last_login,
        "lastUpdated": facts.last_updated,
        "passwordChanged": facts.password_changed,
        "realmId": "guo1a2b3c4d5e6f7g8h9",
        "type": { "id": "oty1a2b3c4d5e6f7g8h9" },
        "profile": facts.profile,
        "credentials": credentials,
        "_links": links,
    })
}

/// The `_links` of a user, which depend on what its status allows next.
pub fn user_links(base: &str, id: &str, status: &str) -> Value {
    let href = format!("{base}/api/v1/users/{id}");
    let mut links = Map::new();
    let post =
        |action: &str| json!({ "href": format!("{href}/lifecycle/{action}"), "method": "POST" });
    let actions: &[&str] = match status {
        "ACTIVE" => &["suspend", "deactivate", "reset_password", "expire_password"],
        "SUSPENDED" => &["unsuspend", "deactivate"],
        "STAGED" | "PROVISIONED" => &["activate", "deactivate"],
        "LOCKED_OUT" => &["unlock", "deactivate"],
        "DEPROVISIONED" => &["activate"],
        _ => &["deactivate"],
    };
    for action in actions {
        links.insert((*action).into(), post(action));
    }
    links.insert(
        "type".into(),
        json!({ "href": format!("{base}/api/v1/meta/types/user/oty1a2b3c4d5e6f7g8h9") }),
    );
    links.insert("self".into(), json!({ "href": href }));
    Value::Object(links)
}

/// A group. `kind` is OKTA_GROUP, APP_GROUP or BUILT_IN.
pub fn group(base: &str, id: &str, kind: &str, name: &str, description: &str, when: &str) -> Value {
    let mut profile = json!({ "name": name, "description": description });
    let object_class = if kind == "APP_GROUP" {
        let sam = name.replace(' ', "");
        profile["samAccountName"] = json!(sam);
        profile["dn"] = json!(format!("CN={name},OU=Groups,DC=corp,DC=example,DC=com"));
        profile["windowsDomainQualifiedName"] = json!(format!("CORP\\{sam}"));
        profile["externalId"] = json!("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6");
        "okta:windows_security_principal"
    } else {
        "okta:user_group"
    };
    let href = format!("{base}/api/v1/groups/{id}");
    json!({
        "id": id,
        "created": when,
        "lastUpdated": when,
        "lastMembershipUpdated": when,
        "objectClass": [object_class],
        "type": kind,
        "profile": profile,
        "_links": {
            "logo": [
                { "name": "medium", "href": format!("{base}/assets/img/logos/groups/okta-medium.png"), "type": "image/png" },
                { "name": "large", "href": format!("{base}/assets/img/logos/groups/okta-large.png"), "type": "image/png" }
            ],
            "users": { "href": format!("{href}/users") },
            "apps": { "href": format!("{href}/apps") }
        }
    })
}

/// An app integration.
pub fn app(
    base: &str,
    id: &str,
    name: &str,
    label: &str,
    sign_on_mode: &str,
    status: &str,
    when: &str,
) -> Value {
    let href = format!("{base}/api/v1/apps/{id}");
    let mut settings = json!({
        "app": {},
        "notifications": { "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null } },
        "manualProvisioning": false,
        "implicitAssignment": false,
        "notes": { "admin": null, "enduser": null }
    });
    if sign_on_mode == "OPENID_CONNECT" {
        settings["oauthClient"] = json!({
            "redirect_uris": ["https://portal.example.com/callback"],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
            "application_type": "web",
            "consent_method": "REQUIRED",
            "issuer_mode": "DYNAMIC"
        });
    }
    let lifecycle = if status == "ACTIVE" {
        "deactivate"
    } else {
        "activate"
    };
    json!({
        "id": id,
        "orn": format!("orn:okta:idp:00o1a2b3c4d5e6f7g8h9:apps:{name}:{id}"),
        "name": name,
        "label": label,
        "status": status,
        "lastUpdated": when,
        "created": when,
        "accessibility": { "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null },
        "visibility": {
            "autoSubmitToolbar": false,
            "hide": { "iOS": false, "web": false },
            "appLinks": { name: true }
        },
        "features": [],
        "signOnMode": sign_on_mode,
        "credentials": {
            "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" },
            "signing": { "kid": "sGa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0" }
        },
        "settings": settings,
        "_links": {
            "self": { "href": href },
            "users": { "href": format!("{href}/users") },
            "groups": { "href": format!("{href}/groups") },
            lifecycle: { "href": format!("{href}/lifecycle/{lifecycle}"), "method": "POST" },
            "logo": [{ "name": "medium", "href": format!("{base}/assets/img/logos/default.png"), "type": "image/png" }]
        }
    })
}

/// A policy of one type (`OKTA_SIGN_ON`, `PASSWORD`, ...).
pub fn policy(
    base: &str,
    id: &str,
    kind: &str,
    name: &str,
    priority: u32,
    system: bool,
    when: &str,
) -> Value {
    let href = format!("{base}/api/v1/policies/{id}");
    let mut policy = json!({
        "id": id,
        "status": "ACTIVE",
        "name": name,
        "description": format!("{name} ({kind})"),
        "priority": priority,
        "system": system,
        "conditions": { "people": { "groups": { "include": [] } } },
        "created": when,
        "lastUpdated": when,
        "_links": {
            "self": { "href": href, "hints": { "allow": ["GET", "PUT", "DELETE"] } },
            "rules": { "href": format!("{href}/rules"), "hints": { "allow": ["GET", "POST"] } }
        },
        "type": kind
    });
    if kind == "PASSWORD" {
        policy["settings"] = json!({
            "password": {
                "complexity": { "minLength": 12, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1, "minSymbol": 0, "excludeUsername": true },
                "age": { "maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0, "historyCount": 4 },
                "lockout": { "maxAttempts": 10, "autoUnlockMinutes": 0, "showLockoutFailures": false }
            },
            "recovery": { "factors": { "okta_email": { "status": "ACTIVE" } } },
            "delegation": { "options": { "skipUnlock": false } }
        });
    }
    policy
}
