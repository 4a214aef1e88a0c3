//! A small, strict base64 decoder (standard and URL-safe alphabets) for the offline checks.
//! Strict on purpose: a body that is not well-formed base64 is not key material.

/// Which alphabet to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// RFC 4648 section 4 (`+`, `/`), `=` padding required to a multiple of 4.
    Standard,
    /// RFC 4648 section 5 (`-`, `_`), unpadded, as in JWS compact serialization.
    UrlNoPad,
}

fn value(b: u8, alphabet: Alphabet) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' if alphabet == Alphabet::Standard => Some(62),
        b'/' if alphabet == Alphabet::Standard => Some(63),
        b'-' if alphabet == Alphabet::UrlNoPad => Some(62),
        b'_' if alphabet == Alphabet::UrlNoPad => Some(63),
        _ => None,
    }
}

/// Decodes `input`, or `None` if it is not well-formed in `alphabet` (bad character, padding in
/// the middle, wrong padded length, a length of 1 mod 4, or non-zero trailing bits).
pub fn decode(input: &[u8], alphabet: Alphabet) -> Option<Vec<u8>> {
    let data = match alphabet {
        Alphabet::Standard => {
            if input.len() % 4 != 0 {
                return None;
            }
            let pad = input.iter().rev().take_while(|&&b| b == b'=').count();
            if pad > 2 {
                return None;
            }
            &input[..input.len() - pad]
        }
        Alphabet::UrlNoPad => input,
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in data {
        acc = (acc << 6) | u32::from(value(b, alphabet)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    // Leftover bits must be zero in canonical encodings.
    if bits > 0 && acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(decode(b"aGVsbG8=", Alphabet::Standard).unwrap(), b"hello");
        assert_eq!(decode(b"aGVsbG8", Alphabet::UrlNoPad).unwrap(), b"hello");
        assert_eq!(decode(b"", Alphabet::Standard).unwrap(), b"");
        assert_eq!(decode(b"-_8", Alphabet::UrlNoPad).unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn rejects_malformed() {
        assert!(decode(b"aGVsbG8", Alphabet::Standard).is_none()); // unpadded
        assert!(decode(b"aG=sbG8=", Alphabet::Standard).is_none()); // padding inside
        assert!(decode(b"a===", Alphabet::Standard).is_none());
        assert!(decode(b"aGVsb", Alphabet::UrlNoPad).is_none()); // 1 mod 4
        assert!(decode(b"aGV+", Alphabet::UrlNoPad).is_none()); // wrong alphabet
        assert!(decode(b"aGVsbG9=", Alphabet::Standard).is_none()); // trailing bits
    }
}
