//! The one worker both pipelines use: a sink for files (with their paths) and for git blobs
//! (whose paths are known only later). Each worker scans with its own scratch space, counts
//! what it read and skipped, batches progress, and merges its share into the run's total once,
//! when it ends.

use std::sync::{Arc, Mutex};

use git2::Oid;

use super::{finding, BlobMatches};
use crate::blob::Blob;
use crate::finding::Finding;
use crate::progress::Progress;
use crate::scan::delta::KeywordHits;
use crate::scan::{Match, Scanner, Scratch};
use crate::source::git::pack::TreeNode;
use crate::source::git::{is_lfs_pointer, BlobSink, Prepared};
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
    /// Delta trees (issue 15): the keyword hits of the last object handed at each depth of the
    /// tree being read ([`BlobSink::tree_node`]), so a child's are derived from its parent's.
    /// Only the current object's ancestors are kept.
    tree: Vec<Option<Arc<KeywordHits>>>,
    /// The blob announced by [`BlobSink::tree_blob`]: its bytes' address and length, and its
    /// keyword hits. The blob that comes next is scanned with those hits only if it is these
    /// very bytes (not UTF-16 decoded, not an archive's entry).
    current: Option<(usize, usize, Arc<KeywordHits>)>,
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
            tree: Vec::new(),
            current: None,
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
    fn scan(&mut self, bytes: &[u8], hits: Option<&KeywordHits>) -> Vec<Match> {
        let len = bytes.len() as u64;
        self.local.summary.files_scanned += 1;
        self.local.summary.bytes_scanned += len;
        self.count(len);
        match hits {
            Some(hits) => self.scanner.scan_with_hits(bytes, hits, &mut self.scratch),
            None => self.scanner.scan(bytes, &mut self.scratch),
        }
    }
}

impl Sink for Worker<'_> {
    fn blob(&mut self, blob: Blob<'_>) {
        let matches = self.scan(blob.bytes, None);
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

    fn tree_node(&mut self, node: &TreeNode<'_>) -> Option<Prepared> {
        let d = node.depth;
        // Pre-order: the parent is the last object handed at `d - 1`; deeper slots belong to
        // subtrees already finished.
        self.tree.truncate(d);
        if node.id.is_none() && !node.has_children {
            return None;
        }
        let bytes: &[u8] = node.bytes;
        let derived = match d.checked_sub(1).and_then(|p| self.tree.get(p)) {
            Some(Some(parent)) => self.scanner.derive_keyword_hits(parent, node.copies, bytes),
            _ => None,
        };
        #[cfg(test)]
        if let Some(d) = &derived {
            tests::DERIVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if self.scanner.keyword_hits(bytes).as_ref() != Some(d) {
                tests::WRONG.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let hits = derived
            .or_else(|| self.scanner.keyword_hits(bytes))
            .map(|mut h| {
                h.set_has_children(node.has_children);
                Arc::new(h)
            });
        if node.last_sibling {
            // Nothing else is made from the parent: its hits can go.
            if let Some(slot) = d.checked_sub(1).and_then(|p| self.tree.get_mut(p)) {
                *slot = None;
            }
        }
        self.tree.resize_with(d, || None);
        self.tree.push(hits.clone());
        let hits = hits.filter(|_| node.id.is_some())?;
        Some(Box::new(hits))
    }

    fn tree_blob(&mut self, bytes: &[u8], prepared: Prepared) {
        self.current = prepared
            .downcast::<Arc<KeywordHits>>()
            .ok()
            .map(|hits| (bytes.as_ptr() as usize, bytes.len(), *hits));
    }

    fn tree_node_done(&mut self) {
        self.current = None;
    }
}

impl Worker<'_> {
    /// Scans a git blob, or the entry at `member` inside it.
    fn git_blob(&mut self, id: Oid, member: Option<&str>, bytes: &[u8]) {
        let known = match self.current.take() {
            // The bytes the pack reader made, whose keyword hits are known.
            Some((at, len, hits))
                if member.is_none() && bytes.as_ptr() as usize == at && bytes.len() == len =>
            {
                Some(hits)
            }
            _ => None,
        };
        let matches = self.scan(bytes, known.as_deref());
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::source::git::GitOptions;

    /// Keyword hits derived from a delta base (counted by [`Worker::tree_node`] in test
    /// builds), and how many differed from a full pass over the same bytes.
    pub(super) static DERIVED: AtomicU64 = AtomicU64::new(0);
    pub(super) static WRONG: AtomicU64 = AtomicU64::new(0);

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// A file over 1 MiB dense with keywords, edited at random places in each of 30 versions
    /// (keyword pieces inserted, lines cut, joined and moved), repacked into delta trees: every
    /// version's keyword hits derived from its base equal a full pass over it, and the scan
    /// finds the same with and without deriving.
    #[test]
    fn every_derived_child_has_a_full_passs_hits() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        let words = [
            "token", "TOKEN", "password", "secret", "api_key", "AKIA", "ghp_", "xox", "sk-", "tok",
            "ken", "pass", "Bearer ", "aws_", "key", "=", "\n", " ",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % n as u64).unwrap_or(0)
        };
        let mut lines: Vec<String> = (0..60_000)
            .map(|i| format!("const v{i} = \"{}\";", words[i % words.len()]))
            .collect();
        // Credentials for the scans to find, made here (the self-scan would report literals).
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for i in (0..lines.len()).step_by(997) {
            let value: String = (0..24).map(|_| ALNUM[rand(ALNUM.len())] as char).collect();
            lines[i] = format!("db_password = \"{value}\"");
        }
        for v in 0..30 {
            for _ in 0..20 {
                let at = rand(lines.len());
                match rand(4) {
                    0 => {
                        let w = words[rand(words.len())];
                        let l = &mut lines[at];
                        let cut = rand(l.len());
                        l.insert_str(cut, w);
                    }
                    1 => {
                        lines.remove(at);
                    }
                    2 => {
                        let next = lines.get(at + 1).cloned().unwrap_or_default();
                        lines[at].push_str(&next);
                    }
                    _ => {
                        let moved = lines.remove(at);
                        let to = rand(lines.len());
                        lines.insert(to, moved);
                    }
                }
            }
            std::fs::write(dir.join("big.js"), lines.join("\n")).unwrap();
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("v{v}")]);
        }
        git(dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let ids: Vec<Oid> = git(dir, &["rev-list", "--all", "--objects"])
            .lines()
            .filter(|l| l.ends_with(" big.js"))
            .map(|l| Oid::from_str(&l[..40]).unwrap())
            .collect();
        assert_eq!(ids.len(), 30);
        let scanner = Scanner::new(crate::rules::RuleSet::builtin().unwrap()).unwrap();
        let triage = Triage::default();
        let progress = Progress::hidden();
        let mut opts = GitOptions {
            max_file_size: u64::MAX,
            scan_binary: false,
            threads: 1,
            pack_reader: true,
            delta_hits: true,
            archives: None,
        };
        let run = |opts: &GitOptions| {
            let shared = Mutex::new(Collected::default());
            crate::source::git::enumerate::read_blobs(&dir.join(".git"), &ids, opts, || {
                Worker::new(&scanner, &triage, &progress, &shared, false)
            });
            let c = shared.into_inner().unwrap();
            assert_eq!(c.summary.files_scanned, 30);
            let mut found: Vec<_> = c
                .hits
                .iter()
                .flat_map(|h| {
                    h.findings
                        .iter()
                        .map(move |f| (h.blob, f.rule_id.0.clone(), f.location.line.get()))
                })
                .collect();
            found.sort();
            found
        };
        let before = DERIVED.load(Ordering::Relaxed);
        let derived = run(&opts);
        assert!(derived.len() >= 30, "{derived:?}");
        let checked = DERIVED.load(Ordering::Relaxed) - before;
        assert!(checked >= 29, "only {checked} versions derived");
        assert_eq!(WRONG.load(Ordering::Relaxed), 0);
        opts.delta_hits = false;
        assert_eq!(derived, run(&opts));
    }
}
