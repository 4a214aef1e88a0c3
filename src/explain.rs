//! `leakhound explain`: every candidate the rules find in some files, and why each one is or is
//! not reported. It answers the question a user asks when a token they know is there does not
//! show up: which rule saw it, and whether the entropy floor, the placeholder filter or an
//! offline check (a wrong checksum, an expired-format JWT, a truncated PEM body) turned it down.
//!
//! Only plain content is explained; what base64 decoding adds is left to `scan`.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::redact;
use crate::scan::{Candidate, Rejection, Scanner, Scratch};

/// What to explain and how.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Redact candidates (the default on the command line).
    pub redacted: bool,
    /// Also list rules whose keyword occurs on a line where another rule's pattern matched.
    pub all: bool,
}

/// One line of the explanation.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    /// The input's name (`-` for standard input).
    pub path: &'a str,
    /// 1-based line of the candidate, or of the window start for `no-pattern`.
    pub line: usize,
    /// The rule's id.
    pub rule: &'a str,
    /// `reported`, `entropy`, `placeholder`, `check` or `no-pattern`.
    pub verdict: &'static str,
    /// The candidate, redacted unless asked otherwise; absent for `no-pattern`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The candidate's entropy and the floor it had to reach (`entropy` verdicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
    /// See `entropy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
    /// The offline check that failed (`check` verdicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<&'static str>,
}

impl Entry<'_> {
    /// The human-readable reason.
    pub fn reason(&self) -> String {
        match self.verdict {
            "reported" => "reported".to_string(),
            "entropy" => format!(
                "rejected: entropy {:.2} is below the floor {:.2} for a value of this length and alphabet",
                self.entropy.unwrap_or_default(),
                self.floor.unwrap_or_default()
            ),
            "placeholder" => "rejected: reads as a placeholder".to_string(),
            "check" => format!(
                "rejected: the {} check failed",
                self.check.unwrap_or_default()
            ),
            _ => "a keyword occurs, but the rule's pattern matches nothing around it".to_string(),
        }
    }
}

/// Explains `bytes` (named `path`), calling `emit` once per candidate; returns how many
/// candidates were reported.
///
/// # Errors
/// The first error `emit` returns.
pub fn explain(
    scanner: &Scanner,
    path: &str,
    bytes: &[u8],
    opts: Options,
    mut emit: impl FnMut(&Entry<'_>) -> io::Result<()>,
) -> io::Result<usize> {
    let mut scratch = Scratch::default();
    let mut reported = 0;
    let candidates = scanner.explain(bytes, &mut scratch);
    let line_of = |start: usize| 1 + memchr::memchr_iter(b'\n', &bytes[..start]).count();
    // Lines where some rule's pattern matched: there, "a keyword occurs" from other rules
    // (a generic rule's `token=`) is noise next to the verdict on the candidate itself.
    let matched_lines: std::collections::HashSet<usize> = candidates
        .iter()
        .filter_map(|c| match c {
            Candidate::Matched { start, .. } => Some(line_of(*start)),
            Candidate::NoPattern { .. } => None,
        })
        .collect();
    for c in candidates {
        if let Candidate::NoPattern { start, .. } = c {
            if !opts.all && matched_lines.contains(&line_of(start)) {
                continue;
            }
        }
        let (rule, start, secret, verdict) = match c {
            Candidate::Matched {
                rule,
                start,
                end,
                verdict,
            } => (rule, start, Some(&bytes[start..end]), Some(verdict)),
            Candidate::NoPattern { rule, start } => (rule, start, None, None),
        };
        let mut entry = Entry {
            path,
            line: line_of(start),
            rule: &scanner.rules().rules()[rule].id.0,
            verdict: "no-pattern",
            secret: secret.map(|s| {
                let text = String::from_utf8_lossy(s);
                if opts.redacted {
                    redact(&text)
                } else {
                    text.into_owned()
                }
            }),
            entropy: None,
            floor: None,
            check: None,
        };
        match verdict {
            Some(Ok(())) => {
                entry.verdict = "reported";
                reported += 1;
            }
            Some(Err(Rejection::Entropy { entropy, floor })) => {
                entry.verdict = "entropy";
                entry.entropy = Some((entropy * 1000.0).round() / 1000.0);
                entry.floor = Some((floor * 1000.0).round() / 1000.0);
            }
            Some(Err(Rejection::Placeholder)) => entry.verdict = "placeholder",
            Some(Err(Rejection::Check(check))) => {
                entry.verdict = "check";
                entry.check = Some(check.as_str());
            }
            None => {}
        }
        emit(&entry)?;
    }
    Ok(reported)
}

/// Writes `entry` as one text line: `path:line  rule  secret  reason`.
///
/// # Errors
/// A write error of `out`.
pub fn write_text(out: &mut impl Write, entry: &Entry<'_>) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}  {}  {}{}",
        entry.path,
        entry.line,
        entry.rule,
        entry
            .secret
            .as_deref()
            .map(|s| format!("{s}  "))
            .unwrap_or_default(),
        entry.reason()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn verdicts(text: &str) -> Vec<(String, &'static str)> {
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let mut out = Vec::new();
        let opts = Options {
            redacted: true,
            all: true,
        };
        explain(&scanner, "t", text.as_bytes(), opts, |e| {
            out.push((e.rule.to_string(), e.verdict));
            Ok(())
        })
        .unwrap();
        out
    }

    /// A GitHub classic token built here, with its CRC-32 right or wrong (no literal tokens in
    /// the sources, which scan themselves clean).
    fn github_token(valid: bool) -> String {
        let body = "Q8fz1LmP0xVb7RtY3sKe9WnAq2Hd5J";
        let mut sum = crate::scan::checks::crc32::base62_6(crate::scan::checks::crc32::crc32(
            body.as_bytes(),
        ));
        if !valid {
            sum[5] = if sum[5] == b'A' { b'B' } else { b'A' };
        }
        format!("ghp_{body}{}", String::from_utf8_lossy(&sum))
    }

    #[test]
    fn names_the_reason_for_each_rejection() {
        let v = verdicts(&format!("GITHUB_TOKEN={}\n", github_token(true)));
        assert!(
            v.contains(&("github-pat-classic".into(), "reported")),
            "{v:?}"
        );
        let v = verdicts(&format!("GITHUB_TOKEN={}\n", github_token(false)));
        assert!(v.contains(&("github-pat-classic".into(), "check")), "{v:?}");
        let v = verdicts("api_key = \"EXAMPLEq8Fz1LmP0xVb7RtY3sKe9WnA\"\n");
        assert!(
            v.contains(&("generic-secret-assignment".into(), "placeholder")),
            "{v:?}"
        );
        let v = verdicts("password = \"aaaabbbbccccdddd1\"\n");
        assert!(
            v.contains(&("generic-secret-assignment".into(), "entropy")),
            "{v:?}"
        );
        let v = verdicts("see ghp_ in the docs\n");
        assert!(
            v.contains(&("github-pat-classic".into(), "no-pattern")),
            "{v:?}"
        );
    }

    #[test]
    fn hides_keyword_noise_on_lines_with_a_candidate_unless_all() {
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let text = format!("GITHUB_TOKEN={}\n", github_token(true));
        let count = |all| {
            let mut rules = Vec::new();
            let opts = Options {
                redacted: true,
                all,
            };
            explain(&scanner, "t", text.as_bytes(), opts, |e| {
                rules.push(e.verdict);
                Ok(())
            })
            .unwrap();
            rules
        };
        assert!(!count(false).contains(&"no-pattern"));
        assert!(count(true).contains(&"no-pattern"));
        assert!(count(false).contains(&"reported"));
    }

    #[test]
    fn redacts_unless_asked() {
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let token = github_token(true);
        for redacted in [true, false] {
            let mut seen = Vec::new();
            let opts = Options {
                redacted,
                all: false,
            };
            explain(&scanner, "t", token.as_bytes(), opts, |e| {
                seen.push(e.secret.clone().unwrap_or_default());
                Ok(())
            })
            .unwrap();
            assert_eq!(seen.contains(&token), !redacted, "{seen:?}");
        }
    }
}
