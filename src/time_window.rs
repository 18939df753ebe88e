//! Bounded time windows for operations that take `since`/`until` (the
//! System Log): relative times such as `-24h` become RFC 3339, and an open
//! window gets `until = now`, so a query ends instead of polling.

use serde_json::{Map, Value};

use crate::tool_table::ToolSpec;

/// Parses `-24h`, `-30m`, `-7d`, `-90s` or RFC 3339 into RFC 3339 (UTC).
pub fn parse_time(text: &str, now: std::time::SystemTime) -> Option<String> {
    let t = text.trim();
    if let Some(rel) = t.strip_prefix('-') {
        let (num, unit) = rel.split_at(rel.find(|c: char| !c.is_ascii_digit())?);
        let n: u64 = num.parse().ok()?;
        let secs = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => return None,
        };
        let at = now.checked_sub(std::time::Duration::from_secs(secs))?;
        return Some(rfc3339(at));
    }
    if t.eq_ignore_ascii_case("now") {
        return Some(rfc3339(now));
    }
    // Looks like RFC 3339 already: pass it to Okta as written.
    (t.len() >= 10 && t.as_bytes()[4] == b'-').then(|| t.to_owned())
}

pub fn rfc3339(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// For operations with `since`/`until` (the System Log): relative times are
/// resolved and `until` defaults to now, so a query ends instead of polling.
pub fn bound_time_window(tool: &ToolSpec, args: &mut Map<String, Value>) {
    let schema = tool.schema();
    let props = schema.get("properties").and_then(Value::as_object);
    let has = |n: &str| props.is_some_and(|p| p.contains_key(n));
    if !(has("since") && has("until")) {
        return;
    }
    let now = std::time::SystemTime::now();
    for key in ["since", "until"] {
        if let Some(Value::String(s)) = args.get(key)
            && let Some(t) = parse_time(s, now)
        {
            args.insert(key.into(), Value::String(t));
        }
    }
    args.entry("until")
        .or_insert_with(|| Value::String(rfc3339(now)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(parse_time("-24h", now).unwrap(), "2023-11-13T22:13:20Z");
        assert_eq!(parse_time("now", now).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(
            parse_time("2024-01-01T00:00:00Z", now).unwrap(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(parse_time("yesterday", now), None);
    }
}
