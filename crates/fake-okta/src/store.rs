//! The in-memory org: every object the API serves, keyed by id.
//!
//! Collections are `BTreeMap`s keyed by id; ids sort in creation order, so iterating a
//! map is Okta's listing order and a page resumes right after the last id shown.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::governance::Governance;
use crate::ids::okta_id;

/// All objects of the fake org.
pub struct Store {
    pub base_url: String,
    pub users: BTreeMap<String, Value>,
    pub groups: BTreeMap<String, Value>,
    /// Group id → ids of its member users.
    pub members: BTreeMap<String, BTreeSet<String>>,
    pub apps: BTreeMap<String, Value>,
    pub policies: Vec<Value>,
    /// Log events, oldest first.
    pub logs: Vec<Value>,
    pub user_schema: Value,
    pub catalog: Vec<Value>,
    /// Custom admin roles (`/api/v1/iam/roles`), keyed by id.
    pub roles: BTreeMap<String, Value>,
    /// The Identity Governance objects.
    pub gov: Governance,
    seq: u64,
}

impl Store {
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_string(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            members: BTreeMap::new(),
            apps: BTreeMap::new(),
            policies: Vec::new(),
            logs: Vec::new(),
            user_schema: Value::Null,
            catalog: Vec::new(),
            roles: BTreeMap::new(),
            gov: Governance::default(),
            seq: 0,
        }
    }

    /// A fresh id with the given prefix, greater than every id made before.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        okta_id(prefix, self.seq)
    }

    /// The id of the user named by `key`, which may be an id or a login (as in Okta).
    pub fn user_id(&self, key: &str) -> Option<String> {
        if self.users.contains_key(key) {
            return Some(key.to_string());
        }
        self.users
            .iter()
            .find(|(_, u)| {
                u["profile"]["login"]
                    .as_str()
                    .is_some_and(|l| l.eq_ignore_ascii_case(key))
            })
            .map(|(id, _)| id.clone())
    }

    /// Whether some user other than `except` already has this login.
    pub fn login_taken(&self, login: &str, except: Option<&str>) -> bool {
        self.users.iter().any(|(id, u)| {
            Some(id.as_str()) != except
                && u["profile"]["login"]
                    .as_str()
                    .is_some_and(|l| l.eq_ignore_ascii_case(login))
        })
    }

    /// The id of the BUILT_IN "Everyone" group, if it exists.
    pub fn everyone_group(&self) -> Option<String> {
        self.groups
            .iter()
            .find(|(_, g)| g["type"] == "BUILT_IN")
            .map(|(id, _)| id.clone())
    }
}
