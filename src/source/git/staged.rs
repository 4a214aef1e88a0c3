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
    let head_tree = head_tree(repo)?;
    let index_path = index_path(repo);
    if let Some(found) = via_cache_tree(repo, &index_path, head_tree.as_ref())? {
        return Ok(found);
    }
    let index = libgit2_index(repo, &index_path)?;
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

/// The staged content of the given files (`paths`: relative to the repository root, `/`-separated),
/// as pre-commit passes them to a hook with `pass_filenames`, and whether each was read whole.
///
/// During a commit pre-commit passes exactly the files with staged changes: each is judged by the
/// lines it adds relative to `HEAD`, as [`staged`] does, and the flag is `false`. When any given
/// file has nothing staged (`pre-commit run --all-files` or `--files`, as pre-commit.ci runs),
/// the run is an audit of those files, not a commit: every one is read whole as the index holds
/// it (`old: None`), and the flag is `true`. A path not in the index is a
/// [`SkipReason::NotInIndex`] skip; a submodule a [`SkipReason::Submodule`] one.
///
/// # Errors
/// As [`staged`].
pub fn given(repo: &Repository, paths: &[String]) -> Result<(Found, bool), GitError> {
    if repo.is_bare() {
        return staged(repo).map(|f| (f, false));
    }
    let head_tree = head_tree(repo)?;
    let index_path = index_path(repo);
    let in_index = lookup(repo, &index_path, paths)?;
    let in_head = |p: &str| {
        let e = head_tree.as_ref()?.get_path(Path::new(p)).ok()?;
        (e.kind() == Some(ObjectType::Blob)).then(|| e.id())
    };
    let mut whole = false;
    let mut found: Vec<(&String, Oid, Option<Oid>)> = Vec::with_capacity(paths.len());
    let mut skips = Vec::new();
    for (path, entry) in paths.iter().zip(in_index) {
        let Some((id, mode)) = entry else {
            whole = true;
            skips.push(Skip {
                path: path.clone(),
                reason: SkipReason::NotInIndex,
                detail: None,
            });
            continue;
        };
        if mode == 0o160_000 {
            skips.push(Skip {
                path: path.clone(),
                reason: SkipReason::Submodule,
                detail: Some(format!("gitlink to commit {id}, not followed")),
            });
            continue;
        }
        let old = in_head(path);
        whole |= old == Some(id);
        found.push((path, id, old));
    }
    let changes = found
        .into_iter()
        .map(|(path, new, old)| StagedChange {
            path: path.clone(),
            old: if whole { None } else { old },
            new,
        })
        .collect();
    Ok(((changes, skips), whole))
}

/// `HEAD`'s tree; `None` before the first commit.
fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>, GitError> {
    match repo.head() {
        Ok(h) => Ok(Some(
            super::head_commit_tree(repo, &h).map_err(GitError::git("HEAD's tree"))?,
        )),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(GitError::git("reading HEAD")(e)),
    }
}

/// The index `git commit` records: `GIT_INDEX_FILE` when git sets it (`commit -a`, a partial
/// commit, any hook git runs), else the repository's.
fn index_path(repo: &Repository) -> PathBuf {
    std::env::var_os("GIT_INDEX_FILE").map_or_else(|| repo.path().join("index"), PathBuf::from)
}

fn libgit2_index(repo: &Repository, index_path: &Path) -> Result<git2::Index, GitError> {
    if index_path.exists() {
        git2::Index::open(index_path)
    } else {
        repo.index()
    }
    .map_err(GitError::git(format!(
        "reading the index {}",
        index_path.display()
    )))
}

/// Maps `file` read-only.
fn map(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: read-only map, dropped before the caller returns. git replaces the index by
    // renaming a new file over it, so the mapped file is not truncated under us; a writer that
    // did truncate it could at worst make this read fault, as with any mapped file (ripgrep's
    // trade-off too). Mapping instead of reading saves copying and zeroing 3 MB on a
    // 22,770-file checkout. A shared index is never rewritten at all: its name is its checksum.
    #[expect(unsafe_code, reason = "memory-mapping the index, see above")]
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// Each path's stage-0 index entry (id and mode), if it has one.
fn lookup(
    repo: &Repository,
    index_path: &Path,
    paths: &[String],
) -> Result<Vec<Option<(Oid, u32)>>, GitError> {
    match std::fs::File::open(index_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![None; paths.len()]),
        Err(_) => {}
        Ok(file) => {
            if let Some(data) = map(&file) {
                let mut shared = None;
                if let Some(index) = load(repo, index_path, &data, &mut shared)? {
                    let find = |p: &String| {
                        let i = index
                            .entries
                            .binary_search_by(|e| e.path.as_ref().cmp(p.as_bytes()))
                            .ok()?;
                        Some((index.entries[i].id, index.entries[i].mode))
                    };
                    return Ok(paths.iter().map(find).collect());
                }
            }
        }
    }
    let index = libgit2_index(repo, index_path)?;
    Ok(paths
        .iter()
        .map(|p| index.get_path(Path::new(p), 0).map(|e| (e.id, e.mode)))
        .collect())
}

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
    let Some(data) = map(&file) else {
        return Ok(None);
    };
    let mut shared = None;
    let Some(index) = load(repo, index_path, &data, &mut shared)? else {
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

/// Verifies and parses the mapped index `data`; for a split index (`core.splitIndex`), maps its
/// shared index into `shared` and joins the two. `None` when the index is in a form the reader
/// does not handle and libgit2 can read it instead.
///
/// # Errors
/// [`GitError::CorruptIndex`] for a damaged index or shared index, a missing shared index, or a
/// split index in a form neither this reader nor libgit2 reads.
fn load<'a>(
    repo: &Repository,
    index_path: &Path,
    data: &'a [u8],
    shared: &'a mut Option<memmap2::Mmap>,
) -> Result<Option<index::Index<'a>>, GitError> {
    let corrupt = |path: &Path, message: String| GitError::CorruptIndex {
        path: path.to_path_buf(),
        message,
    };
    index::verify(data).map_err(|m| corrupt(index_path, m))?;
    let Some(parsed) = index::read(data) else {
        return Ok(None);
    };
    let Some(id) = parsed.shared() else {
        return Ok(parsed.resolve(None));
    };
    // Where git looks: the git directory, then beside the index file (`GIT_INDEX_FILE`).
    let name = format!("sharedindex.{id}");
    let candidates = [
        Some(repo.path().join(&name)),
        index_path.parent().map(|d| d.join(&name)),
    ];
    let Some(file) = candidates
        .iter()
        .flatten()
        .find_map(|p| std::fs::File::open(p).ok().map(|f| (p.clone(), f)))
    else {
        return Err(corrupt(
            index_path,
            format!("split index (core.splitIndex): its shared index {name} is missing"),
        ));
    };
    let bytes =
        map(&file.1).ok_or_else(|| corrupt(&file.0, "cannot map the shared index".into()))?;
    let bytes: &'a [u8] = shared.insert(bytes);
    index::verify(bytes).map_err(|m| corrupt(&file.0, m))?;
    if bytes.get(bytes.len().saturating_sub(20)..) != Some(id.as_bytes()) {
        return Err(corrupt(
            &file.0,
            "shared index: its checksum is not the id in its name".into(),
        ));
    }
    parsed.resolve(index::read(bytes)).map(Some).ok_or_else(|| {
        corrupt(
            index_path,
            "split index (core.splitIndex) that leakhound cannot join to its shared index \
                 (unmerged entries, a sparse index, or damage); `git update-index \
                 --no-split-index` writes it whole"
                .into(),
        )
    })
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
