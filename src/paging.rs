//! Okta's cursor paging, in both forms a list arrives in: a top-level array
//! with the `after` cursor in the `Link: <...>; rel="next"` header
//! (Management API), or an envelope object holding the array beside
//! `_links.next.href` (Identity Governance's `{"data": [...]}`, and the
//! Management API's few `{"roles": [...], "_links": ...}` lists). Both become
//! one [`Page`]; okta-mcp's own cursors resume inside a page.

use serde_json::{Map, Value};

/// Reads the `after` value of the `rel="next"` link, treating the link as
/// opaque otherwise.
pub fn next_after(link_headers: &[&str]) -> Option<String> {
    for header in link_headers {
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if !is_next {
                continue;
            }
            let url = target.trim_start_matches('<').trim_end_matches('>');
            return after_of_href(url);
        }
    }
    None
}

/// The `after` value of a next-page URL, absolute or relative to the org.
pub fn after_of_href(href: &str) -> Option<String> {
    let base = url::Url::parse("https://org.invalid/").ok()?;
    let parsed = base.join(href).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == "after")
        .map(|(_, v)| v.into_owned())
        .filter(|a| !a.is_empty())
}

/// One page of a list, whichever form it arrived in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Value>,
    /// Okta's cursor for the next page, when there is one.
    pub next: Option<String>,
    /// The envelope's other fields (`metadata`, ...); `_links` and the
    /// items' own key left out. Empty for a top-level array.
    pub extras: Map<String, Value>,
}

/// A response body: a page of a list, or one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    List(Page),
    Single(Value),
}

/// Splits a body into a page of items and the next cursor. `link_next` is
/// the cursor of the `Link` header; an envelope's `_links.next.href` wins
/// over it when both are present.
///
/// An envelope is an object whose `data` is an array, or an object with
/// `_links` and exactly one other field, an array. A single object with a
/// few array fields (a user, an app) is not a list.
pub fn split(body: Value, link_next: Option<String>) -> Body {
    match body {
        Value::Array(items) => Body::List(Page {
            items,
            next: link_next,
            extras: Map::new(),
        }),
        Value::Object(map) => match envelope_key(&map) {
            Some(key) => Body::List(open_envelope(map, &key, link_next)),
            None => Body::Single(Value::Object(map)),
        },
        other => Body::Single(other),
    }
}

fn envelope_key(map: &Map<String, Value>) -> Option<String> {
    if map.get("data").is_some_and(Value::is_array) {
        return Some("data".to_owned());
    }
    if !map.get("_links").is_some_and(Value::is_object) || map.len() != 2 {
        return None;
    }
    map.iter()
        .find(|(k, v)| k.as_str() != "_links" && v.is_array())
        .map(|(k, _)| k.clone())
}

fn open_envelope(mut map: Map<String, Value>, key: &str, link_next: Option<String>) -> Page {
    let items = match map.remove(key) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let links = map.remove("_links");
    let href_next = links
        .as_ref()
        .and_then(|l| l.get("next"))
        .and_then(|n| n.get("href"))
        .and_then(Value::as_str)
        .and_then(after_of_href);
    Page {
        items,
        next: href_next.or(link_next),
        extras: map,
    }
}

/// Separates okta-mcp's "resume inside a page" marker from Okta's cursor.
const SKIP_MARK: &str = "~skip=";

/// A cursor handed to the model: Okta's `after` plus items of that page
/// already returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cursor {
    pub after: Option<String>,
    pub skip: usize,
}

impl Cursor {
    pub fn parse(text: &str) -> Self {
        match text.rsplit_once(SKIP_MARK) {
            Some((after, skip)) if skip.bytes().all(|b| b.is_ascii_digit()) && !skip.is_empty() => {
                Self {
                    after: (!after.is_empty()).then(|| after.to_owned()),
                    skip: skip.parse().unwrap_or(0),
                }
            }
            _ => Self {
                after: Some(text.to_owned()),
                skip: 0,
            },
        }
    }

    pub fn encode(&self) -> String {
        let after = self.after.as_deref().unwrap_or("");
        if self.skip == 0 {
            after.to_owned()
        } else {
            format!("{after}{SKIP_MARK}{}", self.skip)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_next_cursor() {
        let h = r#"<https://x.okta.com/api/v1/users?limit=2>; rel="self", <https://x.okta.com/api/v1/users?after=00u2&limit=2>; rel="next""#;
        assert_eq!(next_after(&[h]), Some("00u2".into()));
        assert_eq!(
            next_after(&[r#"<https://x/api?limit=2>; rel="self""#]),
            None
        );
        assert_eq!(
            next_after(&[
                "<https://x/a?limit=2>; rel=\"self\"",
                "<https://x/a?after=c%3D1>; rel=\"next\""
            ]),
            Some("c=1".into())
        );
    }

    #[test]
    fn arrays_take_the_link_cursor() {
        let body = json!([{"id": "a"}, {"id": "b"}]);
        assert_eq!(
            split(body, Some("c1".into())),
            Body::List(Page {
                items: vec![json!({"id": "a"}), json!({"id": "b"})],
                next: Some("c1".into()),
                extras: Map::new(),
            })
        );
    }

    #[test]
    fn governance_envelopes_are_lists() {
        let body = json!({
            "data": [{"id": "icihq1"}, {"id": "icihq2"}],
            "_links": {
                "self": {"href": "https://acme.okta.com/governance/api/v1/campaigns?limit=2"},
                "next": {"href": "https://acme.okta.com/governance/api/v1/campaigns?after=icihq2&limit=2"}
            },
            "metadata": {"total": 9}
        });
        let Body::List(page) = split(body, None) else {
            panic!("an envelope is a list")
        };
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next.as_deref(), Some("icihq2"));
        assert_eq!(
            Value::Object(page.extras),
            json!({"metadata": {"total": 9}})
        );
        // The last page: no next link, and an envelope without `_links`.
        let Body::List(last) = split(json!({"data": []}), None) else {
            panic!("still a list")
        };
        assert_eq!(last.next, None);
        // A relative href, as some endpoints send.
        let rel = json!({"data": [1], "_links": {"next": {"href": "/governance/api/v1/grants?after=x%2By&limit=1"}}});
        let Body::List(p) = split(rel, Some("from-link".into())) else {
            panic!("a list")
        };
        assert_eq!(p.next.as_deref(), Some("x+y"), "the envelope's cursor wins");
    }

    #[test]
    fn management_envelopes_are_lists_and_objects_are_not() {
        let roles = json!({"roles": [{"id": "cr0"}], "_links": {"next": {"href": "https://x/api/v1/iam/roles?after=cr0"}}});
        let Body::List(page) = split(roles, None) else {
            panic!("a list")
        };
        assert_eq!(page.items, vec![json!({"id": "cr0"})]);
        assert_eq!(page.next.as_deref(), Some("cr0"));
        let user = json!({"id": "00u1", "profile": {}, "_links": {"self": {"href": "x"}}, "credentials": {"emails": []}});
        assert!(matches!(split(user.clone(), None), Body::Single(u) if u == user));
        let server = json!({"audiences": ["api://x"], "_links": {}, "id": "aus1"});
        assert!(matches!(split(server, None), Body::Single(_)));
        assert!(matches!(split(json!("text"), None), Body::Single(_)));
    }

    #[test]
    fn hrefs_without_a_cursor_end_the_list() {
        assert_eq!(after_of_href("https://x/a?limit=2"), None);
        assert_eq!(after_of_href("https://x/a?after=&limit=2"), None);
        assert_eq!(after_of_href("::bad"), None);
    }

    #[test]
    fn cursors_round_trip() {
        let c = Cursor {
            after: Some("00u9".into()),
            skip: 3,
        };
        assert_eq!(Cursor::parse(&c.encode()), c);
        let first = Cursor {
            after: None,
            skip: 5,
        };
        assert_eq!(Cursor::parse(&first.encode()), first);
        assert_eq!(
            Cursor::parse("plain"),
            Cursor {
                after: Some("plain".into()),
                skip: 0
            }
        );
    }
}
