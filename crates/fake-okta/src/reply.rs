//! What a handler answers, before it becomes an HTTP response.
//!
//! Handlers build a [`Reply`] holding a JSON value rather than bytes, so that the
//! "extra fields" fault can still edit it and the server can add the headers every
//! response carries (rate limits) in one place.

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::Value;

/// The body of a reply.
pub enum ReplyBody {
    Json(Value),
    Empty,
    /// Bytes sent as they are, with their content type.
    Raw {
        content_type: &'static str,
        bytes: Bytes,
    },
    /// A JSON array of about this many bytes, produced while it is sent.
    Oversized {
        bytes: u64,
    },
}

/// A status, extra headers and a body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: ReplyBody,
}

impl Reply {
    pub fn json(status: StatusCode, value: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ReplyBody::Json(value),
        }
    }

    pub fn ok(value: Value) -> Self {
        Self::json(StatusCode::OK, value)
    }

    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            headers: Vec::new(),
            body: ReplyBody::Empty,
        }
    }

    pub fn raw(status: StatusCode, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ReplyBody::Raw {
                content_type,
                bytes: bytes.into(),
            },
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}
