//! What tests look at afterwards: a log of the requests exactly as they arrived, and
//! counts of requests (in total, and the most ever in flight at once).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use hyper::http::request::Parts;
use serde_json::Value;

/// One request as the fake received it, before any decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path exactly as sent: percent-encoding is kept (`%2F` stays `%2F`).
    pub path: String,
    /// The query string exactly as sent, without the `?`.
    pub query: Option<String>,
    /// Header names (lowercase) and values, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Path and query as sent (`/api/v1/users?limit=2`).
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

/// The request log and counters of one fake server.
pub(crate) struct Observer {
    log: Mutex<VecDeque<RecordedRequest>>,
    capacity: usize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    total: AtomicU64,
}

/// Counts a request as in flight until dropped.
pub(crate) struct InFlight<'a>(&'a Observer);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Observer {
    /// An observer keeping at most `capacity` requests (the oldest are dropped first).
    pub fn new(capacity: usize) -> Self {
        Self {
            log: Mutex::new(VecDeque::new()),
            capacity,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            total: AtomicU64::new(0),
        }
    }

    /// Marks a request as started; it stays in flight until the guard is dropped.
    pub fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
        InFlight(self)
    }

    pub fn record(&self, parts: &Parts, body: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let request = RecordedRequest {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers,
            body: body.to_vec(),
        };
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= self.capacity {
            log.pop_front();
        }
        log.push_back(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }

    /// Zeroes the total and the in-flight maximum.
    pub fn reset_counts(&self) {
        self.max_in_flight.store(0, Ordering::SeqCst);
        self.total.store(0, Ordering::SeqCst);
    }
}
