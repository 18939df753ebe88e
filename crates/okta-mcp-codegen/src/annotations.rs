//! Tool annotations derived from the risk class ([`crate::risk`]) and the
//! HTTP method, and the rule for which of them `tools/list` carries.

use crate::risk::RiskClass;

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

    /// The annotations of an operation of class `class` called with
    /// `method`, in MCP's meaning: `readOnlyHint` only on reads, and
    /// `destructiveHint: false` only on `create` (it adds, and changes or
    /// takes away nothing). A change, a grant or a destructive call can
    /// undo someone's work or widen access, so it says `destructiveHint:
    /// true`. `idempotentHint` follows the method (GET, PUT, DELETE).
    pub fn for_class(class: RiskClass, method: &str) -> Self {
        Annotations {
            read_only: class == RiskClass::Read,
            destructive: !matches!(class, RiskClass::Read | RiskClass::Create),
            idempotent: class == RiskClass::Read || matches!(method, "GET" | "PUT" | "DELETE"),
            open_world: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_are_read_only_and_only_creates_are_not_destructive() {
        for class in RiskClass::ALL {
            let a = Annotations::for_class(class, "POST");
            assert_eq!(a.read_only, class == RiskClass::Read, "{class}");
            assert_eq!(
                a.destructive,
                matches!(
                    class,
                    RiskClass::Change | RiskClass::Grant | RiskClass::Destructive
                ),
                "{class}"
            );
        }
        assert!(Annotations::for_class(RiskClass::Change, "PUT").idempotent);
        assert!(!Annotations::for_class(RiskClass::Grant, "POST").idempotent);
        assert!(Annotations::for_class(RiskClass::Destructive, "DELETE").idempotent);
    }

    #[test]
    fn listed_keeps_only_hints_that_say_something() {
        let json = |a: Annotations| a.listed().to_string();
        let of = Annotations::for_class;
        assert_eq!(json(of(RiskClass::Read, "GET")), r#"{"readOnlyHint":true}"#);
        assert_eq!(
            json(of(RiskClass::Destructive, "DELETE")),
            r#"{"destructiveHint":true,"idempotentHint":true}"#
        );
        assert_eq!(
            json(of(RiskClass::Create, "POST")),
            r#"{"destructiveHint":false}"#
        );
        assert_eq!(
            json(of(RiskClass::Grant, "POST")),
            r#"{"destructiveHint":true}"#
        );
        assert_eq!(
            json(of(RiskClass::Change, "POST")),
            r#"{"destructiveHint":true}"#
        );
        let closed = Annotations {
            open_world: false,
            ..of(RiskClass::Read, "GET")
        };
        assert_eq!(
            json(closed),
            r#"{"readOnlyHint":true,"openWorldHint":false}"#
        );
    }
}
