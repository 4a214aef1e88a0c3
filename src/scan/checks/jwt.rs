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
use crate::secret::{Annotation, Annotations};

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
            notes.insert(
                "expired".to_string(),
                Annotation::Text(crate::time::rfc3339_secs(
                    i64::try_from(exp).unwrap_or(i64::MAX),
                )),
            );
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

fn json_object(segment: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = decode(segment, Alphabet::UrlNoPad)?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{judge, valid};
    use crate::secret::{Annotation, Annotations};

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
