//! Reporters: findings and a summary in, bytes out. A reporter never opens a file or sees a raw
//! secret except through [`Finding::secret_text`] under the run's redaction policy.

mod csv;
pub mod gitleaks;
pub mod html;
pub mod json;
mod junit;
pub mod merge;
pub mod read;
mod sarif;
mod text;

use std::io::{self, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::finding::view::FindingView;
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
    /// CSV (RFC 4180) with a header row.
    Csv,
    /// JUnit XML: one failing test case per finding.
    Junit,
    /// gitleaks' JSON report shape.
    Gitleaks,
    /// One self-contained HTML page.
    Html,
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

/// Where findings' paths lead, for formats that must name files from a fixed place (SARIF:
/// the repository root). Paths in findings are relative to the scanned directory (so are
/// fingerprints and allowlist globs); text and JSON show them so.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// What joins the current directory to the directory findings' paths are relative to
    /// (`src` for `scan src`; empty when they are relative to the current directory already).
    pub prefix: PathBuf,
    /// The current directory, absolute and canonical; `None`: paths are left as they are.
    pub cwd: Option<PathBuf>,
    /// The root SARIF URIs are relative to, absolute and canonical: the git work tree holding
    /// the scanned path, else the current directory.
    pub root: Option<PathBuf>,
}

/// Writes the report for one run; a note for the summary when the report had to be cut
/// (SARIF: GitHub's limits on results and upload size).
///
/// # Errors
/// Any I/O error from `out`.
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    rules: &RuleSet,
    opts: ReportOptions,
    paths: &Paths,
) -> io::Result<Option<String>> {
    let views: Vec<FindingView> = findings
        .iter()
        .map(|f| FindingView::new(f, opts.redact))
        .collect();
    write_views(out, &views, summary, rules, opts, paths)
}

/// Writes the report for findings already rendered under a redaction policy: a run's
/// ([`write`]) or a report read back ([`read::read_file`]). `opts.redact` is not consulted: what is
/// redacted in a view stays redacted.
///
/// # Errors
/// Any I/O error from `out`.
pub fn write_views(
    out: &mut dyn Write,
    findings: &[FindingView],
    summary: &Summary,
    rules: &RuleSet,
    opts: ReportOptions,
    paths: &Paths,
) -> io::Result<Option<String>> {
    match opts.format {
        Format::Text => text::write(out, findings, opts).map(|()| None),
        Format::Json => json::write_document(out, findings, summary).map(|()| None),
        Format::Jsonl => json::write_lines(out, findings).map(|()| None),
        Format::Sarif => sarif::write(out, findings, summary, rules, paths),
        Format::Csv => csv::write(out, findings).map(|()| None),
        Format::Junit => junit::write(out, findings, summary).map(|()| None),
        Format::Gitleaks => gitleaks::write(out, findings).map(|()| None),
        Format::Html => html::write(out, findings, summary).map(|()| None),
    }
}

pub use text::summary_lines;
