//! Base64 runs inside a blob: found cheaply, decoded within bounds, and handed back to the
//! scanner, which runs the same keyword prefilter and rules over the decoded text.
//!
//! Finding the runs must not cost much on the bytes that hold none (most of a source tree).
//! A run of at least [`MIN_RUN`] (32) characters contains a whole 16-byte block aligned to
//! the blob's start, so the search classifies every aligned block without branching (an `&` of
//! per-byte range tests the compiler vectorises) and extends only blocks that are all base64 to
//! their run's ends. In source code such blocks are rare, so the loop rarely branches.

use super::checks::base64::{decode_lenient, value, Alphabet};
use crate::blob::DeltaCopy;

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

/// A maximal run of base64 characters (no base64 character just before or after it), at
/// least [`MIN_RUN`] long, and whether it passes the cheap tests that pick runs worth
/// decoding (mixed case, a prefix that decodes to text). Which runs a blob has, and their
/// verdicts, depend only on each run's bytes and the one byte either side, so a delta
/// version's runs can be derived from its base's ([`derive_raw_runs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRun {
    /// Offset of the run's first character.
    pub start: usize,
    /// Offset just past its last character.
    pub end: usize,
    /// Whether it is mixed case and its first 36 decoded bytes are text.
    pub candidate: bool,
}

impl RawRun {
    fn new(bytes: &[u8], start: usize, end: usize) -> Self {
        let run = &bytes[start..end];
        RawRun {
            start,
            end,
            // Cheap rejections first: hex and single-case runs, then runs whose first 36
            // decoded bytes are not text (DER keys, images, compressed data).
            candidate: looks_encoded(run) && prefix_is_text(run),
        }
    }
}

/// Every maximal base64 run of `bytes` at least [`MIN_RUN`] long, in order.
pub fn raw_runs(bytes: &[u8]) -> Vec<RawRun> {
    let mut out = Vec::new();
    runs_touching(bytes, 0, bytes.len(), &mut 0, &mut out);
    out
}

/// The raw runs of `child`, made by `copies` (sorted by `dst`, not overlapping; every byte not
/// copied was inserted) from a base whose raw runs are `base`.
///
/// Why this is exact: a run is maximal, at least [`MIN_RUN`] long, and a candidate or not by
/// its own bytes and the byte either side. Call a copy's *interior* its span without its first
/// and last byte. A child run lying inside one interior has itself and both neighbouring bytes
/// inside that copy, so it is the base's run at the copy's source moved (and every base run
/// with its neighbours inside a copy's source is one in the child); any other child run has a
/// byte outside every interior, and searching those bytes (what was inserted, the copies'
/// first and last bytes, copies too short to have an interior) and extending each base64 byte
/// found to its run's ends finds it.
pub fn derive_raw_runs(base: &[RawRun], copies: &[DeltaCopy], child: &[u8]) -> Vec<RawRun> {
    let mut out = Vec::new();
    let mut gap_from = 0;
    let mut covered = 0;
    for c in copies {
        let (src_end, end) = (c.src + c.len, c.dst + c.len);
        let first = base.partition_point(|r| r.start <= c.src);
        for r in &base[first..] {
            if r.end >= src_end {
                break;
            }
            out.push(RawRun {
                start: r.start - c.src + c.dst,
                end: r.end - c.src + c.dst,
                candidate: r.candidate,
            });
        }
        let (inner_from, inner_to) = (c.dst + 1, end.saturating_sub(1));
        if inner_from < inner_to {
            if gap_from < inner_from {
                runs_touching(child, gap_from, inner_from, &mut covered, &mut out);
            }
            gap_from = inner_to;
        }
    }
    if gap_from < child.len() {
        runs_touching(child, gap_from, child.len(), &mut covered, &mut out);
    }
    out.sort_unstable_by_key(|r| r.start);
    out.dedup_by_key(|r| r.start);
    out
}

/// Pushes every raw run of `bytes` that holds a byte of `bytes[from..to]` (the whole blob for
/// [`raw_runs`], a gap for [`derive_raw_runs`]), except those ending at or before `*covered`
/// (found from an earlier gap); raises `*covered` to the end of each run found.
///
/// Such a run holds 32 bytes or more within 31 bytes of the range, so a whole 16-byte block
/// aligned to the blob's start: the search classifies those blocks without branching (an `&`
/// of per-byte range tests the compiler vectorises) and extends only blocks that are all
/// base64. A run found from one gap and reaching over later ones is extended once.
fn runs_touching(bytes: &[u8], from: usize, to: usize, covered: &mut usize, out: &mut Vec<RawRun>) {
    let len = bytes.len();
    let hi = len.min(to.saturating_add(MIN_RUN));
    let mut at = from.saturating_sub(MIN_RUN - 1) / 16 * 16;
    while at + 16 <= hi {
        if at < *covered || !block_is_b64(&bytes[at..at + 16]) {
            at += 16;
            continue;
        }
        let mut s = at;
        while s > 0 && is_b64(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at + 16;
        while e < len && is_b64(bytes[e]) {
            e += 1;
        }
        *covered = e;
        if e - s >= MIN_RUN {
            out.push(RawRun::new(bytes, s, e));
        }
        // The block holding `e` (not base64) holds no run.
        at = (e / 16 + 1) * 16;
    }
}

/// The base64 runs of `bytes` that decode to text, in order, within the size bounds.
pub fn runs(bytes: &[u8]) -> Vec<Decoded> {
    runs_from(bytes, &raw_runs(bytes))
}

/// [`runs`] given the raw runs of `bytes` ([`raw_runs`], or derived from a delta base's).
pub fn runs_from(bytes: &[u8], raw: &[RawRun]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut budget = MAX_DECODED;
    // Runs before this offset were joined into an earlier run's wrapped block. A block ends
    // at a run's end or just after `=` padding, so no run straddles it.
    let mut next = 0;
    for r in raw {
        if r.start < next {
            continue;
        }
        if budget == 0 {
            break;
        }
        next = r.end;
        if !r.candidate {
            continue;
        }
        let (end, text) = block(bytes, r.start, r.end);
        next = end;
        let decoded = decode_lenient(&text[..text.len().min(MAX_RUN)]);
        if decoded.len() < 16 || !is_text(&decoded) {
            continue;
        }
        budget = budget.saturating_sub(decoded.len());
        out.push(Decoded {
            start: r.start,
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

    /// The search as it was before runs were split into raw runs and their processing
    /// (kept verbatim): [`runs`] must give the same on any text.
    fn reference_runs(bytes: &[u8]) -> Vec<Decoded> {
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

    use crate::scan::delta::tests::Rng;

    /// Source-like text with base64 in it: encoded text (single lines, wrapped and indented
    /// blocks, padding), long identifiers, hex, and punctuation.
    fn text(rng: &mut Rng, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 600);
        while out.len() < len {
            match rng.below(8) {
                0 => {
                    let n = rng.below(120) + 10;
                    let plain: Vec<u8> = (0..n).map(|i| b"key = Secret_42;\n"[i % 17]).collect();
                    out.extend_from_slice(b64(&plain).as_bytes());
                }
                1 => {
                    let plain: Vec<u8> = (0..rng.below(300) + 60)
                        .map(|i| b"token: abcDEF123 =\n"[(i * 7) % 19])
                        .collect();
                    let enc = b64(&plain);
                    let width = [16, 44, 64, 76][rng.below(4)];
                    let indent = ["", "  ", "\t"][rng.below(3)];
                    for (i, line) in enc.as_bytes().chunks(width).enumerate() {
                        if i > 0 {
                            out.extend_from_slice(b"\n");
                            out.extend_from_slice(indent.as_bytes());
                        }
                        out.extend_from_slice(line);
                    }
                }
                2 => out.extend_from_slice(b"getEffectiveTypeParameterDeclarationsOfNode"),
                3 => out.extend_from_slice(b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b"),
                4 => {
                    let n = rng.below(40);
                    let alpha = b"abcXYZ019+/";
                    out.extend((0..n).map(|_| alpha[rng.below(alpha.len())]));
                }
                _ => {
                    let punct = b" \n\r=\"'.:_-()";
                    out.push(punct[rng.below(punct.len())]);
                }
            }
        }
        out
    }

    fn same(a: &[Decoded], b: &[Decoded]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.start, x.end, &x.bytes) == (y.start, y.end, &y.bytes))
    }

    #[test]
    fn raw_runs_then_processing_is_the_old_search() {
        let mut rng = Rng(0x51_7cc1_b727_220a);
        let mut found = 0;
        for round in 0..300 {
            let bytes = text(&mut rng, 100 + round * 13);
            let new = runs(&bytes);
            found += new.len();
            assert!(same(&new, &reference_runs(&bytes)), "round {round}");
        }
        assert!(
            found > 100,
            "the generator must make decodable runs ({found})"
        );
    }

    /// Random deltas over several generations: the derived raw runs equal a full pass's, and so
    /// do the decoded runs made from them.
    #[test]
    fn derived_raw_runs_equal_a_full_pass_on_random_deltas() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut moved = 0;
        for tree in 0..60 {
            let mut base = text(&mut rng, 1_500 + tree * 50);
            let mut base_runs = raw_runs(&base);
            for generation in 0..6 {
                let mut child = Vec::new();
                let mut copies = Vec::new();
                let target = base.len() + rng.below(300);
                while child.len() < target {
                    if rng.below(3) == 0 {
                        let n = rng.below(80) + 1;
                        child.extend(text(&mut rng, n));
                    } else {
                        let len = match rng.below(3) {
                            0 => rng.below(4) + 1,
                            1 => rng.below(60) + 1,
                            _ => rng.below(800) + 1,
                        }
                        .min(base.len());
                        let src = rng.below(base.len() - len + 1);
                        copies.push(DeltaCopy {
                            dst: child.len(),
                            src,
                            len,
                        });
                        child.extend_from_slice(&base[src..src + len]);
                    }
                }
                let derived = derive_raw_runs(&base_runs, &copies, &child);
                let full = raw_runs(&child);
                assert_eq!(derived, full, "tree {tree} generation {generation}");
                assert!(same(&runs_from(&child, &derived), &runs(&child)));
                moved += full.len();
                base = child;
                base_runs = derived;
            }
        }
        assert!(moved > 1_000, "the deltas must carry runs ({moved})");
    }
}
