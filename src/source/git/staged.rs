//! What `git commit` is about to record: the index against `HEAD` (or against nothing before
//! the first commit). Unstaged working-tree changes are not looked at. This is the pre-commit
//! path, so it does one tree-to-index diff and reads only the staged blobs: no history walk.

use git2::{Delta, DiffOptions, FileMode, Oid, Repository};

use super::GitError;
use crate::source::{Skip, SkipReason};

/// One staged file.
#[derive(Debug, Clone)]
pub struct StagedChange {
    /// Path relative to the repository root.
    pub path: String,
    /// Its blob in `HEAD`, if it has one there.
    pub old: Option<Oid>,
    /// Its blob in the index.
    pub new: Oid,
}

/// Files added, modified, renamed or retyped in the index relative to `HEAD`, plus skips
/// (staged submodule updates).
///
/// # Errors
/// [`GitError`] for a bare repository (no index) or when `HEAD` or the index cannot be read.
pub fn staged(repo: &Repository) -> Result<(Vec<StagedChange>, Vec<Skip>), GitError> {
    if repo.is_bare() {
        return Err(GitError::BadRevision {
            spec: "--staged".into(),
            message: format!(
                "{} is a bare repository: it has no index to scan",
                repo.path().display()
            ),
        });
    }
    let index = repo.index().map_err(GitError::git("reading the index"))?;
    let head_tree = match repo.head() {
        Ok(h) => Some(h.peel_to_tree().map_err(GitError::git("HEAD's tree"))?),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(GitError::git("reading HEAD")(e)),
    };
    let mut opts = DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(false);
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
        .map_err(GitError::git("diffing HEAD against the index"))?;
    let mut changes = Vec::new();
    let mut skips = Vec::new();
    for d in diff.deltas() {
        if !matches!(
            d.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let new = d.new_file();
        let path = new
            .path_bytes()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        if new.mode() == FileMode::Commit {
            skips.push(Skip {
                path,
                reason: SkipReason::Submodule,
                detail: Some(format!("gitlink to commit {}, not followed", new.id())),
            });
            continue;
        }
        let old = d.old_file();
        let old = (old.exists() && old.mode() != FileMode::Commit).then(|| old.id());
        changes.push(StagedChange {
            path,
            old,
            new: new.id(),
        });
    }
    Ok((changes, skips))
}
