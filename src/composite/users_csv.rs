//! `export_users_csv`: users as CSV text in the result (never a file the
//! server writes somewhere).

use serde_json::{Map, Value, json};

use crate::call::{CallContext, Runtime, ToolResult};
use crate::tool_table::ToolSpec;

const COLUMNS: [(&str, &str); 8] = [
    ("id", "id"),
    ("status", "status"),
    ("login", "profile.login"),
    ("email", "profile.email"),
    ("firstName", "profile.firstName"),
    ("lastName", "profile.lastName"),
    ("created", "created"),
    ("lastLogin", "lastLogin"),
];

fn cell(user: &Value, path: &str) -> String {
    let v = path.split('.').try_fold(user, |v, k| v.get(k));
    let s = match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    // Quote always; neutralise spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn to_csv(users: &[Value]) -> String {
    let mut out = COLUMNS
        .iter()
        .map(|(h, _)| *h)
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for u in users {
        out.push_str(
            &COLUMNS
                .iter()
                .map(|(_, p)| cell(u, p))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

pub async fn export(
    rt: &Runtime,
    tool: &'static ToolSpec,
    args: Map<String, Value>,
    ctx: &CallContext,
) -> ToolResult {
    let max_users = args
        .get("max_users")
        .and_then(Value::as_u64)
        .unwrap_or(1000)
        .clamp(1, 10_000) as usize;
    let mut call_args = Map::new();
    if let Some(s) = args.get("search") {
        call_args.insert("search".into(), s.clone());
    }
    call_args.insert("limit".into(), json!(max_users.min(200)));
    call_args.insert("fetch_all".into(), json!(true));
    call_args.insert("max_pages".into(), json!(max_users.div_ceil(200)));
    let page = rt.run_operation(tool, call_args, ctx).await;
    if page.is_error {
        return page;
    }
    let items = page
        .structured
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let users: Vec<Value> = items.into_iter().take(max_users).collect();
    let csv = to_csv(&users);
    let mut result = ToolResult::ok(json!({
        "rows": users.len(),
        "next_cursor": page.structured.get("next_cursor").cloned().unwrap_or(Value::Null),
        "notice": page.structured.get("notice").cloned().unwrap_or(Value::Null),
        "csv": csv,
    }));
    result.text = csv;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises_formulas() {
        let csv =
            to_csv(&[json!({"id": "00u1", "profile": {"login": "a\"b", "firstName": "=cmd()"}})]);
        let row = csv.lines().nth(1).unwrap();
        assert!(row.starts_with("\"00u1\",\"\",\"a\"\"b\""), "{row}");
        assert!(row.contains("\"'=cmd()\""), "{row}");
    }
}
