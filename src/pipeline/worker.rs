//! The one worker both pipelines use: a sink for files (with their paths) and for git blobs
//! (whose paths are known only later). Each worker scans with its own scratch space, counts
//! what it read and skipped, batches progress, and merges its share into the run's total once,
//! when it ends.

use std::sync::Mutex;

use git2::Oid;

use super::{finding, BlobMatches};
use crate::blob::Blob;
use crate::finding::Finding;
use crate::progress::Progress;
use crate::scan::{Match, Scanner, Scratch};
use crate::source::git::{is_lfs_pointer, BlobSink};
use crate::source::{Sink, Skip};
use crate::summary::Summary;
use crate::triage::{Candidate, Suppression, Triage};

/// Progress is flushed every this many items, not per item...
const PROGRESS_BATCH: u64 = 128;
/// ... or every this many bytes, so a run of large blobs still moves the bar.
const PROGRESS_BATCH_BYTES: u64 = 8 << 20;

/// A git blob with findings whose paths are not known yet (their `location.path` is empty).
#[derive(Debug)]
pub(crate) struct Hit {
    /// The blob.
    pub blob: Oid,
    /// Where in the blob, when it is an archive: the entry's path (`lib/a.env`; empty for a
    /// bare compressed blob's content); `None` for the blob itself.
    pub member: Option<String>,
    /// Its findings, inline allow comments already applied.
    pub findings: Vec<Finding>,
}

/// What workers collect.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    /// Findings at known paths (files, standard input), triaged.
    pub findings: Vec<Finding>,
    /// Git blobs with findings, triaged when placed at their paths.
    pub hits: Vec<Hit>,
    /// Counts, skips, suppressions.
    pub summary: Summary,
    /// Git LFS pointer files scanned (their content was not fetched).
    pub lfs_pointers: u64,
    /// Matches whose line carries an inline allow marker that was not honoured (range and
    /// staged scans without `--trust-config`).
    pub distrusted_inline: u64,
}

impl Collected {
    /// Adds `other` to this.
    pub fn merge(&mut self, other: Collected) {
        self.findings.extend(other.findings);
        self.hits.extend(other.hits);
        self.lfs_pointers += other.lfs_pointers;
        self.distrusted_inline += other.distrusted_inline;
        self.summary.merge(other.summary);
    }
}

/// One worker's sink.
pub(crate) struct Worker<'a> {
    scanner: &'a Scanner,
    triage: &'a Triage,
    progress: &'a Progress,
    shared: &'a Mutex<Collected>,
    scratch: Scratch,
    local: Collected,
    /// Items and bytes not yet added to the progress bar.
    pending: (u64, u64),
    /// Record inline allow markers on lines where nothing matched (`--report-unused-ignores`).
    track_inline: bool,
}

impl<'a> Worker<'a> {
    /// A worker merging into `shared` when dropped.
    pub fn new(
        scanner: &'a Scanner,
        triage: &'a Triage,
        progress: &'a Progress,
        shared: &'a Mutex<Collected>,
        track_inline: bool,
    ) -> Self {
        Worker {
            scanner,
            triage,
            progress,
            shared,
            scratch: Scratch::default(),
            local: Collected::default(),
            pending: (0, 0),
            track_inline,
        }
    }

    /// Counts one item of `len` bytes as done.
    fn count(&mut self, len: u64) {
        self.pending.0 += 1;
        self.pending.1 += len;
        if self.pending.0 >= PROGRESS_BATCH || self.pending.1 >= PROGRESS_BATCH_BYTES {
            self.progress.add(self.pending.0, self.pending.1);
            self.pending = (0, 0);
        }
    }

    /// Scans `bytes`, counting them as scanned.
    fn scan(&mut self, bytes: &[u8]) -> Vec<Match> {
        let len = bytes.len() as u64;
        self.local.summary.files_scanned += 1;
        self.local.summary.bytes_scanned += len;
        self.count(len);
        self.scanner.scan(bytes, &mut self.scratch)
    }
}

impl Sink for Worker<'_> {
    fn blob(&mut self, blob: Blob<'_>) {
        let matches = self.scan(blob.bytes);
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
            let logical = !matches!(blob.origin, crate::blob::Origin::File { .. });
            let f = finding(self.scanner, blob.bytes, path, m, &all, logical);
            let candidate = Candidate {
                rule: &f.rule_id.0,
                fingerprint: &f.fingerprint.0,
                path,
                line: f.location.line.get(),
                commit: None,
                confidence: f.confidence,
                secret: f.secret.expose(),
                line_text: crate::scan::line_of(blob.bytes, m.start, m.end),
            };
            match self.triage.decide(&candidate) {
                Some(why) => self.local.summary.suppress(why),
                None => self.local.findings.push(f),
            }
        }
    }

    fn skip(&mut self, skip: Skip) {
        // A skipped item is done too: the bar must reach its total.
        self.count(0);
        self.local.summary.skip(skip);
    }
}

impl BlobSink for Worker<'_> {
    fn blob(&mut self, id: Oid, bytes: &[u8]) {
        if is_lfs_pointer(bytes) {
            self.local.lfs_pointers += 1;
        }
        self.git_blob(id, None, bytes);
    }

    fn member(&mut self, id: Oid, path: &str, bytes: &[u8]) {
        self.git_blob(id, Some(path), bytes);
    }

    fn skip(&mut self, skip: Skip) {
        Sink::skip(self, skip);
    }
}

impl Worker<'_> {
    /// Scans a git blob, or the entry at `member` inside it.
    fn git_blob(&mut self, id: Oid, member: Option<&str>, bytes: &[u8]) {
        let matches = self.scan(bytes);
        if matches.is_empty() {
            return;
        }
        // The path is not known yet: only inline allow comments can be applied here, where
        // the line is at hand; the rest of triage runs when the findings are placed.
        let honour_inline = self.triage.honours_inline_allows();
        let mut findings = Vec::new();
        let all = BlobMatches::new(&matches);
        for m in &matches {
            if Triage::inline_allowed(crate::scan::line_of(bytes, m.start, m.end)) {
                if honour_inline {
                    self.local.summary.suppress(Suppression::Inline);
                    continue;
                }
                self.local.distrusted_inline += 1;
            }
            findings.push(finding(
                self.scanner,
                bytes,
                member.unwrap_or(""),
                m,
                &all,
                false,
            ));
        }
        if !findings.is_empty() {
            self.local.hits.push(Hit {
                blob: id,
                member: member.map(str::to_string),
                findings,
            });
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.progress.add(self.pending.0, self.pending.1);
        let local = std::mem::take(&mut self.local);
        let mut shared = match self.shared.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        shared.merge(local);
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
