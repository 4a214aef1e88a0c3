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

/// How far below the most a value of its length and alphabet can reach a random value may fall:
/// about the 5th percentile of random base62 values of 16 to 24 characters.
const RANDOM_MARGIN: f64 = 0.6;

/// The entropy a candidate must reach: the rule's `entropy:`, but at most
/// `log2(min(length, alphabet)) - 0.6`, where the alphabet is that of the classes the value draws
/// from (16 for single-case hex, 10 per digits, 26 per letter case, 32 for punctuation), and
/// never below 3.0.
pub fn floor(rule_floor: f64, secret: &[u8]) -> f64 {
    let hex = secret.iter().all(u8::is_ascii_hexdigit)
        && (!secret.iter().any(u8::is_ascii_lowercase)
            || !secret.iter().any(u8::is_ascii_uppercase));
    let alphabet: usize = if hex {
        16
    } else {
        let classes = [
            (secret.iter().any(u8::is_ascii_digit), 10),
            (secret.iter().any(u8::is_ascii_lowercase), 26),
            (secret.iter().any(u8::is_ascii_uppercase), 26),
            (secret.iter().any(|b| !b.is_ascii_alphanumeric()), 32),
        ];
        classes.iter().filter(|(on, _)| *on).map(|(_, n)| n).sum()
    };
    let symbols = secret.len().min(alphabet).max(1);
    #[expect(clippy::cast_precision_loss, reason = "at most 94")]
    let reachable = (symbols as f64).log2();
    rule_floor.min((reachable - RANDOM_MARGIN).max(LOWEST_CAP))
}

#[cfg(test)]
mod tests {
    use super::{floor, shannon};

    #[test]
    fn floor_is_capped_by_length_and_alphabet() {
        // Long mixed values keep the rule's floor.
        assert_eq!(floor(4.2, b"q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1Lm"), 4.2);
        // 16 characters reach at most 4 bits.
        assert!((floor(4.2, b"52VeZqtHDCdAr5yM") - 3.4).abs() < 1e-9);
        // Single-case hex reaches at most 4 bits whatever its length.
        assert!((floor(4.2, b"6fb1cff7690db9ac066cadbbde8e3c07") - 3.4).abs() < 1e-9);
        // Mixed-case "hex" is not hex: 10 + 26 + 26 symbols.
        assert_eq!(floor(4.2, b"6d2FabeB6ADd229Bc199FabA28fD3efb57dF0bD3"), 4.2);
        // Lower floors are never raised, and the cap stops at 3 bits.
        assert_eq!(floor(3.0, b"52VeZqtHDCdAr5yM"), 3.0);
        assert_eq!(floor(4.2, b"pass"), 3.0);
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
        for v in [
            &b"thisismypassword"[..],
            b"passwordpassword1",
            b"aaaabbbbccccdddd",
        ] {
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
