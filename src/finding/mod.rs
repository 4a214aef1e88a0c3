//! Findings: what a scan reports (rule, secret, location, fingerprint, commit, verification).

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blob::CommitMeta;
use crate::rules::{Confidence, RuleId};
pub use crate::secret::{redact, render_annotations, Annotation, Annotations, Secret};

pub mod view;

/// A stable, content-based identity for a finding: SHA-256 over the rule id, a SHA-256 of the
/// secret and the path. It survives line moves and edits elsewhere in the file; a different
/// secret at the same place gets a different fingerprint.
///
/// The commit does not enter it (issue 16): the same secret at the same path has one identity
/// from `git --staged` (before any commit exists) to `git --range` in CI to a history audit,
/// and after a rebase or squash-merge, so an ignore entry or baseline made at any of these
/// points keeps matching at the others.
///
/// For *guessable* secrets (low-confidence rules: generic passwords, URL credentials, whose
/// values may be dictionary words), the secret enters only as the first [`GUESSABLE_BITS`] bits
/// of its hash (issue 13). A published fingerprint built from the whole hash let anyone holding
/// a report confirm a guessed password offline: hash each candidate with the rule id and path
/// from the report and compare. With 16 bits, one candidate in 65,536 matches, so a dictionary
/// of a million words leaves about fifteen equally good answers: the report no longer confirms a
/// password. A per-repository key would hide it better, but a key must be shared by every
/// machine that writes or reads baselines (CI, laptops) and kept out of the repository, and
/// fingerprints would change whenever it is missing; the truncation needs nothing and stays
/// stable for baselines and ignore files. The cost: a *different* guessable secret at the same
/// rule and path is taken for an ignored one with probability 1/65,536. A small
/// targeted list of candidates can still be checked against it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

/// Bits of a guessable secret's hash that enter its fingerprint (see [`Fingerprint`]).
pub const GUESSABLE_BITS: u32 = 16;

impl Fingerprint {
    /// Computes the fingerprint. The raw secret never enters it, only its hash; for a
    /// `guessable` secret only [`GUESSABLE_BITS`] of it.
    pub fn compute(rule: &RuleId, secret: &Secret, path: &str, guessable: bool) -> Self {
        let secret_hash = Sha256::digest(secret.expose());
        let mut h = Sha256::new();
        h.update(rule.0.as_bytes());
        h.update([0]);
        if guessable {
            // A distinct prefix, so the two kinds never share a fingerprint.
            h.update(b"guessable\0");
            h.update(&secret_hash[..(GUESSABLE_BITS / 8) as usize]);
        } else {
            h.update(secret_hash);
        }
        h.update([0]);
        h.update(path.as_bytes());
        // Where the commit id once went, left empty: fingerprints of tree, stdin and staged
        // findings are the same as before the commit was dropped, so existing ignore files and
        // baselines made from them still match.
        h.update([0]);
        let digest = h.finalize();
        Fingerprint(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One piece of a context line: plain text, or (part of) a secret that reports must redact.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Text around the secret.
    Text(String),
    /// A secret, or the part of one that falls on this line.
    Secret(Secret),
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// Path as reported: relative to the scan root, `/`-separated, lossy for non-UTF-8 names.
    pub path: String,
    /// 1-based line.
    pub line: NonZeroU32,
    /// 1-based column, in characters.
    pub column: NonZeroU32,
    /// Byte offset of the secret's start in the file.
    pub start: usize,
    /// Byte offset just past the secret's end.
    pub end: usize,
    /// Not a file: standard input, a commit or tag message (`path` is then `<stdin>`,
    /// `<commit message>`, …). SARIF gives these a logical location, not a file location.
    pub logical: bool,
}

/// A reported credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule that matched.
    pub rule_id: RuleId,
    /// The rule's name.
    pub rule_name: String,
    /// The rule's confidence.
    pub confidence: Confidence,
    /// The secret itself.
    pub secret: Secret,
    /// Shannon entropy of the secret.
    pub entropy: f64,
    /// Where it is.
    pub location: Location,
    /// The line around it, split into text and secrets.
    pub context: Vec<Segment>,
    /// Stable identity.
    pub fingerprint: Fingerprint,
    /// For history findings: the commit that introduced the secret at this path.
    pub commit: Option<CommitMeta>,
    /// Secrets the scanner found in this finding's git metadata (the commit's author name,
    /// e-mail and summary, and the path). Reports redact them there as they redact file
    /// content ([`Finding::shown_meta`]): a token pasted into a commit message must not appear
    /// in full in a redacted report (issue 13).
    pub metadata_secrets: Vec<Secret>,
    /// For history findings: whether the same secret is still in `HEAD`'s tree at this path.
    pub present_at_head: Option<bool>,
    /// What the checks established about it (empty for most findings).
    pub annotations: Annotations,
    /// Live verification, when `--verify` asked the provider.
    pub verification: Option<Verification>,
    /// Revocation attempt, under `--revoke` or `--revoke-hook`.
    pub revocation: Option<RevocationRecord>,
    /// The remote repository scanned (`leakhound git URL`, organisation audits), as a URL
    /// without credentials; `None` for local scans.
    pub repository: Option<String>,
}

/// Whether a credential is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted it.
    Active,
    /// The provider rejected it as invalid, expired or revoked.
    Inactive,
    /// No answer either way (network error, timeout, rate limit, unexpected response). Never
    /// taken as inactive.
    Unknown,
}

impl Status {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
            Status::Unknown => "unknown",
        }
    }
}

/// How a revocation attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The provider confirmed it.
    Revoked,
    /// The provider refused, or the request was never sent: the credential is still live.
    Failed,
    /// leakhound refused to act (e.g. no exact match in a lookup).
    Refused,
    /// No confirmation either way (timeout after sending, 5xx): check by hand; not retried.
    Unknown,
    /// `--dry-run`: what would have been called.
    DryRun,
    /// The revoke hook exited 0 and nothing could confirm it: the hook's word, not a
    /// revocation leakhound saw.
    HookReportedSuccess,
}

impl Outcome {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Revoked => "revoked",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Unknown => "unknown",
            Outcome::DryRun => "dry-run",
            Outcome::HookReportedSuccess => "hook-reported-success",
        }
    }
}

/// What the provider said about a finding's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The provider asked.
    pub provider: String,
    /// Live or not.
    pub status: Status,
    /// Who the credential belongs to, when the provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Why, in a few words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When (RFC 3339, UTC).
    pub checked_at: String,
}

/// How an attempt to revoke a finding's credential ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationRecord {
    /// The provider that was asked, or `hook` for `--revoke-hook`.
    pub by: String,
    /// The outcome.
    pub outcome: Outcome,
    /// Why, in a few words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
}

impl Finding {
    /// The context line rendered with every secret in it redacted (or raw when `redact` is
    /// false), control characters replaced by spaces, surrounding whitespace trimmed.
    pub fn context_line(&self, redact_secrets: bool) -> String {
        let mut out = String::new();
        for seg in &self.context {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Secret(s) if redact_secrets => out.push_str(&s.redacted()),
                Segment::Secret(s) => out.push_str(&String::from_utf8_lossy(s.expose())),
            }
        }
        out.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The path as a report shows it: for a history finding, with `redact`, secrets the
    /// scanner found in the path itself (git metadata, issue 13) redacted.
    pub fn shown_path(&self, redact: bool) -> Cow<'_, str> {
        self.shown_meta(&self.location.path, redact)
    }

    /// `field` (the path or one of the commit's texts) as a report shows it: with `redact`,
    /// every secret found in the metadata replaced by its redacted form.
    pub fn shown_meta<'a>(&self, field: &'a str, redact: bool) -> Cow<'a, str> {
        if !redact || self.metadata_secrets.is_empty() {
            return Cow::Borrowed(field);
        }
        let mut out = field.to_string();
        for s in &self.metadata_secrets {
            let raw = String::from_utf8_lossy(s.expose());
            if !raw.is_empty() && out.contains(raw.as_ref()) {
                out = out.replace(raw.as_ref(), &s.redacted());
            }
        }
        Cow::Owned(out)
    }

    /// The secret as a report shows it.
    pub fn secret_text(&self, redact_secrets: bool) -> String {
        if redact_secrets {
            self.secret.redacted()
        } else {
            String::from_utf8_lossy(self.secret.expose()).into_owned()
        }
    }

    /// Where the finding goes in a report ([`order_key`]).
    pub fn order_key(&self) -> OrderKey<'_> {
        order_key(
            self.repository.as_deref(),
            &self.location.path,
            self.location.line.get(),
            self.location.column.get(),
            &self.rule_id.0,
            self.commit.as_ref().map(|c| c.id.as_str()),
        )
    }
}

/// The order findings are reported in: by repository (organisation audits and remote scans;
/// none for a local scan), path, line, column, rule, then commit (history findings of one place
/// in several commits). A scan's findings ([`Finding`]) and findings read back from reports
/// ([`view::FindingView`]) are sorted by the same key.
pub fn order_key<'a>(
    repository: Option<&'a str>,
    path: &'a str,
    line: u32,
    column: u32,
    rule: &'a str,
    commit: Option<&'a str>,
) -> OrderKey<'a> {
    (repository, path, line, column, rule, commit)
}

/// What [`order_key`] returns.
pub type OrderKey<'a> = (Option<&'a str>, &'a str, u32, u32, &'a str, Option<&'a str>);

/// Keeps, for each key, only the items of the oldest version that has it: `keys[i]` and
/// `versions[i]` describe item `i`. Returns, for each item, `None` if it goes, else the number of
/// repeats (items of the same key in later versions) folded into it, counted on the first kept
/// item of its key only. Several items of one key in that oldest version are all kept.
///
/// A history scan uses it with (rule, secret, path) and the introducing commit's place in the
/// walk: a file edited in 100 commits around an unchanged secret holds 100 blobs with that
/// secret, but the secret entered history once, at the first. `leakhound merge` uses it with the
/// same place (rule, secret, path, fingerprint) and the commit's date, so findings of a history
/// split across machines are attributed as one machine would attribute them.
pub fn oldest_versions<K: std::hash::Hash + Eq, V: Ord + Copy>(
    keys: &[K],
    versions: &[V],
) -> Vec<Option<usize>> {
    use std::collections::{HashMap, HashSet};
    debug_assert_eq!(keys.len(), versions.len());
    let mut first: HashMap<&K, (V, usize)> = HashMap::new();
    for (k, &v) in keys.iter().zip(versions) {
        first
            .entry(k)
            .and_modify(|(o, _)| *o = (*o).min(v))
            .or_insert((v, 0));
    }
    let mut kept = Vec::with_capacity(keys.len());
    for (k, &v) in keys.iter().zip(versions) {
        kept.push(match first.get_mut(k) {
            Some((o, n)) if *o != v => {
                *n += 1;
                false
            }
            _ => true,
        });
    }
    let mut counted: HashSet<&K> = HashSet::new();
    keys.iter()
        .zip(kept)
        .map(|(k, keep)| {
            keep.then(|| {
                if counted.insert(k) {
                    first.get(k).map_or(0, |(_, n)| *n)
                } else {
                    0
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new(b"ghp_q8Fz1LmP0xVb7RtY3sKe9WnAq8Fz1LmP0xVb");
        assert_eq!(format!("{s}"), "ghp_q8Fz…");
        assert!(!format!("{s:?}").contains("7RtY3"));
        assert_eq!(Secret::new(b"short").redacted(), "s…");
        assert_eq!(Secret::new(b"abc").redacted(), "…");
    }

    #[test]
    fn oldest_versions_keep_the_first_version_of_each_key() {
        let keys = ["a", "a", "b", "a", "b"];
        let versions = [3, 1, 2, 1, 2];
        // "a": version 1 twice (both kept, the one repeat at version 3 counted on the first);
        // "b": version 2 twice (both kept, nothing folded).
        assert_eq!(
            oldest_versions(&keys, &versions),
            vec![None, Some(1), Some(0), Some(0), Some(0)]
        );
    }

    #[test]
    fn fingerprint_depends_on_secret_path_and_rule_only() {
        let r = RuleId("r".into());
        let a = Secret::new(b"secret-one");
        let b = Secret::new(b"secret-two");
        let base = Fingerprint::compute(&r, &a, "p", false);
        assert_eq!(base, Fingerprint::compute(&r, &a, "p", false));
        assert_ne!(base, Fingerprint::compute(&r, &b, "p", false));
        assert_ne!(base, Fingerprint::compute(&r, &a, "q", false));
        assert_ne!(
            base,
            Fingerprint::compute(&RuleId("s".into()), &a, "p", false)
        );
        assert_eq!(base.0.len(), 32);
    }

    #[test]
    fn guessable_fingerprints_carry_sixteen_bits_of_the_secret() {
        let r = RuleId("generic".into());
        let fp = |s: &[u8]| Fingerprint::compute(&r, &Secret::new(s), "p", true);
        // Stable, and different from the full-hash fingerprint of the same secret.
        assert_eq!(fp(b"Summer2024!"), fp(b"Summer2024!"));
        assert_ne!(
            fp(b"Summer2024!"),
            Fingerprint::compute(&r, &Secret::new(b"Summer2024!"), "p", false)
        );
        // Among 300,000 candidates, several share a fingerprint: it cannot confirm a guess.
        let target = fp(b"candidate-0");
        let same = (1..300_000)
            .filter(|i| fp(format!("candidate-{i}").as_bytes()) == target)
            .count();
        assert!(same >= 1, "no collision among 300,000 guesses");
    }
}
