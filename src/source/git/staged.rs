//! What `git commit` is about to record: the index against `HEAD` (or against nothing before
//! the first commit). Unstaged working-tree changes are not looked at. This is the pre-commit
//! path, so it does one tree-to-index diff and reads only the staged blobs: no history walk.

use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, FileMode, ObjectType, Oid, Repository, Tree};

use super::index::{self, CacheTree, Entry};
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
    let head_tree = match repo.head() {
        Ok(h) => Some(super::head_commit_tree(repo, &h).map_err(GitError::git("HEAD's tree"))?),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(GitError::git("reading HEAD")(e)),
    };
    let index_path =
        std::env::var_os("GIT_INDEX_FILE").map_or_else(|| repo.path().join("index"), PathBuf::from);
    if let Some(found) = via_cache_tree(repo, &index_path, head_tree.as_ref())? {
        return Ok(found);
    }
    let index = if index_path.exists() {
        git2::Index::open(&index_path)
    } else {
        repo.index()
    }
    .map_err(GitError::git(format!(
        "reading the index {}",
        index_path.display()
    )))?;
    let mut opts = DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(false);
    // libgit2 reads HEAD's trees itself here: bounded by the watchdog.
    let head_id = head_tree
        .as_ref()
        .map_or(git2::Oid::ZERO_SHA1, git2::Tree::id);
    let diff = super::guard::watch("tree", head_id, || {
        repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
    })
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

type Found = (Vec<StagedChange>, Vec<Skip>);

/// The fast path (see [`super::index`]): `None` when the index is in a form it does not read,
/// and the caller falls back to libgit2's tree-to-index diff.
///
/// # Errors
/// [`GitError::CorruptIndex`] when the file's checksum does not match (truncated or damaged).
fn via_cache_tree(
    repo: &Repository,
    index_path: &Path,
    head: Option<&Tree<'_>>,
) -> Result<Option<Found>, GitError> {
    let file = match std::fs::File::open(index_path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some((Vec::new(), Vec::new())));
        }
        Err(_) => return Ok(None),
    };
    // SAFETY: read-only map, dropped before returning. git replaces the index by renaming a
    // new file over it, so the mapped file is not truncated under us; a writer that did
    // truncate it could at worst make this read fault, as with any mapped file (ripgrep's
    // trade-off too). Mapping instead of reading saves copying and zeroing 3 MB on a
    // 22,770-file checkout.
    #[expect(unsafe_code, reason = "memory-mapping the index, see above")]
    let Ok(data) = (unsafe { memmap2::Mmap::map(&file) }) else {
        return Ok(None);
    };
    index::verify(&data).map_err(|message| GitError::CorruptIndex {
        path: index_path.to_path_buf(),
        message,
    })?;
    let Some(index) = index::read(&data) else {
        return Ok(None);
    };
    let mut found = (Vec::new(), Vec::new());
    let node = index.tree.as_ref();
    if let (Some(n), Some(h)) = (node, head) {
        if n.id == Some(h.id()) {
            return Ok(Some(found));
        }
    }
    Ok(compare(repo, &index.entries, 0, node, head, &mut found).map(|()| found))
}

/// Compares the index entries of one directory (`entries`, whose paths all start with a
/// `prefix` of `prefix_len` bytes) with `HEAD`'s tree for it, descending only into
/// subdirectories whose cache-tree id differs from `HEAD`'s.
fn compare(
    repo: &Repository,
    entries: &[Entry<'_>],
    prefix_len: usize,
    node: Option<&CacheTree>,
    head: Option<&Tree<'_>>,
    found: &mut Found,
) -> Option<()> {
    let mut i = 0;
    while i < entries.len() {
        let rel = entries[i].path.get(prefix_len..)?;
        if let Some(slash) = memchr::memchr(b'/', rel) {
            let name = &rel[..slash];
            let mut j = i + 1;
            while j < entries.len()
                && entries[j].path.get(prefix_len..).is_some_and(|r| {
                    r.get(..=slash)
                        .is_some_and(|p| &p[..slash] == name && p[slash] == b'/')
                })
            {
                j += 1;
            }
            let child = node.and_then(|n| n.children.iter().find(|c| c.name == name));
            let head_id = head
                .and_then(|h| h.get_name_bytes(name))
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .map(|e| e.id());
            if head_id.is_none() || child.and_then(|c| c.id) != head_id {
                let sub = match head_id {
                    Some(id) => Some(super::find_tree(repo, id).ok()?),
                    None => None,
                };
                compare(
                    repo,
                    &entries[i..j],
                    prefix_len + slash + 1,
                    child,
                    sub.as_ref(),
                    found,
                )?;
            }
            i = j;
        } else {
            let e = &entries[i];
            let he = head.and_then(|h| h.get_name_bytes(rel));
            let old_id = he.as_ref().map(git2::TreeEntry::id);
            if old_id != Some(e.id) {
                let path = String::from_utf8_lossy(&e.path).into_owned();
                if e.mode == 0o160_000 {
                    found.1.push(Skip {
                        path,
                        reason: SkipReason::Submodule,
                        detail: Some(format!("gitlink to commit {}, not followed", e.id)),
                    });
                } else {
                    let old = he
                        .filter(|h| h.kind() == Some(ObjectType::Blob))
                        .map(|h| h.id());
                    found.0.push(StagedChange {
                        path,
                        old,
                        new: e.id,
                    });
                }
            }
            i += 1;
        }
    }
    Some(())
}
