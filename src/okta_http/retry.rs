//! Okta's rate limits and transient failures: what to wait, and what may be
//! sent again.
//!
//! Okta announces each endpoint's budget in `X-Rate-Limit-Limit`,
//! `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (UTC epoch seconds when
//! the budget refills). A 429 means Okta did not process the request, so any
//! method may be sent again after the reset. A 502/503/504 or a broken
//! connection may have reached Okta, so only idempotent methods are replayed.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// The budget one response announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    /// Requests allowed per window (0 when Okta did not say).
    pub limit: u64,
    pub remaining: u64,
    /// UTC epoch seconds when the budget refills.
    pub reset_epoch: u64,
}

impl RateInfo {
    /// Reads the `X-Rate-Limit-*` headers; `None` without Remaining and Reset.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |name: &str| -> Option<u64> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        Some(Self {
            limit: num("x-rate-limit-limit").unwrap_or(0),
            remaining: num("x-rate-limit-remaining")?,
            reset_epoch: num("x-rate-limit-reset")?,
        })
    }

    /// Seconds until the reset, from `now` (epoch seconds); never negative.
    fn time_left(&self, now: f64) -> f64 {
        (self.reset_epoch as f64 - now).max(0.0)
    }
}

/// The latest budget seen per operation (Okta's buckets are per endpoint).
#[derive(Debug, Default)]
pub struct RateBook {
    seen: Mutex<HashMap<String, RateInfo>>,
}

impl RateBook {
    pub fn record(&self, operation_id: &str, info: RateInfo) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(operation_id.to_owned(), info);
        }
    }

    /// The operation whose budget has the smallest share left, with it.
    pub fn tightest(&self) -> Option<(String, RateInfo)> {
        let seen = self.seen.lock().ok()?;
        seen.iter()
            .filter(|(_, i)| i.limit > 0)
            .min_by(|(_, a), (_, b)| {
                (a.remaining as f64 / a.limit as f64)
                    .total_cmp(&(b.remaining as f64 / b.limit as f64))
            })
            .map(|(op, i)| (op.clone(), *i))
    }

    /// How long to hold back the next request of `operation_id`, if at all.
    pub fn pacing_delay(&self, operation_id: &str, now: f64) -> Option<Duration> {
        let info = *self.seen.lock().ok()?.get(operation_id)?;
        pacing_delay(&info, now)
    }
}

/// Most a request is held back while the budget is low but not spent.
pub const MAX_PACING: Duration = Duration::from_secs(2);

/// The delay before a request when the budget is nearly spent: until the
/// reset when none is left; when under 5% of the limit is left, the time
/// left shared among the remaining requests (at most [`MAX_PACING`]).
pub fn pacing_delay(info: &RateInfo, now: f64) -> Option<Duration> {
    let left = info.time_left(now);
    if left <= 0.0 {
        return None;
    }
    if info.remaining == 0 {
        return Some(Duration::from_secs_f64(left));
    }
    if info.limit > 0 && info.remaining.saturating_mul(20) < info.limit {
        let share = Duration::from_secs_f64(left / (info.remaining + 1) as f64);
        return Some(share.min(MAX_PACING));
    }
    None
}

/// How long to wait after a 429: `Retry-After` seconds if given, else until
/// `X-Rate-Limit-Reset`, else an exponential fallback; plus a little jitter
/// so that waiting calls do not all fire in the same millisecond.
pub fn rate_limit_wait(headers: &HeaderMap, now: f64, retry: u32) -> Duration {
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let base = retry_after
        .or_else(|| {
            RateInfo::from_headers(headers).map(|i| Duration::from_secs_f64(i.time_left(now)))
        })
        .unwrap_or_else(|| Duration::from_secs(1u64 << retry.saturating_sub(1).min(5)));
    base + jitter(Duration::from_millis(250))
}

/// The wait before replaying after a transient failure: 200 ms, 400 ms,
/// 800 ms, ... at most 3.2 s, plus jitter.
pub fn backoff(retry: u32) -> Duration {
    Duration::from_millis(200u64 << retry.saturating_sub(1).min(4))
        + jitter(Duration::from_millis(50))
}

/// Whether the method may be sent twice without a different outcome.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Statuses from a gateway or an overloaded Okta, worth a retry.
pub fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

/// Epoch seconds now, with fractions.
pub fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A random duration below `max`.
fn jitter(max: Duration) -> Duration {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let max_ms = max.as_millis().max(1) as u64;
    Duration::from_millis(h.finish() % max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_rate_headers() {
        let h = headers(&[
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "12"),
            ("x-rate-limit-reset", "1700000060"),
        ]);
        assert_eq!(
            RateInfo::from_headers(&h),
            Some(RateInfo {
                limit: 600,
                remaining: 12,
                reset_epoch: 1_700_000_060
            })
        );
        assert_eq!(RateInfo::from_headers(&headers(&[])), None);
    }

    #[test]
    fn waits_until_reset_after_429() {
        let now = 1_700_000_000.0;
        let h = headers(&[
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1700000007"),
        ]);
        let w = rate_limit_wait(&h, now, 1);
        assert!(
            w >= Duration::from_secs(7) && w < Duration::from_millis(7250),
            "{w:?}"
        );
        let h = headers(&[("retry-after", "2")]);
        assert!(rate_limit_wait(&h, now, 1) < Duration::from_millis(2250));
        // A reset in the past (clock skew): only the jitter.
        let h = headers(&[
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1699999990"),
        ]);
        assert!(rate_limit_wait(&h, now, 1) < Duration::from_millis(250));
    }

    #[test]
    fn slows_down_when_budget_is_low() {
        let now = 1_700_000_000.0;
        let info = |remaining| RateInfo {
            limit: 600,
            remaining,
            reset_epoch: 1_700_000_010,
        };
        assert_eq!(pacing_delay(&info(100), now), None);
        let d = pacing_delay(&info(19), now).unwrap();
        assert_eq!(d, Duration::from_millis(500));
        assert_eq!(pacing_delay(&info(0), now), Some(Duration::from_secs(10)));
        assert_eq!(pacing_delay(&info(0), now + 11.0), None);
    }

    #[test]
    fn only_idempotent_methods_are_replayed() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::PUT));
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
        assert!(is_transient(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_transient(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(backoff(1) < backoff(3));
    }
}
