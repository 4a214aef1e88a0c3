//! Filters for values that have a secret's shape but are obviously not one: documentation
//! samples, template variables, masked values. Applied to the captured `secret` only, never to
//! the surrounding line, so `EXAMPLE_TOKEN=ghp_<real>` is still reported.

/// Substrings (compared ASCII case-insensitively) that mark a placeholder, and what each says.
const MARKERS: &[(&[u8], &str)] = &[
    (b"example", "contains `example`"),
    (b"xxxx", "contains `xxxx` (filler)"),
    (b"placeholder", "contains `placeholder`"),
    (b"dummy", "contains `dummy`"),
    (b"changeme", "contains `changeme`"),
    (b"redacted", "contains `redacted`"),
    (b"your_", "contains `your_` (a value to fill in)"),
    (b"your-", "contains `your-` (a value to fill in)"),
    (b"123456789", "contains `123456789` (a sequence)"),
    (b"abcdefghij", "contains `abcdefghij` (a sequence)"),
    // The stock sample value of tutorials and tests (`glpat-abc123`, `token: abc123`); a random
    // 40-character token holds it with a probability near 10^-9.
    (b"abc123", "contains `abc123` (a stock sample value)"),
    // The tail of RFC 4122's example UUID `123e4567-e89b-12d3-a456-426614174000`, the usual
    // sample value for a GUID-shaped key in API docs (with or without the dashes).
    (b"426614174", "contains the tail of RFC 4122's example UUID"),
    (b"[filtered]", "a redaction marker ([Filtered])"),
    (b"password", "contains the word `password`"),
];

/// Template and interpolation syntax: `${VAR}`, `{{ var }}`, `%s`, `$(cmd)`.
const TEMPLATES: &[&[u8]] = &[b"${", b"{{", b"%s", b"$("];

/// Length of a run of one repeated byte that marks filler (`000000`, `******`).
const MAX_RUN: usize = 6;
/// Secrets longer than this are exempt from the run check: key material (an OpenSSH key's
/// `AAAAAAAA` header, DER padding in PEM bodies) has long runs by nature.
const RUN_CHECK_MAX_LEN: usize = 128;

/// Credentials that providers and standards publish as examples, with where each is published.
/// They are in documentation, SDK samples and test suites everywhere, and are never live. Values
/// that carry a marker (`AKIAIOSFODNN7EXAMPLE`) are caught by [`MARKERS`] instead.
pub const PUBLISHED_EXAMPLES: &[(&str, &str)] = &[
    // https://jwt.io/ (the token shown on the page) and RFC 7519 §3.1's example signature.
    (
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "the sample token on jwt.io",
    ),
    (
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "RFC 7519 section 3.1",
    ),
    // RFC 6749 (OAuth 2.0) sections 2.3.1, 4.1.2 and 5.1.
    ("7Fjfp0ZBr1KtDRbnfVdmIw", "RFC 6749 section 2.3.1"),
    ("SplxlOBeZQQYbYS6WxSbIA", "RFC 6749 section 4.1.2"),
    ("2YotnFZFEjr1zCsicMWpAA", "RFC 6749 section 5.1"),
    // Example JSON Web Keys: RFC 7515 appendix A.1 (HMAC), RFC 7520 sections 3.2 (EC), 3.4 (RSA)
    // and 3.5 (symmetric), RFC 8037 appendix A.1 (Ed25519); their private parts.
    (
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ",
        "RFC 7515 appendix A.1",
    ),
    (
        "AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt",
        "RFC 7520 section 3.2",
    ),
    (
        "bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT",
        "RFC 7520 section 3.4",
    ),
    (
        "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg",
        "RFC 7520 section 3.5",
    ),
    (
        "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "RFC 8037 appendix A.1",
    ),
    // RFC 6750 (bearer tokens) section 2.1.
    ("mF_9.B5f-4.1JqM", "RFC 6750 section 2.1"),
    ("tGzv3JOkF0XG5Qx2TlKWIA", "RFC 6749 section 5.1"),
    // RFC 7617 (HTTP Basic) section 2: `Aladdin:open sesame`.
    ("QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "RFC 7617 section 2"),
    // RFC 6749 section 7.1's MAC token example, and the OAuth 1.0 example credentials of RFC
    // 5849 sections 1.2 and 3.1.
    ("h480djs93hd8", "RFC 6749 section 7.1"),
    ("dpf43f3p2l4k3l03", "RFC 5849 section 1.2"),
    ("kd94hf93k423kf44", "RFC 5849 section 1.2"),
    ("nnch734d00sl2jdk", "RFC 5849 section 1.2"),
    ("pfkkdhi9sl3r4s00", "RFC 5849 section 1.2"),
    ("hh5s93j4hdidpola", "RFC 5849 section 1.2"),
    ("hdhd0244k9j7ao03", "RFC 5849 section 1.2"),
    ("9djdj82h48djs9d2", "RFC 5849 section 3.1"),
    ("kkk9d7dh3k39sjv7", "RFC 5849 section 3.1"),
    // The private keys behind jwt.io's RS256 and ES384 sample tokens (a distinctive stretch of
    // the modulus and of the private scalar, in SEC1 and PKCS#8 alignment).
    ("nzyis1ZjfNB0bBgKFMSvvkTt", "the sample RSA key on jwt.io"),
    (
        "BDCAHpFQ62QnGCEvYh/pE9QmR1C9aLcD",
        "the sample EC key on jwt.io",
    ),
    (
        "E9QmR1C9aLcDItRbslbmhen/h1tt8AyMhskeenT+",
        "the sample EC key on jwt.io",
    ),
    // The AWS documentation's example key id and secret, also with the last letters changed.
    (
        "AKIAIOSFODNN7",
        "the AWS documentation's example access key id",
    ),
    (
        "wJalrXUtnFEMI/K7MDENG",
        "the AWS documentation's example secret access key",
    ),
    // The session token of AWS's published Signature Version 4 test suite.
    (
        "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
        "the AWS SigV4 test suite",
    ),
    // The fixed account key of the Azure Storage emulator (Azurite), published by Microsoft.
    (
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "the Azure Storage emulator's published account key",
    ),
    ("ad180jjd733klru7", "RFC 5849 section 3.5.1"),
    // Stripe's API reference signs its examples with these test-mode keys.
    ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "Stripe's API reference"),
    ("pk_test_TYooMQauvdEDq54NiTphI7jx", "Stripe's API reference"),
];

/// Whether `secret` looks like a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    why(secret).is_some()
}

/// Why `secret` reads as a placeholder (which marker, template or list matched), or `None`.
pub fn why(secret: &[u8]) -> Option<&'static str> {
    if let Some((_, source)) = PUBLISHED_EXAMPLES
        .iter()
        .find(|(v, _)| secret.windows(v.len()).any(|w| w == v.as_bytes()))
    {
        return Some(source);
    }
    if let Some((_, reason)) = MARKERS
        .iter()
        .find(|(m, _)| contains_ignore_case(secret, m))
    {
        return Some(reason);
    }
    if TEMPLATES
        .iter()
        .any(|t| secret.windows(t.len()).any(|w| w == *t))
    {
        return Some("template or interpolation syntax (${…}, {{…}}, %s, $(…))");
    }
    if secret.ends_with(b"...") || secret.ends_with("\u{2026}".as_bytes()) {
        return Some("elided: ends in `...`");
    }
    if has_sequence(secret, 6, 8) {
        return Some("a run of consecutive characters (`abcdef`, `12345678`): filler");
    }
    if [
        &b"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS"[..],
        b"LS0tLS1CRUdJTiBQVUJMSUMgS0VZ",
    ]
    .iter()
    .any(|p| secret.starts_with(p))
    {
        return Some("base64 of a certificate or public key (-----BEGIN CERTIFICATE/PUBLIC KEY)");
    }
    if has_format_field(secret) {
        return Some("a format or template field ({}, {0}, {name})");
    }
    if secret.contains(&b'<') && secret.contains(&b'>') {
        return Some("an angle-bracketed placeholder (<…>)");
    }
    if secret.len() > 2 && secret[0] == b'[' && secret[secret.len() - 1] == b']' {
        return Some("a bracketed placeholder ([…])");
    }
    if is_descriptive(secret) {
        return Some("words that describe a token rather than a token (access-token-string)");
    }
    (secret.len() <= RUN_CHECK_MAX_LEN && longest_run(secret) >= MAX_RUN)
        .then_some("a run of one repeated character (filler)")
}

/// Whether `v` holds a run of consecutive ascending letters (`abcdef`, `ABCDEF`) at least
/// `letters` long, or of digits (`12345678`) at least `digits` long. A random 40-character base62
/// token holds six such letters with a probability near 10^-8; digits need a longer run, since
/// decimal ids (Discord's snowflakes) hold `1234567` by chance far more often.
pub fn has_sequence(v: &[u8], letters: usize, digits: usize) -> bool {
    let mut run = 1;
    for w in v.windows(2) {
        let (a, b) = (w[0].to_ascii_lowercase(), w[1].to_ascii_lowercase());
        if a.is_ascii_alphanumeric() && b == a.wrapping_add(1) && b.is_ascii_alphanumeric() {
            run += 1;
            let need = if b.is_ascii_digit() { digits } else { letters };
            if run >= need {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// `{}`, `{0}`, `{name}`, `{name!r}`: a Python/Rust/C# format field, filled in at run time.
fn has_format_field(v: &[u8]) -> bool {
    let mut rest = v;
    while let Some(open) = rest.iter().position(|b| *b == b'{') {
        let after = &rest[open + 1..];
        let Some(close) = after.iter().position(|b| *b == b'}') else {
            return false;
        };
        if close <= 40
            && after[..close].iter().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'!' | b':' | b'[' | b']')
            })
        {
            return true;
        }
        rest = &after[close + 1..];
    }
    false
}

/// Words that documentation strings use to describe a value (`xoxa-access-token-string`,
/// `sk-your-api-key-here`, `my_secret_password`).
const DESCRIPTIVE: &[&str] = &[
    "access",
    "api",
    "app",
    "auth",
    "bot",
    "client",
    "code",
    "here",
    "id",
    "key",
    "my",
    "new",
    "password",
    "private",
    "refresh",
    "secret",
    "string",
    "test",
    "token",
    "user",
    "value",
    "your",
    "goes",
    "insert",
    "put",
    "replace",
    "some",
    "the",
    "valid",
    "invalid",
    "fake",
    "sample",
    "demo",
    "default",
    "personal",
    "webhook",
    "signing",
    "session",
    "service",
    "synthetic",
    "fixture",
    "mock",
    "url",
    "unknown",
    "dummy",
    // Product and language names a sample value is built from (`glpat-python-gitlab-token_`).
    "python",
    "ruby",
    "java",
    "node",
    "rust",
    "gitlab",
    "github",
    "slack",
    "stripe",
    "docker",
    "google",
    "azure",
    "aws",
    "npm",
    "pypi",
    "ci",
    "job",
    "deploy",
];

/// A value made of descriptive words (at least one), short abbreviations (`gh`, `sk`, `xoxa`,
/// `glpat`) and numbers, with at least two such parts and no part that mixes letters and digits:
/// `xoxa-access-token-string`, `gh-token-123`, `sk-test-api-key`, `glpat-python-gitlab-token_`.
fn is_descriptive(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return false;
    }
    let mut described = 0;
    for p in &parts {
        if DESCRIPTIVE
            .iter()
            .any(|d| p.eq_ignore_ascii_case(d.as_bytes()))
        {
            described += 1;
        } else if !(p.iter().all(u8::is_ascii_digit)
            || (p.len() <= 5 && p.iter().all(u8::is_ascii_alphabetic)))
        {
            return false;
        }
    }
    described >= 1 && parts.len() >= 3 || described >= 2
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len()
        && haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

fn longest_run(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in bytes {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn placeholders() {
        for p in [
            &b"AKIAIOSFODNN7EXAMPLE"[..],
            b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            b"${GITHUB_TOKEN}",
            b"{{ secrets.TOKEN }}",
            b"<your-token>",
            b"sk_live_000000000000000000000000",
            b"your_api_key_here",
            b"%s",
            b"$(cat token)",
            b"sk-1234567890abcdef",
            b"123e4567-e89b-12d3-a456-426614174000",
            b"123e4567e89b12d3a456426614174abc",
            b"[PASSWORD]",
            b"xoxa-access-token-string",
            // python-gitlab's functional tests.
            b"glpat-python-gitlab-token_",
            b"glpat-abc123",
            b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ] {
            assert!(is_placeholder(p), "{}", String::from_utf8_lossy(p));
        }
    }

    #[test]
    fn every_marker_has_a_reason() {
        for (m, reason) in super::MARKERS {
            assert_eq!(super::why(m), Some(*reason));
        }
    }

    #[test]
    fn long_key_material_may_have_runs() {
        let mut key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW".to_vec();
        key.extend_from_slice(b"QyNTUxOQAAACBDq8Qz7kzKcQ1X4iQ5c9n2mW0pL3fT6yU8hJ1rVbN0aAAAAJgq8Qz7kzKc\n-----END OPENSSH PRIVATE KEY-----");
        assert!(!is_placeholder(&key));
    }

    #[test]
    fn real_looking_tokens_pass() {
        for t in [
            &b"ghp_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb"[..],
            b"AKIAZ7Q3R2M4N5P6T8V9",
            b"hunter2!Qx",
            b"access-4f9a-token",
            // A token of letters only, split by `-`/`_`, whose parts are not all words.
            b"glpat-QxvRTmwPbnKdzLfH_jYc", // leakhound:allow (made up here)
        ] {
            assert!(!is_placeholder(t), "{}", String::from_utf8_lossy(t));
        }
    }
}
