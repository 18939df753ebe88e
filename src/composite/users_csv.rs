//! `export_users_csv`: up to `max_users` users as CSV. The CSV comes back in
//! the result when it fits the output cap; otherwise it goes to a new file
//! (see [`super::export_file`]) and the result says where, or, with
//! `OKTA_EXPORT_DIR=off`, it is cut on a row boundary with a cursor that
//! `after` accepts.

use serde_json::{Map, Value, json};

use super::export_file::{self, ExportTarget};
use crate::call::{CallContext, Runtime, ToolResult};
use crate::listing::Listing;
use crate::tool_table::ToolSpec;

/// Users per request: Okta's largest page for `/api/v1/users`.
const PAGE: usize = 200;

/// Bytes kept for the rest of the result beside inline CSV.
const RESULT_OVERHEAD: usize = 600;

/// Rows of CSV shown in the result when the whole goes to a file.
const PREVIEW_ROWS: usize = 5;

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

fn header() -> String {
    let mut out = COLUMNS
        .iter()
        .map(|(h, _)| *h)
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
}

fn row(user: &Value) -> String {
    let mut out = COLUMNS
        .iter()
        .map(|(_, p)| cell(user, p))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
}

pub fn to_csv(users: &[Value]) -> String {
    let mut out = header();
    for u in users {
        out.push_str(&row(u));
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
    for key in ["search", "after"] {
        if let Some(v) = args.get(key) {
            call_args.insert(key.into(), v.clone());
        }
    }
    call_args.insert("limit".into(), json!(max_users.min(PAGE)));
    let listing = match rt.list_items(tool, call_args, ctx, max_users).await {
        Ok(listing) => listing,
        Err(result) => return result,
    };
    let csv = to_csv(&listing.items);
    let budget = rt.config.raw.max_output_bytes;
    if escaped_len(&csv) + RESULT_OVERHEAD <= budget {
        return inline(&listing, csv, listing.items.len(), None);
    }
    let why_not_file = match ExportTarget::from_setting(rt.config.raw.export_dir.as_deref()) {
        ExportTarget::Off => "OKTA_EXPORT_DIR=off".to_owned(),
        ExportTarget::Dir(dir) => {
            match export_file::write_new(&dir, "okta-users", "csv", csv.as_bytes()) {
                Ok(path) => return in_file(&listing, &csv, &path),
                Err(e) => e.to_string(),
            }
        }
    };
    // No file: as many whole rows as fit, and a cursor to the next one.
    let mut cut = header();
    let mut size = escaped_len(&cut);
    let mut rows = 0;
    for user in &listing.items {
        let line = row(user);
        let len = escaped_len(&line);
        if size + len + RESULT_OVERHEAD > budget {
            break;
        }
        cut.push_str(&line);
        size += len;
        rows += 1;
    }
    let notice = format!(
        "CSV cut after {rows} of {} rows at {budget} bytes (OKTA_MAX_OUTPUT_BYTES) and not written to a file ({why_not_file}); continue with after=next_cursor",
        listing.items.len()
    );
    inline(&listing, cut, rows, Some(notice))
}

/// Bytes `text` takes inside the JSON result (quotes and newlines escaped).
fn escaped_len(text: &str) -> usize {
    crate::output::json_len(&Value::String(text.to_owned())) - 2
}

/// The CSV in the result: its first `rows` users.
fn inline(listing: &Listing, csv: String, rows: usize, notice: Option<String>) -> ToolResult {
    let notice = notice.or_else(|| listing.notice.clone());
    let mut result = ToolResult::ok(json!({
        "rows": rows,
        "next_cursor": listing.cursor_at(rows).map(|c| c.encode()),
        "notice": notice,
        "csv": csv,
    }));
    result.text = csv;
    result
}

/// The CSV in a file: where, how big, and its first rows.
fn in_file(listing: &Listing, csv: &str, path: &std::path::Path) -> ToolResult {
    let preview: String = csv.split_inclusive('\n').take(PREVIEW_ROWS + 1).collect();
    let rows = listing.items.len();
    let file = path.display().to_string();
    let next_cursor = listing.next_cursor.as_ref().map(|c| c.encode());
    let more = match &next_cursor {
        Some(c) => format!(" More users remain: call again with after={c:?} for the next ones."),
        None => String::new(),
    };
    let said = format!(
        "{rows} users written as CSV to {file} ({} bytes, readable by this account only); it was too large to return.{more} First rows:\n{preview}",
        csv.len()
    );
    let mut result = ToolResult::ok(json!({
        "rows": rows,
        "file": file,
        "bytes": csv.len(),
        "next_cursor": next_cursor,
        "notice": listing.notice,
        "preview": preview,
    }));
    result.text = said;
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
