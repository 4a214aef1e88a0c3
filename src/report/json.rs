//! JSON (one document with a summary) and JSON Lines (one finding per line, for streaming
//! into other tools).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::blob::CommitMeta;
use crate::finding::{Finding, RevocationRecord, Verification};
use crate::pipeline::Summary;

use super::ReportOptions;

/// The JSON shape of one finding. `secret` is redacted unless the run says otherwise.
#[derive(Debug, Serialize)]
pub struct FindingView<'a> {
    rule: &'a str,
    rule_name: &'a str,
    confidence: &'static str,
    path: Cow<'a, str>,
    line: u32,
    column: u32,
    start: usize,
    end: usize,
    secret: String,
    redacted: bool,
    entropy: f64,
    fingerprint: &'a str,
    context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<CommitView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    present_at_head: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'a str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: Option<&'a RevocationRecord>,
}

/// The commit that introduced a history finding.
#[derive(Debug, Serialize)]
pub struct CommitView<'a> {
    id: &'a str,
    author: Cow<'a, str>,
    email: Cow<'a, str>,
    date: &'a str,
    summary: Cow<'a, str>,
}

impl<'a> CommitView<'a> {
    /// The view of `c`; with `redact`, secrets found in its texts are redacted.
    pub fn new(c: &'a CommitMeta, redact: bool) -> Self {
        CommitView {
            id: &c.id,
            author: c.shown(&c.author_name, redact),
            email: c.shown(&c.author_email, redact),
            date: &c.date,
            summary: c.shown(&c.summary, redact),
        }
    }
}

impl<'a> FindingView<'a> {
    /// The view of `f` under `opts`' redaction policy.
    pub fn new(f: &'a Finding, opts: ReportOptions) -> Self {
        FindingView {
            rule: &f.rule_id.0,
            rule_name: &f.rule_name,
            confidence: f.confidence.as_str(),
            path: f.shown_path(opts.redact),
            line: f.location.line.get(),
            column: f.location.column.get(),
            start: f.location.start,
            end: f.location.end,
            secret: f.secret_text(opts.redact),
            redacted: opts.redact,
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            fingerprint: &f.fingerprint.0,
            context: f.context_line(opts.redact),
            commit: f.commit.as_ref().map(|c| CommitView::new(c, opts.redact)),
            present_at_head: f.present_at_head,
            annotations: f
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v.render(opts.redact)))
                .collect(),
            verification: f.verification.as_ref(),
            revocation: f.revocation.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    findings: Vec<FindingView<'a>>,
    summary: &'a Summary,
}

pub(super) fn write_document(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    opts: ReportOptions,
) -> io::Result<()> {
    let doc = Document {
        tool: "leakhound",
        version: env!("CARGO_PKG_VERSION"),
        findings: findings.iter().map(|f| FindingView::new(f, opts)).collect(),
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub(super) fn write_lines(
    out: &mut dyn Write,
    findings: &[Finding],
    opts: ReportOptions,
) -> io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, &FindingView::new(f, opts))?;
        writeln!(out)?;
    }
    Ok(())
}
