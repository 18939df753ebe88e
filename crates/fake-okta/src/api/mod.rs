//! The Management API: maps a method and path to the handler that answers it.
//!
//! Handlers see an already-authenticated [`Call`] and the locked [`Store`]; they never
//! touch HTTP types, which keeps them short and synchronous.

mod apps;
mod campaigns;
mod entitlements;
mod groups;
mod logs;
mod meta;
mod policies;
mod requests;
mod security_reviews;
mod users;

use std::collections::BTreeMap;
use std::ops::Bound;

use hyper::Method;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::error;
use crate::filter::Filter;
use crate::paging;
use crate::reply::Reply;
use crate::scopes::{self, Granted};
use crate::store::Store;

/// A handler's result: the reply, or the error reply that cut it short.
pub type Answer = Result<Reply, Reply>;

/// One API request, as the handlers see it.
pub struct Call<'a> {
    pub method: &'a Method,
    /// The path exactly as received (still percent-encoded).
    pub path: &'a str,
    pub raw_query: Option<&'a str>,
    pub body: &'a [u8],
    /// The scopes of the caller's credential (`None`: every scope).
    pub granted: Granted,
    query: Vec<(String, String)>,
}

impl<'a> Call<'a> {
    pub fn new(
        method: &'a Method,
        path: &'a str,
        raw_query: Option<&'a str>,
        body: &'a [u8],
    ) -> Self {
        let query = form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            method,
            path,
            raw_query,
            body,
            granted: None,
            query,
        }
    }

    /// Goes on when the caller holds `scope` (or its `.manage` for a `.read`);
    /// 403 E0000006 `insufficient_scope` otherwise.
    pub fn require(&self, store: &Store, scope: &str) -> Result<(), Reply> {
        if scopes::allows(&self.granted, scope) {
            Ok(())
        } else {
            Err(scopes::refusal(&store.base_url, self.path, scope))
        }
    }

    /// The first value of a query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter (`true`/`false`), or `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.param(name) {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        }
    }

    /// The body as JSON; 400 E0000003 when it is not JSON.
    pub fn json(&self) -> Result<Value, Reply> {
        serde_json::from_slice(self.body).map_err(|_| error::malformed_body())
    }
}

/// Answers an API call against the store.
pub fn route(store: &mut Store, call: &Call) -> Reply {
    let decoded: Vec<String> = call
        .path
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let answer = match (call.method.as_str(), segs.as_slice()) {
        ("GET", ["api", "v1", "users"]) => users::list(store, call),
        ("POST", ["api", "v1", "users"]) => users::create(store, call),
        ("GET", ["api", "v1", "users", id]) => users::get(store, id),
        ("POST", ["api", "v1", "users", id]) => users::update(store, call, id, false),
        ("PUT", ["api", "v1", "users", id]) => users::update(store, call, id, true),
        ("DELETE", ["api", "v1", "users", id]) => users::delete(store, id),
        ("POST", ["api", "v1", "users", id, "lifecycle", action]) => {
            users::lifecycle(store, call, id, action)
        }
        ("GET", ["api", "v1", "users", id, "groups"]) => users::groups(store, id),
        ("POST", ["api", "v1", "users", id, "roles"]) => users::assign_role(store, call, id),
        ("GET", ["api", "v1", "groups"]) => groups::list(store, call),
        ("POST", ["api", "v1", "groups"]) => groups::create(store, call),
        ("GET", ["api", "v1", "groups", id]) => groups::get(store, id),
        ("PUT", ["api", "v1", "groups", id]) => groups::update(store, call, id),
        ("DELETE", ["api", "v1", "groups", id]) => groups::delete(store, id),
        ("GET", ["api", "v1", "groups", id, "users"]) => groups::members(store, call, id),
        ("PUT", ["api", "v1", "groups", gid, "users", uid]) => groups::add_member(store, gid, uid),
        ("DELETE", ["api", "v1", "groups", gid, "users", uid]) => {
            groups::remove_member(store, gid, uid)
        }
        ("GET", ["api", "v1", "apps"]) => apps::list(store, call),
        ("GET", ["api", "v1", "apps", id]) => apps::get(store, id),
        ("DELETE", ["api", "v1", "apps", id]) => apps::delete(store, id),
        ("POST", ["api", "v1", "apps", id, "lifecycle", action]) => {
            apps::lifecycle(store, id, action)
        }
        ("POST", ["api", "v1", "apps", id, "logo"]) => apps::upload_logo(store, call, id),
        ("GET", ["api", "v1", "policies"]) => policies::list(store, call),
        ("GET", ["api", "v1", "policies", id]) => policies::get(store, id),
        ("GET", ["api", "v1", "logs"]) => logs::list(store, call),
        ("GET", ["api", "v1", "meta", "schemas", "user", "default"]) => meta::user_schema(store),
        ("GET", ["api", "v1", "catalog", "apps"]) => meta::catalog(store, call),
        ("GET", ["api", "v1", "catalog", "apps", name]) => meta::catalog_app(store, name),
        ("GET", ["api", "v1", "iam", "roles"]) => iam_roles(store, call),
        (_, ["governance", "api", version @ ("v1" | "v2"), rest @ ..]) => {
            governance(store, call, version, rest)
        }
        (
            _,
            [
                "api",
                "v1",
                "users" | "groups" | "apps" | "logs" | "policies",
            ],
        )
        | (_, ["api", "v1", "users" | "groups" | "apps" | "policies", _]) => {
            Err(error::method_not_allowed())
        }
        _ => Err(error::no_such_path(call.path)),
    };
    answer.unwrap_or_else(|e| e)
}

/// The Identity Governance API under `/governance/api/{version}/`.
fn governance(store: &mut Store, call: &Call, version: &str, rest: &[&str]) -> Answer {
    match (call.method.as_str(), version, rest) {
        ("GET", "v1", ["campaigns"]) => campaigns::list(store, call),
        ("POST", "v1", ["campaigns"]) => campaigns::create(store, call),
        ("GET", "v1", ["campaigns", id]) => campaigns::get(store, call, id),
        ("DELETE", "v1", ["campaigns", id]) => campaigns::delete(store, call, id),
        ("POST", "v1", ["campaigns", id, action @ ("launch" | "end")]) => {
            campaigns::transition(store, call, id, action)
        }
        ("GET", "v1", ["reviews"]) => campaigns::reviews(store, call),
        ("GET", "v1", ["reviews", id]) => campaigns::review(store, call, id),
        ("GET", "v1", ["requests"]) => requests::list(store, call),
        ("POST", "v1", ["requests"]) => requests::create(store, call),
        ("GET", "v1", ["requests", id]) => requests::get(store, call, id),
        ("GET", "v2", ["requests"]) => requests::list_v2(store, call),
        ("POST", "v2", ["requests"]) => requests::create_v2(store, call),
        ("GET", "v2", ["requests", id]) => requests::get_v2(store, call, id),
        ("POST", v, ["requests", id, "messages"]) => requests::add_message(store, call, v, id),
        ("GET", "v1", ["entitlements"]) => entitlements::list(store, call),
        ("GET", "v1", ["entitlements", "values"]) => entitlements::values(store, call, None),
        ("GET", "v1", ["entitlements", id]) => entitlements::get(store, call, id),
        ("GET", "v1", ["entitlements", id, "values"]) => {
            entitlements::values(store, call, Some(id))
        }
        ("GET", "v1", ["entitlements", id, "values", value]) => {
            entitlements::value(store, call, id, value)
        }
        ("GET", "v1", ["entitlement-bundles"]) => entitlements::bundles(store, call),
        ("POST", "v1", ["entitlement-bundles"]) => entitlements::create_bundle(store, call),
        ("GET", "v1", ["entitlement-bundles", id]) => entitlements::bundle(store, call, id),
        ("DELETE", "v1", ["entitlement-bundles", id]) => {
            entitlements::delete_bundle(store, call, id)
        }
        ("GET", "v1", ["grants"]) => entitlements::grants(store, call),
        ("POST", "v1", ["grants"]) => entitlements::create_grant(store, call),
        ("GET", "v1", ["grants", id]) => entitlements::grant(store, call, id),
        ("GET", "v1", ["principal-entitlements"]) => entitlements::principal(store, call),
        ("GET", "v2", ["security-access-reviews"]) => security_reviews::list(store, call),
        ("GET", "v2", ["security-access-reviews", id, "accesses"]) => {
            security_reviews::accesses(store, call, id)
        }
        ("POST", "v2", ["security-access-reviews", id, "accesses", target, "actions"]) => {
            security_reviews::act(store, call, id, target)
        }
        _ => Err(error::no_such_path(call.path)),
    }
}

/// `GET /api/v1/iam/roles`: the custom admin roles, a Management list that comes back
/// as an envelope (`{"roles": [...], "_links": {...}}`) rather than an array. Pages of 5
/// by default (the operation takes no `limit`), so that 12 roles make three pages.
fn iam_roles(store: &Store, call: &Call) -> Answer {
    envelope_of_map(store, call, &store.roles, (5, 100), "roles", |_| true)
}

/// The `filter` or `search` expression of a call, parsed; 400 E0000031 when unparsable.
pub fn filter_param(call: &Call) -> Result<Option<Filter>, Reply> {
    match call.param("search").or_else(|| call.param("filter")) {
        None => Ok(None),
        Some(text) => Filter::parse(text)
            .map(Some)
            .map_err(|e| error::invalid_search(&e)),
    }
}

/// One page of a map's values in id order, with Okta's `Link` headers.
pub fn page_of_map(
    store: &Store,
    call: &Call,
    map: &BTreeMap<String, Value>,
    (default_limit, max_limit): (usize, usize),
    keep: impl Fn(&Value) -> bool,
) -> Answer {
    let limit = paging::limit(call.param("limit"), default_limit, max_limit)?;
    let after = paging::after(call.param("after"))?;
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    let items = map
        .range((lower, Bound::Unbounded))
        .map(|(_, v)| v)
        .filter(|v| keep(v));
    Ok(page_reply(store, call, items, limit, "id"))
}

/// One page of `items` (already filtered and in order), resuming after the item whose
/// `key_field` the cursor names.
pub fn page_of_seq<'v>(
    store: &Store,
    call: &Call,
    items: impl Iterator<Item = &'v Value>,
    (default_limit, max_limit): (usize, usize),
    key_field: &str,
) -> Answer {
    let limit = paging::limit(call.param("limit"), default_limit, max_limit)?;
    let after = paging::after(call.param("after"))?;
    let mut items = items.peekable();
    if let Some(key) = after {
        while items.next_if(|e| e[key_field] != key.as_str()).is_some() {}
        items.next();
    }
    Ok(page_reply(store, call, items, limit, key_field))
}

/// A page taken from `items`, keyed for the cursor by the `key_field` of each item.
pub fn page_reply<'v>(
    store: &Store,
    call: &Call,
    items: impl Iterator<Item = &'v Value>,
    limit: usize,
    key_field: &str,
) -> Reply {
    let key_of = |v: &&Value| v[key_field].as_str().unwrap_or_default().to_string();
    let (page, next) = paging::take_page(items, limit, key_of);
    let mut reply = Reply::ok(Value::Array(page.into_iter().cloned().collect()));
    let links = paging::link_headers(
        &store.base_url,
        call.path,
        call.raw_query,
        limit,
        next.as_deref(),
    );
    reply.headers.extend(links);
    reply
}

/// One page of a map's values in id order as an envelope: `{"<list_key>": [...],
/// "_links": {"self", "next"}}` (plus `metadata.total` for `data` lists), the way the
/// Identity Governance API (`data`) and the IAM lists (`roles`, ...) page.
pub fn envelope_of_map(
    store: &Store,
    call: &Call,
    map: &BTreeMap<String, Value>,
    (default_limit, max_limit): (usize, usize),
    list_key: &str,
    keep: impl Fn(&Value) -> bool,
) -> Answer {
    let limit = paging::limit(call.param("limit"), default_limit, max_limit)?;
    let after = paging::after(call.param("after"))?;
    let total = map.values().filter(|v| keep(v)).count();
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    let items = map
        .range((lower, Bound::Unbounded))
        .map(|(_, v)| v)
        .filter(|v| keep(v));
    let key_of = |v: &&Value| v["id"].as_str().unwrap_or_default().to_string();
    let (page, next) = paging::take_page(items, limit, key_of);
    let mut body = serde_json::Map::new();
    body.insert(
        list_key.into(),
        Value::Array(page.into_iter().cloned().collect()),
    );
    body.insert(
        "_links".into(),
        paging::envelope_links(
            &store.base_url,
            call.path,
            call.raw_query,
            limit,
            next.as_deref(),
        ),
    );
    if list_key == "data" {
        body.insert("metadata".into(), serde_json::json!({ "total": total }));
    }
    Ok(Reply::ok(Value::Object(body)))
}

/// A governance list: `scope` checked, `filter` applied, one envelope page of 20 by
/// default and 200 at most.
pub fn governance_list(
    store: &Store,
    call: &Call,
    scope: &str,
    map: &BTreeMap<String, Value>,
) -> Answer {
    call.require(store, scope)?;
    let filter = filter_param(call)?;
    envelope_of_map(store, call, map, (20, 200), "data", |v| {
        filter.as_ref().is_none_or(|f| f.matches(v))
    })
}

/// Whether `text` starts with `prefix`, ignoring case (the `q` parameter's match).
pub fn starts_with_ci(text: &Value, prefix: &str) -> bool {
    text.as_str()
        .is_some_and(|t| t.to_lowercase().starts_with(&prefix.to_lowercase()))
}
