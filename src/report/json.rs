//! JSON (one document with a summary) and JSON Lines (one finding per line, for streaming
//! into other tools). [`super::read`] reads both back.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::finding::view::FindingView;
use crate::summary::Summary;

/// The JSON report: the tool, its version, the findings and the summary.
#[derive(Serialize, Deserialize)]
pub(super) struct Document<T> {
    pub tool: String,
    pub version: String,
    pub findings: Vec<FindingView>,
    pub summary: T,
}

pub(super) fn write_document(
    out: &mut dyn Write,
    findings: &[FindingView],
    summary: &Summary,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Out<'a> {
        tool: &'static str,
        version: &'static str,
        findings: &'a [FindingView],
        summary: &'a Summary,
    }
    let doc = Out {
        tool: "leakhound",
        version: env!("CARGO_PKG_VERSION"),
        findings,
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub(super) fn write_lines(out: &mut dyn Write, findings: &[FindingView]) -> io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, f)?;
        writeln!(out)?;
    }
    Ok(())
}
