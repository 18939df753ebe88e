//! Okta's error answers, turned into tool results a model can act on.

use serde_json::{Value, json};

/// An error response from Okta, with the fields Okta documents.
#[derive(Debug, Clone)]
pub struct OktaError {
    pub status: u16,
    pub body: Value,
}

impl OktaError {
    pub fn new(status: u16, raw: &[u8]) -> Self {
        let body = serde_json::from_slice(raw).unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(raw);
            let text: String = text.chars().take(500).collect();
            json!({ "body": text })
        });
        Self { status, body }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// What probably went wrong and what to do, for the statuses where a
    /// hint helps.
    pub fn hint(&self, scopes: &[&str]) -> Option<String> {
        let needed = if scopes.is_empty() {
            String::new()
        } else {
            format!(" This operation needs {}.", scopes.join(" and "))
        };
        match self.status {
            401 => Some("Okta did not accept the credentials: the token may be expired or revoked, or OKTA_ORG_URL may name another org.".into()),
            403 => Some(format!(
                "Okta refused: the token lacks a scope, or the app (or the admin behind it) lacks an admin role covering this resource.{needed} Grant the scope to the app in Okta (Okta API Scopes tab) and assign an admin role that covers it (e.g. Read-only Administrator for reads)."
            )),
            404 => Some("Nothing exists at that id (or the org does not have this feature enabled). Check the id with a list or search tool.".into()),
            429 => Some("Okta's rate limit was hit and retries ran out; wait a minute or narrow the request.".into()),
            _ => None,
        }
    }

    /// The structured result: Okta's fields plus status and hint.
    pub fn to_json(&self, scopes: &[&str]) -> Value {
        let mut out = json!({
            "status": self.status,
            "errorCode": self.body.get("errorCode").cloned().unwrap_or(Value::Null),
            "errorSummary": self.body.get("errorSummary").cloned().unwrap_or(Value::Null),
            "errorCauses": self.body.get("errorCauses").cloned().unwrap_or(json!([])),
            "errorId": self.body.get("errorId").cloned().unwrap_or(Value::Null),
        });
        if self.body.get("errorCode").is_none() {
            out["body"] = self.body.clone();
        }
        if let Some(h) = self.hint(scopes) {
            out["hint"] = h.into();
        }
        out
    }

    /// One paragraph for the text content.
    pub fn message(&self, scopes: &[&str]) -> String {
        let mut msg = format!("Okta answered HTTP {}", self.status);
        if let Some(code) = self.field("errorCode") {
            msg.push_str(&format!(" {code}"));
        }
        if let Some(summary) = self.field("errorSummary") {
            msg.push_str(&format!(": {summary}"));
        }
        if let Some(causes) = self.body.get("errorCauses").and_then(Value::as_array) {
            let causes: Vec<&str> = causes
                .iter()
                .filter_map(|c| c.get("errorSummary").and_then(Value::as_str))
                .collect();
            if !causes.is_empty() {
                msg.push_str(&format!(" ({})", causes.join("; ")));
            }
        }
        if let Some(id) = self.field("errorId") {
            msg.push_str(&format!(" [errorId {id}]"));
        }
        msg.push('.');
        if let Some(h) = self.hint(scopes) {
            msg.push(' ');
            msg.push_str(&h);
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_okta_fields_and_a_403_hint() {
        let e = OktaError::new(
            403,
            br#"{"errorCode":"E0000006","errorSummary":"You do not have permission","errorId":"oae1","errorCauses":[]}"#,
        );
        let j = e.to_json(&["okta.users.manage"]);
        assert_eq!(j["errorCode"], "E0000006");
        assert_eq!(j["errorId"], "oae1");
        let m = e.message(&["okta.users.manage"]);
        assert!(
            m.contains("E0000006") && m.contains("okta.users.manage") && m.contains("admin role"),
            "{m}"
        );
    }

    #[test]
    fn non_json_bodies_are_kept_short() {
        let e = OktaError::new(502, &vec![b'x'; 5000]);
        assert_eq!(e.to_json(&[])["body"]["body"].as_str().unwrap().len(), 500);
    }
}
