//! The serialised shape of a finding: what the JSON and JSON Lines reports write for each
//! finding, and what the revoke hook receives on its standard input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::{Finding, RevocationRecord, Verification};
use crate::blob::CommitMeta;

/// The JSON shape of one finding. `secret` is redacted unless the run says otherwise.
#[derive(Debug, Serialize)]
pub struct FindingView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
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
    pub fn new(f: &Finding, c: &'a CommitMeta, redact: bool) -> Self {
        CommitView {
            id: &c.id,
            author: f.shown_meta(&c.author_name, redact),
            email: f.shown_meta(&c.author_email, redact),
            date: &c.date,
            summary: f.shown_meta(&c.summary, redact),
        }
    }
}

impl<'a> FindingView<'a> {
    /// The view of `f`, its secrets redacted if `redact`.
    pub fn new(f: &'a Finding, redact: bool) -> Self {
        FindingView {
            repository: f.repository.as_deref(),
            rule: &f.rule_id.0,
            rule_name: &f.rule_name,
            confidence: f.confidence.as_str(),
            path: f.shown_path(redact),
            line: f.location.line.get(),
            column: f.location.column.get(),
            start: f.location.start,
            end: f.location.end,
            secret: f.secret_text(redact),
            redacted: redact,
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            fingerprint: &f.fingerprint.0,
            context: f.context_line(redact),
            commit: f.commit.as_ref().map(|c| CommitView::new(f, c, redact)),
            present_at_head: f.present_at_head,
            annotations: f
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v.render(redact)))
                .collect(),
            verification: f.verification.as_ref(),
            revocation: f.revocation.as_ref(),
        }
    }
}
