//! Which commit introduced a blob, and at which path: only for the few blobs that matched.
//!
//! Commits are walked oldest first (topological, then time), each compared with its first
//! parent by descending only into subtrees whose ids differ (a commit touching one file costs a
//! handful of tree reads, not a whole-tree walk). The first commit whose tree holds a target blob
//! at a path where its first parent did not (or a root commit) introduced it. The walk stops as
//! soon as every target is attributed.

use std::collections::{HashMap, HashSet};

use git2::{ObjectType, Oid, Repository, Sort, Tree};

use super::{commit_meta, join, GitError};
use crate::blob::CommitMeta;

/// Where a blob entered history.
#[derive(Debug, Clone)]
pub struct Introduction {
    /// The commit.
    pub commit: CommitMeta,
    /// The blob's path in that commit.
    pub path: String,
}

/// Calls `f(path, old, new)` for every blob entry of `new` that differs from the same path in
/// `old` (`old` is `None` for a root commit, or where the path held no blob). Unreadable
/// subtrees are passed over: their blobs were reported missing when enumerated.
pub fn changed_blobs(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    prefix: &str,
    f: &mut dyn FnMut(&str, Option<Oid>, Oid) -> Walk,
) -> Walk {
    for e in new {
        let old_e = old.and_then(|o| o.get_name_bytes(e.name_bytes()));
        let old_id = old_e.as_ref().map(git2::TreeEntry::id);
        if old_id == Some(e.id()) {
            continue;
        }
        match e.kind() {
            Some(ObjectType::Tree) => {
                let Ok(sub) = repo.find_tree(e.id()) else {
                    continue;
                };
                let old_sub = old_e
                    .filter(|o| o.kind() == Some(ObjectType::Tree))
                    .and_then(|o| repo.find_tree(o.id()).ok());
                let path = join(prefix, e.name_bytes());
                if changed_blobs(repo, old_sub.as_ref(), &sub, &path, f) == Walk::Stop {
                    return Walk::Stop;
                }
            }
            Some(ObjectType::Blob) => {
                let old_blob = old_e
                    .filter(|o| o.kind() == Some(ObjectType::Blob))
                    .map(|o| o.id());
                if f(&join(prefix, e.name_bytes()), old_blob, e.id()) == Walk::Stop {
                    return Walk::Stop;
                }
            }
            _ => {}
        }
    }
    Walk::Continue
}

/// Whether a tree comparison should go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Keep going.
    Continue,
    /// Everything wanted was found.
    Stop,
}

/// The tree of `commit`'s first parent, if it has one that can be read (a shallow boundary or
/// a missing parent counts as none: the commit is treated as a root).
pub fn first_parent_tree<'r>(commit: &git2::Commit<'r>) -> Option<Tree<'r>> {
    commit.parent(0).ok()?.tree().ok()
}

/// For each of `targets`, the oldest commit reachable from `tips` that introduced it.
/// Targets never found in a commit (reachable only through a tag on a tree or blob) are absent.
///
/// # Errors
/// [`GitError::Git`] if the walk cannot start.
pub fn first_introductions(
    repo: &Repository,
    tips: &[Oid],
    targets: &HashSet<Oid>,
) -> Result<HashMap<Oid, Introduction>, GitError> {
    let mut found = HashMap::new();
    if targets.is_empty() {
        return Ok(found);
    }
    let mut remaining = targets.clone();
    let mut walk = repo.revwalk().map_err(GitError::git("revwalk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(GitError::git("revwalk"))?;
    for &t in tips {
        walk.push(t).map_err(GitError::git(format!("commit {t}")))?;
    }
    for id in walk.flatten() {
        let Ok(commit) = repo.find_commit(id) else {
            continue;
        };
        let Ok(tree) = commit.tree() else { continue };
        let parent = first_parent_tree(&commit);
        let mut hits: Vec<(Oid, String)> = Vec::new();
        changed_blobs(repo, parent.as_ref(), &tree, "", &mut |path, _, new| {
            if remaining.remove(&new) {
                hits.push((new, path.to_string()));
            }
            if remaining.is_empty() {
                Walk::Stop
            } else {
                Walk::Continue
            }
        });
        if !hits.is_empty() {
            let meta = commit_meta(&commit);
            for (blob, path) in hits {
                found.insert(
                    blob,
                    Introduction {
                        commit: meta.clone(),
                        path,
                    },
                );
            }
        }
        if remaining.is_empty() {
            break;
        }
    }
    Ok(found)
}
