//! Tool annotations derived from the HTTP method and the lifecycle verb.

/// MCP tool annotations, always all four set explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
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
}
