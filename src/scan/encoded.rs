//! Base64 runs inside a blob: found cheaply, decoded within bounds, and handed back to the
//! scanner, which runs the same keyword prefilter and rules over the decoded text.
//!
//! Finding the runs must not cost much on the bytes that hold none (most of a source tree).
//! A run of at least [`MIN_RUN`] (32) characters contains a whole 16-byte block aligned to
//! the blob's start, so the search classifies every aligned block without branching (an `&` of
//! per-byte range tests the compiler vectorises) and extends only blocks that are all base64 to
//! their run's ends. In source code such blocks are rare, so the loop rarely branches.

use super::checks::base64::{decode_lenient, value, Alphabet};

/// Shortest run worth decoding: 24 bytes of content, less than most credentials plus a name.
pub const MIN_RUN: usize = 32;
/// At most this many encoded bytes of one run are decoded.
pub const MAX_RUN: usize = 1 << 20;
/// At most this many decoded bytes per blob (and per nesting level).
pub const MAX_DECODED: usize = 4 << 20;
/// Decoded content that is itself base64 is decoded again, down to this depth.
pub const MAX_DEPTH: u8 = 2;

fn is_b64(b: u8) -> bool {
    let lower = b | 0x20;
    lower.wrapping_sub(b'a') < 26 || b.wrapping_sub(b'0') < 10 || b == b'+' || b == b'/'
}

/// Whether all 16 bytes are base64, without early exit (so that it vectorises).
fn block_is_b64(block: &[u8]) -> bool {
    let mut all = true;
    for &b in block {
        let lower = b | 0x20;
        all &= (lower.wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b == b'+')
            | (b == b'/');
    }
    all
}

/// One base64 run: its span in the blob (lines of a wrapped block included) and its decoded
/// content.
#[derive(Debug)]
pub struct Decoded {
    /// Start of the encoded text in the blob.
    pub start: usize,
    /// End of the encoded text (exclusive), padding included.
    pub end: usize,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// The base64 runs of `bytes` that decode to text, in order, within the size bounds.
pub fn runs(bytes: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut budget = MAX_DECODED;
    let len = bytes.len();
    let mut next = 0; // blocks before this offset were covered by an earlier run
    for (k, chunk) in bytes.chunks_exact(16).enumerate() {
        let at = k * 16;
        if at < next || !block_is_b64(chunk) {
            continue;
        }
        if budget == 0 {
            break;
        }
        let mut s = at;
        while s > next && is_b64(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at + 16;
        while e < len && is_b64(bytes[e]) {
            e += 1;
        }
        next = e;
        if e - s < MIN_RUN {
            continue;
        }
        // Cheap rejections first: hex and single-case runs, then runs whose first 36 decoded
        // bytes are not text (DER keys, images, compressed data), before joining and decoding.
        if !looks_encoded(&bytes[s..e]) || !prefix_is_text(&bytes[s..e]) {
            continue;
        }
        let (end, text) = block(bytes, s, e);
        next = end;
        let decoded = decode_lenient(&text[..text.len().min(MAX_RUN)]);
        if decoded.len() < 16 || !is_text(&decoded) {
            continue;
        }
        budget = budget.saturating_sub(decoded.len());
        out.push(Decoded {
            start: s,
            end,
            bytes: decoded,
        });
    }
    out
}

/// Extends the run `bytes[s..e]` over the following lines of a wrapped block (lines of the
/// first line's length, then one shorter last line, each optionally indented, as `base64`,
/// PEM and YAML block scalars write them) and over `=` padding. Returns the block's end and its
/// base64 characters without line breaks.
fn block(bytes: &[u8], s: usize, e: usize) -> (usize, Vec<u8>) {
    let width = e - s;
    let mut text = bytes[s..e].to_vec();
    let mut end = e;
    let mut last = width;
    loop {
        let pad = bytes[end..]
            .iter()
            .take(2)
            .take_while(|&&b| b == b'=')
            .count();
        if pad > 0 {
            end += pad;
            break;
        }
        if last != width || !width.is_multiple_of(4) {
            break;
        }
        let mut q = end;
        if bytes.get(q) == Some(&b'\r') {
            q += 1;
        }
        if bytes.get(q) != Some(&b'\n') {
            break;
        }
        q += 1;
        while q < bytes.len() && (bytes[q] == b' ' || bytes[q] == b'\t') {
            q += 1;
        }
        let mut r = q;
        while r < bytes.len() && r - q <= width && is_b64(bytes[r]) {
            r += 1;
        }
        let n = r - q;
        if n < 4 || n > width || text.len() + n > MAX_RUN {
            break;
        }
        text.extend_from_slice(&bytes[q..r]);
        end = r;
        last = n;
    }
    (end, text)
}

/// Base64 of 24 bytes or more almost always mixes upper and lower case; hex digests, words
/// and constants do not.
fn looks_encoded(run: &[u8]) -> bool {
    run.iter().any(u8::is_ascii_uppercase) && run.iter().any(u8::is_ascii_lowercase)
}

/// Whether the first 48 characters of a run (36 bytes) decode to text; no allocation, since
/// most runs in source code (identifiers, test vectors, DER) fail here.
fn prefix_is_text(run: &[u8]) -> bool {
    let mut buf = [0u8; 36];
    let mut n = 0;
    for quad in run[..run.len().min(48)].chunks_exact(4) {
        let v = quad.iter().fold(0u32, |acc, &b| {
            (acc << 6) | u32::from(value(b, Alphabet::Standard).unwrap_or(63))
        });
        buf[n..n + 3].copy_from_slice(&v.to_be_bytes()[1..]);
        n += 3;
    }
    is_text(&buf[..n])
}

/// Whether decoded bytes read as text (configuration, source, a PEM file): at least 95% of
/// them printable ASCII, whitespace or UTF-8. Images, DER keys, compressed and random data
/// are not.
fn is_text(bytes: &[u8]) -> bool {
    let texty = bytes
        .utf8_chunks()
        .map(|c| {
            c.valid()
                .bytes()
                .filter(|&b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7E | 0x80..=0xFF))
                .count()
        })
        .sum::<usize>();
    texty * 100 >= bytes.len() * 95
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Standard base64 with padding (tests only: the scanner decodes, never encodes).
    pub(crate) fn b64(s: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in s.chunks(3) {
            let n = c.len();
            let v = u32::from(c[0]) << 16
                | u32::from(*c.get(1).unwrap_or(&0)) << 8
                | u32::from(*c.get(2).unwrap_or(&0));
            for k in 0..4 {
                if k <= n {
                    out.push(A[(v >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn finds_and_decodes_a_run_in_text() {
        let env = b"DATABASE_URL=postgres://app@db/app\nAPI_MODE=live\n";
        let enc = b64(env);
        let text = format!("data:\n  config.env: \"{enc}\"\n");
        let r = runs(text.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!(&text[r[0].start..r[0].end], enc);
        assert_eq!(r[0].bytes, env);
    }

    #[test]
    fn joins_a_wrapped_block() {
        let body: Vec<u8> = (0..200).map(|i| b"abcdefghij KLMNOP=\n"[i % 19]).collect();
        let enc = b64(&body);
        let wrapped: Vec<&str> = enc
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let text = format!("x: |\n    {}\ny: 1\n", wrapped.join("\n    "));
        let r = runs(text.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].bytes, body);
        assert!(text[r[0].end..].starts_with("\ny: 1"));
    }

    #[test]
    fn skips_hex_words_and_binary() {
        let hex = "k = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"";
        assert!(runs(hex.as_bytes()).is_empty());
        let words = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        assert!(runs(words.as_bytes()).is_empty());
        let binary: Vec<u8> = (0u32..300).map(|i| (i * 97 % 251) as u8).collect();
        let text = format!("img = \"{}\"", b64(&binary));
        assert!(runs(text.as_bytes()).is_empty());
    }

    #[test]
    fn short_runs_are_ignored() {
        let text = format!("a {} b", b64(b"short text!"));
        assert!(runs(text.as_bytes()).is_empty());
    }
}
