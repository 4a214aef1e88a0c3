//! Shannon entropy of a candidate secret, in bits per byte.
//!
//! Random tokens over base62 sit near 5.2–5.9 for 30+ characters, hex near 3.7–4.0;
//! words and placeholders sit well below. Rules set their minimum in `entropy:`.
//!
//! A short value cannot reach a high floor however random it is: 16 distinct characters give at
//! most 4 bits per byte, and a random 16-character base62 value averages 3.77, so a fixed 4.2
//! floor would reject every random 16-character password. [`floor`] therefore caps a rule's
//! minimum at what a random value of the candidate's length and alphabet reaches.

/// Shannon entropy of `bytes` in bits per byte (0 for empty input).
pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    #[expect(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// The cap never lowers a floor below this: shorter values (`user:pass` in a URL) are words
/// more often than secrets, whatever their alphabet.
const LOWEST_CAP: f64 = 3.0;

/// How far below the expected entropy of a random value a random value may fall, for a value
/// of `n` characters: `2 / sqrt(n)`, below the 1st percentile of random values over the
/// alphabets [`alphabet`] knows (0.58 bits at 12 characters, 0.35 at 32, 0.25 at 64, where the
/// 1st percentile lies 0.50, 0.36 and 0.25 below the mean; measured by sampling 4,000 random
/// values per alphabet and length).
fn margin(n: usize) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
    let n = n as f64;
    2.0 / n.sqrt()
}

/// The alphabet a value draws from: 16 for single-case hex (and UUIDs), 32 for base32
/// (upper-case letters and `2`-`7`, or lower-case), otherwise the sum of its classes (10 digits,
/// 26 per letter case, 32 punctuation).
pub fn alphabet(secret: &[u8]) -> usize {
    // `0x` before hex (Ethereum keys, C literals) does not make it another alphabet.
    let secret = match secret.strip_prefix(b"0x") {
        Some(rest) if !rest.is_empty() && rest.iter().all(u8::is_ascii_hexdigit) => rest,
        _ => secret,
    };
    let lower = secret.iter().any(u8::is_ascii_lowercase);
    let upper = secret.iter().any(u8::is_ascii_uppercase);
    if secret.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-') && !(lower && upper) {
        return 16;
    }
    if !(lower && upper)
        && secret.iter().any(|b| (b'2'..=b'7').contains(b))
        && secret
            .iter()
            .all(|b| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(b) || *b == b'=')
    {
        return 32;
    }
    let classes = [
        (secret.iter().any(u8::is_ascii_digit), 10),
        (lower, 26),
        (upper, 26),
        (secret.iter().any(|b| !b.is_ascii_alphanumeric()), 32),
    ];
    classes.iter().filter(|(on, _)| *on).map(|(_, n)| n).sum()
}

/// Expected Shannon entropy (bits per byte) of `n` characters drawn uniformly from `k` symbols:
/// `log2 n - (k/n) E[c log2 c]` with `c ~ Binomial(n, 1/k)` the count of one symbol, summed
/// exactly. A random 32-character base32 value averages 4.19 bits, not log2(32) = 5.
pub fn expected(k: usize, n: usize) -> f64 {
    if n < 2 || k < 2 {
        return 0.0;
    }
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    let (kf, nf) = (k as f64, n as f64);
    let p = 1.0 / kf;
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut log_choose = 0.0f64; // ln C(n, c), built up term by term
    let mut sum = 0.0;
    for c in 1..=n {
        #[expect(clippy::cast_precision_loss, reason = "small counts")]
        let cf = c as f64;
        log_choose += ((nf - cf + 1.0) / cf).ln();
        if c >= 2 {
            let pmf = (log_choose + cf * lp + (nf - cf) * lq).exp();
            sum += pmf * cf * cf.log2();
        }
    }
    nf.log2() - kf * sum / nf
}

/// The entropy a candidate must reach: the rule's `entropy:`, but at most what a random value of
/// the candidate's length and [`alphabet`] reaches ([`expected`] less a [`margin`]), and never
/// below 3.0. So a rule's floor of 4.2 holds for long base62 values, while random base32 TOTP
/// seeds, hex client secrets and UUID-shaped keys, which cannot reach it, are judged against
/// what their own alphabet gives.
pub fn floor(rule_floor: f64, secret: &[u8]) -> f64 {
    capped(rule_floor, || alphabet(secret), secret.len())
}

/// `rule_floor`, lowered to what `n` symbols of an alphabet of `k()` can reach (never below
/// [`LOWEST_CAP`]).
fn capped(rule_floor: f64, k: impl FnOnce() -> usize, n: usize) -> f64 {
    // A floor at or below the lowest cap is never lowered: no need to compute the alphabet or
    // the expectation.
    if rule_floor <= LOWEST_CAP {
        return rule_floor;
    }
    let n = n.min(512);
    let reachable = expected(k(), n) - margin(n);
    rule_floor.min(reachable.max(LOWEST_CAP))
}

/// The bytes a string literal written with escapes stands for, when it has at least two `\xHH`
/// escapes (`b'_5#y2L"F4Q8z\n\xec]/'`, the `repr` of `os.urandom(16)` that Flask's docs long
/// told users to paste, or a C `"\x9e\x1f…"` key): `None` otherwise. Such a value is a few
/// random bytes spelled out in four characters each, so its entropy is that of the bytes, not of
/// the spelling (which repeats `\` and `x` and falls below any text floor).
/// Understood: `\xHH`, octal `\N`..`\NNN`, `\n \r \t \a \b \f \v`, and `\` before any
/// other character, which stands for that character.
pub fn unescaped(secret: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    // At least two: stop looking at the second.
    let mut hex_escapes = secret
        .windows(4)
        .filter(|w| w[0] == b'\\' && w[1] == b'x' && hex(w[2]).is_some() && hex(w[3]).is_some());
    hex_escapes.nth(1)?;
    let mut out = Vec::with_capacity(secret.len());
    let mut i = 0;
    while i < secret.len() {
        let b = secret[i];
        if b != b'\\' || i + 1 == secret.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let c = secret[i + 1];
        i += 2;
        match c {
            b'x' => match (
                secret.get(i).copied().and_then(hex),
                secret.get(i + 1).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'x'),
            },
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut digits = 1;
                while digits < 3 {
                    match secret.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            digits += 1;
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v & 0xff).unwrap_or(0));
            }
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            other => out.push(other),
        }
    }
    Some(out)
}

/// [`floor`] for a value of `n` raw bytes ([`unescaped`]): random bytes draw from all 256.
pub fn byte_floor(rule_floor: f64, n: usize) -> f64 {
    capped(rule_floor, || 256, n)
}

#[cfg(test)]
mod tests {
    use super::{byte_floor, expected, floor, shannon, unescaped};

    #[test]
    fn escaped_byte_strings_are_judged_as_bytes() {
        // os.urandom(16)'s repr: random bytes pass the byte floor once unescaped, while the
        // escaped spelling itself falls below the text floor.
        let repr: &[u8] = br"\xa9\xb5\x1e\x8fQ\xd2\x07z\xc4\x93\x1b\xee-\x88\x02\xf1";
        let bytes = unescaped(repr).expect("hex escapes");
        assert_eq!(bytes.len(), 16);
        assert_eq!(&bytes[..3], &[0xa9, 0xb5, 0x1e]);
        assert!(shannon(repr) < floor(4.2, repr));
        assert!(shannon(&bytes) >= byte_floor(4.2, bytes.len()));
        // Other escapes: \n, octal, an escaped quote.
        assert_eq!(
            unescaped(br#"_5#\"y\n\101\xec\x00"#).expect("two hex escapes"),
            b"_5#\"y\n\x41\xec\x00".to_vec()
        );
        // Zero filler stays below the floor; text with one or no hex escape is left alone.
        let zeros =
            unescaped(br"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00").expect("escapes");
        assert!(shannon(&zeros) < byte_floor(4.2, zeros.len()));
        assert_eq!(unescaped(br"line one\nline two\x41"), None);
        assert_eq!(unescaped(b"q8Fz1LmP0xVb7RtY3sKe9WnA"), None);
    }

    #[test]
    fn expected_entropy_matches_sampling() {
        // Means of 4,000 random values each (see `margin`).
        for (k, n, mean) in [
            (16, 32, 3.611),
            (32, 32, 4.191),
            (62, 16, 3.768),
            (64, 64, 5.182),
        ] {
            assert!((expected(k, n) - mean).abs() < 0.01, "{k} {n}");
        }
    }

    #[test]
    fn floor_is_capped_by_length_and_alphabet() {
        // Long mixed values keep the rule's floor.
        assert_eq!(
            floor(4.2, b"q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmR2tYc9WnAq8Fz1LmP"),
            4.2
        );
        // 16 characters cannot reach it.
        assert!(floor(4.2, b"52VeZqtHDCdAr5yM") < 3.5);
        // Single-case hex, UUIDs and base32 are judged by their own alphabets.
        assert!(floor(4.2, b"6fb1cff7690db9ac066cadbbde8e3c07") < 3.4);
        assert!(floor(4.2, b"0f8e4c1d-2b3a-4c5d-8e9f-a0b1c2d3e4f5") < 3.4);
        assert!(floor(4.2, b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP") < 4.0);
        // Mixed-case "hex" is not hex: 10 + 26 + 26 symbols.
        assert_eq!(floor(4.2, b"6d2FabeB6ADd229Bc199FabA28fD3efb57dF0bD3"), 4.2);
        // Lower floors are never raised, and the cap stops at 3 bits.
        assert_eq!(floor(3.0, b"52VeZqtHDCdAr5yM"), 3.0);
        assert_eq!(floor(4.2, b"pass"), 3.0);
    }

    #[test]
    fn random_values_of_every_alphabet_pass() {
        for v in [
            &b"9c2a5e1f0b7d4e3a8f6c1b"[..],
            b"9c2a5e1f0b7d4e3a8f6c1b2d9e0a7f4c3b8d1e6a5f2c9b0d7e4a1f8c3b6d5e2a",
            b"KRSXG5CTMVRXEZLUKN2XAZLSNZ4W2ZLJ",
            b"3f1c9a7e-5b2d-4e8f-a6c0-9d1b7e3f5a2c",
        ] {
            assert!(
                shannon(v) >= floor(4.2, v),
                "{}: {} < {}",
                String::from_utf8_lossy(v),
                shannon(v),
                floor(4.2, v)
            );
        }
    }

    #[test]
    fn random_short_values_pass_and_words_do_not() {
        for v in [
            &b"52VeZqtHDCdAr5yM"[..],
            b"sK!g2Ex_=jJ6Gx5v",
            b"Wq7#nB2zLp9$",
        ] {
            assert!(
                shannon(v) >= floor(4.2, v),
                "{}",
                String::from_utf8_lossy(v)
            );
        }
        // (Words with many distinct letters, `thisismypassword`, can pass: the generic check
        // rejects values of letters only.)
        for v in [&b"passwordpassword1"[..], b"aaaabbbbccccdddd"] {
            assert!(shannon(v) < floor(4.2, v), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"ab") - 1.0).abs() < 1e-12);
        assert!((shannon(b"0123456789abcdef") - 4.0).abs() < 1e-12);
    }

    #[test]
    fn random_token_beats_word() {
        assert!(shannon(b"q8Fz1LmP0xVb7RtY3sKe9WnA") > 4.0);
        assert!(shannon(b"passwordpassword") < 3.0);
    }
}
