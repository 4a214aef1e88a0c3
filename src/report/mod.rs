//! Reporters: findings and a summary in, bytes out. A reporter never opens a file or sees a raw
//! secret except through [`Finding::secret_text`] under the run's redaction policy.

pub mod json;
mod sarif;
mod text;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::summary::Summary;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// For people: `path:line:col`, rule, redacted secret, one line of context.
    Text,
    /// One JSON document: findings and summary.
    Json,
    /// One JSON object per finding per line.
    Jsonl,
    /// SARIF 2.1.0, as GitHub code scanning ingests it.
    Sarif,
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// The format.
    pub format: Format,
    /// Redact secrets (the default; `--no-redact` turns it off).
    pub redact: bool,
    /// ANSI colour (text only).
    pub color: bool,
}

/// Writes the report for one run.
///
/// # Errors
/// Any I/O error from `out`.
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    rules: &RuleSet,
    opts: ReportOptions,
) -> io::Result<()> {
    match opts.format {
        Format::Text => text::write(out, findings, opts),
        Format::Json => json::write_document(out, findings, summary, opts),
        Format::Jsonl => json::write_lines(out, findings, opts),
        Format::Sarif => sarif::write(out, findings, summary, rules, opts),
    }
}

pub use text::summary_lines;
