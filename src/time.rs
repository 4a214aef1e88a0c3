//! Time stamps, in the one form every output uses: RFC 3339 in UTC to the second
//! (`2024-01-31T12:00:00Z`), plus AWS's compact `x-amz-date` form and HTTP's date form (Azure
//! Storage's `x-ms-date`). Calendar arithmetic is [`jiff`]'s.

use std::time::SystemTime;

use jiff::Timestamp;

/// `secs` since the Unix epoch as RFC 3339 UTC. A time outside the years -9999 to 9999 (a
/// forged git date, say) is written as git's raw form, `@SECONDS`, rather than a false date.
pub fn rfc3339_secs(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => format!("@{secs}"),
    }
}

/// `t` as RFC 3339 UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    rfc3339_secs(unix_secs(t))
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    rfc3339(SystemTime::now())
}

/// AWS's `x-amz-date` form of `t`: `YYYYMMDDTHHMMSSZ`.
pub fn amz_date(t: SystemTime) -> String {
    match Timestamp::from_second(unix_secs(t)) {
        Ok(t) => t.strftime("%Y%m%dT%H%M%SZ").to_string(),
        Err(_) => String::new(),
    }
}

/// HTTP's date form of `t` (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), as Azure
/// Storage's `x-ms-date` header takes it.
pub fn http_date(t: SystemTime) -> String {
    match Timestamp::from_second(unix_secs(t)) {
        Ok(t) => t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        Err(_) => String::new(),
    }
}

/// Whole seconds since the Unix epoch (negative before it).
fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_secs(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_secs(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_secs(1_672_531_199), "2022-12-31T23:59:59Z");
        assert_eq!(rfc3339_secs(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(rfc3339_secs(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_secs(i64::MAX), format!("@{}", i64::MAX));
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_700_000_000_900)),
            "2023-11-14T22:13:20Z"
        );
    }

    #[test]
    fn amz_dates() {
        assert_eq!(
            amz_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160)),
            "20150830T123600Z"
        );
    }

    #[test]
    fn http_dates() {
        // RFC 9110's own example of the preferred format.
        assert_eq!(
            http_date(UNIX_EPOCH + Duration::from_secs(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            http_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160)),
            "Sun, 30 Aug 2015 12:36:00 GMT"
        );
    }
}
