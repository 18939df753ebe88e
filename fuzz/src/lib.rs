//! Shared parts of the fuzz targets: an offline runtime (every request is
//! captured, never sent), arguments generated from a tool's input schema,
//! and the invariants every built request must keep.

use std::sync::{Arc, OnceLock};

use arbitrary::{Result, Unstructured};
use clap::Parser;
use okta_mcp::call::Runtime;
use okta_mcp::config::{Cli, Config};
use okta_mcp::okta_http::{Capture, CapturedRequest, HttpPolicy, HttpStack};
use okta_mcp::tool_table::{TOOLS, ToolSpec};
use serde_json::{Map, Value};

/// The org every request must go to.
pub const ORG_HOST: &str = "acme.okta.com";
/// The API token; it must never appear in a result or in a URL or body.
pub const SECRET: &str = "00Fz9-SECRET-q7Lw2xVt8RkP4nB6yD3hJ5mC1aE0sG";

/// The offline runtime (built once) and its capture.
pub struct Offline {
    pub runtime: Arc<Runtime>,
    pub capture: Arc<Capture>,
}

/// Every scope, the unscoped operations, all tools: nothing is refused for
/// want of a scope, so every tool reaches validation and request building.
pub fn offline() -> &'static Offline {
    static OFFLINE: OnceLock<Offline> = OnceLock::new();
    OFFLINE.get_or_init(|| {
        let mut scopes: Vec<&str> = okta_mcp::scopes::known_scopes().into_iter().collect();
        scopes.sort();
        let scopes = scopes.join(" ");
        let cli = Cli::parse_from([
            "okta-mcp",
            "--org-url",
            &format!("https://{ORG_HOST}"),
            "--scopes",
            &scopes,
            "--include-unscoped",
            "true",
            "--tools",
            "all",
        ]);
        let config = Config::from_settings(cli.settings);
        assert!(config.org_url.is_some(), "{:?}", config.problems);
        let auth =
            okta_mcp::auth::static_token::StaticToken::api_token(SECRET).expect("a valid token");
        let capture = Arc::new(Capture::default());
        let policy = HttpPolicy {
            max_retries: 0,
            ..config.http_policy()
        };
        let stack = HttpStack::new(
            config.org_url.as_ref().expect("org").as_str(),
            Arc::new(auth),
            policy,
        )
        .expect("client")
        .with_capture(capture.clone());
        Offline {
            runtime: Arc::new(Runtime::new(
                config,
                Some(Arc::new(stack)),
                &okta_mcp::composite::COMPOSITES,
            )),
            capture,
        }
    })
}

/// A current-thread tokio runtime, built once.
pub fn tokio_rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// Strings that have broken URL and request building elsewhere.
pub const NASTY: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "../../api/v1/users",
    "..%2f..%2fadmin",
    "%2e%2e",
    "%2E%2E%2F",
    ".%2e",
    "a/b",
    "/",
    "//evil.example/x",
    "http://evil.example/",
    "@evil.example",
    "user:pass@evil.example",
    "a?b=c",
    "a#frag",
    "a&b=c",
    "a=b",
    "a;b",
    "a b",
    "a+b",
    "\\",
    "..\\..\\x",
    "\u{0}",
    "a\nb",
    "a\rb",
    "\t..",
    ".. ",
    " ..",
    "\u{ff0e}\u{ff0e}",
    "\u{2024}\u{2024}",
    "ü",
    "\u{200b}",
    "{id}",
    "{",
    "}",
    "%",
    "%zz",
    "%00",
    "00u1abcdEFGH2345",
    "0oa1b2c3d4",
    "default",
    "me",
    "true",
    "1",
    "-1",
    "1e309",
    "null",
    "2024-01-01T00:00:00Z",
    "not-a-date",
    "profile.login eq \"a\"",
    "status eq \"ACTIVE\" or 1 eq 1",
    "/dev/zero",
    "/etc/passwd",
    "/proc/self/environ",
    "aGVsbG8=",
    "!!!notbase64",
    "SSWS",
    "Bearer x",
];

/// A JSON value shaped by `schema`, mostly valid, sometimes not.
pub fn value_for(schema: &Value, u: &mut Unstructured, depth: u32) -> Result<Value> {
    // Now and then, anything at all.
    if depth > 6 || u.ratio(1, 24)? {
        return wild(u, depth);
    }
    let Some(s) = schema.as_object() else {
        return wild(u, depth);
    };
    if let Some(c) = s.get("const") {
        return Ok(c.clone());
    }
    if let Some(Value::Array(options)) = s.get("enum")
        && !options.is_empty()
    {
        return Ok(u.choose(options)?.clone());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = s.get(key)
            && !branches.is_empty()
        {
            return value_for(u.choose(branches)?, u, depth + 1);
        }
    }
    if let Some(Value::Array(parts)) = s.get("allOf")
        && !parts.is_empty()
    {
        let mut merged = Map::new();
        for p in parts {
            match value_for(p, u, depth + 1)? {
                Value::Object(m) => merged.extend(m),
                other => return Ok(other),
            }
        }
        return Ok(Value::Object(merged));
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) if !ts.is_empty() => u.choose(ts)?.as_str().unwrap_or("string"),
        _ if s.contains_key("properties") => "object",
        _ => "any",
    };
    Ok(match ty {
        "object" => object_for(s, u, depth)?,
        "array" => {
            let items = s.get("items").cloned().unwrap_or(Value::Bool(true));
            let n = u.int_in_range(0..=3)?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                out.push(value_for(&items, u, depth + 1)?);
            }
            Value::Array(out)
        }
        "string" => Value::String(string_for(s, u)?),
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(-5);
            let max = s.get("maximum").and_then(Value::as_i64).unwrap_or(1000);
            if u.ratio(1, 8)? {
                Value::from(u.arbitrary::<i64>()?)
            } else {
                Value::from(u.int_in_range(min.min(max)..=max.max(min))?)
            }
        }
        "number" => {
            let f: f64 = u.arbitrary()?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::from(1.5))
        }
        "boolean" => Value::Bool(u.arbitrary()?),
        "null" => Value::Null,
        _ => wild(u, depth)?,
    })
}

fn object_for(s: &Map<String, Value>, u: &mut Unstructured, depth: u32) -> Result<Value> {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    if let Some(Value::Object(props)) = s.get("properties") {
        for (name, prop) in props {
            let wanted = if required.contains(&name.as_str()) {
                !u.ratio(1, 40)?
            } else {
                u.ratio(1, 3)?
            };
            if wanted {
                out.insert(name.clone(), value_for(prop, u, depth + 1)?);
            }
        }
    }
    if u.ratio(1, 30)? {
        out.insert(string_any(u)?, wild(u, depth + 1)?);
    }
    Ok(Value::Object(out))
}

fn string_for(s: &Map<String, Value>, u: &mut Unstructured) -> Result<String> {
    if s.get("format").and_then(Value::as_str) == Some("date-time") && u.ratio(1, 2)? {
        return Ok("2026-01-02T03:04:05.000Z".into());
    }
    string_any(u)
}

fn string_any(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        0..=4 => (*u.choose(NASTY)?).to_owned(),
        5 => {
            // A nasty string with something around it.
            let a: String = u.arbitrary()?;
            format!("{a}{}{a}", u.choose(NASTY)?)
        }
        6 => "x".repeat(u.int_in_range(0..=5000)?),
        _ => u.arbitrary()?,
    })
}

/// Any JSON value.
pub fn wild(u: &mut Unstructured, depth: u32) -> Result<Value> {
    Ok(match u.int_in_range(0..=7)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary()?)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        4 | 5 => Value::String(string_any(u)?),
        6 if depth < 6 => {
            let n = u.int_in_range(0..=3)?;
            let mut a = Vec::new();
            for _ in 0..n {
                a.push(wild(u, depth + 1)?);
            }
            Value::Array(a)
        }
        _ if depth < 6 => {
            let n = u.int_in_range(0..=3)?;
            let mut m = Map::new();
            for _ in 0..n {
                m.insert(string_any(u)?, wild(u, depth + 1)?);
            }
            Value::Object(m)
        }
        _ => Value::Null,
    })
}

/// Tool arguments for `tool`: from its schema, or raw JSON from the input.
pub fn arguments_for(tool: &ToolSpec, u: &mut Unstructured) -> Result<Map<String, Value>> {
    if u.ratio(1, 10)? {
        let raw: &[u8] = u.arbitrary()?;
        return Ok(match serde_json::from_slice::<Value>(raw) {
            Ok(Value::Object(m)) => m,
            Ok(other) => Map::from_iter([("body".to_owned(), other)]),
            Err(_) => Map::new(),
        });
    }
    let schema = Value::Object(tool.schema().clone());
    Ok(match value_for(&schema, u, 0)? {
        Value::Object(m) => m,
        _ => Map::new(),
    })
}

/// The template segments of a path (`/api/v1/users/{id}`).
fn template_segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// Whether a URL path fits a template: the same number of segments, the
/// literal ones equal, each parameter one non-empty segment that does not
/// decode to `.` or `..`.
pub fn path_fits(template: &str, url: &url::Url) -> bool {
    let Some(segments) = url.path_segments() else {
        return false;
    };
    let segments: Vec<&str> = segments.collect();
    let tmpl = template_segments(template);
    segments.len() == tmpl.len()
        && segments.iter().zip(&tmpl).all(|(seg, t)| {
            if t.contains('{') {
                let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
                !seg.is_empty() && decoded != "." && decoded != ".."
            } else {
                seg == t
            }
        })
}

/// Checks one captured request; panics (a finding) when an invariant fails.
pub fn check_request(tool: &ToolSpec, req: &CapturedRequest) {
    let url = &req.url;
    assert_eq!(url.scheme(), "https", "{}: {url}", tool.name);
    assert_eq!(url.host_str(), Some(ORG_HOST), "{}: {url}", tool.name);
    assert_eq!(url.port(), None, "{}: {url}", tool.name);
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{}: {url}",
        tool.name
    );
    assert!(url.fragment().is_none(), "{}: {url}", tool.name);
    assert!(
        url.path_segments()
            .is_some_and(|mut s| s.all(|seg| seg != ".." && seg != ".")),
        "{}: dot segment in {url}",
        tool.name
    );
    no_secret(tool, "the URL", url.as_str());
    if let Some(body) = &req.body {
        no_secret(tool, "the body", &String::from_utf8_lossy(body));
    }
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    assert_eq!(
        auth,
        Some(format!("SSWS {SECRET}").as_str()),
        "{}: credentials",
        tool.name
    );
    let method = req.method.as_str();
    if tool.handler.is_none() && !tool.operation_id.is_empty() {
        assert!(
            method.eq_ignore_ascii_case(tool.method),
            "{}: {method} instead of {}",
            tool.name,
            tool.method
        );
        assert!(
            path_fits(tool.path, url),
            "{}: {url} does not fit {}",
            tool.name,
            tool.path
        );
    } else {
        // A composite tool: each request must be some operation's.
        assert!(
            TOOLS.iter().any(|t| !t.operation_id.is_empty()
                && t.method.eq_ignore_ascii_case(method)
                && path_fits(t.path, url)),
            "{}: {method} {url} is no operation of the spec",
            tool.name
        );
    }
}

/// Checks a tool result: no credential in it.
pub fn check_result(tool: &ToolSpec, text: &str, structured: &Value) {
    no_secret(tool, "the result text", text);
    no_secret(tool, "the structured result", &structured.to_string());
}

fn no_secret(tool: &ToolSpec, what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{}: secret in {what}", tool.name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fit_templates() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(path_fits(
            "/api/v1/users/{id}",
            &u("https://a/api/v1/users/x%2Fy")
        ));
        assert!(!path_fits(
            "/api/v1/users/{id}",
            &u("https://a/api/v1/users/x/y")
        ));
        assert!(!path_fits(
            "/api/v1/users/{id}",
            &u("https://a/api/v1/users/..")
        ));
        assert!(!path_fits(
            "/api/v1/users/{id}",
            &u("https://a/api/v1/groups/1")
        ));
    }
}
