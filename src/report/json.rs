//! JSON (one document with a summary) and JSON Lines (one finding per line, for streaming
//! into other tools).

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::view::FindingView;
use crate::finding::Finding;
use crate::summary::Summary;

use super::ReportOptions;

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
        findings: findings
            .iter()
            .map(|f| FindingView::new(f, opts.redact))
            .collect(),
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
        serde_json::to_writer(&mut *out, &FindingView::new(f, opts.redact))?;
        writeln!(out)?;
    }
    Ok(())
}
