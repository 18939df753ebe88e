//! Which writes a person must approve: each operation's risk class (from
//! the generator) against the `OKTA_CONFIRM` policy.
//!
//! No setting turns confirmation off: `grant` and `destructive` are always
//! asked, `change` unless the admin chose `OKTA_CONFIRM=destructive`, and
//! `create` only with `OKTA_CONFIRM=all`.

use std::fmt;

pub use crate::tool_table::RiskClass;

/// The `OKTA_CONFIRM` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmPolicy {
    /// `change`, `grant` and `destructive` (the default).
    #[default]
    Changes,
    /// Only `grant` and `destructive`.
    Destructive,
    /// Every write, `create` included.
    All,
}

/// A value of `OKTA_CONFIRM` that is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmPolicyError {
    #[error(
        "OKTA_CONFIRM={0:?} would turn confirmation off, which no setting does; use default, destructive or all (using all)"
    )]
    Off(String),
    #[error("OKTA_CONFIRM={0:?} is not one of default, destructive, all (using all)")]
    Unknown(String),
}

impl ConfirmPolicy {
    /// Parses the setting. An unknown value is an error; the caller falls
    /// back to [`ConfirmPolicy::All`], the strictest.
    pub fn parse(text: &str) -> Result<Self, ConfirmPolicyError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "default" | "change" | "changes" => Ok(Self::Changes),
            "destructive" => Ok(Self::Destructive),
            "all" => Ok(Self::All),
            "off" | "none" | "never" | "false" | "0" | "no" => {
                Err(ConfirmPolicyError::Off(text.to_owned()))
            }
            _ => Err(ConfirmPolicyError::Unknown(text.to_owned())),
        }
    }

    /// Whether a call of `class` needs a person's yes.
    pub fn needs_confirmation(self, class: RiskClass) -> bool {
        match class {
            RiskClass::Read => false,
            RiskClass::Create => self == Self::All,
            RiskClass::Change => self != Self::Destructive,
            RiskClass::Grant | RiskClass::Destructive => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Changes => "default",
            Self::Destructive => "destructive",
            Self::All => "all",
        }
    }
}

impl fmt::Display for ConfirmPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a person may allow `class` for the rest of the session: never
/// for what cannot be undone.
pub fn session_allow_offered(class: RiskClass) -> bool {
    !matches!(class, RiskClass::Destructive | RiskClass::Read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_matrix() {
        use RiskClass::*;
        let table = [
            (ConfirmPolicy::Changes, [false, false, true, true, true]),
            (
                ConfirmPolicy::Destructive,
                [false, false, false, true, true],
            ),
            (ConfirmPolicy::All, [false, true, true, true, true]),
        ];
        for (policy, want) in table {
            let got: Vec<bool> = [Read, Create, Change, Grant, Destructive]
                .into_iter()
                .map(|c| policy.needs_confirmation(c))
                .collect();
            assert_eq!(got, want, "{policy}");
        }
    }

    #[test]
    fn nothing_turns_it_off() {
        for v in ["off", "none", "0", "never"] {
            assert!(matches!(
                ConfirmPolicy::parse(v),
                Err(ConfirmPolicyError::Off(_))
            ));
        }
        assert!(ConfirmPolicy::parse("sometimes").is_err());
        assert_eq!(ConfirmPolicy::parse("").unwrap(), ConfirmPolicy::Changes);
        assert_eq!(ConfirmPolicy::parse("ALL").unwrap(), ConfirmPolicy::All);
    }

    #[test]
    fn destructive_is_never_allowed_for_the_session() {
        assert!(!session_allow_offered(RiskClass::Destructive));
        assert!(session_allow_offered(RiskClass::Grant));
    }
}
