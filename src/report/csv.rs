//! CSV (RFC 4180 through the `csv` crate: a header row, fields quoted when they hold a comma,
//! quote or line break, CRLF-free `\n` records), one row per finding, for spreadsheets.

use std::io::{self, Write};

use crate::finding::view::FindingView;

/// The header row, in column order.
pub const HEADER: [&str; 24] = [
    "rule",
    "rule_name",
    "confidence",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "secret",
    "redacted",
    "entropy",
    "fingerprint",
    "context",
    "commit",
    "author",
    "email",
    "date",
    "commit_summary",
    "present_at_head",
    "verification",
    "identity",
    "revocation",
    "annotations",
    "repository",
];

pub(super) fn write(out: &mut dyn Write, findings: &[FindingView]) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(HEADER)?;
    for f in findings {
        let c = f.commit.as_ref();
        let commit = |get: fn(&crate::finding::view::CommitView) -> &str| {
            c.map(get).unwrap_or_default().to_string()
        };
        let record: [String; 24] = [
            f.rule.clone(),
            f.rule_name.clone(),
            f.confidence.as_str().into(),
            f.path.clone(),
            f.line.to_string(),
            f.column.to_string(),
            f.end_line.to_string(),
            f.end_column.to_string(),
            f.secret.clone(),
            f.redacted.to_string(),
            f.entropy.to_string(),
            f.fingerprint.clone(),
            f.context.clone(),
            commit(|c| &c.id),
            commit(|c| &c.author),
            commit(|c| &c.email),
            commit(|c| &c.date),
            commit(|c| &c.summary),
            f.present_at_head.map(|p| p.to_string()).unwrap_or_default(),
            f.verification
                .as_ref()
                .map(|v| v.status.as_str().to_string())
                .unwrap_or_default(),
            f.verification
                .as_ref()
                .and_then(|v| v.identity.clone())
                .unwrap_or_default(),
            f.revocation
                .as_ref()
                .map(|r| r.outcome.as_str().to_string())
                .unwrap_or_default(),
            f.annotations_text(),
            f.repository.clone().unwrap_or_default(),
        ];
        w.write_record(&record)?;
    }
    w.flush()
}
