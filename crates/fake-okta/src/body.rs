//! The HTTP body type of every response: all at once, or a large JSON array produced
//! chunk by chunk while it is sent (so an oversized body never sits in memory whole).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// One array element of padding, about 128 bytes.
const ITEM: &str = r#"{"id":"00u0000000000padding","status":"ACTIVE","profile":{"login":"padding@example.com","note":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#;
/// Elements per chunk of an oversized body (about 64 KiB).
const ITEMS_PER_CHUNK: usize = 500;

/// A response body.
pub enum OutBody {
    /// Everything at once (`None` once sent).
    Full(Option<Bytes>),
    /// A JSON array streamed in whole chunks until at least `remaining` more bytes were sent.
    Padding {
        chunk: Bytes,
        remaining: u64,
        started: bool,
        finished: bool,
    },
}

impl OutBody {
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        OutBody::Full(Some(bytes.into()))
    }

    pub fn empty() -> Self {
        OutBody::Full(None)
    }

    /// A valid JSON array of about `bytes` bytes.
    pub fn padding(bytes: u64) -> Self {
        let chunk = format!("{ITEM},").repeat(ITEMS_PER_CHUNK);
        OutBody::Padding {
            chunk: Bytes::from(chunk),
            remaining: bytes,
            started: false,
            finished: false,
        }
    }
}

impl http_body::Body for OutBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let data = match self.get_mut() {
            OutBody::Full(bytes) => bytes.take(),
            OutBody::Padding {
                chunk,
                remaining,
                started,
                finished,
            } => {
                if !*started {
                    *started = true;
                    Some(Bytes::from_static(b"["))
                } else if *remaining > 0 {
                    *remaining = remaining.saturating_sub(chunk.len() as u64);
                    Some(chunk.clone())
                } else if !*finished {
                    *finished = true;
                    Some(Bytes::from(format!("{ITEM}]")))
                } else {
                    None
                }
            }
        };
        Poll::Ready(data.map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            OutBody::Full(bytes) => bytes.is_none(),
            OutBody::Padding { finished, .. } => *finished,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            OutBody::Full(None) => SizeHint::with_exact(0),
            OutBody::Padding { .. } => SizeHint::default(),
        }
    }
}
