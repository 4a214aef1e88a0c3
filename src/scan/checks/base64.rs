//! Base64, in one place: a strict decoder (standard and URL-safe alphabets) for the offline
//! checks (a body that is not well-formed base64 is not key material), a lenient one for
//! decoding runs found in content ([`crate::scan::encoded`]), and the encoder the providers
//! use for `Basic` authorization.

/// Which alphabet to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// RFC 4648 section 4 (`+`, `/`), `=` padding required to a multiple of 4.
    Standard,
    /// RFC 4648 section 5 (`-`, `_`), unpadded, as in JWS compact serialization.
    UrlNoPad,
}

/// The 6-bit value of `b` in `alphabet`, if it is one of its characters.
pub fn value(b: u8, alphabet: Alphabet) -> Option<u8> {
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
            if !input.len().is_multiple_of(4) {
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
    if !data.iter().all(|&b| value(b, alphabet).is_some()) {
        return None;
    }
    let (out, rest, bits) = pack(data.iter().map(|&b| value(b, alphabet).unwrap_or(0)));
    // Leftover bits must be zero in canonical encodings.
    (rest & ((1 << bits) - 1) == 0).then_some(out)
}

/// Decodes characters already known to be standard-alphabet base64 (others count as `/`),
/// without checks; a trailing partial byte is dropped.
pub fn decode_lenient(text: &[u8]) -> Vec<u8> {
    pack(
        text.iter()
            .map(|&b| value(b, Alphabet::Standard).unwrap_or(63)),
    )
    .0
}

/// Packs 6-bit values into bytes; also returns the leftover bits and how many there are.
fn pack(sextets: impl ExactSizeIterator<Item = u8>) -> (Vec<u8>, u32, u32) {
    let mut out = Vec::with_capacity(sextets.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for v in sextets {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    (out, acc, bits)
}

/// Standard base64 with padding.
pub fn encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
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
    fn encodes_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(i.as_bytes()), o);
            assert_eq!(
                decode_lenient(o.trim_end_matches('=').as_bytes()),
                i.as_bytes()
            );
        }
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
