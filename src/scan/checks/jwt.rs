//! JSON Web Token structure (RFC 7519, JWS compact serialization RFC 7515 §7.1): three
//! base64url segments; the first two decode to JSON objects, and the header (JOSE header) names a
//! signing algorithm in `alg`. A string that merely starts with `eyJ` (base64 of `{"`) but does
//! not decode, or an unsigned `alg: none` token, is not a credential.
//!
//! Expiry (`exp`, RFC 7519 §4.1.4) does not decide: an expired token is still reported (it may
//! still work where the verifier ignores `exp`, and it shows where tokens leak), annotated
//! `expired` with the time it expired.

use std::time::{SystemTime, UNIX_EPOCH};

use super::base64::{decode, Alphabet};
use crate::finding::{Annotation, Annotations};

/// Whether `token` is a structurally valid, signed JWS; if its `exp` is in the past, records
/// `expired` (RFC 3339, UTC) in `notes`.
pub fn judge(token: &[u8], notes: &mut Annotations) -> bool {
    let Some(payload) = valid_payload(token) else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if let Some(exp) = payload.get("exp").and_then(numeric_date) {
        if exp < now {
            notes.insert("expired".to_string(), Annotation::Text(rfc3339(exp)));
        }
    }
    true
}

/// Whether `token` is a structurally valid, signed JWS.
#[cfg(test)]
fn valid(token: &[u8]) -> bool {
    valid_payload(token).is_some()
}

/// The decoded payload of a structurally valid, signed JWS.
fn valid_payload(token: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if signature.is_empty() || decode(signature, Alphabet::UrlNoPad).is_none() {
        return None;
    }
    let header = json_object(header)?;
    match header.get("alg").and_then(serde_json::Value::as_str) {
        Some(alg) if !alg.is_empty() && !alg.eq_ignore_ascii_case("none") => {}
        _ => return None,
    }
    json_object(payload)
}

/// A NumericDate (seconds since the epoch, possibly fractional) as whole seconds, if it is a
/// non-negative number before year 10000.
fn numeric_date(v: &serde_json::Value) -> Option<u64> {
    let n = v.as_number()?.to_string();
    let whole = n.split(['.', 'e', 'E']).next()?;
    if n.contains(['e', 'E']) {
        return None;
    }
    whole.parse::<u64>().ok().filter(|&s| s < 253_402_300_800)
}

/// `secs` since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), in unsigned arithmetic:
    // shift the epoch to 0000-03-01 so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn json_object(segment: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = decode(segment, Alphabet::UrlNoPad)?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{judge, rfc3339, valid};
    use crate::finding::{Annotation, Annotations};

    // {"alg":"HS256","typ":"JWT"} . {"sub":"42"} . 32 bytes
    const GOOD: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.\
                        q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb7RtY3sI";

    #[test]
    fn accepts_signed_token() {
        assert!(valid(GOOD.as_bytes()));
    }

    #[test]
    fn rejects_garbage_and_unsigned() {
        // header decodes but is not JSON
        assert!(!valid(
            b"eyJc1paVnDwgGFg1FUXAMExXdmdn6958.eyJzdWIiOiI0MiJ9.q8Fz1LmP0xVb7RtY3sKe9WnA"
        ));
        // {"typ":"JWT"}: no alg
        assert!(!valid(
            b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI0MiJ9.q8Fz1LmP0xVb7RtY3sKe9WnA"
        ));
        // {"alg":"none"}
        assert!(!valid(
            b"eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.q8Fz1LmP0xVb7RtY3sKe9WnA"
        ));
        // payload is a JSON string, not an object: "abc"
        assert!(!valid(
            b"eyJhbGciOiJIUzI1NiJ9.ImFiYyI.q8Fz1LmP0xVb7RtY3sKe9WnA"
        ));
        // missing signature, too many segments
        assert!(!valid(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9."));
        assert!(!valid(
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.q8Fz1LmP.q8Fz1LmP"
        ));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_672_531_199), "2022-12-31T23:59:59Z");
        assert_eq!(rfc3339(4_102_444_800), "2100-01-01T00:00:00Z");
    }

    #[test]
    fn expired_token_passes_and_is_annotated() {
        // {"alg":"HS256"} . {"sub":"42","exp":1672531200} (2023-01-01) . signature
        // Split so that the self-scan does not report the test token.
        let old = concat!(
            "eyJhbGciOiJIUzI1NiJ9.",
            "eyJzdWIiOiI0MiIsImV4cCI6MTY3MjUzMTIwMH0.q8Fz1LmP0xVb7RtY3sKe9WnA"
        )
        .as_bytes();
        let mut notes = Annotations::new();
        assert!(judge(old, &mut notes));
        assert_eq!(
            notes.get("expired"),
            Some(&Annotation::Text("2023-01-01T00:00:00Z".into()))
        );
        // {"sub":"42","exp":4102444800} (2100-01-01): not expired, no note
        let live = concat!(
            "eyJhbGciOiJIUzI1NiJ9.",
            "eyJzdWIiOiI0MiIsImV4cCI6NDEwMjQ0NDgwMH0.q8Fz1LmP0xVb7RtY3sKe9WnA"
        )
        .as_bytes();
        let mut notes = Annotations::new();
        assert!(judge(live, &mut notes));
        assert!(notes.is_empty());
        // no exp at all
        assert!(judge(GOOD.as_bytes(), &mut notes));
        assert!(notes.is_empty());
    }
}
