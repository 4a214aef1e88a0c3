//! Shannon entropy of a candidate secret, in bits per byte.
//!
//! Random tokens over base62 sit near 5.2–5.9 for 30+ characters, hex near 3.7–4.0;
//! words and placeholders sit well below. Rules set their minimum in `entropy:`.

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

#[cfg(test)]
mod tests {
    use super::shannon;

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
