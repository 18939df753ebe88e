//! `/api/v1/logs`: the System Log, with `since`, `until`, `filter`, `q`, `sortOrder`,
//! `limit` and `after`.

use serde_json::Value;

use super::{Answer, Call, filter_param, page_of_seq};
use crate::error;
use crate::reply::Reply;
use crate::store::Store;
use crate::time;

/// `GET /api/v1/logs`.
pub fn list(store: &Store, call: &Call) -> Answer {
    let since = time_param(call, "since")?;
    let until = time_param(call, "until")?;
    let filter = filter_param(call)?;
    let words: Vec<String> = call
        .param("q")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let keep = |e: &&Value| {
        let published = e["published"]
            .as_str()
            .and_then(time::parse_millis)
            .unwrap_or(0);
        since.is_none_or(|s| published >= s)
            && until.is_none_or(|u| published < u)
            && filter.as_ref().is_none_or(|f| f.matches(e))
            && (words.is_empty() || {
                let text = format!("{} {} {}", e["displayMessage"], e["eventType"], e["actor"])
                    .to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
    };
    let ordered: Box<dyn Iterator<Item = &Value>> = match call.param("sortOrder") {
        Some("DESCENDING") => Box::new(store.logs.iter().rev()),
        _ => Box::new(store.logs.iter()),
    };
    page_of_seq(store, call, ordered.filter(keep), (100, 1000), "uuid")
}

fn time_param(call: &Call, name: &str) -> Result<Option<i64>, Reply> {
    match call.param(name) {
        None => Ok(None),
        Some(text) => time::parse_millis(text)
            .map(Some)
            .ok_or_else(|| error::validation(name, &format!("{name}: must be an ISO 8601 time"))),
    }
}
