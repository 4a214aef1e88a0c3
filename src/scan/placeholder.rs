//! Filters for values that have a secret's shape but are obviously not one: documentation
//! samples, template variables, masked values. Applied to the captured `secret` only, never to
//! the surrounding line, so `EXAMPLE_TOKEN=ghp_<real>` is still reported.

/// Substrings (compared ASCII case-insensitively) that mark a placeholder.
const MARKERS: &[&[u8]] = &[
    b"example",
    b"xxxx",
    b"placeholder",
    b"dummy",
    b"changeme",
    b"redacted",
    b"your_",
    b"your-",
    b"123456789",
    b"abcdefghij",
    // The tail of RFC 4122's example UUID `123e4567-e89b-12d3-a456-426614174000`, the usual
    // sample value for a GUID-shaped key in API docs (with or without the dashes).
    b"426614174",
];

/// Template and interpolation syntax: `${VAR}`, `{{ var }}`, `%s`, `$(cmd)`.
const TEMPLATES: &[&[u8]] = &[b"${", b"{{", b"%s", b"$("];

/// Length of a run of one repeated byte that marks filler (`000000`, `******`).
const MAX_RUN: usize = 6;
/// Secrets longer than this are exempt from the run check: key material (an OpenSSH key's
/// `AAAAAAAA` header, DER padding in PEM bodies) has long runs by nature.
const RUN_CHECK_MAX_LEN: usize = 128;

/// Whether `secret` looks like a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if MARKERS.iter().any(|m| contains_ignore_case(secret, m)) {
        return true;
    }
    if TEMPLATES
        .iter()
        .any(|t| secret.windows(t.len()).any(|w| w == *t))
    {
        return true;
    }
    if secret.contains(&b'<') && secret.contains(&b'>') {
        return true;
    }
    secret.len() <= RUN_CHECK_MAX_LEN && longest_run(secret) >= MAX_RUN
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
        ] {
            assert!(is_placeholder(p), "{}", String::from_utf8_lossy(p));
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
        ] {
            assert!(!is_placeholder(t), "{}", String::from_utf8_lossy(t));
        }
    }
}
