//! Reading leakhound's own reports back: a JSON document (`-f json`: findings and summary) or
//! JSON Lines (`-f jsonl`: findings only), as [`FindingView`]s, so that `leakhound report`
//! renders them in any format exactly as the run that wrote them would have.
//!
//! What is read is taken as it is: a redacted report stays redacted (nothing here can un-redact
//! it), and each finding's `redacted` flag says whether its texts are. Errors name the file,
//! the line and the column, and never quote a value in full (a report written with
//! `--no-redact` holds secrets).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::json::Document;
use crate::finding::redact;
use crate::finding::view::FindingView;
use crate::summary::Summary;

/// Reports larger than this are refused: 4 GiB.
const MAX_BYTES: u64 = 4 << 30;

/// One report read back.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where it was read from.
    pub source: PathBuf,
    /// Its findings, in the report's order.
    pub findings: Vec<FindingView>,
    /// Its summary: `None` for JSON Lines, which carry findings only.
    pub summary: Option<Summary>,
}

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("{path}: cannot read: {error}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// Not a leakhound JSON or JSON Lines report, or a damaged one.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads the report at `path`.
///
/// # Errors
/// A file that cannot be read, or is not a leakhound JSON or JSON Lines report.
pub fn read_file(path: &Path) -> Result<Report, ReadError> {
    let name = crate::printable::escape(&path.to_string_lossy()).into_owned();
    let io = |error| ReadError::Io {
        path: name.clone(),
        error,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_BYTES {
        return Err(ReadError::Parse {
            path: name,
            line: 1,
            column: 0,
            message: format!("{len} bytes: larger than the {MAX_BYTES} bytes a report may have"),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        ReadError::Parse {
            path: name.clone(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column: at
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1,
            message: "not UTF-8: leakhound's JSON reports are UTF-8".into(),
        }
    })?;
    let mut report = parse(&name, &text)?;
    report.source = path.to_path_buf();
    Ok(report)
}

/// Parses report `text`; `name` names it in errors.
///
/// # Errors
/// Text that is not a leakhound JSON or JSON Lines report.
pub fn parse(name: &str, text: &str) -> Result<Report, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |line: usize, column: usize, message: String| ReadError::Parse {
        path: name.to_string(),
        line,
        column,
        message,
    };
    let mut report = Report {
        source: PathBuf::from(name),
        findings: Vec::new(),
        summary: None,
    };
    let Some((first_no, first)) = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty())
    else {
        // An empty JSON Lines report: a run that found nothing.
        return Ok(report);
    };
    let first = first.trim();
    if first.starts_with('[') {
        return Err(err(
            first_no + 1,
            1,
            "a JSON array, not a leakhound report (gitleaks writes its reports so; leakhound \
             reads its own `-f json` and `-f jsonl` reports)"
                .into(),
        ));
    }
    if !first.starts_with('{') {
        return Err(err(
            first_no + 1,
            1,
            "not a leakhound JSON or JSON Lines report (it does not start with `{`)".into(),
        ));
    }
    // One JSON object on the first line: JSON Lines, or a whole document written compactly.
    let one_line: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(first).ok();
    let document = first == "{"
        || one_line
            .as_ref()
            .is_some_and(|o| o.contains_key("findings"));
    if !document {
        if one_line
            .as_ref()
            .is_some_and(|o| o.contains_key("runs") || o.contains_key("$schema"))
        {
            return Err(err(first_no + 1, 1, sarif_message()));
        }
        report.findings = parse_lines(name, text)?;
    } else {
        let doc: Document<Summary> = serde_json::from_str(text).map_err(|e| {
            if text.contains("\"runs\"") && text.contains("\"$schema\"") {
                return err(e.line(), e.column(), sarif_message());
            }
            err(
                e.line(),
                e.column(),
                describe(&e, "a leakhound JSON report"),
            )
        })?;
        if doc.tool != "leakhound" {
            return Err(err(
                1,
                0,
                format!(
                    "written by {:?}, not leakhound",
                    crate::printable::escape(&redact_long(&doc.tool))
                ),
            ));
        }
        report.findings = doc.findings;
        report.summary = Some(doc.summary);
    }
    for f in &mut report.findings {
        f.complete();
    }
    Ok(report)
}

fn sarif_message() -> String {
    "a SARIF report: leakhound reads back its own `-f json` and `-f jsonl` reports (SARIF \
     loses what the other formats need)"
        .into()
}

/// Each non-blank line of `text` as one finding.
fn parse_lines(name: &str, text: &str) -> Result<Vec<FindingView>, ReadError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let f = FindingView::deserialize(&mut de)
            .and_then(|f| de.end().map(|()| f))
            .map_err(|e| ReadError::Parse {
                path: name.to_string(),
                line: i + 1,
                column: e.column(),
                message: describe(&e, "a leakhound finding (one JSON object per line)"),
            })?;
        out.push(f);
    }
    Ok(out)
}

/// serde's message for `e`, with every quoted value longer than a few characters redacted: a
/// report written with `--no-redact` holds secrets, and an error must not print one.
fn describe(e: &serde_json::Error, expected: &str) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the caller says where.
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg[..],
    };
    let mut out = String::new();
    let mut rest = msg;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = char::from(rest.as_bytes()[open]);
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find(quote) {
            Some(close) => {
                out.push_str(&redact_long(&after[..close]));
                out.push(quote);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&redact_long(after));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    format!(
        "not {expected}: {}",
        crate::printable::escape(&out).into_owned()
    )
}

/// `text` redacted when it is long enough to be a secret (field names stay readable).
fn redact_long(text: &str) -> String {
    if text.chars().count() > 16 {
        redact(text)
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line_and_hide_values() {
        let long = "glpat-0123456789abcdefghij";
        let text = format!(
            "{{\"rule\":\"r\",\"rule_name\":\"R\",\"confidence\":\"high\",\"path\":\"p\",\"line\":1,\"column\":1,\"start\":0,\"end\":1,\"secret\":\"s\",\"redacted\":true,\"entropy\":1.0,\"fingerprint\":\"f\",\"context\":\"c\"}}\n\n{{\"rule\":\"r\",\"line\":\"{long}\"}}\n"
        );
        let e = parse("x.jsonl", &text).unwrap_err().to_string();
        assert!(e.starts_with("x.jsonl:3:"), "{e}");
        assert!(!e.contains(long), "{e}");
        assert!(e.contains("not a leakhound finding"), "{e}");
    }

    #[test]
    fn other_formats_are_named() {
        let e = parse("g.json", "[{\"RuleID\": \"x\"}]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("gitleaks"), "{e}");
        let e = parse("s.sarif", "{\n \"$schema\": \"x\",\n \"runs\": []\n}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("SARIF"), "{e}");
        let e = parse("t.txt", "a.env:1:1: nothing\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.txt:1:1: not a leakhound"), "{e}");
        assert!(parse("empty.jsonl", "\n").unwrap().findings.is_empty());
    }
}
