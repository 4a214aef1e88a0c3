//! Where each blob entered history: for each path it appears at, the first commit that put it
//! there.
//!
//! Commits are walked oldest first (topological, then time: libgit2's order, computed by
//! [`super::order`] from commits read once), each compared with its first
//! parent by descending only into subtrees whose ids differ, so a commit touching one file costs
//! a handful of tree reads, not a whole-tree walk. A blob first met this way was introduced by
//! that commit at that path; by induction every (blob, path) pair reachable from a commit is met
//! at its oldest commit. This
//! one walk both enumerates the blobs to scan and attributes them, so matched blobs need no
//! second pass (a separate attribution walk cost as much again as enumeration: 1.9 s against
//! 1.05 s on the benchmark history).
//!
//! Two things keep the walk cheap. Entries are paired by a merge of the two sorted entry lists
//! (git's tree order), not by a name lookup per entry. And the trees read for one commit are kept
//! for the next: in a linear history a commit's parent tree is the tree just read, and libgit2's
//! own cache is off (see [`super::tune`]).

use std::cmp::Ordering;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use git2::{ObjectType, Oid, Repository};

use super::objects::{self, Entry, PackedCommit, Packs, Reader};
use super::{find_commit, guard, join, object_skip};
use crate::blob::CommitMeta;
use crate::source::{Skip, SkipReason};

/// Where a blob entered history.
#[derive(Debug, Clone)]
pub struct Introduction {
    /// The commit.
    pub commit: CommitMeta,
    /// The commit's place in the walk (oldest first): of two introductions, the smaller is the
    /// older.
    pub order: u32,
    /// The blob's path in that commit.
    pub path: String,
}

/// Whether a tree comparison should go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Keep going.
    Continue,
    /// Everything wanted was found.
    Stop,
}

/// A tree as git stores it (read with [`objects::entry_at`]).
#[derive(Debug, Clone)]
pub struct RawTree {
    /// Its id.
    pub id: Oid,
    /// Its bytes.
    pub data: Arc<Vec<u8>>,
}

/// A commit as [`TreeDiff::commit`] read it.
#[derive(Debug)]
pub enum CommitRead {
    /// From a pack.
    Packed(PackedCommit),
    /// Through libgit2.
    Libgit2 {
        /// Its tree.
        tree: Oid,
        /// Its first parent.
        parent: Option<Oid>,
        /// Its message.
        message: Vec<u8>,
        /// Every parent, in order, as libgit2 reads them (grafts applied).
        parents: Vec<Oid>,
        /// Its committer time, in seconds.
        time: i64,
    },
}

impl CommitRead {
    /// Its tree.
    pub fn tree(&self) -> Oid {
        match self {
            CommitRead::Packed(c) => c.tree,
            CommitRead::Libgit2 { tree, .. } => *tree,
        }
    }

    /// Its first parent.
    pub fn parent(&self) -> Option<Oid> {
        match self {
            CommitRead::Packed(c) => c.parent,
            CommitRead::Libgit2 { parent, .. } => *parent,
        }
    }

    /// Its full message, as libgit2's `git_commit_message` gives it.
    pub fn message(&self) -> &[u8] {
        match self {
            CommitRead::Packed(c) => c.message(),
            CommitRead::Libgit2 { message, .. } => message,
        }
    }

    /// Its parents and committer time, which order the history walk ([`super::order`]);
    /// `None` for a packed commit whose time is not plain ([`objects::commit_links`]).
    pub fn links(&self) -> Option<(Vec<Oid>, i64)> {
        match self {
            CommitRead::Packed(c) => c.links(),
            CommitRead::Libgit2 { parents, time, .. } => Some((parents.clone(), *time)),
        }
    }
}

/// Reads commit `id`: from a pack through `reader` when `packed` (and, with `need_links`,
/// only if its parents and time can be read there too), else through libgit2 and the guards.
///
/// # Errors
/// libgit2's error, or the guard's.
pub fn read_commit(
    repo: &Repository,
    reader: &mut Reader<'_>,
    id: Oid,
    packed: bool,
    need_links: bool,
) -> Result<CommitRead, git2::Error> {
    guard::check(id)?;
    if packed {
        if let Some(c) = reader
            .commit(id)
            .filter(|c| !need_links || c.links().is_some())
        {
            return Ok(CommitRead::Packed(c));
        }
    }
    let c = find_commit(repo, id)?;
    let time = c.committer().when().seconds();
    Ok(CommitRead::Libgit2 {
        tree: c.tree_id(),
        parent: c.parent_id(0).ok(),
        message: c.message_bytes().to_vec(),
        parents: c.parent_ids().collect(),
        time,
    })
}

/// Bytes of made objects each differ keeps for the next reads (see [`objects`]).
const OBJECT_CACHE: usize = 16 << 20;

/// Compares trees, remembering the trees read for the previous commit.
pub struct TreeDiff<'r> {
    repo: &'r Repository,
    reader: Reader<'r>,
    prev: HashMap<Oid, RawTree>,
    cur: HashMap<Oid, RawTree>,
    /// Each commit's tree id, for the commits read so far (in a linear history a commit's
    /// parent is the commit read just before it).
    commit_trees: HashMap<Oid, Oid>,
    /// Trees found damaged part way (each named once).
    damaged: HashSet<Oid>,
    /// Whether libgit2 gives some commits other parents than their own ([`super::grafted`]):
    /// then commits are read through libgit2.
    grafted: bool,
    /// Trees that could not be read.
    pub skips: Vec<Skip>,
}

/// git's tree entry order: names compared bytewise, a tree's name followed by `/`.
fn entry_order(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let (an, bn) = (a.name, b.name);
    let n = an.len().min(bn.len());
    an[..n].cmp(&bn[..n]).then_with(|| {
        let end = |e: &Entry<'_>| if e.is_tree() { b'/' } else { 0 };
        let ac = an.get(n).copied().unwrap_or_else(|| end(a));
        let bc = bn.get(n).copied().unwrap_or_else(|| end(b));
        ac.cmp(&bc)
    })
}

impl<'r> TreeDiff<'r> {
    /// A differ over `repo`, reading trees from `packs` where it can.
    pub fn new(repo: &'r Repository, packs: &'r Packs) -> Self {
        TreeDiff {
            repo,
            reader: Reader::new(packs, OBJECT_CACHE),
            grafted: super::grafted(repo),
            prev: HashMap::new(),
            cur: HashMap::new(),
            commit_trees: HashMap::new(),
            damaged: HashSet::new(),
            skips: Vec::new(),
        }
    }

    /// Reads tree `id` (from the previous or current commit's trees when there), or records
    /// a skip naming it.
    pub fn tree(&mut self, id: Oid) -> Option<RawTree> {
        if let Some(t) = self.cur.get(&id) {
            return Some(t.clone());
        }
        let t = match self.prev.remove(&id) {
            Some(t) => t,
            None => RawTree {
                id,
                data: self.read_tree(id)?,
            },
        };
        self.cur.insert(id, t.clone());
        Some(t)
    }

    /// Reads tree `id` from a pack, or else through libgit2 and the guards; a tree that cannot
    /// be read is a skip naming it.
    fn read_tree(&mut self, id: Oid) -> Option<Arc<Vec<u8>>> {
        if let Err(e) = guard::check(id) {
            self.skips.push(object_skip("tree", id, &e));
            return None;
        }
        if let Some(t) = self.reader.tree(id) {
            return Some(t);
        }
        match guard::watch("tree", id, || self.repo.find_tree(id)) {
            Ok(t) => {
                let raw = objects::raw_from(&t);
                if objects::is_tree(&raw) {
                    Some(Arc::new(raw))
                } else {
                    self.skips.push(Skip {
                        path: id.to_string(),
                        reason: SkipReason::CorruptObject,
                        detail: Some(format!("tree {id}: an entry has no name")),
                    });
                    None
                }
            }
            Err(e) => {
                self.skips.push(object_skip("tree", id, &e));
                None
            }
        }
    }

    /// Ends one commit: its trees become the ones kept for the next.
    pub fn next_commit(&mut self) {
        self.prev = std::mem::take(&mut self.cur);
    }

    /// Calls `f(path, old, new)` for every blob entry of `new` that differs from the same path
    /// in `old` (`old` is `None` for a root commit; the `old` blob is `None` where the path held
    /// no blob). Gitlinks (submodules) are reported through `gitlink(name, commit)`.
    pub fn changed_blobs(
        &mut self,
        old: Option<&RawTree>,
        new: &RawTree,
        prefix: &str,
        f: &mut dyn FnMut(&str, Option<Oid>, Oid) -> Walk,
        gitlink: &mut dyn FnMut(&[u8], Oid),
    ) -> Walk {
        // Entries both trees start or end with are the same entries: only the span between is
        // compared. Entries are parsed as they are met: a new entry that does not parse names
        // the tree as damaged; an old one that does not parse ends the old side, so every new
        // entry after it counts as changed (scanned, never lost).
        let old_b: &[u8] = old.map_or(&[], |o| o.data.as_slice());
        let new_b: &[u8] = &new.data;
        let (start, tail) = match old {
            Some(o) => objects::common_entries(&o.data, new_b),
            None => (0, 0),
        };
        let (mut po, mut pn) = (start, start);
        loop {
            let left = new_b.len() - pn;
            if left == 0 || (old.is_some() && left == old_b.len() - po && left <= tail) {
                break;
            }
            let Some((e, end)) = objects::entry_at(new_b, pn) else {
                self.damaged_at(new.id, pn);
                break;
            };
            pn = end;
            let mut old_e = None;
            while let Some((o, o_end)) = objects::entry_at(old_b, po) {
                match entry_order(&o, &e) {
                    Ordering::Less => po = o_end,
                    Ordering::Equal => {
                        old_e = Some(o);
                        po = o_end;
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            if old_e.is_some_and(|o| o.id == e.id) {
                continue;
            }
            match e.kind() {
                ObjectType::Tree => {
                    let Some(sub) = self.tree(e.oid()) else {
                        continue;
                    };
                    let old_sub = old_e
                        .filter(Entry::is_tree)
                        .and_then(|o| self.tree(o.oid()));
                    let path = join(prefix, e.name);
                    if self.changed_blobs(old_sub.as_ref(), &sub, &path, f, gitlink) == Walk::Stop {
                        return Walk::Stop;
                    }
                }
                ObjectType::Blob => {
                    let old_blob = old_e
                        .filter(|o| o.kind() == ObjectType::Blob)
                        .map(|o| o.oid());
                    if f(&join(prefix, e.name), old_blob, e.oid()) == Walk::Stop {
                        return Walk::Stop;
                    }
                }
                ObjectType::Commit => gitlink(e.name, e.oid()),
                _ => {}
            }
        }
        Walk::Continue
    }

    /// Names tree `id`, whose entry at byte `at` cannot be read, as damaged (once).
    fn damaged_at(&mut self, id: Oid, at: usize) {
        if self.damaged.insert(id) {
            self.skips.push(Skip {
                path: id.to_string(),
                reason: SkipReason::CorruptObject,
                detail: Some(format!(
                    "tree {id}: the entry at byte {at} cannot be read; the entries from there \
                     on were not walked"
                )),
            });
        }
    }

    /// Commit `id`'s tree, first parent and message: from a pack where it can be, else through
    /// libgit2 and the guards.
    ///
    /// # Errors
    /// libgit2's error, or the guard's.
    pub fn commit(&mut self, id: Oid) -> Result<CommitRead, git2::Error> {
        read_commit(self.repo, &mut self.reader, id, !self.grafted, false)
    }

    /// The tree of `commit`'s first parent, if it has one that can be read (a shallow boundary
    /// or a missing parent counts as none: the commit is treated as a root).
    pub fn first_parent_tree(
        &mut self,
        commit: Oid,
        tree: Oid,
        parent: Option<Oid>,
    ) -> Option<RawTree> {
        // Remembered for the commits after this one (bounded: a parent is nearly always
        // one of the last few commits read).
        if self.commit_trees.len() >= 4096 {
            self.commit_trees.clear();
        }
        self.commit_trees.insert(commit, tree);
        let parent = parent?;
        let tree = match self.commit_trees.get(&parent) {
            Some(&t) => t,
            None => self.commit(parent).ok()?.tree(),
        };
        self.tree(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn git(dir: &Path, args: &[&str], input: Option<&str>) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        if let Some(i) = input {
            child.stdin.take().unwrap().write_all(i.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// A packed tree whose entries stop making sense part way (a stranger's repository can
    /// write any bytes with a matching CRC-32): the entries before the damage are compared,
    /// and the tree is named as damaged, once, instead of its later entries going unseen.
    #[test]
    fn a_tree_damaged_part_way_is_named_not_silently_cut_short() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"], None);
        let blob = git(dir, &["hash-object", "-w", "--stdin"], Some("x\n"));
        let blob = Oid::from_str(blob.trim()).unwrap();
        let mut bytes = b"100644 a.txt\0".to_vec();
        bytes.extend_from_slice(blob.as_bytes());
        bytes.extend_from_slice(b"10x644 b.txt\0");
        bytes.extend_from_slice(blob.as_bytes());
        let repo = Repository::open(dir).unwrap();
        let tree = repo.odb().unwrap().write(ObjectType::Tree, &bytes).unwrap();
        // Packed by id (no walk that would parse it), and the loose copy removed.
        git(
            dir,
            &["pack-objects", "-q", ".git/objects/pack/pack"],
            Some(&format!("{tree}\n{blob}\n")),
        );
        let hex = tree.to_string();
        std::fs::remove_file(dir.join(".git/objects").join(&hex[..2]).join(&hex[2..])).unwrap();
        let repo = Repository::open(dir).unwrap();
        let packs = Packs::open(&dir.join(".git/objects"));
        let mut diff = TreeDiff::new(&repo, &packs);
        let t = diff.tree(tree).expect("read from the pack");
        for _ in 0..2 {
            let mut seen = Vec::new();
            diff.changed_blobs(
                None,
                &t,
                "",
                &mut |path, _, id| {
                    seen.push((path.to_string(), id));
                    Walk::Continue
                },
                &mut |_, _| {},
            );
            assert_eq!(seen, [("a.txt".to_string(), blob)]);
        }
        assert_eq!(diff.skips.len(), 1, "{:?}", diff.skips);
        assert_eq!(diff.skips[0].reason, SkipReason::CorruptObject);
        let detail = diff.skips[0].detail.as_deref().unwrap();
        assert!(
            detail.contains(&hex) && detail.contains("byte 33"),
            "{detail}"
        );
    }

    /// Skipping the entries two trees start and end with changes nothing: on random pairs of
    /// trees (one edited from the other: ids changed, entries added and removed, names that
    /// share prefixes), the changed blobs are exactly those a comparison of every entry finds.
    #[test]
    fn skipping_common_entries_finds_every_changed_blob() {
        use crate::scan::delta::tests::Rng;
        let tmp = tempfile::tempdir().unwrap();
        git(tmp.path(), &["init", "-q"], None);
        let repo = Repository::open(tmp.path()).unwrap();
        let packs = Packs::none();
        let mut diff = TreeDiff::new(&repo, &packs);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let raw = |entries: &std::collections::BTreeMap<Vec<u8>, [u8; 20]>| {
            let mut out = Vec::new();
            for (name, id) in entries {
                out.extend_from_slice(b"100644 ");
                out.extend_from_slice(name);
                out.push(0);
                out.extend_from_slice(id);
            }
            RawTree {
                id: Oid::ZERO_SHA1,
                data: Arc::new(out),
            }
        };
        let mut compared = 0;
        for _ in 0..500 {
            let mut old = std::collections::BTreeMap::new();
            let n = rng.below(40);
            for _ in 0..n {
                let len = 1 + rng.below(4);
                let name: Vec<u8> = (0..len).map(|_| b"ab\0"[rng.below(2)]).collect();
                let mut id = [0u8; 20];
                // Ids share bytes with each other and with names, NULs and spaces included.
                for b in &mut id {
                    *b = b" a\0"[rng.below(3)];
                }
                old.insert(name, id);
            }
            let mut new = old.clone();
            for _ in 0..rng.below(4) {
                let keys: Vec<Vec<u8>> = new.keys().cloned().collect();
                match rng.below(3) {
                    0 if !keys.is_empty() => {
                        let k = &keys[rng.below(keys.len())];
                        new.get_mut(k).unwrap()[rng.below(20)] ^= 1;
                    }
                    1 if !keys.is_empty() => {
                        new.remove(&keys[rng.below(keys.len())]);
                    }
                    _ => {
                        let name: Vec<u8> = (0..1 + rng.below(5))
                            .map(|_| b"abc"[rng.below(3)])
                            .collect();
                        new.insert(name, [u8::try_from(rng.below(256)).unwrap(); 20]);
                    }
                }
            }
            let mut want: Vec<(String, Option<Oid>, Oid)> = new
                .iter()
                .filter(|(name, id)| old.get(*name) != Some(*id))
                .map(|(name, id)| {
                    (
                        String::from_utf8_lossy(name).into_owned(),
                        old.get(name).map(|o| Oid::from_bytes(o).unwrap()),
                        Oid::from_bytes(id).unwrap(),
                    )
                })
                .collect();
            let mut got = Vec::new();
            diff.changed_blobs(
                Some(&raw(&old)),
                &raw(&new),
                "",
                &mut |path, old, new| {
                    got.push((path.to_string(), old, new));
                    Walk::Continue
                },
                &mut |_, _| {},
            );
            want.sort();
            got.sort();
            assert_eq!(got, want, "old {old:?} new {new:?}");
            compared += want.len();
        }
        assert!(compared > 300, "{compared}");
        assert!(diff.skips.is_empty(), "{:?}", diff.skips);
    }

    /// Commits are read from the pack where their header is what libgit2 parses, and through
    /// libgit2 where it is not: both give the same tree and first parent.
    #[test]
    fn commits_read_from_a_pack_match_libgit2() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"], None);
        for i in 0..5 {
            std::fs::write(dir.join("f"), format!("{i}\n")).unwrap();
            git(dir, &["add", "f"], None);
            let msg = format!("\n\nc{i}\n\nbody {i}\n");
            git(
                dir,
                &["commit", "-q", "--cleanup=verbatim", "-m", &msg],
                None,
            );
        }
        // A merge: two parents.
        git(dir, &["checkout", "-q", "-b", "side", "HEAD~2"], None);
        std::fs::write(dir.join("g"), "side\n").unwrap();
        git(dir, &["add", "g"], None);
        git(dir, &["commit", "-q", "-m", "side"], None);
        git(dir, &["checkout", "-q", "-"], None);
        git(
            dir,
            &["merge", "-q", "--no-ff", "-m", "merge", "side"],
            None,
        );
        git(dir, &["repack", "-adq"], None);
        let repo = Repository::open(dir).unwrap();
        let packs = Packs::open(&dir.join(".git/objects"));
        let none = Packs::none();
        let mut fast = TreeDiff::new(&repo, &packs);
        let mut slow = TreeDiff::new(&repo, &none);
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        let (mut n, mut merges) = (0, 0);
        for id in walk {
            let id = id.unwrap();
            assert!(
                fast.reader.commit(id).is_some(),
                "{id} not read from the pack"
            );
            assert!(slow.reader.commit(id).is_none());
            let c = repo.find_commit(id).unwrap();
            let want = (c.tree_id(), c.parent_id(0).ok(), c.message_bytes());
            for read in [fast.commit(id).unwrap(), slow.commit(id).unwrap()] {
                assert_eq!((read.tree(), read.parent(), read.message()), want);
            }
            // What the history walk orders commits by: every parent, and the committer time.
            let links = (c.parent_ids().collect(), c.committer().when().seconds());
            assert_eq!(fast.reader.commit(id).unwrap().links(), Some(links));
            merges += usize::from(c.parent_count() == 2);
            n += 1;
        }
        assert_eq!((n, merges), (7, 1));
    }
}
