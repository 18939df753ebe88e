//! Tool annotations derived from the HTTP method and the lifecycle verb.

/// MCP tool annotations, always all four set explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

impl Annotations {
    /// The annotations as `tools/list` carries them: those that say
    /// something. `readOnlyHint` on reads; on writes `destructiveHint` always
    /// (clients that treat a missing hint as "safe" still warn) and
    /// `idempotentHint` when true; `openWorldHint` only when false. The MCP
    /// defaults are left out, since every byte is paid for on every turn of
    /// the model.
    pub fn listed(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        if self.read_only {
            out.insert("readOnlyHint".into(), true.into());
        } else {
            out.insert("destructiveHint".into(), self.destructive.into());
            if self.idempotent {
                out.insert("idempotentHint".into(), true.into());
            }
        }
        if !self.open_world {
            out.insert("openWorldHint".into(), false.into());
        }
        serde_json::Value::Object(out)
    }
}

/// Words in a POST path's last segment that make the call destructive:
/// it takes access away or throws state away.
const DESTRUCTIVE_VERBS: [&str; 7] = [
    "deactivate",
    "suspend",
    "reset",
    "revoke",
    "expire",
    "delete",
    "clear",
];

pub fn derive(method: &str, path: &str) -> Annotations {
    let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let read_only = method == "GET";
    let destructive =
        method == "DELETE" || (!read_only && DESTRUCTIVE_VERBS.iter().any(|v| last.contains(v)));
    Annotations {
        read_only,
        destructive,
        idempotent: matches!(method, "GET" | "PUT" | "DELETE"),
        open_world: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_and_lifecycle_decide() {
        let get = derive("GET", "/api/v1/users");
        assert!(get.read_only && !get.destructive && get.idempotent);
        let del = derive("DELETE", "/api/v1/groups/{groupId}");
        assert!(!del.read_only && del.destructive && del.idempotent);
        let deact = derive("POST", "/api/v1/users/{id}/lifecycle/deactivate");
        assert!(deact.destructive && !deact.idempotent);
        let reset = derive("POST", "/api/v1/users/{id}/lifecycle/reset_factors");
        assert!(reset.destructive);
        let activate = derive("POST", "/api/v1/users/{id}/lifecycle/activate");
        assert!(!activate.destructive);
        let put = derive("PUT", "/api/v1/groups/{groupId}");
        assert!(put.idempotent && !put.destructive && !put.read_only);
    }

    #[test]
    fn listed_keeps_only_hints_that_say_something() {
        let json = |a: Annotations| a.listed().to_string();
        assert_eq!(
            json(derive("GET", "/api/v1/users")),
            r#"{"readOnlyHint":true}"#
        );
        assert_eq!(
            json(derive("DELETE", "/api/v1/groups/{groupId}")),
            r#"{"destructiveHint":true,"idempotentHint":true}"#
        );
        assert_eq!(
            json(derive("POST", "/api/v1/groups")),
            r#"{"destructiveHint":false}"#
        );
        let closed = Annotations {
            open_world: false,
            ..derive("GET", "/x")
        };
        assert_eq!(
            json(closed),
            r#"{"readOnlyHint":true,"openWorldHint":false}"#
        );
    }
}
