//! `get_login_failures`: failed and denied sign-ins from the System Log, and
//! the escaping its filter needs.

use serde_json::{Map, Value, json};

use crate::call::{CallContext, Runtime, ToolResult};
use crate::time_window::parse_time;
use crate::tool_table::ToolSpec;

/// Escapes a value for a double-quoted Okta filter/search literal.
pub fn escape_filter_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Failed and denied sign-ins in a window, newest first.
pub async fn login_failures(
    rt: &Runtime,
    tool: &'static ToolSpec,
    args: Map<String, Value>,
    ctx: &CallContext,
) -> ToolResult {
    let now = std::time::SystemTime::now();
    let since = args.get("since").and_then(Value::as_str).unwrap_or("-24h");
    let until = args.get("until").and_then(Value::as_str).unwrap_or("now");
    let (Some(since), Some(until)) = (parse_time(since, now), parse_time(until, now)) else {
        return ToolResult::error(
            "since/until must be RFC 3339 or relative like -24h",
            json!({}),
        );
    };
    let limit = args
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 1000);
    let mut filter = "(eventType eq \"user.session.start\" or eventType eq \"user.authentication.sso\" or eventType sw \"user.authentication.auth\") and outcome.result eq \"FAILURE\"".to_owned();
    if let Some(user) = args.get("user").and_then(Value::as_str) {
        filter.push_str(&format!(
            " and actor.alternateId eq \"{}\"",
            escape_filter_value(user)
        ));
    }
    let mut call_args = Map::new();
    call_args.insert("since".into(), since.into());
    call_args.insert("until".into(), until.into());
    call_args.insert("filter".into(), filter.into());
    call_args.insert("sortOrder".into(), "DESCENDING".into());
    call_args.insert("limit".into(), limit.into());
    if let Some(after) = args.get("after") {
        call_args.insert("after".into(), after.clone());
    }
    // `limit` is the most events in all: pages are followed until then
    // (the output cap still holds, and returns a cursor where it cuts).
    rt.run_list(tool, call_args, ctx, Some(limit as usize))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_cannot_break_out() {
        assert_eq!(
            escape_filter_value(r#"a" or true or "b\"#),
            r#"a\" or true or \"b\\"#
        );
    }
}
