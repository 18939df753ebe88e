//! Okta-style paging: `limit`, an opaque `after` cursor, and `Link` headers.
//!
//! A cursor holds the key (id or uuid) of the last item of a page, wrapped so that
//! clients cannot read or build one: they must follow the `rel="next"` link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error;
use crate::reply::Reply;

const CURSOR_TAG: &str = "fake-okta-cursor:";

/// Wraps the key of the last item shown into an opaque cursor.
pub fn encode_cursor(key: &str) -> String {
    let scrambled: Vec<u8> = format!("{CURSOR_TAG}{key}")
        .bytes()
        .enumerate()
        .map(|(i, b)| b ^ (0x5a_u8.wrapping_add(i as u8)))
        .collect();
    URL_SAFE_NO_PAD.encode(scrambled)
}

/// Unwraps a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let plain: Vec<u8> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ (0x5a_u8.wrapping_add(i as u8)))
        .collect();
    String::from_utf8(plain)
        .ok()?
        .strip_prefix(CURSOR_TAG)
        .map(str::to_string)
}

/// The page size asked for: `default` when absent, at most `max`; 400 when not a number.
pub fn limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize, Reply> {
    match raw {
        None => Ok(default),
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(max)),
            Ok(_) => Ok(default),
            Err(_) => Err(error::validation("limit", "limit must be a number")),
        },
    }
}

/// The key inside the `after` cursor, if one was sent; 400 when it is not ours.
pub fn after(raw: Option<&str>) -> Result<Option<String>, Reply> {
    match raw {
        None | Some("") => Ok(None),
        Some(cursor) => decode_cursor(cursor)
            .map(Some)
            .ok_or_else(|| error::validation("after", "after is not a valid cursor")),
    }
}

/// Takes up to `limit` items; when more remain, also the key to resume after.
pub fn take_page<T>(
    items: impl Iterator<Item = T>,
    limit: usize,
    key_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let mut page: Vec<T> = items.take(limit.saturating_add(1)).collect();
    if page.len() > limit {
        page.truncate(limit);
        let next = page.last().map(&key_of);
        (page, next)
    } else {
        (page, None)
    }
}

/// The URLs of a page: itself, and the next page when `next` is set. The next URL keeps
/// every other query parameter exactly as the client sent it.
pub fn page_urls(
    base_url: &str,
    path: &str,
    raw_query: Option<&str>,
    limit: usize,
    next: Option<&str>,
) -> (String, Option<String>) {
    let self_url = match raw_query {
        Some(q) if !q.is_empty() => format!("{base_url}{path}?{q}"),
        _ => format!("{base_url}{path}"),
    };
    let next_url = next.map(|key| {
        let mut params: Vec<&str> = raw_query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("after=") && !p.starts_with("limit="))
            .collect();
        let cursor = format!("after={}", encode_cursor(key));
        let limit = format!("limit={limit}");
        params.push(&cursor);
        params.push(&limit);
        format!("{base_url}{path}?{}", params.join("&"))
    });
    (self_url, next_url)
}

/// The `Link` header values for a page: `rel="self"`, and `rel="next"` when `next` is set.
pub fn link_headers(
    base_url: &str,
    path: &str,
    raw_query: Option<&str>,
    limit: usize,
    next: Option<&str>,
) -> Vec<(&'static str, String)> {
    let (self_url, next_url) = page_urls(base_url, path, raw_query, limit, next);
    let mut links = vec![("link", format!("<{self_url}>; rel=\"self\""))];
    if let Some(url) = next_url {
        links.push(("link", format!("<{url}>; rel=\"next\"")));
    }
    links
}

/// The `_links` of an envelope page (Identity Governance, IAM lists): `self`, and
/// `next` when more items follow.
pub fn envelope_links(
    base_url: &str,
    path: &str,
    raw_query: Option<&str>,
    limit: usize,
    next: Option<&str>,
) -> serde_json::Value {
    let (self_url, next_url) = page_urls(base_url, path, raw_query, limit, next);
    let mut links = serde_json::json!({ "self": { "href": self_url } });
    if let Some(url) = next_url {
        links["next"] = serde_json::json!({ "href": url });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_opacity() {
        let c = encode_cursor("00u000001abc");
        assert!(!c.contains("00u000001abc"));
        assert_eq!(decode_cursor(&c).as_deref(), Some("00u000001abc"));
        assert_eq!(decode_cursor("garbage!!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("00u1")), None);
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None, 200, 200).ok(), Some(200));
        assert_eq!(limit(Some("5"), 200, 200).ok(), Some(5));
        assert_eq!(limit(Some("5000"), 200, 200).ok(), Some(200));
        assert!(limit(Some("five"), 200, 200).is_err());
    }

    #[test]
    fn pages() {
        let (page, next) = take_page(1..=5, 2, |n| n.to_string());
        assert_eq!(page, vec![1, 2]);
        assert_eq!(next.as_deref(), Some("2"));
        let (page, next) = take_page(1..=2, 2, |n| n.to_string());
        assert_eq!(page, vec![1, 2]);
        assert_eq!(next, None);
    }

    #[test]
    fn next_link_keeps_other_params() {
        let links = link_headers(
            "http://h",
            "/api/v1/users",
            Some("q=a%20b&limit=2&after=x"),
            2,
            Some("k"),
        );
        assert_eq!(
            links[0].1,
            "<http://h/api/v1/users?q=a%20b&limit=2&after=x>; rel=\"self\""
        );
        let expected = format!(
            "<http://h/api/v1/users?q=a%20b&after={}&limit=2>; rel=\"next\"",
            encode_cursor("k")
        );
        assert_eq!(links[1].1, expected);
    }
}
