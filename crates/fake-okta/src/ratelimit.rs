//! Okta's rate-limit headers, and a 429 when the current minute's budget is spent.
//!
//! One budget for the whole server, refilled at the start of each UTC minute, as
//! `X-Rate-Limit-Reset` announces.

use std::sync::Mutex;

use crate::time::now_epoch;

/// The rate-limit state one request saw.
#[derive(Debug, Clone, Copy)]
pub struct RateStatus {
    pub limit: u32,
    pub remaining: u32,
    /// UTC epoch seconds when the budget refills.
    pub reset: i64,
    /// Whether this request was over the limit.
    pub exceeded: bool,
}

impl RateStatus {
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("x-rate-limit-limit", self.limit.to_string()),
            ("x-rate-limit-remaining", self.remaining.to_string()),
            ("x-rate-limit-reset", self.reset.to_string()),
        ]
    }
}

/// A per-minute request budget.
pub struct RateLimiter {
    limit: u32,
    /// (minute the window started, requests counted in it)
    window: Mutex<(i64, u32)>,
}

impl RateLimiter {
    pub fn new(limit_per_minute: u32) -> Self {
        Self {
            limit: limit_per_minute,
            window: Mutex::new((0, 0)),
        }
    }

    /// Counts one request and says what budget is left.
    pub fn take(&self) -> RateStatus {
        let now = now_epoch();
        let minute = now.div_euclid(60);
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if window.0 != minute {
            *window = (minute, 0);
        }
        window.1 = window.1.saturating_add(1);
        RateStatus {
            limit: self.limit,
            remaining: self.limit.saturating_sub(window.1),
            reset: (minute + 1) * 60,
            exceeded: window.1 > self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_exceeds() {
        let limiter = RateLimiter::new(2);
        let first = limiter.take();
        assert_eq!((first.remaining, first.exceeded), (1, false));
        assert!(first.reset > now_epoch() && first.reset <= now_epoch() + 60);
        let second = limiter.take();
        let third = limiter.take();
        // A minute boundary between the calls would refill the budget; tolerate that.
        if second.reset == third.reset {
            assert_eq!((third.remaining, third.exceeded), (0, true));
        }
    }
}
