//! The deterministic starting data: users, groups, apps, policies, log events, the user
//! schema and the app catalog. Same size in, same objects out, on every run.

use serde_json::{Value, json};

use crate::ids::{okta_id, uuid_from};
use crate::model::{self, UserFacts};
use crate::store::Store;
use crate::time::seeded;

const FIRST: [&str; 20] = [
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Sofia", "Yuki", "Priya", "Omar", "Chloe",
    "Lucas", "Amara", "Ethan", "Zoe", "Diego", "Hana", "Felix", "Nia", "Jonas",
];
const LAST: [&str; 20] = [
    "Nguyen", "Smith", "Garcia", "Kim", "Patel", "Okafor", "Muller", "Rossi", "Silva", "Cohen",
    "Tanaka", "Brown", "Novak", "Jensen", "Haddad", "Lopez", "Ivanova", "Dubois", "Khan", "Murphy",
];
const DEPARTMENTS: [&str; 8] = [
    "Engineering",
    "Sales",
    "Marketing",
    "Support",
    "Finance",
    "People",
    "IT",
    "Legal",
];
/// Non-built-in groups; user `i` belongs to `GROUPS[i % 8]`.
const GROUPS: [(&str, &str); 8] = [
    ("Engineering", "Everyone who builds the product"),
    ("Sales", "Account executives and sales engineers"),
    ("Marketing", "Brand, content and events"),
    ("Support", "Customer support agents"),
    ("Finance", "Accounting and payroll"),
    ("People", "HR and recruiting"),
    ("IT Admins", "Administrators of internal systems"),
    ("Legal", "Counsel and compliance"),
];
const EVENT_TYPES: [(&str, &str); 6] = [
    ("user.session.start", "User login to Okta"),
    ("user.authentication.sso", "User single sign on to app"),
    (
        "user.account.update_password",
        "User update password for Okta",
    ),
    ("policy.evaluate_sign_on", "Evaluation of sign-on policy"),
    ("group.user_membership.add", "Add user to group membership"),
    ("user.lifecycle.create", "Create okta user"),
];

/// Builds the store with `users` users and everything else around them.
pub fn seed(base: &str, users: usize) -> Store {
    let mut store = Store::new(base);
    for i in 0..users {
        let id = store.new_id("00u");
        store.users.insert(id.clone(), seeded_user(base, i, id));
    }
    seed_groups(&mut store);
    seed_apps(&mut store);
    seed_policies(&mut store);
    seed_logs(&mut store);
    store.user_schema = user_schema(base);
    store.catalog = catalog();
    seed_roles(&mut store);
    let users: Vec<String> = store.users.keys().cloned().collect();
    let apps: Vec<String> = store.apps.keys().cloned().collect();
    store.gov = crate::governance::Governance::seed(base, &users, &apps);
    store
}

/// 12 custom admin roles.
fn seed_roles(store: &mut Store) {
    for i in 0..12 {
        let id = store.new_id("cr0");
        let when = seeded(-(i as i64) * 120);
        let role = json!({
            "id": id,
            "label": format!("Custom role {}", i + 1),
            "description": format!("Seeded custom admin role {}", i + 1),
            "created": when,
            "lastUpdated": when,
            "_links": {
                "permissions": {"href": format!("{}/api/v1/iam/roles/{id}/permissions", store.base_url)},
                "self": {"href": format!("{}/api/v1/iam/roles/{id}", store.base_url)},
            },
        });
        store.roles.insert(id, role);
    }
}

/// The status of seeded user `i`: mostly ACTIVE, with every other status represented.
pub fn seeded_status(i: usize) -> &'static str {
    match (i % 100, i % 10) {
        (95, _) => "DEPROVISIONED",
        (26, _) | (76, _) => "LOCKED_OUT",
        (36, _) | (86, _) => "PASSWORD_EXPIRED",
        (_, 7) => "STAGED",
        (_, 8) => "SUSPENDED",
        (_, 9) => "PROVISIONED",
        _ => "ACTIVE",
    }
}

/// The login of seeded user `i`, e.g. `ava.nguyen@example.com`, `ava.nguyen.400@example.com`.
pub fn seeded_login(i: usize) -> String {
    let (first, last) = (FIRST[i % 20], LAST[(i / 20) % 20]);
    let suffix = if i < 400 {
        String::new()
    } else {
        format!(".{i}")
    };
    format!("{first}.{last}{suffix}@example.com").to_lowercase()
}

fn seeded_user(base: &str, i: usize, id: String) -> Value {
    let status = seeded_status(i);
    let minutes = i as i64 * 7;
    let ever_active = !matches!(status, "STAGED" | "PROVISIONED");
    let login = seeded_login(i);
    let profile = json!({
        "firstName": FIRST[i % 20],
        "lastName": LAST[(i / 20) % 20],
        "mobilePhone": format!("+1-555-{:04}", i % 10_000),
        "secondEmail": null,
        "login": login,
        "email": login,
        "department": DEPARTMENTS[i % 8],
        "title": if i % 8 == 6 { "Administrator" } else { "Specialist" },
        "employeeNumber": format!("{:06}", 100_000 + i),
        "githubUsername": format!("{}{}", FIRST[i % 20].to_lowercase(), i),
        "isContractor": i % 5 == 4,
        "startDate": seeded(minutes).get(0..10).unwrap_or("2024-01-01"),
    });
    model::user(
        base,
        UserFacts {
            id,
            status: status.into(),
            created: seeded(minutes),
            activated: ever_active.then(|| seeded(minutes + 5)),
            last_login: ever_active.then(|| seeded(minutes + 1440)),
            last_updated: seeded(minutes + 2000),
            password_changed: ever_active.then(|| seeded(minutes + 10)),
            profile,
            has_password: ever_active,
        },
    )
}

fn seed_groups(store: &mut Store) {
    let base = store.base_url.clone();
    let user_ids: Vec<String> = store.users.keys().cloned().collect();
    let everyone = store.new_id("00g");
    let group = model::group(
        &base,
        &everyone,
        "BUILT_IN",
        "Everyone",
        "All users in your organization",
        &seeded(0),
    );
    store.groups.insert(everyone.clone(), group);
    store
        .members
        .insert(everyone, user_ids.iter().cloned().collect());
    for (k, (name, description)) in GROUPS.iter().enumerate() {
        let id = store.new_id("00g");
        let group = model::group(
            &base,
            &id,
            "OKTA_GROUP",
            name,
            description,
            &seeded(k as i64 + 1),
        );
        store.groups.insert(id.clone(), group);
        let members = user_ids.iter().enumerate().filter(|(i, _)| i % 8 == k);
        store
            .members
            .insert(id, members.map(|(_, u)| u.clone()).collect());
    }
    let id = store.new_id("00g");
    let group = model::group(
        &base,
        &id,
        "APP_GROUP",
        "Domain Users",
        "Imported from Active Directory",
        &seeded(20),
    );
    store.groups.insert(id.clone(), group);
    let members = user_ids.iter().enumerate().filter(|(i, _)| i % 3 == 0);
    store
        .members
        .insert(id, members.map(|(_, u)| u.clone()).collect());
}

fn seed_apps(store: &mut Store) {
    let base = store.base_url.clone();
    let apps = [
        ("bookmark", "Company Wiki", "BOOKMARK", "ACTIVE"),
        ("salesforce", "Salesforce.com", "SAML_2_0", "ACTIVE"),
        ("oidc_client", "Internal Portal", "OPENID_CONNECT", "ACTIVE"),
        ("google", "Google Workspace", "SAML_2_0", "ACTIVE"),
        (
            "template_swa",
            "Legacy Timesheets",
            "BROWSER_PLUGIN",
            "ACTIVE",
        ),
        (
            "okta_partner_mfa",
            "Partner MFA",
            "MFA_AS_SERVICE",
            "ACTIVE",
        ),
        ("slack", "Slack", "AUTO_LOGIN", "INACTIVE"),
    ];
    for (k, (name, label, mode, status)) in apps.iter().enumerate() {
        let id = store.new_id("0oa");
        let app = model::app(
            &base,
            &id,
            name,
            label,
            mode,
            status,
            &seeded(30 + k as i64),
        );
        store.apps.insert(id, app);
    }
}

fn seed_policies(store: &mut Store) {
    let base = store.base_url.clone();
    let policies = [
        ("OKTA_SIGN_ON", "Default Policy", 1, true),
        ("OKTA_SIGN_ON", "Require MFA off network", 2, false),
        ("PASSWORD", "Default Policy", 1, true),
        ("PASSWORD", "Contractors password policy", 2, false),
        ("MFA_ENROLL", "Default Policy", 1, true),
        ("ACCESS_POLICY", "Okta Dashboard", 1, false),
        ("ACCESS_POLICY", "Any two factors", 2, false),
        ("PROFILE_ENROLLMENT", "Default Policy", 1, true),
        ("IDP_DISCOVERY", "Idp Discovery Policy", 1, true),
    ];
    for (k, (kind, name, priority, system)) in policies.iter().enumerate() {
        let id = store.new_id("00p");
        let policy = model::policy(
            &base,
            &id,
            kind,
            name,
            *priority,
            *system,
            &seeded(40 + k as i64),
        );
        store.policies.push(policy);
    }
}

fn seed_logs(store: &mut Store) {
    let users: Vec<Value> = store.users.values().take(250).cloned().collect();
    let count = (users.len() * 2).clamp(20, 500);
    for k in 0..count {
        let (event_type, message) = EVENT_TYPES[k % EVENT_TYPES.len()];
        let actor = match users.get(k % users.len().max(1)) {
            Some(u) => json!({
                "id": u["id"],
                "type": "User",
                "alternateId": u["profile"]["login"],
                "displayName": format!("{} {}", u["profile"]["firstName"].as_str().unwrap_or(""), u["profile"]["lastName"].as_str().unwrap_or("")),
                "detailEntry": null
            }),
            None => {
                json!({ "id": "0oa0000000000system", "type": "PublicClientApp", "alternateId": "system", "displayName": "Okta System", "detailEntry": null })
            }
        };
        let failed = k % 11 == 5;
        let transaction = okta_id("", 9_000 + k as u64);
        store.logs.push(json!({
            "actor": actor,
            "client": {
                "userAgent": { "rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "os": "Linux", "browser": "FIREFOX" },
                "zone": "null",
                "device": "Computer",
                "id": null,
                "ipAddress": format!("198.51.100.{}", k % 250 + 1),
                "geographicalContext": { "city": "Springfield", "state": "Oregon", "country": "United States", "postalCode": "97477", "geolocation": { "lat": 44.05, "lon": -123.02 } }
            },
            "device": null,
            "authenticationContext": { "authenticationProvider": null, "credentialProvider": null, "credentialType": null, "issuer": null, "interface": null, "authenticationStep": 0, "externalSessionId": format!("102{transaction}") },
            "displayMessage": message,
            "eventType": event_type,
            "outcome": { "result": if failed { "FAILURE" } else { "SUCCESS" }, "reason": if failed { json!("INVALID_CREDENTIALS") } else { Value::Null } },
            "published": seeded(k as i64 * 3 + 1),
            "securityContext": { "asNumber": 64496, "asOrg": "example isp", "isp": "example isp", "domain": "example.net", "isProxy": false },
            "severity": if failed { "WARN" } else { "INFO" },
            "debugContext": { "debugData": { "requestId": transaction, "requestUri": "/api/v1/authn", "url": "/api/v1/authn?" } },
            "legacyEventType": "core.user_auth.login_success",
            "transaction": { "type": "WEB", "id": transaction, "detail": {} },
            "uuid": uuid_from(k as u64),
            "version": "0",
            "request": { "ipChain": [{ "ip": format!("198.51.100.{}", k % 250 + 1), "version": "V4", "source": null }] },
            "target": [],
        }));
    }
}

fn user_schema(base: &str) -> Value {
    let text = include_str!("data/user_schema.json").replace("{base}", base);
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn catalog() -> Vec<Value> {
    let entries = [
        (
            "salesforce",
            "Salesforce.com",
            "CRM",
            &["SAML_2_0", "BROWSER_PLUGIN"][..],
        ),
        (
            "google",
            "Google Workspace",
            "COLLABORATION",
            &["SAML_2_0"][..],
        ),
        (
            "slack",
            "Slack",
            "COLLABORATION",
            &["SAML_2_0", "AUTO_LOGIN"][..],
        ),
        ("zoomus", "Zoom", "COLLABORATION", &["SAML_2_0"][..]),
        (
            "github_enterprise",
            "GitHub Enterprise",
            "DEVELOPER_TOOLS",
            &["SAML_2_0"][..],
        ),
        (
            "aws_account_federation",
            "AWS Account Federation",
            "IT_INFRASTRUCTURE",
            &["SAML_2_0", "BROWSER_PLUGIN"][..],
        ),
        ("workday", "Workday", "HR", &["SAML_2_0"][..]),
    ];
    entries
        .iter()
        .map(|(name, display, category, modes)| {
            json!({
                "name": name,
                "displayName": display,
                "description": format!("{display} integration from the Okta Integration Network"),
                "category": category,
                "signOnModes": modes,
                "features": ["IMPORT_NEW_USERS", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"],
                "verificationStatus": "OKTA_VERIFIED",
                "website": format!("https://{name}.example.com"),
                "lastUpdated": seeded(0),
                "_links": {
                    "self": { "href": format!("/api/v1/catalog/apps/{name}") },
                    "logo": [{ "name": "medium", "href": format!("/assets/img/logos/{name}.png"), "type": "image/png" }]
                }
            })
        })
        .collect()
}
