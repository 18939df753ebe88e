//! `confirm: true` for clients that cannot ask the person (no elicitation).
//!
//! The argument is written by the model, so on its own it proves nothing: a
//! model steered by text it read in Okta could add it to its first call. It
//! counts only as the answer to a refusal this server gave for the very same
//! tool and arguments a short while ago, a refusal that told the model to
//! show the person the question and ask. Kept in memory, per session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// How long a refusal can be answered.
const TTL: Duration = Duration::from_secs(15 * 60);
/// At most this many unanswered refusals are kept.
const MAX_PENDING: usize = 256;

#[derive(Default)]
pub struct ArgumentConfirms {
    pending: Mutex<HashMap<String, Instant>>,
}

impl ArgumentConfirms {
    /// Notes that `tool` with `args` was refused for want of a confirmation.
    pub fn remember(&self, tool: &str, args: &Map<String, Value>) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        pending.retain(|_, at| at.elapsed() < TTL);
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(key(tool, args), Instant::now());
    }

    /// Whether `tool` with `args` answers a recent refusal; used once.
    pub fn take(&self, tool: &str, args: &Map<String, Value>) -> bool {
        self.pending
            .lock()
            .ok()
            .and_then(|mut p| p.remove(&key(tool, args)))
            .is_some_and(|at| at.elapsed() < TTL)
    }
}

/// The tool and its arguments, `confirm` aside, with object keys sorted.
fn key(tool: &str, args: &Map<String, Value>) -> String {
    let mut args = args.clone();
    args.remove("confirm");
    format!("{tool}\u{0}{}", canonical(&Value::Object(args)))
}

fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn only_an_answer_to_a_refusal_counts_and_only_once() {
        let c = ArgumentConfirms::default();
        let args = m(json!({"groupId": "g", "userId": "u", "confirm": true}));
        assert!(!c.take("add_user_to_group", &args), "no refusal yet");
        c.remember(
            "add_user_to_group",
            &m(json!({"userId": "u", "groupId": "g"})),
        );
        assert!(!c.take("other_tool", &args));
        assert!(
            !c.take(
                "add_user_to_group",
                &m(json!({"groupId": "g", "userId": "x"}))
            ),
            "other arguments"
        );
        c.remember(
            "add_user_to_group",
            &m(json!({"userId": "u", "groupId": "g"})),
        );
        assert!(
            c.take("add_user_to_group", &args),
            "key order and confirm ignored"
        );
        assert!(!c.take("add_user_to_group", &args), "used once");
    }
}
