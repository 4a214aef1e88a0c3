//! String literals joined by concatenation: a token or key that source code splits to keep its
//! lines short (`"eyJhbGci…" ".eyJzdWIi…" ".Nz6VREh7…"` in Python and C, `"…" + "…"` in Java
//! and JavaScript, one piece per line inside parentheses) leaks as much as one written whole,
//! but no rule sees it whole. The scanner joins such runs here and scans the joined text with
//! the same rules; only a secret that crosses a join is reported from it (one inside a single
//! piece is found in the plain text already).
//!
//! A run is two or more literals with the same quote character (`"` or `'`), each on one line,
//! separated only by blanks, at most two line breaks and at most one `+` (or a Python line
//! continuation). The joined text is the pieces' contents as written, escapes included, so a PEM
//! key written as `"-----BEGIN …-----\n" "MIIE…\n"` joins into the escaped form the private-key
//! rules already read.

/// Shortest joined text worth scanning: less than any credential a rule finds whole.
pub const MIN_JOINED: usize = 32;
/// Longest piece considered: longer literals are data, not a wrapped token.
const MAX_PIECE: usize = 4096;
/// At most this many joined bytes per blob.
pub const MAX_JOINED: usize = 1 << 20;

/// One run of joined literals.
#[derive(Debug)]
pub struct Joined {
    /// The pieces' contents, concatenated.
    pub bytes: Vec<u8>,
    /// For each piece: its offset in `bytes` and the offset of its content in the blob.
    pub pieces: Vec<(usize, usize)>,
}

impl Joined {
    /// The blob offset of byte `at` of the joined text.
    pub fn blob_offset(&self, at: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|&(j, _)| j <= at)
            .saturating_sub(1);
        let (j, b) = self.pieces[i];
        b + (at - j)
    }

    /// Whether the joined span `start..end` crosses a join (holds bytes of two pieces).
    pub fn crosses(&self, start: usize, end: usize) -> bool {
        self.pieces
            .iter()
            .skip(1)
            .any(|&(j, _)| start < j && j < end)
    }
}

/// The literal starting with the quote at `q`: the offset just past its closing quote, or
/// `None` when the quote closes nothing on its line (or after [`MAX_PIECE`] bytes).
fn literal_end(bytes: &[u8], q: usize) -> Option<usize> {
    let quote = bytes[q];
    // The closing quote may stand at most MAX_PIECE bytes after the opening one.
    let limit = bytes.len().min(q + MAX_PIECE + 1);
    let mut j = q + 1;
    while j < limit {
        let k = j + memchr::memchr3(b'\\', b'\n', quote, &bytes[j..limit])?;
        match bytes[k] {
            b'\\' => j = k + 2,
            b'\n' => return None,
            _ => return Some(k + 1),
        }
    }
    None
}

/// From `at` (just past a literal), skips what may join it to the next one: blanks, at most two
/// line breaks, at most one `+`, a `\` line continuation. Returns where the next literal would
/// start.
fn skip_join(bytes: &[u8], mut at: usize) -> usize {
    let (mut breaks, mut plus) = (0, false);
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\r' => at += 1,
            b'\n' if breaks < 2 => {
                breaks += 1;
                at += 1;
            }
            b'+' if !plus => {
                plus = true;
                at += 1;
            }
            b'\\' if bytes.get(at + 1) == Some(&b'\n') && breaks < 2 => {
                breaks += 1;
                at += 2;
            }
            _ => break,
        }
    }
    at
}

/// The runs of two or more joined literals in `bytes` whose joined text is at least
/// [`MIN_JOINED`] bytes, in order, within [`MAX_JOINED`] bytes in all.
pub fn runs(bytes: &[u8]) -> Vec<Joined> {
    let mut out = Vec::new();
    let mut budget = MAX_JOINED;
    let mut i = 0;
    while let Some(p) = memchr::memchr2(b'"', b'\'', &bytes[i..]) {
        let q = i + p;
        let Some(end) = literal_end(bytes, q) else {
            i = q + 1;
            continue;
        };
        let quote = bytes[q];
        // Most literals stand alone: nothing is allocated until a second one joins the first.
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut last_end = end;
        loop {
            let next = skip_join(bytes, last_end);
            if bytes.get(next) != Some(&quote) {
                break;
            }
            let Some(e) = literal_end(bytes, next) else {
                break;
            };
            if pieces.is_empty() {
                pieces.push((q + 1, end - 1));
            }
            pieces.push((next + 1, e - 1));
            last_end = e;
        }
        i = last_end;
        if pieces.is_empty() {
            continue;
        }
        let len: usize = pieces.iter().map(|(s, e)| e - s).sum();
        if len < MIN_JOINED || len > budget {
            continue;
        }
        budget -= len;
        let mut joined = Joined {
            bytes: Vec::with_capacity(len),
            pieces: Vec::with_capacity(pieces.len()),
        };
        for (s, e) in pieces {
            joined.pieces.push((joined.bytes.len(), s));
            joined.bytes.extend_from_slice(&bytes[s..e]);
        }
        out.push(joined);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn joins_adjacent_and_plus_concatenated_literals() {
        let src = b"t = (\"aaaaaaaaaaaaaaaa\" \".bbbbbbbbbbbbbbbb\"\n     \".cccccccc\")\nx = 'dddddddddddddddddddd' + 'eeeeeeeeeeeeeeee'\n";
        let r = runs(src);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].bytes,
            b"aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb.cccccccc".to_vec()
        );
        assert_eq!(r[1].bytes, b"ddddddddddddddddddddeeeeeeeeeeeeeeee".to_vec());
        // Offsets map back into the blob, piece by piece.
        let at = r[0].bytes.iter().position(|&b| b == b'.').expect("a dot");
        assert_eq!(src[r[0].blob_offset(at)], b'.');
        assert_eq!(src[r[0].blob_offset(0)], b'a');
        assert!(r[0].crosses(10, 20));
        assert!(!r[0].crosses(0, 16));
    }

    #[test]
    fn leaves_separate_literals_alone() {
        for src in [
            &b"call(\"aaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbbb\")"[..],
            b"msg = \"aaaaaaaaaaaaaaaaaaaa\" + name + \"bbbbbbbbbbbbbbbbbbbbbbbb\"",
            b"x = \"aaaaaaaaaaaaaaaaaaaa\" 'bbbbbbbbbbbbbbbbbbbbbbbb'",
            b"x = \"aaaaaaaaaaaaaaaaaaaa\"\n\n\n\"bbbbbbbbbbbbbbbbbbbbbbbb\"",
            b"short = \"ab\" \"cd\"",
        ] {
            assert!(runs(src).is_empty(), "{}", String::from_utf8_lossy(src));
        }
    }

    #[test]
    fn an_unclosed_quote_or_apostrophe_is_not_a_literal() {
        let src = b"# don't stop\nx = \"aaaaaaaaaaaaaaaaaaaa\" \"bbbbbbbbbbbbbbbbbbbbbbbb\"\n";
        let r = runs(src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].bytes.len(), 44);
    }
}
