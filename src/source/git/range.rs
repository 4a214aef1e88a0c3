//! What the commits of `BASE..HEAD` introduced, for CI on pushes and pull requests: every blob
//! a commit in the range wrote at a path, against its first parent (root commits: against
//! nothing), with the blob it replaced so that only added lines are reported.

use std::collections::{HashMap, HashSet};

use git2::{Oid, Repository, Sort};

use super::attribute::{TreeDiff, Walk};
use super::GitError;
use crate::progress::Progress;
use crate::source::Skip;

/// One blob written by a commit in the range.
#[derive(Debug, Clone)]
pub struct Change {
    /// The (oldest) commit in the range that wrote it.
    pub commit: Oid,
    /// Its path there.
    pub path: String,
    /// The blob at that path in the commit's first parent, if any.
    pub old: Option<Oid>,
}

/// The result of [`introduced`].
#[derive(Debug, Default)]
pub struct RangeChanges {
    /// Blob ids to scan, each once, in the order first met (oldest commit first).
    pub blobs: Vec<Oid>,
    /// For each blob, every path it was written at, each with the oldest commit in the range
    /// that wrote it there (oldest first).
    pub changes: HashMap<Oid, Vec<Change>>,
    /// Commits in the range.
    pub commits: usize,
    /// Their ids, oldest first (their messages are scanned too).
    pub commit_ids: Vec<Oid>,
    /// Trees that could not be read.
    pub skips: Vec<Skip>,
}

/// The blobs written by the commits in `spec` (`BASE..HEAD`).
///
/// # Errors
/// [`GitError::BadRevision`] if `spec` is not a `BASE..HEAD` range that resolves.
pub fn introduced(
    repo: &Repository,
    spec: &str,
    progress: &Progress,
) -> Result<RangeChanges, GitError> {
    let bad = |message: String| GitError::BadRevision {
        spec: spec.to_string(),
        message,
    };
    if !spec.contains("..") || spec.contains("...") {
        return Err(bad("expected a range BASE..HEAD (two dots)".into()));
    }
    let mut walk = repo.revwalk().map_err(GitError::git("revwalk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(GitError::git("revwalk"))?;
    super::guard::watch("commit", Oid::ZERO_SHA1, || walk.push_range(spec))
        .map_err(|e| bad(format!("does not resolve: {}", e.message())))?;
    progress.phase("reading commits in the range", 0);
    let mut out = RangeChanges::default();
    // A range is a few commits: libgit2 reads their trees without the cost of loading every
    // pack index up front.
    let packs = super::objects::Packs::none();
    let mut diff = TreeDiff::new(repo, &packs);
    // Paths already recorded per blob (a set: one blob, such as the empty file, can be written
    // at thousands of paths).
    let mut seen: HashMap<Oid, HashSet<String>> = HashMap::new();
    // libgit2's walk reads commits itself (all of them at the first step, to sort): bounded by
    // the watchdog.
    while let Some(id) = super::guard::watch("commit", Oid::ZERO_SHA1, || walk.next()) {
        let id = id.map_err(GitError::git(format!("walking {spec}")))?;
        out.commits += 1;
        out.commit_ids.push(id);
        progress.add(1, 0);
        let commit = super::find_commit(repo, id).map_err(GitError::git(format!("commit {id}")))?;
        let Some(tree) = diff.tree(commit.tree_id()) else {
            continue;
        };
        let parent = diff.first_parent_tree(id, commit.tree_id(), commit.parent_id(0).ok());
        diff.changed_blobs(
            parent.as_ref(),
            &tree,
            "",
            &mut |path, old, new| {
                let at = out.changes.entry(new).or_default();
                if at.is_empty() {
                    out.blobs.push(new);
                }
                // Commits come oldest first, so the first write at a path is the one kept.
                let paths = seen.entry(new).or_default();
                if !paths.contains(path) {
                    paths.insert(path.to_string());
                    at.push(Change {
                        commit: id,
                        path: path.to_string(),
                        old,
                    });
                }
                Walk::Continue
            },
            &mut |_, _| {},
        );
        diff.next_commit();
    }
    out.skips = diff.skips;
    Ok(out)
}

/// `REV..HEAD`, for `--since-commit REV`.
pub fn since(rev: &str) -> String {
    format!("{rev}..HEAD")
}
