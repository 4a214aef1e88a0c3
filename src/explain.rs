//! `leakhound explain`: every candidate the rules find in some files, and why each one is or is
//! not reported. It answers the question a user asks when a token they know is there does not
//! show up: which rule saw it, and whether the entropy floor, the placeholder filter or an
//! offline check (a wrong checksum, an expired-format JWT, a truncated PEM body) turned it down,
//! or another rule's match on the same span won (the verdicts are the scanner's own, from
//! [`Scanner::explain`]).
//!
//! Candidates that exist only in derived text are explained too, marked with how it was derived:
//! a secret split across concatenated string literals (`"ghp_" + "…"`), and one inside a
//! base64 run (one level; deeper nesting is left to `scan`). Of a scan's
//! suppressions only the rules' settings apply (a configuration's disabled and overridden
//! rules). The allowlists, ignore files and baselines do not: explain says what the rules find.
//! Inline allow comments are on the line itself, though, so a reported candidate on a line
//! holding one says that a scan suppresses it.

use std::collections::HashSet;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::finding::redact;
use crate::scan::{line_of, Candidate, Rejection, Scanner, Scratch};
use crate::triage::{Suppression, Triage};

/// What to explain and how.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Redact candidates (the default on the command line).
    pub redacted: bool,
    /// Also list rules whose keyword occurs on a line where another rule's pattern matched.
    pub all: bool,
}

/// One line of the explanation. As JSON: `path`, `line`, `rule`, `verdict`, then `secret` for a
/// matched candidate, `entropy` and `floor` for an `entropy` verdict, `check` for a `check` one,
/// `winner` (the rule reported instead) for an `overlap` one, and `why` for the last three and
/// `placeholder`; a `reported` candidate that a scan suppresses all the same (an inline allow
/// comment on its line) adds `suppressed` with the reason's name, as in a scan's JSON summary
/// (`inline`); a candidate found in derived text adds `encoding` (`joined string literals`,
/// `base64`), and its `secret` is the joined or decoded one.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The input's name (`-` for standard input).
    pub path: &'a str,
    /// 1-based line of the candidate, or of the window start for `no-pattern`.
    pub line: usize,
    /// The rule's id.
    pub rule: &'a str,
    /// The candidate, redacted unless asked otherwise; `None` when the pattern matched nothing.
    pub secret: Option<String>,
    /// `None` when the pattern matched nothing, else the scanner's verdict on the candidate.
    pub outcome: Option<Result<(), Rejection>>,
    /// For [`Rejection::Overlap`]: the id of the rule whose match on the same span is
    /// reported instead.
    pub winner: Option<&'a str>,
    /// For a reported candidate: the suppression a scan applies to it whatever the
    /// configuration, [`Suppression::Inline`] when its line carries an inline allow comment.
    pub suppressed: Option<Suppression>,
    /// How the text the candidate was found in was derived from the file, if it was.
    pub encoding: Option<&'static str>,
}

impl Entry<'_> {
    /// `reported`, `placeholder`, `entropy`, `check`, `overlap` or `no-pattern`.
    pub fn verdict(&self) -> &'static str {
        match self.outcome {
            None => "no-pattern",
            Some(Ok(())) => "reported",
            Some(Err(Rejection::Placeholder(_))) => "placeholder",
            Some(Err(Rejection::Entropy { .. })) => "entropy",
            Some(Err(Rejection::Check { .. })) => "check",
            Some(Err(Rejection::Overlap { .. })) => "overlap",
        }
    }

    /// The human-readable reason.
    pub fn reason(&self) -> String {
        let reason = self.plain_reason();
        match self.encoding {
            Some(e) => format!("in {e}: {reason}"),
            None => reason,
        }
    }

    fn plain_reason(&self) -> String {
        match self.outcome {
            None => "a keyword occurs, but the rule's pattern matches nothing around it".into(),
            Some(Ok(())) => match self.suppressed {
                None => "reported".into(),
                Some(Suppression::Inline) => "reported by the rules; suppressed in a scan by an \
                                              inline allow comment on its line"
                    .into(),
                Some(s) => format!(
                    "reported by the rules; suppressed in a scan by {}",
                    s.as_str()
                ),
            },
            Some(Err(Rejection::Overlap { why, .. })) => format!(
                "not reported: overlaps {}'s match on the same span, which wins ({why})",
                self.winner.unwrap_or("another rule")
            ),
            Some(Err(r)) => format!("rejected: {r}"),
        }
    }
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("path", self.path)?;
        map.serialize_entry("line", &self.line)?;
        map.serialize_entry("rule", self.rule)?;
        map.serialize_entry("verdict", self.verdict())?;
        if let Some(secret) = &self.secret {
            map.serialize_entry("secret", secret)?;
        }
        if let Some(s) = self.suppressed {
            map.serialize_entry("suppressed", &s)?;
        }
        if let Some(e) = self.encoding {
            map.serialize_entry("encoding", e)?;
        }
        match self.outcome {
            Some(Err(Rejection::Entropy { entropy, floor })) => {
                map.serialize_entry("entropy", &round(entropy))?;
                map.serialize_entry("floor", &round(floor))?;
            }
            Some(Err(Rejection::Check { check, why })) => {
                map.serialize_entry("check", check.as_str())?;
                map.serialize_entry("why", why)?;
            }
            Some(Err(Rejection::Placeholder(why))) => map.serialize_entry("why", why)?,
            Some(Err(Rejection::Overlap { why, .. })) => {
                map.serialize_entry("winner", &self.winner)?;
                map.serialize_entry("why", why)?;
            }
            _ => {}
        }
        map.end()
    }
}

/// What a candidate found in derived text carries: the joined or decoded secret, and how the
/// text was derived.
type Derived = (Vec<u8>, &'static str);

/// Explains `bytes` (named `path`), calling `emit` once per entry; returns how many entries
/// were emitted.
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
    // Plain candidates (no derived secret), then those only derived text holds, by position.
    let mut candidates: Vec<(Candidate, Option<Derived>)> = scanner
        .explain(bytes, &mut scratch)
        .into_iter()
        .map(|c| (c, None))
        .collect();
    candidates.extend(
        scanner
            .explain_derived(bytes, &mut scratch)
            .into_iter()
            .map(|d| (d.candidate, Some((d.secret, d.encoding)))),
    );
    candidates.sort_by_key(|(c, _)| (c.start(), c.rule()));
    // Line numbers in one forward pass: the candidates are sorted by position.
    let mut pos = 0;
    let mut line = 1;
    let lines: Vec<usize> = candidates
        .iter()
        .map(|(c, _)| {
            line += memchr::memchr_iter(b'\n', &bytes[pos..c.start()]).count();
            pos = c.start();
            line
        })
        .collect();
    // Lines where some rule's pattern matched: there, "a keyword occurs" from other rules
    // (a generic rule's `token=`) is noise next to the verdict on the candidate itself.
    let matched_lines: HashSet<usize> = candidates
        .iter()
        .zip(&lines)
        .filter(|((c, _), _)| matches!(c, Candidate::Matched { .. }))
        .map(|(_, &l)| l)
        .collect();
    let rules = scanner.rules().rules();
    let mut emitted = 0;
    for ((c, derived), &line) in candidates.iter().zip(&lines) {
        let (secret, outcome, suppressed) = match *c {
            Candidate::Matched {
                start,
                end,
                verdict,
                ..
            } => {
                // The test a scan applies (see the pipeline's worker), on the same line.
                let inline = verdict.is_ok() && Triage::inline_allowed(line_of(bytes, start, end));
                (
                    Some(
                        derived
                            .as_ref()
                            .map_or(&bytes[start..end], |(d, _)| d.as_slice()),
                    ),
                    Some(verdict),
                    inline.then_some(Suppression::Inline),
                )
            }
            Candidate::NoPattern { .. } if !opts.all && matched_lines.contains(&line) => continue,
            Candidate::NoPattern { .. } => (None, None, None),
        };
        let winner = match outcome {
            Some(Err(Rejection::Overlap { winner, .. })) => Some(rules[winner].id.0.as_str()),
            _ => None,
        };
        emit(&Entry {
            path,
            line,
            rule: &rules[c.rule()].id.0,
            secret: secret.map(|s| {
                let text = String::from_utf8_lossy(s);
                if opts.redacted {
                    redact(&text)
                } else {
                    text.into_owned()
                }
            }),
            outcome,
            winner,
            suppressed,
            encoding: derived.as_ref().map(|(_, e)| *e),
        })?;
        emitted += 1;
    }
    Ok(emitted)
}

/// Writes `entry` as one text line: `path:line  rule  secret  reason`.
///
/// # Errors
/// A write error of `out`.
pub fn write_text(out: &mut dyn Write, entry: &Entry<'_>) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}  {}  {}{}",
        crate::printable::escape(entry.path),
        entry.line,
        entry.rule,
        entry
            .secret
            .as_deref()
            .map(|s| format!("{}  ", crate::printable::escape(s)))
            .unwrap_or_default(),
        crate::printable::escape(&entry.reason())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    /// `f` of every entry explaining `text` with the built-in rules.
    fn entries<T>(text: &str, redacted: bool, all: bool, f: impl Fn(&Entry<'_>) -> T) -> Vec<T> {
        let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
        let mut out = Vec::new();
        let opts = Options { redacted, all };
        explain(&scanner, "t", text.as_bytes(), opts, |e| {
            out.push(f(e));
            Ok(())
        })
        .unwrap();
        out
    }

    fn verdicts(text: &str) -> Vec<(String, &'static str)> {
        entries(text, true, true, |e| (e.rule.to_string(), e.verdict()))
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

    /// Entries as (rule, verdict, encoding, secret) for `text`, unredacted.
    fn derived(text: &str) -> Vec<(String, &'static str, Option<&'static str>, String)> {
        entries(text, false, false, |e| {
            (
                e.rule.to_string(),
                e.verdict(),
                e.encoding,
                e.secret.clone().unwrap_or_default(),
            )
        })
    }

    #[test]
    fn explains_secrets_split_across_string_literals_and_in_base64() {
        for valid in [true, false] {
            let token = github_token(valid);
            let (a, b) = token.split_at(12);
            let text = format!("token = \"{a}\" +\n    \"{b}\"\n");
            let v = derived(&text);
            let verdict = if valid { "reported" } else { "check" };
            assert!(
                v.contains(&(
                    "github-pat-classic".into(),
                    verdict,
                    Some("joined string literals"),
                    token.clone()
                )),
                "{v:?}"
            );
        }
        // The reason says where the candidate was found.
        let token = github_token(true);
        let (a, b) = token.split_at(12);
        let text = format!("token = \"{a}\" + \"{b}\"\n");
        let reasons = entries(&text, true, false, |e| e.reason());
        assert!(
            reasons.contains(&"in joined string literals: reported".to_string()),
            "{reasons:?}"
        );
        // A token inside a base64 blob (a Kubernetes Secret's data, say).
        let inner = format!("GITHUB_TOKEN={}\n", github_token(true));
        let b64 = crate::scan::encoded::tests::b64(inner.as_bytes());
        let v = derived(&format!("data:\n  env: {b64}\n"));
        assert!(
            v.iter()
                .any(|(r, verdict, enc, secret)| r == "github-pat-classic"
                    && *verdict == "reported"
                    && *enc == Some("base64")
                    && *secret == github_token(true)),
            "{v:?}"
        );
        // Plain candidates carry no encoding.
        let v = derived(&format!("GITHUB_TOKEN={}\n", github_token(true)));
        assert!(v.iter().all(|(_, _, enc, _)| enc.is_none()), "{v:?}");
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
                rules.push(e.verdict());
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
