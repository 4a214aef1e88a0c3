//! The serialised shape of a finding: what the JSON and JSON Lines reports write for each
//! finding, what the revoke hook receives on its standard input, and what every reporter
//! renders from. A view is made once per finding under the run's redaction policy, so a
//! reporter never sees a raw secret unless the run asked for one; `leakhound report` reads
//! views back from a JSON or JSON Lines report and renders them the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Finding, RevocationRecord, Verification};
use crate::blob::CommitMeta;
use crate::rules::Confidence;

/// The JSON shape of one finding. `secret`, `context`, the path and the commit's texts are
/// redacted unless the run says otherwise (`redacted` says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingView {
    /// The remote repository scanned (`leakhound git URL`, organisation audits), credentials
    /// stripped; absent for a local scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Rule id.
    pub rule: String,
    /// Rule name.
    pub rule_name: String,
    /// The rule's confidence.
    pub confidence: Confidence,
    /// Path as reported (secrets found in it redacted).
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Line of the secret's last character (older reports lack it: then `line`).
    #[serde(default)]
    pub end_line: u32,
    /// Column just past the secret's end on `end_line`, in characters (SARIF's `endColumn`).
    /// For a secret found in decoded content, the end of the encoded text.
    #[serde(default)]
    pub end_column: u32,
    /// Byte offset of the secret's start.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// The secret, redacted unless `redacted` is false.
    pub secret: String,
    /// Whether `secret` and every other text here is redacted.
    pub redacted: bool,
    /// Shannon entropy, to three decimals.
    pub entropy: f64,
    /// Stable identity ([`super::Fingerprint`]).
    pub fingerprint: String,
    /// The line around the secret, every secret on it redacted.
    pub context: String,
    /// Not a file: standard input, a commit or tag message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub logical: bool,
    /// The commit that introduced a history finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitView>,
    /// Whether the secret is still in `HEAD`'s tree at this path (history findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
    /// Facts the checks established, rendered.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Live verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Revocation attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<RevocationRecord>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// The commit that introduced a history finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitView {
    /// Full commit id.
    pub id: String,
    /// Author name.
    pub author: String,
    /// Author e-mail.
    pub email: String,
    /// Author date, RFC 3339 UTC.
    pub date: String,
    /// First line of the message.
    pub summary: String,
}

impl CommitView {
    /// The view of `c`; with `redact`, secrets found in its texts are redacted.
    pub fn new(f: &Finding, c: &CommitMeta, redact: bool) -> Self {
        CommitView {
            id: c.id.clone(),
            author: f.shown_meta(&c.author_name, redact).into_owned(),
            email: f.shown_meta(&c.author_email, redact).into_owned(),
            date: c.date.clone(),
            summary: f.shown_meta(&c.summary, redact).into_owned(),
        }
    }

    /// The abbreviated id shown to people (8 hex digits).
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }
}

impl FindingView {
    /// The view of `f`, its secrets redacted if `redact`.
    pub fn new(f: &Finding, redact: bool) -> Self {
        let (end_line, end_column) = end_position(f);
        FindingView {
            repository: f.repository.clone(),
            rule: f.rule_id.0.clone(),
            rule_name: f.rule_name.clone(),
            confidence: f.confidence,
            path: f.shown_path(redact).into_owned(),
            line: f.location.line.get(),
            column: f.location.column.get(),
            end_line,
            end_column,
            start: f.location.start,
            end: f.location.end,
            secret: f.secret_text(redact),
            redacted: redact,
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            fingerprint: f.fingerprint.0.clone(),
            context: f.context_line(redact),
            logical: f.location.logical,
            commit: f.commit.as_ref().map(|c| CommitView::new(f, c, redact)),
            present_at_head: f.present_at_head,
            annotations: f
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.render(redact)))
                .collect(),
            verification: f.verification.clone(),
            revocation: f.revocation.clone(),
        }
    }

    /// Fills in what a report from an older version lacks (`end_line`, `end_column`: then the
    /// secret is taken to end on its line, one column per byte of its span, which is exact for
    /// ASCII secrets).
    pub fn complete(&mut self) {
        if self.end_line == 0 {
            self.end_line = self.line;
            let len = u32::try_from(self.end.saturating_sub(self.start)).unwrap_or(u32::MAX);
            self.end_column = self.column.saturating_add(len);
        }
    }

    /// The annotations as `name value` pairs joined by `, ` (for text and messages).
    pub fn annotations_text(&self) -> String {
        self.annotations
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The verification status's name, or `unverified`.
    pub fn status(&self) -> &'static str {
        self.verification
            .as_ref()
            .map_or("unverified", |v| v.status.as_str())
    }
}

/// Where the secret ends: its last line and the column just past it. A secret found in decoded
/// content ends where its encoded text ends, on its line.
fn end_position(f: &Finding) -> (u32, u32) {
    let line = f.location.line.get();
    let column = f.location.column.get();
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    if f.annotations.contains_key("encoding") {
        let len = to_u32(f.location.end.saturating_sub(f.location.start));
        return (line, column.saturating_add(len));
    }
    let text = String::from_utf8_lossy(f.secret.expose());
    match text.rsplit_once('\n') {
        None => (line, column.saturating_add(to_u32(text.chars().count()))),
        Some((before, last)) => {
            let breaks = to_u32(before.matches('\n').count() + 1);
            (
                line.saturating_add(breaks),
                to_u32(last.chars().count()).saturating_add(1),
            )
        }
    }
}
