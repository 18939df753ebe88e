//! Okta's cursor paging: the `after` cursor of the `Link: <...>; rel="next"`
//! header, and okta-mcp's own cursors that resume inside a page.

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
            let parsed = url::Url::parse(url).ok()?;
            return parsed
                .query_pairs()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.into_owned());
        }
    }
    None
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
