//! PEM private-key structure (RFC 7468): the body between the `BEGIN` and `END` lines must be
//! well-formed base64 of a plausible key. A truncated body (`MIIE…`), a body that is not base64,
//! or one that decodes to too few bytes is not a finding.
//!
//! What "plausible" means, per kind:
//! - DER kinds (`RSA`, `EC`, `DSA`, PKCS#8 `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`): the bytes are
//!   one DER `SEQUENCE` whose declared length is exactly the rest of the body, at least
//!   [`MIN_DER`] bytes (an Ed25519 PKCS#8 key, the smallest, is 48).
//! - Legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED` headers): ciphertext, so only base64 and a
//!   whole number of 8-byte cipher blocks, at least [`MIN_ENCRYPTED`] bytes.
//! - `OPENSSH PRIVATE KEY`: decodes to the `openssh-key-v1\0` magic (PROTOCOL.key).
//!
//! Bodies copied out of JSON or `.env` files carry literal `\n` escapes; those are removed first.

use super::base64::{decode, decode_lenient, Alphabet};

/// Smallest DER private key accepted (Ed25519 in PKCS#8 is 48 bytes).
pub const MIN_DER: usize = 48;
/// Smallest legacy-encrypted body accepted (ciphertext of the smallest key, in 8-byte blocks).
pub const MIN_ENCRYPTED: usize = 64;
const OPENSSH_MAGIC: &[u8] = b"openssh-key-v1\0";

/// Whether `block` (from `-----BEGIN …` through `-----END …-----`) holds a plausible key.
pub fn valid(block: &[u8]) -> bool {
    let Some(label_end) = find(block, b"-----", 5).map(|i| i + 5) else {
        return false;
    };
    let label = &block[..label_end];
    let Some(end) = rfind(block, b"-----END") else {
        return false;
    };
    if end < label_end {
        return false;
    }
    let mut encrypted_headers = false;
    let mut body = Vec::with_capacity(end - label_end);
    // A key shown with a line-number gutter (`  3 | MIIB…`, test snapshots) or added in a diff
    // (`+MIIB…` on every line) is still a key.
    let lines: Vec<&[u8]> = split_lines(&block[label_end..end])
        .into_iter()
        .map(|l| strip_gutter(l.trim_ascii()))
        .collect();
    let mut filled = lines.iter().filter(|l| !l.is_empty());
    let diff = filled.clone().count() >= 2 && filled.all(|l| l.starts_with(b"+"));
    for line in lines {
        let mut line = line.trim_ascii();
        if diff {
            line = line.strip_prefix(b"+").unwrap_or(line);
        }
        let line = strip_comment(line);
        if line.contains(&b':') {
            // RFC 1421 headers of legacy encrypted keys: Proc-Type, DEK-Info.
            encrypted_headers |= contains(line, b"ENCRYPTED");
            continue;
        }
        body.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
    }
    let Some(der) = decode(&body, Alphabet::Standard) else {
        return false;
    };
    if contains(label, b"OPENSSH") {
        return der.starts_with(OPENSSH_MAGIC) && der.len() > OPENSSH_MAGIC.len() + 64;
    }
    if encrypted_headers {
        return der.len() >= MIN_ENCRYPTED && der.len() % 8 == 0;
    }
    der.len() >= MIN_DER && der_sequence_spans(&der)
}

/// Whether `text` (a key's bare base64 DER, its lines split by real or escaped line breaks and
/// string quotes) holds a complete DER private key. A candidate starting with a PEM header is
/// not judged here: its PEM rule reports it (or not), so one key is never two findings.
///
/// # Errors
/// Why `text` is not a headerless key.
pub fn headerless(text: &[u8]) -> Result<(), &'static str> {
    if text.starts_with(b"-----BEGIN") {
        return Err("it is a PEM block, which the PEM private-key rules judge");
    }
    let mut body = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            // An escaped line break (`\n`, `\r`) inside a string literal.
            b'\\' if matches!(text.get(i + 1), Some(b'n' | b'r')) => i += 2,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => {
                body.push(text[i]);
                i += 1;
            }
            _ => i += 1,
        }
    }
    // The key's extent comes from its own DER length, so text the candidate ran on into
    // (an identifier after the closing quote) does not hide it.
    let head = decode_lenient(&body[..body.len().min(8)]);
    let Some(total) = der_length(&head) else {
        return Err("the base64 does not start a DER SEQUENCE");
    };
    let needed = total.div_ceil(3) * 4;
    if total < MIN_DER || body.len() < needed {
        return Err("the base64 is shorter than the DER length it declares (truncated)");
    }
    match decode(&body[..needed], Alphabet::Standard) {
        Some(der) if der.len() == total && der_sequence_spans(&der) => Ok(()),
        _ => Err("the base64 is not one complete DER structure"),
    }
}

/// The total length (header included) of the DER SEQUENCE `der` starts, from its first bytes.
fn der_length(der: &[u8]) -> Option<usize> {
    let (Some(&0x30), Some(&first)) = (der.first(), der.get(1)) else {
        return None;
    };
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 3 || der.len() < 2 + n {
        return None;
    }
    let len = der[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Some(2 + n + len)
}

/// `line` without a leading comment marker followed by a space (`// `, `# `, ` * `, `-- `,
/// `; `): keys pasted into comments are still keys.
fn strip_comment(line: &[u8]) -> &[u8] {
    if line.len() <= 3 && line.iter().all(|b| b"/#*;-!%".contains(b)) {
        // The marker alone, before the END line: `// -----END …`.
        return &[];
    }
    match line.iter().position(|&b| b == b' ') {
        Some(sp) if sp <= 3 && line[..sp].iter().all(|b| b"/#*;-!%".contains(b)) => {
            line[sp + 1..].trim_ascii_start()
        }
        _ => line,
    }
}

/// `line` without a leading line-number gutter: digits, optional spaces, `|`, optional spaces.
fn strip_gutter(line: &[u8]) -> &[u8] {
    let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 7 {
        return line;
    }
    let rest = line[digits..].trim_ascii_start();
    match rest.strip_prefix(b"|") {
        Some(after) => after.trim_ascii_start(),
        None => line,
    }
}

/// Whether `der` is exactly one DER SEQUENCE (tag 0x30, definite length).
fn der_sequence_spans(der: &[u8]) -> bool {
    der_length(der) == Some(der.len())
}

/// Lines of `bytes`, splitting on real newlines and on literal `\n` / `\r` escapes.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (is_break, width) = match bytes[i] {
            b'\n' | b'\r' => (true, 1),
            b'\\' if matches!(bytes.get(i + 1), Some(b'n' | b'r')) => (true, 2),
            _ => (false, 1),
        };
        if is_break {
            out.push(&bytes[start..i]);
            start = i + width;
        }
        i += width;
    }
    out.push(&bytes[start..]);
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A 48-byte Ed25519 PKCS#8 key (RFC 8410 §10.3's sample layout, random key bytes).
    const ED25519: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEIK7m3vQ1yWc0Lr9fP2sXn8jT5aB4dE6gH0iJ1kL2mN3o\n\
        -----END PRIVATE KEY-----";

    /// The headerless form: the key's own DER length decides its extent, so a candidate that
    /// ran on past the closing quote still passes, and a truncated one or a PEM block does not.
    #[test]
    fn headerless_key_is_judged_by_its_der_length() {
        let body = "MC4CAQAwBQYDK2VwBCIEIK7m3vQ1yWc0Lr9fP2sXn8jT5aB4dE6gH0iJ1kL2mN3o";
        assert_eq!(headerless(body.as_bytes()), Ok(()));
        let split = format!("{}\\n{}\" \"{}", &body[..20], &body[20..40], &body[40..]);
        assert_eq!(headerless(split.as_bytes()), Ok(()));
        let ran_on = format!("{body}\"\"\"\nOTHER_CONSTANT");
        assert_eq!(headerless(ran_on.as_bytes()), Ok(()));
        assert!(headerless(&body.as_bytes()[..40]).is_err());
        assert!(headerless(ED25519.as_bytes()).is_err());
        assert!(headerless(b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA").is_err());
    }

    #[test]
    fn accepts_complete_der_key() {
        assert!(valid(ED25519.as_bytes()));
    }

    #[test]
    fn accepts_a_key_in_a_diff_or_behind_a_line_number_gutter() {
        let body = "MC4CAQAwBQYDK2VwBCIEIK7m3vQ1yWc0Lr9fP2sXn8jT5aB4dE6gH0iJ1kL2mN3o";
        let diff = format!("-----BEGIN PRIVATE KEY-----\n+{body}\n+-----END PRIVATE KEY-----");
        assert!(valid(diff.as_bytes()), "{diff}");
        let snapshot =
            format!("-----BEGIN PRIVATE KEY-----\n  2 | +{body}\n  3 | +-----END PRIVATE KEY-----");
        assert!(valid(snapshot.as_bytes()), "{snapshot}");
        // Only a whole gutter is removed: a body that merely starts with digits is unchanged.
        let broken = format!("-----BEGIN PRIVATE KEY-----\n7{body}\n-----END PRIVATE KEY-----");
        assert!(!valid(broken.as_bytes()));
        let escaped = ED25519.replace('\n', "\\n");
        assert!(valid(escaped.as_bytes()));
    }

    #[test]
    fn key_in_comments_is_still_a_key() {
        let commented: String = ED25519.lines().map(|l| format!("// {l}\n")).collect();
        let block = commented.trim_start_matches("// ").trim_end();
        assert!(block.ends_with("-----END PRIVATE KEY-----") && block.contains("\n// -----END"));
        assert!(valid(block.as_bytes()));
        let hashed: String = ED25519.lines().map(|l| format!("  # {l}\n")).collect();
        assert!(valid(
            hashed
                .trim_start()
                .trim_start_matches("# ")
                .trim_end()
                .as_bytes()
        ));
    }

    #[test]
    fn rejects_truncated_and_garbage() {
        let truncated = ED25519.replace("mN3o", "");
        assert!(!valid(truncated.as_bytes()));
        let garbage = "-----BEGIN PRIVATE KEY-----\nnot base64 at all!!\n-----END PRIVATE KEY-----";
        assert!(!valid(garbage.as_bytes()));
        let elided =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        assert!(!valid(elided.as_bytes()));
    }

    #[test]
    fn legacy_encrypted_needs_whole_blocks() {
        let body = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw==";
        let key = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D4E5F60718293A4B5C6D7E8F9\n\n{body}\n-----END RSA PRIVATE KEY-----"
        );
        assert!(valid(key.as_bytes()));
        let short = key.replace(body, "QUJDREVGR0g=");
        assert!(!valid(short.as_bytes()));
    }

    #[test]
    fn der_length_must_span_body() {
        assert!(der_sequence_spans(&[0x30, 0x03, 1, 2, 3]));
        assert!(!der_sequence_spans(&[0x30, 0x04, 1, 2, 3]));
        assert!(der_sequence_spans(&[0x30, 0x81, 0x01, 9]));
        assert!(!der_sequence_spans(&[0x04, 0x01, 9]));
    }
}
