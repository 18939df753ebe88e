//! Timestamps in Okta's format (`2024-01-01T00:00:00.000Z`).
//!
//! Seeded objects get times counted from a fixed anchor so the data is the same on every
//! run; objects changed at run time get the current time.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// 2024-01-01T00:00:00Z, the anchor of all seeded timestamps.
pub const ANCHOR_EPOCH: i64 = 1_704_067_200;

/// The anchor plus `minutes`, formatted.
pub fn seeded(minutes: i64) -> String {
    format(ANCHOR_EPOCH + minutes * 60)
}

/// The current time, formatted.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time as UTC epoch seconds.
pub fn now_epoch() -> i64 {
    Utc::now().timestamp()
}

/// Epoch seconds, formatted.
pub fn format(epoch: i64) -> String {
    match Utc.timestamp_opt(epoch, 0).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// Parses an RFC 3339 time (as `since`/`until` carry) into epoch milliseconds.
pub fn parse_millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_okta() {
        assert_eq!(seeded(0), "2024-01-01T00:00:00.000Z");
        assert_eq!(seeded(61), "2024-01-01T01:01:00.000Z");
        assert_eq!(
            parse_millis("2024-01-01T00:00:01.000Z"),
            Some(ANCHOR_EPOCH * 1000 + 1000)
        );
        assert_eq!(parse_millis("yesterday"), None);
    }
}
