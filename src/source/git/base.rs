//! Control files read from a base commit, for range and staged scans.
//!
//! A pull request must not be able to silence its own scan (issue 13): a change that adds
//! `allowlist: paths: ["**"]` to `.leakhound.yaml`, an entry to `.leakhoundignore` or
//! `.gitleaksignore`, or a `rules.disable`, next to its secret, would otherwise be judged by the
//! rules it brings. So `git --range BASE..HEAD` and `git --staged` read these files from the
//! base (`BASE`, or `HEAD` for staged changes), straight from the object database: the working
//! tree is never consulted, so a symbolic link there cannot point anywhere. A file committed as
//! a symbolic link is refused; one over [`MAX_BYTES`] too.

use git2::{ObjectType, Oid, Repository};

use super::GitError;
use crate::control_file::MAX_BYTES;

/// The commit a `BASE..HEAD` range is judged against: `BASE`.
///
/// # Errors
/// [`GitError::BadRevision`] if `spec` has no `..` or `BASE` does not resolve to a commit.
pub fn range_base(repo: &Repository, spec: &str) -> Result<Oid, GitError> {
    let bad = |message: String| GitError::BadRevision {
        spec: spec.to_string(),
        message,
    };
    let (base, _) = spec
        .split_once("..")
        .ok_or_else(|| bad("expected a range BASE..HEAD (two dots)".into()))?;
    let base = if base.is_empty() { "HEAD" } else { base };
    let obj = repo
        .revparse_single(base)
        .map_err(|e| bad(format!("does not resolve: {}", e.message())))?;
    obj.peel_to_commit()
        .map(|c| c.id())
        .map_err(|e| bad(format!("{base} is not a commit: {}", e.message())))
}

/// `HEAD`'s commit, or `None` before the first commit.
#[must_use]
pub fn head_commit(repo: &Repository) -> Option<Oid> {
    let id = repo.head().ok()?.target()?;
    super::find_commit(repo, id).ok().map(|c| c.id())
}

/// The text of `name` at the top of `commit`'s tree, `None` if there is no such entry.
///
/// # Errors
/// A message naming `short:name` when the entry is a symbolic link, not a file, larger than
/// 16 MiB or not UTF-8, or cannot be read.
pub fn file_at(repo: &Repository, commit: Oid, name: &str) -> Result<Option<String>, String> {
    let short = short(commit);
    let at = format!("{short}:{name}");
    let git = |e: git2::Error| format!("{at}: cannot read from the base commit: {}", e.message());
    let tree = super::find_commit(repo, commit)
        .and_then(|c| super::find_tree(repo, c.tree_id()))
        .map_err(git)?;
    let Some(entry) = tree.get_name(name) else {
        return Ok(None);
    };
    match entry.filemode() {
        0o100644 | 0o100755 => {}
        0o120000 => {
            return Err(format!(
            "{at}: refused: committed as a symbolic link (a control file must be a regular file)"
        ))
        }
        _ => return Err(format!("{at}: refused: not a regular file")),
    }
    let odb = repo.odb().map_err(git)?;
    let (size, kind) = super::guard::check(entry.id())
        .and_then(|()| super::guard::no_panic(|| odb.read_header(entry.id())))
        .map_err(git)?;
    if kind != ObjectType::Blob {
        return Err(format!("{at}: refused: not a regular file"));
    }
    if size as u64 > MAX_BYTES {
        return Err(format!(
            "{at}: refused: larger than the 16 MiB limit for control files"
        ));
    }
    let blob = super::find_blob(repo, entry.id()).map_err(git)?;
    String::from_utf8(blob.content().to_vec())
        .map(Some)
        .map_err(|_| format!("{at}: not UTF-8 text"))
}

/// The abbreviated id used in messages.
#[must_use]
pub fn short(commit: Oid) -> String {
    let mut s = commit.to_string();
    s.truncate(12);
    s
}
