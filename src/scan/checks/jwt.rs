//! JSON Web Token structure (RFC 7519, JWS compact serialization RFC 7515 §7.1): three
//! base64url segments; the first two decode to JSON objects, and the header (JOSE header) names a
//! signing algorithm in `alg`. A string that merely starts with `eyJ` (base64 of `{"`) but does
//! not decode, or an unsigned `alg: none` token, is not a credential.
//!
//! Expiry (`exp`) is not judged here: an expired token is still reported (marking it needs the
//! report to carry it).

use super::base64::{decode, Alphabet};

/// Whether `token` is a structurally valid, signed JWS.
pub fn valid(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if signature.is_empty() || decode(signature, Alphabet::UrlNoPad).is_none() {
        return false;
    }
    let Some(header) = json_object(header) else {
        return false;
    };
    match header.get("alg").and_then(serde_json::Value::as_str) {
        Some(alg) if !alg.is_empty() && !alg.eq_ignore_ascii_case("none") => {}
        _ => return false,
    }
    json_object(payload).is_some()
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
    use super::valid;

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
}
