//! Plausibility of a value found only by the name it is assigned to (the generic rules). Such a
//! value has no format to verify, so this rejects what is known not to be a credential:
//!
//! - a vendor token whose format carries a checksum (`ghp_…`, `github_pat_…`, `npm_…`): its own
//!   rule has already judged it, and a wrong checksum is not a finding;
//! - a UUID, or a value of hex digits (and `-`) only unless it has 32 to 63 digits: shorter ones are
//!   abbreviated commit ids and short digests, and 64 or more are SHA-256/512 digests far more
//!   often than keys (the AWS SigV4 test suite's `"token": "<64 hex>"`). Many services issue
//!   32- or 40-hex keys, and the generic rules only see values assigned to secret-named keys,
//!   never to `integrity`, `sha` or `rev`, so those stay;
//! - a file path (`~/.aws/credentials`, `./secrets/token`, `/etc/app/passwd`, `conf/app.yaml`);
//! - a reference to another name: letters and `_` segments joined by `.` (`settings.SECRET_KEY`);
//! - a value without any digit or punctuation (identifiers and words: `getDefaultTokenProvider`);
//! - a value made of letters, digits and `_` only that reads like an identifier: all lower or
//!   upper case separated by `_` (`SOME_LONG_CONSTANT_NAME2`), or words joined by `-` without a
//!   digit (`current-password`).

/// Prefixes of formats with an offline checksum, judged by their own rules.
const CHECKSUMMED: &[&[u8]] = &[
    b"ghp_",
    b"gho_",
    b"ghu_",
    b"ghs_",
    b"ghr_",
    b"github_pat_",
    b"npm_",
];

/// Whether `value` is plausible as a credential.
pub fn plausible(value: &[u8]) -> bool {
    if CHECKSUMMED.iter().any(|p| value.starts_with(p)) {
        return false;
    }
    if is_uuid(value) || is_hex_digest(value) || is_path(value) || is_dotted_name(value) {
        return false;
    }
    let has_digit = value.iter().any(u8::is_ascii_digit);
    let has_punct = value
        .iter()
        .any(|b| !b.is_ascii_alphanumeric() && *b != b'_');
    if !has_digit && !has_punct {
        return false;
    }
    let single_case = value.iter().all(|b| !b.is_ascii_lowercase())
        || value.iter().all(|b| !b.is_ascii_uppercase());
    let snake = value
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && value.contains(&b'_');
    let kebab = !has_digit
        && value
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-');
    !(single_case && (snake || kebab))
}

/// Hex digits (with any `-`) outside the 32-63 digit range of hex API keys.
fn is_hex_digest(v: &[u8]) -> bool {
    v.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-')
        && !(32..64).contains(&v.iter().filter(|b| **b != b'-').count())
}

/// A relative path (`./`, `../`, `~/`), or any path in lower case (`/dir1/etc/passwd`,
/// `nested/config.yaml`): random base64 that holds a `/` is mixed case.
fn is_path(v: &[u8]) -> bool {
    if [&b"~/"[..], b"./", b"../"].iter().any(|p| v.starts_with(p)) {
        return true;
    }
    v.contains(&b'/')
        && v.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/')
        })
}

/// `settings.SECRET_KEY`, `config.auth.token`: names joined by dots, no digit anywhere.
fn is_dotted_name(v: &[u8]) -> bool {
    v.contains(&b'.')
        && v.split(|b| *b == b'.')
            .all(|seg| !seg.is_empty() && seg.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_'))
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::plausible;

    #[test]
    fn rejects_non_credentials() {
        for v in [
            &b"ghp_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb"[..],
            b"npm_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb",
            b"0f8e4c1d-2b3a-4c5d-8e9f-a0b1c2d3e4f5",
            b"9fceb02d0ae598e",
            b"0f8e4c1d2b3a4c5d",
            b"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
            b"getDefaultTokenProviderChain",
            b"SOME_LONG_CONSTANT_NAME_2",
            b"some_long_identifier_name_v2",
            b"~/.aws/credentials",
            b"./config/secrets.v2.yml",
            b"../keys/id_ed25519",
            b"/dir1/etc/passwd",
            b"nested/deep/config.yaml",
            b"settings.SECRET_KEY",
            b"current-password",
            b"a9f4-f152e97ad808",
        ] {
            assert!(!plausible(v), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn accepts_random_values() {
        for v in [
            &b"q8Fz1LmP0xVb7RtY3sKe9WnA"[..],
            b"Zk3!pW9#rT5uYx2Lq",
            b"c2VjcmV0LXZhbHVlLWhlcmUtMTIz",
            b"aB3_dE5_fG7_hI9_jK1",
            b"6fb1cff7690db9ac066cadbbde8e3c07",
            b"/Zk3pW9rT5uYx2Lq/8Hn",
            b"k3jd8slq-0xw4zr7",
        ] {
            assert!(plausible(v), "{}", String::from_utf8_lossy(v));
        }
    }
}
