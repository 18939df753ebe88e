//! Injected failures for reliability tests.
//!
//! A [`Fault`] matches requests by method and path prefix and fires a bounded number of
//! times (or always). The first matching rule with shots left fires; the server then
//! answers with the fault instead of (or on top of) the normal answer.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::error;
use crate::reply::{Reply, ReplyBody};
use crate::time::now_epoch;

/// What a fault does to the request it fires on.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 429 E0000047 with `X-Rate-Limit-Remaining: 0` and a reset this many seconds ahead.
    TooManyRequests { reset_in_secs: u64 },
    /// 503 with an Okta error body.
    ServiceUnavailable,
    /// 403 E0000006.
    Forbidden,
    /// Waits this long, then answers normally.
    Delay { ms: u64 },
    /// Drops the connection without answering (TCP RST).
    ResetConnection,
    /// 200 with a truncated JSON body.
    MalformedJson,
    /// 200 with a valid JSON array of about this many MiB, streamed.
    Oversized { megabytes: u64 },
    /// The normal answer plus unknown fields and unknown enum values in every object.
    ExtraFields,
    /// 204 with no body.
    Empty204,
    /// An HTML page (as a proxy or load balancer would send) with this status.
    Html { status: u16 },
}

/// A rule: which requests, how many times, and what happens.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    method: Option<Method>,
    path_prefix: String,
    /// Shots left; `None` fires forever.
    remaining: Option<u32>,
    kind: FaultKind,
}

impl Fault {
    /// A rule for `method` requests whose raw path starts with `path_prefix`.
    /// Fires once, as a 503, until changed with [`times`](Self::times) and [`kind`](Self::kind).
    pub fn new(method: Method, path_prefix: impl Into<String>) -> Self {
        Self {
            method: Some(method),
            path_prefix: path_prefix.into(),
            remaining: Some(1),
            kind: FaultKind::ServiceUnavailable,
        }
    }

    /// A rule for requests of any method under `path_prefix`.
    pub fn any_method(path_prefix: impl Into<String>) -> Self {
        Self {
            method: None,
            ..Self::new(Method::GET, path_prefix)
        }
    }

    /// Fire `n` times, then stop matching.
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Fire on every matching request.
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    pub fn kind(mut self, kind: FaultKind) -> Self {
        self.kind = kind;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.remaining != Some(0)
            && self.method.as_ref().is_none_or(|m| m == method)
            && path.starts_with(&self.path_prefix)
    }
}

/// Parses the CLI form `"METHOD PATH_PREFIX KIND [TIMES]"`, e.g. `"GET /api/v1/users 429=2 3"`.
///
/// METHOD is a method or `*`; KIND is one of `429[=SECS]`, `503`, `403`, `delay=MS`,
/// `reset`, `malformed`, `oversized=MB`, `extra`, `empty`, `html[=STATUS]`;
/// TIMES is a count (default 1) or `always`.
impl FromStr for Fault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [method, path, kind, rest @ ..] = words.as_slice() else {
            return Err(format!(
                "expected \"METHOD PATH KIND [TIMES]\", got {text:?}"
            ));
        };
        let mut fault = if *method == "*" {
            Fault::any_method(*path)
        } else {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("bad method {method:?}"))?;
            Fault::new(method, *path)
        };
        fault = fault.kind(parse_kind(kind)?);
        match rest {
            [] => Ok(fault),
            ["always"] => Ok(fault.always()),
            [n] => n
                .parse()
                .map(|n| fault.times(n))
                .map_err(|_| format!("bad count {n:?}")),
            _ => Err(format!("too many words in {text:?}")),
        }
    }
}

fn parse_kind(text: &str) -> Result<FaultKind, String> {
    let (name, arg) = match text.split_once('=') {
        Some((name, arg)) => (name, Some(arg)),
        None => (text, None),
    };
    let number = |default: u64| -> Result<u64, String> {
        arg.map_or(Ok(default), |a| {
            a.parse().map_err(|_| format!("bad number in {text:?}"))
        })
    };
    Ok(match name {
        "429" => FaultKind::TooManyRequests {
            reset_in_secs: number(1)?,
        },
        "503" => FaultKind::ServiceUnavailable,
        "403" => FaultKind::Forbidden,
        "delay" => FaultKind::Delay { ms: number(1000)? },
        "reset" => FaultKind::ResetConnection,
        "malformed" => FaultKind::MalformedJson,
        "oversized" => FaultKind::Oversized {
            megabytes: number(16)?,
        },
        "extra" => FaultKind::ExtraFields,
        "empty" => FaultKind::Empty204,
        "html" => FaultKind::Html {
            status: u16::try_from(number(502)?).map_err(|_| format!("bad status in {text:?}"))?,
        },
        _ => return Err(format!("unknown fault kind {text:?}")),
    })
}

/// The rules of one server, and how often they fired.
#[derive(Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<Fault>>,
    fired: AtomicU64,
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(fault);
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn fired(&self) -> u64 {
        self.fired.load(Ordering::SeqCst)
    }

    /// Fires the first rule matching this request, if any, and says what to do.
    pub fn take(&self, method: &Method, path: &str) -> Option<FaultKind> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let rule = rules.iter_mut().find(|r| r.matches(method, path))?;
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        self.fired.fetch_add(1, Ordering::SeqCst);
        Some(rule.kind.clone())
    }
}

/// The answer for faults that replace the normal answer; `None` for those that do not
/// (delay, extra fields, reset), which the server handles itself.
pub(crate) fn canned_reply(kind: &FaultKind) -> Option<Reply> {
    Some(match kind {
        FaultKind::TooManyRequests { reset_in_secs } => {
            let reset =
                now_epoch().saturating_add(i64::try_from(*reset_in_secs).unwrap_or(i64::MAX / 2));
            error::too_many_requests()
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", reset.to_string())
        }
        FaultKind::ServiceUnavailable => error::okta_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "E0000010",
            "Service is in read only mode",
            &[],
        ),
        FaultKind::Forbidden => error::forbidden(),
        FaultKind::MalformedJson => Reply::raw(
            StatusCode::OK,
            "application/json",
            r#"[{"id":"00u1a2b3c4d5e6f7g8h9","status":"ACTIVE","profile":{"login":"trunc"#,
        ),
        FaultKind::Oversized { megabytes } => Reply {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::Oversized {
                bytes: megabytes.saturating_mul(1024 * 1024),
            },
        },
        FaultKind::Empty204 => Reply::no_content(),
        FaultKind::Html { status } => Reply::raw(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Error</title></head>\
             <body><h1>Something went wrong</h1><p>The upstream server did not answer.</p></body></html>\n",
        ),
        FaultKind::Delay { .. } | FaultKind::ResetConnection | FaultKind::ExtraFields => {
            return None;
        }
    })
}

/// Adds fields no spec knows and swaps enum values for unknown ones, in every object of a
/// JSON reply (the reply itself, or each element of an array reply).
pub(crate) fn add_unknown_fields(reply: &mut Reply) {
    let ReplyBody::Json(value) = &mut reply.body else {
        return;
    };
    let objects: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    };
    for object in objects {
        let Some(map) = object.as_object_mut() else {
            continue;
        };
        map.insert("fakeOktaUnknownField".into(), json!("surprise"));
        map.insert(
            "futureFeature".into(),
            json!({ "enabled": true, "tiers": [1, 2, 3] }),
        );
        for (field, unknown) in [
            ("status", "FUTURE_STATUS"),
            ("signOnMode", "FUTURE_SIGN_ON_MODE"),
            ("type", "FUTURE_TYPE"),
        ] {
            if map.get(field).is_some_and(Value::is_string) {
                map.insert(field.into(), json!(unknown));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_form() {
        let f: Fault = "GET /api/v1/users 429=2 3".parse().unwrap();
        assert_eq!(
            f,
            Fault::new(Method::GET, "/api/v1/users")
                .times(3)
                .kind(FaultKind::TooManyRequests { reset_in_secs: 2 })
        );
        let f: Fault = "* /api oversized=1 always".parse().unwrap();
        assert_eq!(
            f,
            Fault::any_method("/api")
                .always()
                .kind(FaultKind::Oversized { megabytes: 1 })
        );
        assert!("GET /api".parse::<Fault>().is_err());
        assert!("GET /api boom".parse::<Fault>().is_err());
        assert!("GET /api delay=x".parse::<Fault>().is_err());
        assert!("GET /api html=99999".parse::<Fault>().is_err());
    }

    #[test]
    fn rules_fire_a_bounded_number_of_times() {
        let faults = Faults::default();
        faults.add(Fault::new(Method::GET, "/api/v1/users").times(2));
        assert!(faults.take(&Method::POST, "/api/v1/users").is_none());
        assert!(faults.take(&Method::GET, "/api/v1/groups").is_none());
        assert_eq!(
            faults.take(&Method::GET, "/api/v1/users/x"),
            Some(FaultKind::ServiceUnavailable)
        );
        assert!(faults.take(&Method::GET, "/api/v1/users").is_some());
        assert!(faults.take(&Method::GET, "/api/v1/users").is_none());
        assert_eq!(faults.fired(), 2);
    }
}
