//! The checksum GitHub (2021) and npm (2021) tokens carry: `<prefix>_`, then 30 base62
//! characters, then 6 base62 characters encoding the CRC-32 (IEEE, as zlib's `crc32`) of those
//! 30 characters.
//!
//! Sources: github.blog "Behind GitHub's new authentication token formats" (2021-04-05) and
//! "Announcing npm's new access token format" (2021-09-23). Random 36-character strings pass by
//! chance with probability 62^-6 ≈ 1.8e-11.
//!
//! Also the checksum of Confluent Cloud API secrets made since 2025-07-30: `cflt`, then 54
//! characters of standard base64's alphabet, then 6 more that are "a Base64-encoded CRC32
//! checksum of the prior 54 characters" (docs.confluent.io, "Use API Keys to Authenticate to
//! Confluent Cloud", section "API secret format"). The page does not say the byte order: the
//! page's own example secret carries the CRC-32 (IEEE, as zlib's) with its four bytes
//! little-endian, base64 without padding (six characters for 32 bits, the last holding two
//! bits of zeros); `confluent_matches_the_documented_example` pins that.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY: usize = 30;
const SUM: usize = 6;

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`).
pub use crc32fast::hash as crc32;

/// `n` in base62, left-padded with `0` to 6 characters (CRC-32 values need at most 6).
pub fn base62_6(mut n: u32) -> [u8; SUM] {
    let mut out = [b'0'; SUM];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Whether the token (`<prefix>_<30 chars><6 chars>`) carries a correct checksum.
pub fn base62_checksum_ok(token: &[u8]) -> bool {
    let Some(us) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    let rest = &token[us + 1..];
    if rest.len() != BODY + SUM {
        return false;
    }
    let (body, sum) = rest.split_at(BODY);
    base62_6(crc32(body)) == sum
}

/// The Confluent secret prefix.
const CONFLUENT_PREFIX: &[u8] = b"cflt";
/// Characters a Confluent checksum covers.
const CONFLUENT_BODY: usize = 54;

/// Whether a Confluent Cloud API secret (`cflt` + 54 + 6 characters) carries a correct
/// checksum.
pub fn confluent_checksum_ok(secret: &[u8]) -> bool {
    let Some(rest) = secret.strip_prefix(CONFLUENT_PREFIX) else {
        return false;
    };
    if rest.len() != CONFLUENT_BODY + SUM {
        return false;
    }
    let (body, sum) = rest.split_at(CONFLUENT_BODY);
    confluent_sum(body).as_bytes() == sum
}

/// The six checksum characters of a Confluent secret body: its CRC-32, little-endian, in
/// base64 with the padding dropped.
pub fn confluent_sum(body: &[u8]) -> String {
    let mut text = super::base64::encode(&crc32(body).to_le_bytes());
    text.truncate(SUM);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confluent_matches_the_documented_example() {
        // The example secret on Confluent's "API key format" page, built from two pieces so
        // the self-scan does not report it.
        let doc = [
            "cfltT8d8RzkNseTMEDKcjNM1BZTFPHqRn/",
            "dQm9q7w6SjzZ12wZfwjaJdipHZtDjw",
        ]
        .concat();
        assert!(confluent_checksum_ok(doc.as_bytes()));
        // One character changed anywhere fails.
        for at in [4, 30, 57, 63] {
            let mut bad = doc.clone().into_bytes();
            bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
            assert!(!confluent_checksum_ok(&bad), "changed at {at}");
        }
        assert!(!confluent_checksum_ok(&doc.as_bytes()[..63]));
        assert!(!confluent_checksum_ok(&doc.as_bytes()[4..]));
        let mut longer = doc.into_bytes();
        longer.push(b'A');
        assert!(!confluent_checksum_ok(&longer));
    }

    #[test]
    fn crc32_matches_zlib() {
        // zlib.crc32(b"123456789") == 0xCBF43926, the standard check value.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_padding() {
        assert_eq!(&base62_6(0), b"000000");
        assert_eq!(&base62_6(61), b"00000z");
        assert_eq!(&base62_6(62), b"000010");
    }

    #[test]
    fn valid_and_invalid_tokens() {
        let body = b"q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1L";
        let mut token = b"ghp_".to_vec();
        token.extend_from_slice(body);
        token.extend_from_slice(&base62_6(crc32(body)));
        assert!(base62_checksum_ok(&token));
        let last = token.len() - 1;
        token[last] = if token[last] == b'a' { b'b' } else { b'a' };
        assert!(!base62_checksum_ok(&token));
        assert!(!base62_checksum_ok(b"ghp_short"));
        assert!(!base62_checksum_ok(b"noprefix"));
    }
}
