//! The glue for git: history of selected refs, a commit range, or the staged index → scanner →
//! attribution → triage.
//!
//! History: one walk of the commits (oldest first, each against its first parent) lists every
//! unique blob with each path it appears at and the commit that put it there; the blobs are then
//! scanned once each, in pack order, on reader threads, and only blobs with matches are kept
//! (their findings built while the bytes are at hand, then the bytes dropped). Those findings are
//! then placed at every path of their blob, folded so that a secret is reported once per path, at
//! the oldest version holding it; commit metadata and `HEAD` checks are looked up for them only.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use git2::{Oid, Repository};

use super::worker::{Collected, Worker};
use super::{finding, finish, BlobMatches, Outcome};
use crate::blob::CommitMeta;
use crate::finding::{Finding, Fingerprint, Secret};
use crate::progress::Progress;
use crate::rules::Confidence;
use crate::scan::{Match, Scanner, Scratch};
use crate::shard::Shard;
use crate::source::git::enumerate::{self, Selection};
use crate::source::git::{self as source, range, staged, GitError, GitOptions};
use crate::summary::Summary;
use crate::triage::{Candidate, Suppression, Triage};

/// What part of a repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob reachable from the selected refs.
    History(Selection),
    /// Only what the commits of `BASE..HEAD` added.
    Range(String),
    /// Only the lines the index adds relative to `HEAD`; with files (pre-commit's
    /// `pass_filenames`, relative to the repository root), only theirs, or each whole when some
    /// have nothing staged ([`staged::given`]).
    Staged(Vec<String>),
}

/// A git scan.
#[derive(Debug, Clone)]
pub struct GitRequest {
    /// What to scan.
    pub mode: GitMode,
    /// Size, binary and thread options.
    pub opts: GitOptions,
    /// History scans only: scan only this shard's blobs, commit and tag messages
    /// ([`crate::shard`]); attribution still sees the whole history, so the findings of all
    /// shards together are those of the unsharded scan.
    pub shard: Option<Shard>,
}

/// Places findings at their path and commit, applies the path allowlist, and checks `HEAD`.
struct Placer<'a> {
    repo: &'a Repository,
    triage: &'a Triage,
    /// Scans commit metadata for secrets, so reports can redact them there too.
    scanner: &'a Scanner,
    /// Secrets found in each commit's author name, e-mail and summary, by commit id.
    meta_secrets: HashMap<String, Vec<Secret>>,
    /// Secrets found in each reported path.
    path_secrets: HashMap<String, Vec<Secret>>,
    /// `HEAD`'s tree, or why it cannot be read (then `present_at_head` stays unknown).
    head_tree: Result<git2::Tree<'a>, String>,
    /// Whether a finding could not be checked against `HEAD` for want of a tree.
    head_unknown: bool,
    head: HashMap<String, Option<Vec<u8>>>,
    out: Vec<Finding>,
    suppressed: BTreeMap<Suppression, u64>,
}

impl Placer<'_> {
    /// Returns whether the finding was kept (not suppressed). `path` is where it is reported;
    /// `in_archive` says it is inside an archive blob there (`dist/app.jar!/a.properties`), so
    /// `HEAD` cannot be checked for it by a byte search.
    fn place(
        &mut self,
        mut f: Finding,
        path: &str,
        in_archive: bool,
        commit: Option<&CommitMeta>,
    ) -> bool {
        f.location.path = path.to_string();
        f.fingerprint =
            Fingerprint::compute(&f.rule_id, &f.secret, path, f.confidence == Confidence::Low);
        // Inline allow comments were applied per blob, where the line is at hand.
        let candidate = Candidate {
            rule: &f.rule_id.0,
            fingerprint: &f.fingerprint.0,
            path,
            line: f.location.line.get(),
            commit: commit.map(|c| c.id.as_str()),
            confidence: f.confidence,
            secret: f.secret.expose(),
            line_text: b"",
        };
        if let Some(why) = self.triage.decide(&candidate) {
            *self.suppressed.entry(why).or_default() += 1;
            return false;
        }
        if let Some(c) = commit {
            // A commit message is not in any tree: whether it is "at HEAD" has no meaning.
            let in_tree = path != COMMIT_MESSAGE;
            match &self.head_tree {
                _ if !in_tree || in_archive => {}
                Ok(tree) => {
                    let repo = self.repo;
                    let head = self
                        .head
                        .entry(path.to_string())
                        .or_insert_with(|| source::head_blob(repo, tree, path));
                    let secret = f.secret.expose();
                    f.present_at_head = Some(
                        head.as_deref()
                            .is_some_and(|h| memchr::memmem::find(h, secret).is_some()),
                    );
                }
                Err(_) => self.head_unknown = true,
            }
            let mut secrets = self
                .meta_secrets
                .entry(c.id.clone())
                .or_insert_with(|| metadata_secrets(self.scanner, c))
                .clone();
            // The path is git metadata too: a token in a file name is redacted like one in
            // the summary.
            for s in self
                .path_secrets
                .entry(path.to_string())
                .or_insert_with(|| text_secrets(self.scanner, path))
            {
                if !secrets.contains(s) {
                    secrets.push(s.clone());
                }
            }
            f.commit = Some(c.clone());
            f.metadata_secrets = secrets;
        }
        self.out.push(f);
        true
    }
}

/// The path findings in commit messages are reported at.
pub const COMMIT_MESSAGE: &str = "<commit message>";

/// Scans the full message of each commit in `ids` as its own source (issue 13: secrets are
/// pasted into commit messages too, and were never scanned). Findings are reported at
/// [`COMMIT_MESSAGE`], attributed to their commit; their line is the message's. The messages
/// and their bytes are counted in `summary`. For a range's commits: a history's messages are
/// scanned as its walk reads them ([`MessageScan`]).
fn commit_messages(
    repo: &Repository,
    ids: &[Oid],
    scanner: &Scanner,
    placer: &mut Placer<'_>,
    summary: &mut Summary,
) {
    let scan = MessageScan::new(scanner, None);
    for &id in ids {
        if crate::interrupt::requested() {
            break;
        }
        if let Ok(commit) = source::find_commit(repo, id) {
            scan.message(id, commit.message_bytes());
        }
    }
    scan.place(repo, ids, scanner, placer, summary);
}

/// A commit's id, its message and the matches in it.
type MessageMatches = (Oid, Vec<u8>, Vec<Match>);

/// Commit messages scanned as they are read (on any thread), their findings placed afterwards.
struct MessageScan<'s> {
    scanner: &'s Scanner,
    shard: Option<Shard>,
    scanned: AtomicU64,
    bytes: AtomicU64,
    /// Each message with matches.
    found: Mutex<Vec<MessageMatches>>,
}

impl<'s> MessageScan<'s> {
    fn new(scanner: &'s Scanner, shard: Option<Shard>) -> Self {
        MessageScan {
            scanner,
            shard,
            scanned: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            found: Mutex::new(Vec::new()),
        }
    }

    /// Scans commit `id`'s message, unless another shard owns it.
    fn message(&self, id: Oid, msg: &[u8]) {
        if self.shard.is_some_and(|s| !s.owns(id.as_bytes())) {
            return;
        }
        self.scanned.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(msg.len() as u64, Ordering::Relaxed);
        let matches = self.scanner.scan(msg, &mut Scratch::default());
        if !matches.is_empty() {
            let mut found = match self.found.lock() {
                Ok(f) => f,
                Err(poisoned) => poisoned.into_inner(),
            };
            found.push((id, msg.to_vec(), matches));
        }
    }

    /// Places the findings in the order of `commits` (oldest first), and counts the messages
    /// in `summary`.
    fn place(
        self,
        repo: &Repository,
        commits: &[Oid],
        scanner: &Scanner,
        placer: &mut Placer<'_>,
        summary: &mut Summary,
    ) {
        let mut found = match self.found.into_inner() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut at: HashMap<Oid, usize> = found.iter().map(|f| (f.0, usize::MAX)).collect();
        for (i, id) in commits.iter().enumerate() {
            if let Some(a) = at.get_mut(id) {
                *a = (*a).min(i);
            }
        }
        found.sort_by_key(|f| (at.get(&f.0).copied(), f.0));
        for (id, msg, matches) in found {
            // Without its metadata (a commit libgit2 will not parse) the finding still stands.
            let meta = source::find_commit(repo, id)
                .ok()
                .map(|c| source::commit_meta(&c));
            let all = BlobMatches::new(&matches);
            for m in &matches {
                let f = finding(scanner, &msg, COMMIT_MESSAGE, m, &all, true);
                placer.place(f, COMMIT_MESSAGE, false, meta.as_ref());
            }
        }
        summary.bytes_scanned += self.bytes.into_inner();
        *summary.commit_messages_scanned.get_or_insert(0) += self.scanned.into_inner();
    }
}

/// Scans the messages of annotated tags, reported at `<tag message NAME>` with no commit. The
/// messages and their bytes are counted in `summary`.
fn tag_messages(
    repo: &Repository,
    shard: Option<Shard>,
    scanner: &Scanner,
    placer: &mut Placer<'_>,
    summary: &mut Summary,
) {
    let mut tags: Vec<(Oid, String)> = Vec::new();
    let _ = repo.tag_foreach(|id, name| {
        tags.push((id, String::from_utf8_lossy(name).into_owned()));
        true
    });
    let mut scratch = Scratch::default();
    let mut scanned = 0;
    for (id, name) in tags {
        if shard.is_some_and(|s| !s.owns(id.as_bytes())) {
            continue;
        }
        let tag = source::guard::check(id)
            .and_then(|()| source::guard::watch("tag", id, || repo.find_tag(id)));
        let Ok(tag) = tag else {
            continue; // a lightweight tag: no message
        };
        let Some(msg) = tag.message_bytes() else {
            continue;
        };
        scanned += 1;
        summary.bytes_scanned += msg.len() as u64;
        let matches = scanner.scan(msg, &mut scratch);
        let path = format!(
            "<tag message {}>",
            name.strip_prefix("refs/tags/").unwrap_or(&name)
        );
        let all = BlobMatches::new(&matches);
        for m in &matches {
            let f = finding(scanner, msg, &path, m, &all, true);
            placer.place(f, &path, false, None);
        }
    }
    *summary.tag_messages_scanned.get_or_insert(0) += scanned;
}

/// The secrets the scanner finds in a commit's author name, e-mail and summary (one line each,
/// so a match cannot span two fields).
fn metadata_secrets(scanner: &Scanner, c: &CommitMeta) -> Vec<Secret> {
    text_secrets(
        scanner,
        &format!("{}\n{}\n{}\n", c.author_name, c.author_email, c.summary),
    )
}

/// The distinct secrets the scanner finds in `text`.
fn text_secrets(scanner: &Scanner, text: &str) -> Vec<Secret> {
    let bytes = text.as_bytes();
    let mut scratch = Scratch::default();
    let mut out: Vec<Secret> = Vec::new();
    for m in scanner.scan(bytes, &mut scratch) {
        let s = Secret::new(m.secret(bytes));
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn read(
    repo: &Repository,
    ids: &[Oid],
    opts: &GitOptions,
    scanner: &Scanner,
    triage: &Triage,
    progress: &Progress,
) -> Collected {
    let shared = Mutex::new(Collected::default());
    enumerate::read_blobs(repo.path(), ids, opts, || {
        Worker::new(scanner, triage, progress, &shared, false)
    });
    match shared.into_inner() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Scans `repo` as `req` says.
///
/// # Errors
/// [`GitError`] when the refs, range or index cannot be read at all. Missing objects, submodules,
/// binary and oversized blobs are skips in the summary, not errors.
pub fn scan_git(
    scanner: &Scanner,
    triage: &Triage,
    repo: &Repository,
    req: &GitRequest,
    progress: &Progress,
) -> Result<Outcome, GitError> {
    let started = Instant::now();
    // Before anything reads an object: `HEAD`'s tree below is the first read.
    let damaged = source::preflight(repo)?;
    let mut placer = Placer {
        repo,
        triage,
        scanner,
        meta_secrets: HashMap::new(),
        path_secrets: HashMap::new(),
        head_tree: source::head_tree(repo),
        head_unknown: false,
        head: HashMap::new(),
        out: Vec::new(),
        suppressed: BTreeMap::new(),
    };
    let mut c = match &req.mode {
        GitMode::History(sel) => history(repo, sel, req, scanner, progress, &mut placer)?,
        GitMode::Range(spec) => commit_range(repo, spec, req, scanner, progress, &mut placer)?,
        GitMode::Staged(files) => staged_index(repo, files, req, scanner, progress, &mut placer)?,
    };
    // A damaged loose object the scan also met is counted once, where it was met.
    for s in damaged {
        let met =
            c.summary.skips.iter().any(|k| {
                k.path == s.path || k.detail.as_ref().is_some_and(|d| d.contains(&s.path))
            });
        if !met {
            c.summary.skip(s);
        }
    }
    for (k, v) in std::mem::take(&mut placer.suppressed) {
        *c.summary.suppressed.entry(k).or_default() += v;
    }
    if repo.is_shallow() && !matches!(req.mode, GitMode::Staged(_)) {
        c.summary.notes.push(
            "shallow clone: history is truncated, commits before the shallow boundary were not scanned \
             (`git fetch --unshallow` fetches them)"
                .into(),
        );
    }
    if let (true, Err(why)) = (placer.head_unknown, &placer.head_tree) {
        c.summary.notes.push(format!(
            "{why}: whether each secret is still present at HEAD is not reported"
        ));
    }
    if c.distrusted_inline > 0 {
        // Counted per match in the scanned blobs, before only added lines are kept: an upper
        // bound on the findings concerned.
        c.summary.notes.push(format!(
            "inline allow comments were not honoured on {} match(es): in range and staged scans \
             they would come from the changes under review (suppressions come from the base \
             commit; --trust-config honours them)",
            c.distrusted_inline
        ));
    }
    if c.lfs_pointers > 0 {
        c.summary.notes.push(format!(
            "{} Git LFS pointer file{} scanned as pointers; LFS content was not fetched",
            c.lfs_pointers,
            if c.lfs_pointers == 1 { "" } else { "s" }
        ));
    }
    Ok(finish(scanner, placer.out, c.summary, started))
}

fn history(
    repo: &Repository,
    sel: &Selection,
    req: &GitRequest,
    scanner: &Scanner,
    progress: &Progress,
    placer: &mut Placer<'_>,
) -> Result<Collected, GitError> {
    let messages = MessageScan::new(scanner, req.shard);
    let mut reach = enumerate::reachable(
        repo,
        sel,
        req.opts.threads,
        &|id, msg| messages.message(id, msg),
        progress,
    )?;
    let mut blobs = std::mem::take(&mut reach.blobs);
    if let Some(shard) = req.shard {
        blobs.retain(|id| shard.owns(id.as_bytes()));
    }
    progress.phase("scanning blobs", blobs.len() as u64);
    let mut c = read(repo, &blobs, &req.opts, scanner, placer.triage, progress);
    for s in std::mem::take(&mut reach.skips) {
        c.summary.skip(s);
    }
    progress.phase("attributing findings", c.hits.len() as u64);
    // Every finding at every path its blob was introduced at, with the introducing commit's
    // place in the walk (tag-only blobs last).
    let mut placed: Vec<Placed> = Vec::new();
    for hit in std::mem::take(&mut c.hits) {
        progress.add(1, 0);
        place_hit(repo, &reach, hit, false, &mut placed);
    }
    if let Some(shard) = req.shard.filter(Shard::splits) {
        let (read_more, extra) =
            older_versions(repo, &reach, &placed, shard, req, scanner, placer, progress);
        if read_more > 0 {
            c.summary.notes.push(format!(
                "shard {shard}: {read_more} older version(s) of files with findings, belonging to \
                 other shards, were read to attribute each secret to the commit that introduced \
                 it (they are reported by their own shard)"
            ));
        }
        for hit in extra {
            place_hit(repo, &reach, hit, true, &mut placed);
        }
    }
    let mut folded = 0;
    for (p, repeats) in oldest_versions(placed) {
        if p.foreign {
            continue;
        }
        // Repeats of a suppressed finding are not worth a note.
        if placer.place(p.finding, &p.path, p.in_archive, p.commit.as_ref()) {
            folded += repeats;
        }
    }
    if folded > 0 {
        c.summary.notes.push(format!(
            "{folded} repeat{} of these secrets in later versions of their files not reported \
             again (each is reported at the commit that introduced it)",
            if folded == 1 { "" } else { "s" },
        ));
    }
    progress.phase("scanning commit and tag messages", 0);
    messages.place(repo, &reach.commits, scanner, placer, &mut c.summary);
    if *sel == Selection::All {
        tag_messages(repo, req.shard, scanner, placer, &mut c.summary);
    }
    Ok(c)
}

/// The path a finding is reported at: the blob's, or `BLOB_PATH!/ENTRY` for an entry of an
/// archive blob (the blob's own path for a bare compressed blob's content).
fn member_path(path: &str, member: Option<&str>) -> String {
    match member {
        Some(m) => crate::source::archive::join(path, m),
        None => path.to_string(),
    }
}

/// A finding placed at one path its blob was introduced at.
struct Placed {
    /// The introducing commit's place in the walk (`u32::MAX` for blobs only tags reach).
    order: u32,
    /// The blob holding the finding.
    blob: Oid,
    /// Where the blob was introduced (with the entry's path for an archive's entry).
    path: String,
    /// Where the blob was introduced (the archive's own path for an archive's entry).
    blob_path: String,
    /// The finding is in an entry of an archive blob.
    in_archive: bool,
    /// The commit that introduced it there.
    commit: Option<CommitMeta>,
    /// The finding.
    finding: Finding,
    /// Read by a sharded scan only to attribute its own findings: another shard reports it.
    foreign: bool,
}

/// Adds `hit`'s findings at every path its blob was introduced at (or its tag path).
fn place_hit(
    repo: &Repository,
    reach: &enumerate::Reachable,
    hit: super::worker::Hit,
    foreign: bool,
    placed: &mut Vec<Placed>,
) {
    // Scanned once, reported at every path the blob was introduced at.
    let intros = reach.introductions(repo, hit.blob);
    let in_archive = hit.member.is_some();
    if intros.is_empty() {
        let blob_path = reach
            .tag_paths
            .get(&hit.blob)
            .cloned()
            .unwrap_or_else(|| hit.blob.to_string());
        let path = member_path(&blob_path, hit.member.as_deref());
        for f in hit.findings {
            placed.push(Placed {
                order: u32::MAX,
                blob: hit.blob,
                path: path.clone(),
                blob_path: blob_path.clone(),
                in_archive,
                commit: None,
                finding: f,
                foreign,
            });
        }
        return;
    }
    for intro in intros {
        let path = member_path(&intro.path, hit.member.as_deref());
        for f in &hit.findings {
            placed.push(Placed {
                order: intro.order,
                blob: hit.blob,
                path: path.clone(),
                blob_path: intro.path.clone(),
                in_archive,
                commit: Some(intro.commit.clone()),
                finding: f.clone(),
                foreign,
            });
        }
    }
}

/// For a sharded scan: reads the blobs of other shards that are older versions of the paths
/// where this shard placed findings, so that [`oldest_versions`] sees every version that could
/// hold the same secret earlier. Without them a shard holding only the second version of a file
/// would report the secret there, where the unsharded scan reports it once, at the first.
/// Returns how many blobs were read, and their hits (to be placed as foreign).
#[allow(clippy::too_many_arguments)]
fn older_versions(
    repo: &Repository,
    reach: &enumerate::Reachable,
    placed: &[Placed],
    shard: Shard,
    req: &GitRequest,
    scanner: &Scanner,
    placer: &mut Placer<'_>,
    progress: &Progress,
) -> (usize, Vec<super::worker::Hit>) {
    // The newest version holding a finding, per path: older ones are the candidates.
    let mut newest: HashMap<&str, (u32, Oid)> = HashMap::new();
    for p in placed.iter().filter(|p| p.commit.is_some()) {
        let v = (p.order, p.blob);
        newest
            .entry(p.blob_path.as_str())
            .and_modify(|n| *n = (*n).max(v))
            .or_insert(v);
    }
    let paths: HashSet<&str> = newest.keys().copied().collect();
    let mut wanted: HashSet<Oid> = HashSet::new();
    for (path, versions) in reach.versions_at(&paths) {
        let Some(&limit) = newest.get(path.as_str()) else {
            continue;
        };
        for (order, blob) in versions {
            if (order, blob) < limit && !shard.owns(blob.as_bytes()) {
                wanted.insert(blob);
            }
        }
    }
    let ids: Vec<Oid> = wanted.into_iter().collect();
    if ids.is_empty() {
        return (0, Vec::new());
    }
    let mut extra = read(repo, &ids, &req.opts, scanner, placer.triage, progress);
    (ids.len(), std::mem::take(&mut extra.hits))
}

impl Placed {
    /// The (rule, secret, path) a secret is reported once per.
    fn key(&self) -> (&str, &[u8], &str) {
        (
            self.finding.rule_id.0.as_str(),
            self.finding.secret.expose(),
            self.path.as_str(),
        )
    }
}

/// Keeps, for each (rule, secret, path), only the findings of the oldest blob version that has it
/// ([`crate::finding::oldest_versions`]): the secret entered history once, at the first, and its
/// attribution must not change with every later edit. Each kept finding comes with the number of
/// repeats folded into it.
fn oldest_versions(placed: Vec<Placed>) -> Vec<(Placed, usize)> {
    let keys: Vec<_> = placed.iter().map(Placed::key).collect();
    let versions: Vec<(u32, Oid)> = placed.iter().map(|p| (p.order, p.blob)).collect();
    let keep = crate::finding::oldest_versions(&keys, &versions);
    drop(keys);
    placed
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.map(|n| (p, n)))
        .collect()
}

fn commit_range(
    repo: &Repository,
    spec: &str,
    req: &GitRequest,
    scanner: &Scanner,
    progress: &Progress,
    placer: &mut Placer<'_>,
) -> Result<Collected, GitError> {
    let rc = range::introduced(repo, spec, progress)?;
    progress.phase("scanning blobs", rc.blobs.len() as u64);
    // A range reads a few blobs of what may be a huge pack: planning a delta-tree read parses
    // the pack's whole index, which would cost more than it saves. libgit2 reads them.
    let opts = GitOptions {
        pack_reader: false,
        delta_hits: false,
        ..req.opts.clone()
    };
    let mut c = read(repo, &rc.blobs, &opts, scanner, placer.triage, progress);
    for s in rc.skips {
        c.summary.skip(s);
    }
    let mut metas: HashMap<Oid, CommitMeta> = HashMap::new();
    progress.phase("attributing findings", c.hits.len() as u64);
    for hit in std::mem::take(&mut c.hits) {
        progress.add(1, 0);
        for ch in rc.changes.get(&hit.blob).into_iter().flatten() {
            let added = if hit.member.is_some() {
                Vec::new()
            } else {
                source::added_lines(repo, ch.old, hit.blob)?
            };
            let meta = match metas.entry(ch.commit) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let commit = source::find_commit(repo, ch.commit)
                        .map_err(GitError::git(format!("commit {}", ch.commit)))?;
                    v.insert(source::commit_meta(&commit))
                }
            };
            let meta = Some(&*meta);
            let path = member_path(&ch.path, hit.member.as_deref());
            for f in &hit.findings {
                // Lines of an archive's entries are not lines of the blob: a changed archive's
                // findings are all reported.
                if hit.member.is_some() || source::line_added(&added, f.location.line.get()) {
                    placer.place(f.clone(), &path, hit.member.is_some(), meta);
                }
            }
        }
    }
    commit_messages(repo, &rc.commit_ids, scanner, placer, &mut c.summary);
    Ok(c)
}

fn staged_index(
    repo: &Repository,
    files: &[String],
    req: &GitRequest,
    scanner: &Scanner,
    progress: &Progress,
    placer: &mut Placer<'_>,
) -> Result<Collected, GitError> {
    let ((changes, skips), whole) = if files.is_empty() {
        (staged::staged(repo)?, false)
    } else {
        staged::given(repo, files)?
    };
    let odb = repo
        .odb()
        .map_err(GitError::git("opening the object database"))?;
    let mut by_blob: HashMap<Oid, Vec<&staged::StagedChange>> = HashMap::new();
    for ch in &changes {
        by_blob.entry(ch.new).or_default().push(ch);
    }
    let shared = Mutex::new(Collected::default());
    progress.phase("scanning staged files", by_blob.len() as u64);
    {
        let mut w = Worker::new(scanner, placer.triage, progress, &shared, false);
        let mut seen = HashSet::new();
        for ch in &changes {
            if seen.insert(ch.new) {
                source::read_into(&odb, ch.new, &req.opts, &mut w);
            }
        }
    }
    let mut c = match shared.into_inner() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    for s in &mut c.summary.skips {
        // `BLOB` or, for an archive's entry, `BLOB!/ENTRY`.
        let (id, entry) = s.path.split_once("!/").unwrap_or((&s.path, ""));
        let path = Oid::from_str(id)
            .ok()
            .and_then(|id| by_blob.get(&id))
            .and_then(|chs| chs.first());
        if let Some(ch) = path {
            s.path = crate::source::archive::join(&ch.path, entry);
        }
    }
    for s in skips {
        c.summary.skip(s);
    }
    if whole {
        c.summary.whole_files = true;
        c.summary.notes.push(
            "some of the files given have nothing staged (`pre-commit run --all-files` or \
             `--files`): each file given was scanned whole as the index holds it, not only the \
             lines a commit would add"
                .into(),
        );
    }
    for hit in std::mem::take(&mut c.hits) {
        for ch in by_blob.get(&hit.blob).into_iter().flatten() {
            let added = if hit.member.is_some() {
                Vec::new()
            } else {
                source::added_lines(repo, ch.old, hit.blob)?
            };
            let path = member_path(&ch.path, hit.member.as_deref());
            for f in &hit.findings {
                if hit.member.is_some() || source::line_added(&added, f.location.line.get()) {
                    placer.place(f.clone(), &path, hit.member.is_some(), None);
                }
            }
        }
    }
    Ok(c)
}
