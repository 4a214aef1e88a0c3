//! Which blobs to scan, and reading them in parallel.
//!
//! [`reachable`] walks every commit reachable from the selected refs and each tree once (a
//! seen-set of tree ids: commits share most subtrees), collecting unique blob ids, then puts
//! them in pack order by filtering `odb.foreach` (libgit2 yields packed objects by offset) through
//! that set. [`read_blobs`] reads them on a rayon pool, one `Repository` per worker.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{ObjectType, Oid, Repository};

use super::{join, read_into, BlobSink, GitError, GitOptions};
use crate::source::{Skip, SkipReason};

/// Which refs a history scan starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every ref (branches, tags, remote-tracking refs, notes, stash) and `HEAD`.
    All,
    /// One ref or revision, as `git rev-parse` understands it.
    Ref(String),
}

/// The result of [`reachable`].
#[derive(Debug, Default)]
pub struct Reachable {
    /// Unique blob ids, in pack order; missing objects last (reading them reports the skip).
    pub blobs: Vec<Oid>,
    /// Commits the refs point at (the tips), for attribution.
    pub tips: Vec<Oid>,
    /// Commits walked.
    pub commits: usize,
    /// Blobs reached only through a tag or ref pointing at a tree or blob (no commit): a
    /// display path such as `refs/tags/key` or `refs/tags/tree:dir/file`.
    pub tag_paths: HashMap<Oid, String>,
    /// Submodules, unreadable commits and trees.
    pub skips: Vec<Skip>,
}

/// Peels `id` through annotated tags to the first non-tag object.
fn peel_tags(repo: &Repository, mut id: Oid) -> Result<(Oid, ObjectType), git2::Error> {
    loop {
        let obj = repo.find_object(id, None)?;
        match obj.kind() {
            Some(ObjectType::Tag) => {
                id = obj
                    .as_tag()
                    .map(git2::Tag::target_id)
                    .ok_or_else(|| git2::Error::from_str("tag object is not a tag"))?;
            }
            Some(kind) => return Ok((id, kind)),
            None => return Err(git2::Error::from_str("unknown object type")),
        }
    }
}

/// The starting objects: (name, id, kind) for every selected ref.
fn roots(repo: &Repository, sel: &Selection) -> Result<Vec<(String, Oid, ObjectType)>, GitError> {
    let mut out = Vec::new();
    match sel {
        Selection::Ref(spec) => {
            let obj = repo
                .revparse_single(spec)
                .map_err(|e| GitError::BadRevision {
                    spec: spec.clone(),
                    message: format!("no such ref or revision ({})", e.message()),
                })?;
            let (id, kind) = peel_tags(repo, obj.id()).map_err(GitError::git(spec.clone()))?;
            out.push((spec.clone(), id, kind));
        }
        Selection::All => {
            let refs = repo
                .references()
                .map_err(GitError::git("listing references"))?;
            for r in refs.flatten() {
                let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
                let Some(target) = r.resolve().ok().and_then(|r| r.target()) else {
                    continue;
                };
                if let Ok((id, kind)) = peel_tags(repo, target) {
                    out.push((name, id, kind));
                }
            }
            if let Ok(head) = repo.head() {
                if let Some(id) = head.target() {
                    out.push(("HEAD".into(), id, ObjectType::Commit));
                }
            }
        }
    }
    Ok(out)
}

struct Walker<'r> {
    repo: &'r Repository,
    seen_trees: HashSet<Oid>,
    seen_blobs: HashSet<Oid>,
    blobs: Vec<Oid>,
    submodules: HashSet<Vec<u8>>,
    skips: Vec<Skip>,
}

impl Walker<'_> {
    /// Collects blobs under `root`; with `paths`, records each new blob's path under `prefix`.
    fn tree(&mut self, root: Oid, prefix: &str, mut paths: Option<&mut HashMap<Oid, String>>) {
        if !self.seen_trees.insert(root) {
            return;
        }
        let mut stack = vec![(root, prefix.to_string())];
        while let Some((id, at)) = stack.pop() {
            let tree = match self.repo.find_tree(id) {
                Ok(t) => t,
                Err(e) => {
                    self.skips.push(Skip {
                        path: id.to_string(),
                        reason: SkipReason::MissingObject,
                        detail: Some(format!("tree {id}: {}", e.message())),
                    });
                    continue;
                }
            };
            for e in &tree {
                let eid = e.id();
                match e.kind() {
                    Some(ObjectType::Tree) if self.seen_trees.insert(eid) => {
                        let sub = if paths.is_some() {
                            join(&at, e.name_bytes())
                        } else {
                            String::new()
                        };
                        stack.push((eid, sub));
                    }
                    Some(ObjectType::Blob) if self.seen_blobs.insert(eid) => {
                        self.blobs.push(eid);
                        if let Some(p) = paths.as_deref_mut() {
                            p.insert(eid, join(&at, e.name_bytes()));
                        }
                    }
                    Some(ObjectType::Commit) if self.submodules.insert(e.name_bytes().to_vec()) => {
                        self.skips.push(Skip {
                            path: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                            reason: SkipReason::Submodule,
                            detail: Some(format!("gitlink to commit {eid}, not followed")),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Unique blobs reachable from `sel`, in pack order.
///
/// # Errors
/// [`GitError`] when the refs cannot be listed, a named ref does not resolve, or the walk
/// cannot start. Unreadable commits and trees are skips.
pub fn reachable(repo: &Repository, sel: &Selection) -> Result<Reachable, GitError> {
    let roots = roots(repo, sel)?;
    let mut walk = repo.revwalk().map_err(GitError::git("revwalk"))?;
    let mut tips = Vec::new();
    for (_, id, kind) in &roots {
        if *kind == ObjectType::Commit && !tips.contains(id) && walk.push(*id).is_ok() {
            tips.push(*id);
        }
    }
    let mut w = Walker {
        repo,
        seen_trees: HashSet::new(),
        seen_blobs: HashSet::new(),
        blobs: Vec::new(),
        submodules: HashSet::new(),
        skips: Vec::new(),
    };
    let mut commits = 0;
    for c in walk {
        let id = match c {
            Ok(id) => id,
            Err(e) => {
                w.skips.push(Skip {
                    path: "<revwalk>".into(),
                    reason: SkipReason::MissingObject,
                    detail: Some(e.message().to_string()),
                });
                break;
            }
        };
        commits += 1;
        match repo.find_commit(id) {
            Ok(c) => w.tree(c.tree_id(), "", None),
            Err(e) => w.skips.push(Skip {
                path: id.to_string(),
                reason: SkipReason::MissingObject,
                detail: Some(format!("commit {id}: {}", e.message())),
            }),
        }
    }
    let mut tag_paths = HashMap::new();
    for (name, id, kind) in &roots {
        match kind {
            ObjectType::Tree => w.tree(*id, &format!("{name}:"), Some(&mut tag_paths)),
            ObjectType::Blob if w.seen_blobs.insert(*id) => {
                w.blobs.push(*id);
                tag_paths.insert(*id, name.clone());
            }
            _ => {}
        }
    }
    // Tag-rooted tree paths were recorded as "name:" + "/" + path; tidy to "name:path".
    for p in tag_paths.values_mut() {
        if let Some(i) = p.find(":/") {
            p.remove(i + 1);
        }
    }
    let blobs = pack_order(repo, w.blobs);
    Ok(Reachable {
        blobs,
        tips,
        commits,
        tag_paths,
        skips: w.skips,
    })
}

/// Reorders `blobs` as `odb.foreach` lists objects (pack offset order); ids it does not list
/// (missing objects) go last. Falls back to the given order if the odb cannot be iterated.
fn pack_order(repo: &Repository, blobs: Vec<Oid>) -> Vec<Oid> {
    let Ok(odb) = repo.odb() else { return blobs };
    let mut wanted: HashSet<Oid> = blobs.iter().copied().collect();
    let mut ordered = Vec::with_capacity(blobs.len());
    let ok = odb
        .foreach(|id| {
            if wanted.remove(id) {
                ordered.push(*id);
            }
            true
        })
        .is_ok();
    if !ok {
        return blobs;
    }
    ordered.extend(blobs.into_iter().filter(|id| wanted.contains(id)));
    ordered
}

/// Ids handed to a worker per grab: large enough to keep the shared counter cold, small enough
/// to balance the tail.
const BATCH: usize = 64;

/// Reads `ids` on `opts.threads` workers (0: one per core), each with its own `Repository`
/// opened at `git_dir` and its own sink from `make_sink`.
pub fn read_blobs<F, S>(git_dir: &Path, ids: &[Oid], opts: &GitOptions, make_sink: F)
where
    F: Fn() -> S + Sync,
    S: BlobSink,
{
    let next = AtomicUsize::new(0);
    let work = || {
        let mut sink = make_sink();
        let repo = Repository::open(git_dir);
        let odb = match &repo {
            Ok(r) => r.odb(),
            Err(e) => Err(git2::Error::from_str(e.message())),
        };
        loop {
            let i = next.fetch_add(BATCH, Ordering::Relaxed);
            if i >= ids.len() {
                break;
            }
            for &id in &ids[i..ids.len().min(i + BATCH)] {
                match &odb {
                    Ok(odb) => read_into(odb, id, opts, &mut sink),
                    Err(e) => sink.skip(Skip {
                        path: id.to_string(),
                        reason: SkipReason::MissingObject,
                        detail: Some(format!(
                            "cannot open {}: {}",
                            git_dir.display(),
                            e.message()
                        )),
                    }),
                }
            }
        }
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .thread_name(|i| format!("leakhound-git-{i}"))
        .build()
    {
        Ok(pool) => {
            pool.broadcast(|_| work());
        }
        Err(_) => work(),
    }
}
