//! Text for people: one block per finding, colour only on a terminal.

use std::io::{self, Write};

use crate::finding::view::FindingView;
use crate::printable::escape;
use crate::progress::human_bytes;
use crate::summary::Summary;

use super::ReportOptions;

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(super) fn write(
    out: &mut dyn Write,
    findings: &[FindingView],
    opts: ReportOptions,
) -> io::Result<()> {
    let (bold, red, dim, reset) = if opts.color {
        (BOLD, RED, DIM, RESET)
    } else {
        ("", "", "", "")
    };
    for f in findings {
        let at = f
            .commit
            .as_ref()
            .map(|c| format!("@{}", c.short_id()))
            .unwrap_or_default();
        let notes = if f.annotations.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape(&f.annotations_text()))
        };
        writeln!(
            out,
            "{bold}{}{at}:{}:{}{reset}: {red}{}{reset} ({}, {} confidence): {}{notes}",
            escape(&f.path),
            f.line,
            f.column,
            escape(&f.rule_name),
            f.rule,
            f.confidence.as_str(),
            escape(&f.secret)
        )?;
        writeln!(out, "    {dim}{}{reset}", escape(&f.context))?;
        if let Some(r) = &f.repository {
            writeln!(out, "    in repository {}", escape(r))?;
        }
        if let Some(c) = &f.commit {
            let head = match f.present_at_head {
                Some(true) => "; still present at HEAD",
                Some(false) => "; no longer at HEAD",
                None => "",
            };
            writeln!(
                out,
                "    introduced in {} by {} <{}> on {}: {}{head}",
                c.short_id(),
                escape(&c.author),
                escape(&c.email),
                escape(&c.date),
                escape(&c.summary)
            )?;
        }
        if let Some(v) = &f.verification {
            let who = v
                .identity
                .as_deref()
                .map(|i| format!(" as {}", escape(i)))
                .unwrap_or_default();
            let why = v
                .detail
                .as_deref()
                .map(|d| format!(" ({})", escape(d)))
                .unwrap_or_default();
            let status = match v.status {
                crate::finding::Status::Active => format!("{red}{bold}ACTIVE{reset}"),
                s => s.as_str().to_string(),
            };
            writeln!(
                out,
                "    verified by {}: {status}{who}{why} at {}",
                escape(&v.provider),
                escape(&v.checked_at)
            )?;
        }
        if let Some(r) = &f.revocation {
            writeln!(
                out,
                "    revocation by {}: {}{} at {}",
                escape(&r.by),
                r.outcome.as_str(),
                r.detail
                    .as_deref()
                    .map(|d| format!(" ({})", escape(d)))
                    .unwrap_or_default(),
                escape(&r.at)
            )?;
        }
        writeln!(
            out,
            "    {dim}fingerprint {}{reset}",
            escape(&f.fingerprint)
        )?;
    }
    Ok(())
}

/// The human summary printed on stderr after a scan: counts, and every kind of skip with what
/// to do about it; with `verbose`, every skipped path too.
pub fn summary_lines(summary: &Summary, verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let unit = summary.unit();
    let counted = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut scanned = vec![counted(summary.files_scanned, unit)];
    for (n, what) in [
        (summary.commit_messages_scanned, "commit message"),
        (summary.tag_messages_scanned, "tag message"),
    ] {
        if let Some(n) = n.filter(|&n| n > 0) {
            scanned.push(counted(n, what));
        }
    }
    let scanned = match scanned.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => scanned.concat(),
    };
    lines.push(format!(
        "leakhound: {} finding{} · scanned {scanned} ({}) with {} rules in {:.2}s",
        summary.findings,
        if summary.findings == 1 { "" } else { "s" },
        human_bytes(summary.bytes_scanned),
        summary.rules,
        summary.duration.as_secs_f64()
    ));
    if let Some(config) = &summary.config {
        lines.push(format!("leakhound: config: {}", escape(config)));
    }
    if !summary.suppressed.is_empty() {
        let parts: Vec<String> = summary
            .suppressed
            .iter()
            .map(|(why, n)| format!("{n} by {}", why.as_str()))
            .collect();
        lines.push(format!("leakhound: suppressed {}", parts.join(", ")));
    }
    for (reason, n) in &summary.skipped {
        lines.push(format!(
            "leakhound: skipped {n} {reason} (not scanned; {})",
            reason.hint()
        ));
    }
    if verbose {
        for s in &summary.skips {
            match &s.detail {
                Some(d) => lines.push(format!(
                    "leakhound: skipped {} ({}): {}",
                    escape(&s.path),
                    s.reason,
                    escape(d)
                )),
                None => lines.push(format!(
                    "leakhound: skipped {} ({})",
                    escape(&s.path),
                    s.reason
                )),
            }
        }
    }
    lines
}
