//! One write attempt as the audit trail records it: what was asked, what
//! the person was shown, how it was confirmed, and what Okta answered.
//!
//! The pipeline ([`crate::call`]) fills an [`Attempt`] as the call goes and
//! records it at each ending: refused, declined, cancelled, waiting for a
//! confirmation, confirmed (before sending: a write whose line cannot be
//! written is not sent), then sent or failed. Reads are not recorded.

use std::time::Duration;

use serde_json::{Map, Value};

pub use crate::audit::{ConfirmedBy, Outcome};
use crate::call::{Runtime, ToolResult};
use crate::risk::RiskClass;
use crate::tool_table::ToolSpec;

/// A write attempt in progress.
pub struct Attempt<'a> {
    rt: &'a Runtime,
    tool: &'static ToolSpec,
    class: RiskClass,
    path: String,
    body_fields: Vec<String>,
    /// The names shown to the person.
    pub shown: Vec<String>,
}

impl<'a> Attempt<'a> {
    pub fn new(
        rt: &'a Runtime,
        tool: &'static ToolSpec,
        class: RiskClass,
        args: &Map<String, Value>,
    ) -> Self {
        let mut attempt = Self {
            rt,
            tool,
            class,
            path: String::new(),
            body_fields: Vec::new(),
            shown: Vec::new(),
        };
        // Reads are never recorded: nothing to prepare on their path.
        if attempt.is_write() {
            attempt.path = filled_path(tool.path, args);
            attempt.body_fields = args
                .get("body")
                .map(crate::audit::body_field_names)
                .unwrap_or_default();
        }
        attempt
    }

    fn is_write(&self) -> bool {
        self.class != RiskClass::Read && !self.tool.operation_id.is_empty()
    }

    /// Records a refusal before anything was asked or sent.
    pub fn refused(&self, reason: &str) {
        let _ = self.record(Outcome::Refused, None, Some(reason));
    }

    /// Records the attempt; `Err` says why the line could not be written.
    pub fn record(
        &self,
        outcome: Outcome,
        confirmed_by: Option<ConfirmedBy>,
        reason: Option<&str>,
    ) -> Result<(), String> {
        if !self.is_write() {
            return Ok(());
        }
        let entry = self.entry(outcome, confirmed_by, reason);
        self.rt.audit_record(&entry)
    }

    /// Records what Okta answered.
    pub fn finished(
        &self,
        outcome: Outcome,
        confirmed_by: ConfirmedBy,
        result: &ToolResult,
        took: Duration,
    ) {
        if !self.is_write() {
            return;
        }
        let mut entry = self.entry(
            outcome,
            Some(confirmed_by),
            result.is_error.then_some(result.text.as_str()),
        );
        if let Some(http) = &result.http {
            entry.status = Some(http.status);
            entry.request_id = http.request_id.clone();
        }
        entry.duration_ms = Some(took.as_millis() as u64);
        if let Err(e) = self.rt.audit_record(&entry) {
            tracing::error!(tool = self.tool.name, "{e}");
        }
    }

    fn entry(
        &self,
        outcome: Outcome,
        confirmed_by: Option<ConfirmedBy>,
        reason: Option<&str>,
    ) -> crate::audit::AuditEntry {
        crate::audit::AuditEntry {
            time: String::new(),
            status: None,
            request_id: None,
            duration_ms: None,
            org: self
                .rt
                .config
                .org_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            person: self.rt.person().map(str::to_owned),
            tool: self.tool.name.to_owned(),
            operation_id: self.tool.operation_id.to_owned(),
            method: self.tool.method.to_owned(),
            path: self.path.clone(),
            class: self.class.as_str().to_owned(),
            outcome,
            confirmed_by,
            shown: self.shown.clone(),
            body_fields: self.body_fields.clone(),
            reason: reason.map(|r| r.lines().next().unwrap_or("").to_owned()),
        }
    }
}

/// The path with the call's ids in it (percent-encoded, as sent).
pub fn filled_path(template: &str, args: &Map<String, Value>) -> String {
    let mut out = template.to_owned();
    for (name, _) in crate::preview::path_params(template) {
        let value = match args.get(&name) {
            Some(Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => continue,
        };
        let encoded =
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        out = out.replace(&format!("{{{name}}}"), &encoded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_carry_the_ids() {
        let args = json!({"groupId": "00g1", "userId": "a/b"});
        assert_eq!(
            filled_path(
                "/api/v1/groups/{groupId}/users/{userId}",
                args.as_object().unwrap()
            ),
            "/api/v1/groups/00g1/users/a%2Fb"
        );
    }
}
