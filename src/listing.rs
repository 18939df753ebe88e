//! Walking the pages of one operation: one loop for every list, whether
//! Okta sends a top-level array with a `Link` header or an envelope
//! (see [`crate::paging`]). It follows `fetch_all` up to `max_pages`,
//! reports progress, stops on cancellation, projects `fields`, and stops on
//! an item boundary at the output cap or at a number of items, returning a
//! cursor that `after` accepts to continue exactly there.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::call::{CallContext, DEFAULT_MAX_PAGES, HARD_MAX_PAGES, HttpInfo, Runtime, ToolResult};
use crate::okta_http::HttpStack;
use crate::output;
use crate::paging::{Body, Cursor, Page};
use crate::tool_table::ToolSpec;

/// When a walk stops, besides the end of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Follow next links (otherwise one page).
    pub fetch_all: bool,
    pub max_pages: usize,
    /// Most bytes of JSON the items may take (the output cap).
    pub bytes: Option<usize>,
    /// Most items to return.
    pub items: Option<usize>,
}

/// The items a walk read, and where to continue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    pub items: Vec<Value>,
    /// Resumes right after the last item returned; `None` at the end.
    pub next_cursor: Option<Cursor>,
    /// Why the walk stopped early, for the model.
    pub notice: Option<String>,
    /// The first page's envelope fields besides the items and links.
    pub extras: Map<String, Value>,
    pub pages: usize,
    /// Where each page's items start in `items`, and the cursor of that
    /// page: [`Listing::cursor_at`] resumes after any item.
    starts: Vec<(usize, Cursor)>,
}

impl Listing {
    /// The cursor that resumes after the first `n` items.
    pub fn cursor_at(&self, n: usize) -> Option<Cursor> {
        if n >= self.items.len() {
            return self.next_cursor.clone();
        }
        let (start, page) = self.starts.iter().rev().find(|(s, _)| *s <= n)?;
        Some(Cursor {
            after: page.after.clone(),
            skip: page.skip + (n - start),
        })
    }

    /// The list as a tool result: `items`, `next_cursor`, and `notice` /
    /// the envelope's other fields when there are any.
    pub fn into_result(self) -> ToolResult {
        let mut out = json!({
            "items": self.items,
            "next_cursor": self.next_cursor.as_ref().map(Cursor::encode),
        });
        if let Some(n) = self.notice {
            out["notice"] = n.into();
        }
        if !self.extras.is_empty() {
            out["envelope"] = Value::Object(self.extras);
        }
        ToolResult::ok(out)
    }
}

/// What a walk produced.
#[derive(Debug)]
pub enum Walked {
    /// The operation does not return a list: its one value, unshaped.
    Single(Value),
    List(Listing),
}

/// One call's paging arguments, taken out of its arguments.
pub struct PagingArgs {
    pub fetch_all: bool,
    pub max_pages: usize,
    pub start: Cursor,
}

impl PagingArgs {
    /// Removes `fetch_all` and `max_pages` (the runtime's, not Okta's) and
    /// reads `after` as okta-mcp's cursor.
    pub fn take(args: &mut Map<String, Value>) -> Self {
        let fetch_all = args
            .remove("fetch_all")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let max_pages = args
            .remove("max_pages")
            .and_then(|v| v.as_u64())
            .map(|n| (n as usize).clamp(1, HARD_MAX_PAGES))
            .unwrap_or(DEFAULT_MAX_PAGES);
        let start = args
            .get("after")
            .and_then(Value::as_str)
            .map(Cursor::parse)
            .unwrap_or_default();
        Self {
            fetch_all,
            max_pages,
            start,
        }
    }
}

/// Everything one walk needs besides the runtime.
pub struct Walk<'a> {
    pub stack: Arc<HttpStack>,
    pub tool: &'static ToolSpec,
    pub args: Map<String, Value>,
    pub start: Cursor,
    pub limits: Limits,
    pub fields: Option<Vec<Vec<&'a str>>>,
}

impl Runtime {
    /// Reads pages until the list ends or a limit is reached. `Err` is the
    /// first page's failure; a later failure keeps what was read and says
    /// where it stopped.
    pub(crate) async fn walk(
        &self,
        walk: Walk<'_>,
        ctx: &CallContext,
        last: &mut Option<HttpInfo>,
    ) -> Result<Walked, ToolResult> {
        let Walk {
            stack,
            tool,
            mut args,
            start,
            limits,
            fields,
        } = walk;
        let mut cursor = start;
        let mut listing = Listing::default();
        let mut used = 2;
        loop {
            match &cursor.after {
                Some(a) => args.insert("after".into(), Value::String(a.clone())),
                None => args.remove("after"),
            };
            let (body, link_next, info) = match self.send_page(&stack, tool, &args, ctx).await {
                Ok(page) => page,
                Err(result) if listing.pages == 0 => return Err(result),
                Err(result) => {
                    // Keep what was read; say where it stopped.
                    listing.notice = Some(format!(
                        "stopped after {} pages: {}",
                        listing.pages, result.text
                    ));
                    listing.next_cursor = Some(cursor);
                    return Ok(Walked::List(listing));
                }
            };
            *last = Some(info);
            listing.pages += 1;
            let Page {
                items: page_items,
                next,
                extras,
            } = match crate::paging::split(body, link_next) {
                Body::List(page) => page,
                Body::Single(value) if listing.pages == 1 => return Ok(Walked::Single(value)),
                Body::Single(_) => {
                    listing.notice = Some(format!(
                        "stopped after {} pages: the next page was not a list",
                        listing.pages - 1
                    ));
                    listing.next_cursor = None;
                    return Ok(Walked::List(listing));
                }
            };
            if listing.pages == 1 {
                used += output::json_len(&Value::Object(extras.clone()));
                listing.extras = extras;
            }
            let skip = std::mem::take(&mut cursor.skip).min(page_items.len());
            let page_items: Vec<Value> = page_items
                .into_iter()
                .skip(skip)
                .map(|i| match &fields {
                    Some(f) => output::project(&i, f),
                    None => i,
                })
                .collect();
            let page_len = page_items.len();
            let room_in_count = limits
                .items
                .map_or(usize::MAX, |m| m.saturating_sub(listing.items.len()));
            let (fit_bytes, size) = match limits.bytes {
                Some(budget) => {
                    let at_least = usize::from(listing.items.is_empty());
                    output::items_that_fit(&page_items, budget.saturating_sub(used), at_least)
                }
                None => (page_len, 0),
            };
            let fit = fit_bytes.min(room_in_count);
            used += size;
            listing.starts.push((
                listing.items.len(),
                Cursor {
                    after: cursor.after.clone(),
                    skip,
                },
            ));
            let first_of_all = listing.items.is_empty();
            listing.items.extend(page_items.into_iter().take(fit));
            if first_of_all
                && let (Some(budget), Some(first)) = (limits.bytes, listing.items.first_mut())
                && output::json_len(first) > budget
            {
                // One item larger than the whole cap: cut it, and move on.
                *first = output::cap_single(std::mem::take(first), budget);
            }
            if fit < page_len {
                listing.next_cursor = Some(Cursor {
                    after: cursor.after.clone(),
                    skip: skip + fit,
                });
                listing.notice = Some(if fit == fit_bytes {
                    let budget = limits.bytes.unwrap_or_default();
                    format!(
                        "output cut at {budget} bytes (OKTA_MAX_OUTPUT_BYTES); continue with after=next_cursor, or use fields / a smaller limit"
                    )
                } else {
                    format!(
                        "stopped at {} items; continue with after=next_cursor",
                        listing.items.len()
                    )
                });
                return Ok(Walked::List(listing));
            }
            if let Some(p) = &ctx.progress {
                p.report(
                    listing.pages as f64,
                    limits.fetch_all.then_some(limits.max_pages as f64),
                    format!(
                        "read page {} ({} items so far)",
                        listing.pages,
                        listing.items.len()
                    ),
                );
            }
            let next_cursor = next.map(|after| Cursor {
                after: Some(after),
                skip: 0,
            });
            let full = limits.items.is_some_and(|m| listing.items.len() >= m);
            match next_cursor {
                Some(n) if limits.fetch_all && listing.pages < limits.max_pages && !full => {
                    if ctx.cancel.is_cancelled() {
                        listing.notice = Some("cancelled".to_owned());
                        listing.next_cursor = Some(n);
                        return Ok(Walked::List(listing));
                    }
                    cursor = n;
                }
                other => {
                    if limits.fetch_all && other.is_some() && !full {
                        listing.notice = Some(format!(
                            "stopped at max_pages={}; continue with after=next_cursor",
                            limits.max_pages
                        ));
                    }
                    listing.next_cursor = other;
                    return Ok(Walked::List(listing));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_resume_after_any_item() {
        let listing = Listing {
            items: (0..7).map(|i| json!(i)).collect(),
            next_cursor: Some(Cursor {
                after: Some("p3".into()),
                skip: 0,
            }),
            starts: vec![
                (
                    0,
                    Cursor {
                        after: None,
                        skip: 1,
                    },
                ),
                (
                    2,
                    Cursor {
                        after: Some("p2".into()),
                        skip: 0,
                    },
                ),
            ],
            ..Listing::default()
        };
        assert_eq!(
            listing.cursor_at(1),
            Some(Cursor {
                after: None,
                skip: 2
            })
        );
        assert_eq!(
            listing.cursor_at(5),
            Some(Cursor {
                after: Some("p2".into()),
                skip: 3
            })
        );
        assert_eq!(listing.cursor_at(7), listing.next_cursor);
    }

    #[test]
    fn paging_arguments_are_taken_out() {
        let mut args =
            json!({"fetch_all": true, "max_pages": 5000, "after": "c~skip=2", "limit": 3})
                .as_object()
                .cloned()
                .unwrap();
        let p = PagingArgs::take(&mut args);
        assert!(p.fetch_all);
        assert_eq!(p.max_pages, HARD_MAX_PAGES);
        assert_eq!(
            p.start,
            Cursor {
                after: Some("c".into()),
                skip: 2
            }
        );
        assert_eq!(
            Value::Object(args),
            json!({"after": "c~skip=2", "limit": 3})
        );
    }
}
