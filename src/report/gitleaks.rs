//! gitleaks-compatible JSON: an array of objects with the field names and types of gitleaks'
//! `report.Finding` (gitleaks/gitleaks, `report/finding.go`: `RuleID`, `Description`,
//! `StartLine`, `EndLine`, `StartColumn`, `EndColumn`, `Match`, `Secret`, `File`,
//! `SymlinkFile`, `Commit`, `Entropy` (float32), `Author`, `Email`, `Date`, `Message`, `Tags`,
//! `Fingerprint`), so scripts written for gitleaks' `--report-format json` keep working.
//!
//! Where the tools differ:
//! - `Fingerprint` is gitleaks' positional form, `commit:file:rule:line` for history findings and
//!   `file:rule:line` otherwise, so it can be pasted into `.gitleaksignore` (which leakhound
//!   honours); leakhound's own fingerprint is in `Tags` as `fingerprint:…`.
//! - `Match` is the secret as shown (leakhound keeps no copy of the whole regex match); both it
//!   and `Secret` are redacted unless `--no-redact`.
//! - `EndColumn` is the column of the secret's last character (gitleaks counts it so); for a
//!   secret over several lines, on `EndLine`.
//! - `Message` is the first line of the commit message.
//! - `Tags` hold `confidence:…`, `fingerprint:…`, and `verified:…` / `present-at-head:…` when
//!   known.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::view::FindingView;

/// One finding with gitleaks' field names and types.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GitleaksFinding {
    #[serde(rename = "RuleID")]
    rule_id: String,
    description: String,
    start_line: i64,
    end_line: i64,
    start_column: i64,
    end_column: i64,
    #[serde(rename = "Match")]
    matched: String,
    secret: String,
    file: String,
    symlink_file: String,
    commit: String,
    entropy: f32,
    author: String,
    email: String,
    date: String,
    message: String,
    tags: Vec<String>,
    fingerprint: String,
}

impl GitleaksFinding {
    /// gitleaks' shape of `f`.
    pub fn new(f: &FindingView) -> Self {
        let c = f.commit.as_ref();
        let text = |get: fn(&crate::finding::view::CommitView) -> &str| {
            c.map(get).unwrap_or_default().to_string()
        };
        let mut tags = vec![
            format!("confidence:{}", f.confidence.as_str()),
            format!("fingerprint:{}", f.fingerprint),
        ];
        if let Some(v) = &f.verification {
            tags.push(format!("verified:{}", v.status.as_str()));
        }
        if let Some(p) = f.present_at_head {
            tags.push(format!("present-at-head:{p}"));
        }
        let fingerprint = match c {
            Some(c) => format!("{}:{}:{}:{}", c.id, f.path, f.rule, f.line),
            None => format!("{}:{}:{}", f.path, f.rule, f.line),
        };
        #[allow(clippy::cast_possible_truncation)]
        let entropy = f.entropy as f32;
        GitleaksFinding {
            rule_id: f.rule.clone(),
            description: f.rule_name.clone(),
            start_line: i64::from(f.line),
            end_line: i64::from(f.end_line),
            start_column: i64::from(f.column),
            end_column: i64::from(f.end_column.saturating_sub(1).max(1)),
            matched: f.secret.clone(),
            secret: f.secret.clone(),
            file: f.path.clone(),
            symlink_file: String::new(),
            commit: text(|c| &c.id),
            entropy,
            author: text(|c| &c.author),
            email: text(|c| &c.email),
            date: text(|c| &c.date),
            message: text(|c| &c.summary),
            tags,
            fingerprint,
        }
    }
}

pub(super) fn write(out: &mut dyn Write, findings: &[FindingView]) -> io::Result<()> {
    let all: Vec<GitleaksFinding> = findings.iter().map(GitleaksFinding::new).collect();
    serde_json::to_writer_pretty(&mut *out, &all)?;
    writeln!(out)
}
