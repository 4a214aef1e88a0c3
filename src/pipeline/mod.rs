//! The glue: source → scanner → triage, for one run. The only module that knows every box.
//! Files and standard input here; git history, ranges and staged changes in [`git`].

pub mod evidence;
pub mod git;
pub mod image;
mod worker;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use crate::finding::{Finding, Fingerprint, Location, Secret, Segment};
use crate::progress::Progress;
use crate::scan::{Match, Scanner};
use crate::source::fs::{self, FsOptions};
use crate::source::stdin;
pub use crate::summary::Summary;
use crate::triage::Triage;
use worker::{Collected, Worker};

/// What to scan.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Files and directories; `-` means standard input.
    pub paths: Vec<PathBuf>,
    /// Walking options.
    pub fs: FsOptions,
    /// Record inline allow markers on lines where nothing matched (`--report-unused-ignores`).
    /// Costs one extra substring pass per file, so it is off by default.
    pub track_inline_allows: bool,
}

/// Findings plus summary.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Reported findings, sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
}

/// A blob's matches sorted by start, with the length of the longest, computed once per blob.
///
/// Building a finding looks up the matches overlapping its context line by binary search,
/// reaching back by the longest match. That length used to be recomputed for every finding, a
/// pass over all matches each time: 100,000 findings in one file took 35 s against 0.5 s spread
/// over 1,000 files (issue 13). Computed once, construction is O(n log n) in matches.
pub(crate) struct BlobMatches<'m> {
    all: &'m [Match],
    longest: usize,
}

impl<'m> BlobMatches<'m> {
    /// `all` must be sorted by start, as [`Scanner::scan`] returns them.
    pub(crate) fn new(all: &'m [Match]) -> Self {
        let longest = all.iter().map(|x| x.end - x.start).max().unwrap_or(0);
        BlobMatches { all, longest }
    }
}

/// Builds a finding; `blob` holds every match of the blob, so that every secret in the context
/// line (not only this one) is marked for redaction. `logical`: the path names no file on
/// disk (a commit message, a tag, stdin, a git blob).
pub(crate) fn finding(
    scanner: &Scanner,
    bytes: &[u8],
    path: &str,
    m: &Match,
    blob: &BlobMatches<'_>,
    logical: bool,
) -> Finding {
    let rule = scanner.rule(m);
    let secret = Secret::new(m.secret(bytes));
    let (cs, ce) = m.context;
    let (all, longest) = (blob.all, blob.longest);
    let from = all.partition_point(|x| x.start < cs.saturating_sub(longest));
    let to = all.partition_point(|x| x.start < ce);
    let mut context = Vec::new();
    let mut pos = cs;
    for x in &all[from..to.max(from)] {
        let (s, e) = (x.start.max(pos), x.end.min(ce));
        if s >= e {
            continue;
        }
        if s > pos {
            context.push(Segment::Text(
                String::from_utf8_lossy(&bytes[pos..s]).into_owned(),
            ));
        }
        context.push(Segment::Secret(Secret::new(&bytes[s..e])));
        pos = e;
    }
    if pos < ce {
        context.push(Segment::Text(
            String::from_utf8_lossy(&bytes[pos..ce]).into_owned(),
        ));
    }
    let mut annotations = m.annotations.clone();
    let confidence = evidence::judge(path, bytes, m.start, rule.confidence, &mut annotations);
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        confidence,
        fingerprint: Fingerprint::compute(
            &rule.id,
            &secret,
            path,
            rule.confidence == crate::rules::Confidence::Low,
        ),
        secret,
        entropy: m.entropy,
        location: Location {
            path: path.to_string(),
            line: m.line,
            column: m.column,
            start: m.start,
            end: m.end,
            logical,
        },
        context,
        commit: None,
        metadata_secrets: Vec::new(),
        present_at_head: None,
        annotations,
        verification: None,
        revocation: None,
        repository: None,
    }
}

/// Scans files, trees and `-` (stdin) as `req` says.
pub fn scan(scanner: &Scanner, triage: &Triage, req: &ScanRequest, progress: &Progress) -> Outcome {
    let started = Instant::now();
    let shared = Mutex::new(Collected::default());
    let make = || Worker::new(scanner, triage, progress, &shared, req.track_inline_allows);
    let (stdin_paths, paths): (Vec<PathBuf>, Vec<PathBuf>) = req
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    if !stdin_paths.is_empty() {
        let mut w = make();
        stdin::scan_reader(
            std::io::stdin().lock(),
            req.fs.max_file_size,
            req.fs.archives.as_ref(),
            &mut w,
        );
    }
    if !paths.is_empty() {
        fs::walk(&paths, &req.fs, make);
    }
    let c = match shared.into_inner() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    finish(scanner, c.findings, c.summary, started)
}

/// Sorts findings and skips, fills in the totals.
fn finish(
    scanner: &Scanner,
    mut findings: Vec<Finding>,
    mut summary: Summary,
    started: Instant,
) -> Outcome {
    findings.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    summary
        .skips
        .sort_by(|a, b| (&a.path, a.reason).cmp(&(&b.path, b.reason)));
    summary.unused_inline_allows.sort();
    summary.findings = findings.len();
    summary.rules = scanner.rules().len();
    summary.duration = started.elapsed();
    if crate::interrupt::requested() {
        summary.interrupted = true;
        summary.notes.push("interrupted: the scan stopped early; the findings are those found before the interrupt".into());
    }
    Outcome { findings, summary }
}
