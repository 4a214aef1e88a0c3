//! The glue: source → scanner → triage, for one run. The only module that knows every box.
//! Files and standard input here; git history, ranges and staged changes in [`git`].

pub mod evidence;
pub mod git;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::blob::Blob;
use crate::finding::{Finding, Fingerprint, Location, Secret, Segment};
use crate::progress::Progress;
use crate::scan::{Match, Scanner, Scratch, MAX_LINE_REACH};
use crate::source::fs::{self, FsOptions};
use crate::source::{stdin, Sink, Skip, SkipReason};
use crate::triage::{Candidate, Suppression, Triage};

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

/// Counts for one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files (or blobs) scanned.
    pub files_scanned: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Skipped items by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Every skipped item (listed with `--verbose`, always in JSON).
    pub skips: Vec<Skip>,
    /// Findings reported.
    pub findings: usize,
    /// Findings suppressed, by reason.
    pub suppressed: BTreeMap<Suppression, u64>,
    /// Rules loaded.
    pub rules: usize,
    /// Wall time.
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
    /// What was scanned, singular (`file`, `blob`); empty means `file`.
    #[serde(skip)]
    pub unit: &'static str,
    /// Things the user should know about the run (a truncated history, unfetched LFS content).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The run was stopped by Ctrl-C/SIGTERM: the findings are those found before the stop.
    pub interrupted: bool,
    /// Inline allow markers on lines where no rule matched, as `path:line`
    /// (only when [`ScanRequest::track_inline_allows`]).
    #[serde(skip)]
    pub unused_inline_allows: Vec<String>,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// Findings plus summary.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Reported findings, sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    summary: Summary,
}

/// One worker's sink: scans blobs with its own scratch space and merges into the shared result
/// once, when the worker ends.
struct Worker<'a> {
    track_inline: bool,
    scanner: &'a Scanner,
    triage: &'a Triage,
    progress: &'a Progress,
    shared: &'a Mutex<Collected>,
    scratch: Scratch,
    local: Collected,
}

impl Sink for Worker<'_> {
    fn blob(&mut self, blob: Blob<'_>) {
        let matches = self.scanner.scan(blob.bytes, &mut self.scratch);
        let len = blob.bytes.len() as u64;
        self.local.summary.files_scanned += 1;
        self.local.summary.bytes_scanned += len;
        self.progress.add(1, len);
        let path = blob.origin.display_path();
        if self.track_inline {
            for line in unused_inline_allows(blob.bytes, &matches) {
                self.local
                    .summary
                    .unused_inline_allows
                    .push(format!("{path}:{line}: inline allow marker"));
            }
        }
        if matches.is_empty() {
            return;
        }
        let all = BlobMatches::new(&matches);
        for m in &matches {
            let f = finding(self.scanner, blob.bytes, path, m, &all);
            let candidate = Candidate {
                rule: &f.rule_id.0,
                fingerprint: &f.fingerprint.0,
                path,
                line: f.location.line.get(),
                commit: None,
                secret: f.secret.expose(),
                line_text: line_of(blob.bytes, m),
            };
            match self.triage.decide(&candidate) {
                Some(why) => *self.local.summary.suppressed.entry(why).or_default() += 1,
                None => self.local.findings.push(f),
            }
        }
    }

    fn skip(&mut self, skip: Skip) {
        *self.local.summary.skipped.entry(skip.reason).or_default() += 1;
        self.local.summary.skips.push(skip);
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        let mut shared = match self.shared.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        shared.findings.extend(local.findings);
        let s = &mut shared.summary;
        s.files_scanned += local.summary.files_scanned;
        s.bytes_scanned += local.summary.bytes_scanned;
        for (k, v) in local.summary.suppressed {
            *s.suppressed.entry(k).or_default() += v;
        }
        for (k, v) in local.summary.skipped {
            *s.skipped.entry(k).or_default() += v;
        }
        s.skips.extend(local.summary.skips);
        s.unused_inline_allows
            .extend(local.summary.unused_inline_allows);
    }
}

/// 1-based lines holding an inline allow marker but no match.
fn unused_inline_allows(bytes: &[u8], matches: &[Match]) -> Vec<u32> {
    let mut lines: Vec<u32> = Vec::new();
    for marker in crate::triage::INLINE_ALLOW {
        for pos in memchr::memmem::find_iter(bytes, marker) {
            let n = memchr::memchr_iter(b'\n', &bytes[..pos]).count() + 1;
            let line = u32::try_from(n).unwrap_or(u32::MAX);
            if !matches.iter().any(|m| m.line.get() == line) && !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines.sort_unstable();
    lines
}

/// The line holding a match (bounded like scan windows), for inline allow markers.
pub(crate) fn line_of<'b>(bytes: &'b [u8], m: &Match) -> &'b [u8] {
    let lo = m.start.saturating_sub(MAX_LINE_REACH);
    let ls = memchr::memrchr(b'\n', &bytes[lo..m.start]).map_or(lo, |i| lo + i + 1);
    let hi = bytes.len().min(m.end.saturating_add(MAX_LINE_REACH));
    let le = memchr::memchr(b'\n', &bytes[m.end..hi]).map_or(hi, |i| m.end + i);
    &bytes[ls..le]
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
/// line (not only this one) is marked for redaction.
pub(crate) fn finding(
    scanner: &Scanner,
    bytes: &[u8],
    path: &str,
    m: &Match,
    blob: &BlobMatches<'_>,
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
            None,
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
        },
        context,
        commit: None,
        present_at_head: None,
        annotations,
        verification: None,
        revocation: None,
    }
}

/// Scans files, trees and `-` (stdin) as `req` says.
pub fn scan(scanner: &Scanner, triage: &Triage, req: &ScanRequest, progress: &Progress) -> Outcome {
    let started = Instant::now();
    let shared = Mutex::new(Collected::default());
    let make = || Worker {
        track_inline: req.track_inline_allows,
        scanner,
        triage,
        progress,
        shared: &shared,
        scratch: Scratch::default(),
        local: Collected::default(),
    };
    let (stdin_paths, paths): (Vec<PathBuf>, Vec<PathBuf>) = req
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    if !stdin_paths.is_empty() {
        let mut w = make();
        stdin::scan_reader(std::io::stdin().lock(), req.fs.max_file_size, &mut w);
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
    findings.sort_by(|a, b| {
        let commit = |f: &Finding| f.commit.as_ref().map(|c| c.id.clone());
        (
            &a.location.path,
            a.location.line,
            a.location.column,
            &a.rule_id,
            commit(a),
        )
            .cmp(&(
                &b.location.path,
                b.location.line,
                b.location.column,
                &b.rule_id,
                commit(b),
            ))
    });
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
