//! Reading a history's blobs straight from its pack files, each delta base inflated once.
//!
//! libgit2 resolves every delta on its own: it walks the chain down to the full base object,
//! inflates it and applies each delta, keeping bases in a 16 MB cache that takes no object over
//! 1 MB (`GIT_PACK_CACHE_SIZE_LIMIT`, a compile-time constant). On a history of large generated
//! files (TypeScript's 9 MB compiler, 50-deep chains) every version re-inflated its whole chain:
//! 60% of a `--threads 1` history scan was zlib and copying (issue 15). Here each pack's delta
//! chains are read as the trees they are, as `git index-pack` does: a base is inflated once and
//! each child is its parent plus one delta, so every object in the pack is inflated at most once.
//!
//! Every delta tree is read here, small files' too: libgit2 reads a small file's chain about
//! as fast, but only this reader hands each version over with its delta against the parent,
//! from which the scanner derives keyword hits instead of searching the whole version again
//! (`scan::delta`). On the large benchmark history that took a `--threads 1` scan from 4.7 s to
//! 3.6 s; on 100,000 versions of fifty 2 KiB files it costs 8 MB more and no time.
//! Only what this reader can check is read here, and nothing it cannot check is lost: a pack
//! whose index is not version 2, a `REF_DELTA` (base named by id), an entry whose raw bytes do
//! not match the index's CRC-32, a zlib stream that fails or has the wrong length, a delta that
//! does not fit its base, and every object below such an entry go back to the caller, who reads
//! them through libgit2 and the guards as before (so damage is a named skip, exactly as without
//! this reader). Loose objects and objects of alternates are never read here.
//!
//! Formats: `Documentation/gitformat-pack.txt` of git (pack entry header, offset encoding of
//! `OBJ_OFS_DELTA`, delta instructions, `.idx` version 2 with its CRC-32 and 64-bit offset
//! tables).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;

use super::index::{be32, varint};
use crate::blob::DeltaCopy;

/// Pack entry types (`gitformat-pack`).
pub(super) const OBJ_BLOB: u8 = 3;
pub(super) const OBJ_OFS_DELTA: u8 = 6;

/// A pack's index (version 2), as far as this reader needs it.
pub(super) struct Index {
    pub(super) ids: Vec<Oid>,
    pub(super) offsets: Vec<u64>,
    pub(super) crcs: Vec<u32>,
}

impl Index {
    /// (offset, index position) of every entry, by offset: finds a base's entry, and each
    /// entry's end (the next entry's offset, or the pack's trailer).
    pub(super) fn by_offset(&self) -> Vec<(u64, u32)> {
        let mut v: Vec<(u64, u32)> = self
            .offsets
            .iter()
            .enumerate()
            .map(|(i, &o)| (o, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        v.sort_unstable();
        v
    }
}

/// Parses a version-2 `.idx`; `None` for any other version or a short file (the pack is then
/// left to libgit2).
pub(super) fn read_index(path: &Path) -> Option<Index> {
    let b = std::fs::read(path).ok()?;
    if b.get(..8)? != b"\xfftOc\0\0\0\x02" {
        return None;
    }
    let n = be32(&b, 8 + 255 * 4)? as usize;
    let ids_at = 8 + 256 * 4;
    let crc_at = ids_at + n * 20;
    let off_at = crc_at + n * 4;
    let large_at = off_at + n * 4;
    // A count the file cannot hold is damage, not an allocation to attempt.
    if b.len() < large_at + 40 {
        return None;
    }
    let mut ids = Vec::with_capacity(n);
    let mut crcs = Vec::with_capacity(n);
    let mut offsets = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(Oid::from_bytes(b.get(ids_at + i * 20..ids_at + i * 20 + 20)?).ok()?);
        crcs.push(be32(&b, crc_at + i * 4)?);
        let o = be32(&b, off_at + i * 4)?;
        offsets.push(if o & 0x8000_0000 == 0 {
            u64::from(o)
        } else {
            let at = large_at + (o & 0x7fff_ffff) as usize * 8;
            u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?)
        });
    }
    Some(Index { ids, offsets, crcs })
}

/// One entry's header: type, inflated size (for a delta: the delta's), the header's length,
/// and for an `OFS_DELTA` its base's offset.
pub(super) struct Entry {
    pub(super) kind: u8,
    pub(super) size: usize,
    pub(super) header: usize,
    pub(super) base: Option<u64>,
}

/// Longest entry header: 10 bytes of type and size, 10 of base offset.
pub(super) const MAX_HEADER: usize = 20;

/// Parses the header of the entry at `offset`, whose bytes start `head`.
pub(super) fn entry(head: &[u8], offset: u64) -> Option<Entry> {
    let mut at = 0;
    let mut c = *head.get(at)?;
    at += 1;
    let kind = (c >> 4) & 7;
    let mut size = usize::from(c & 15);
    let mut shift = 4u32;
    while c & 0x80 != 0 {
        c = *head.get(at)?;
        at += 1;
        if shift > 56 {
            return None;
        }
        size |= usize::from(c & 0x7f) << shift;
        shift += 7;
    }
    let base = if kind == OBJ_OFS_DELTA {
        // git's offset encoding, the same as the index's path prefixes.
        let back = u64::try_from(varint(head, &mut at)?).ok()?;
        // A base lies before its delta: chains cannot loop.
        Some(offset.checked_sub(back).filter(|&b| b < offset)?)
    } else {
        None
    };
    Some(Entry {
        kind,
        size,
        header: at,
        base,
    })
}

/// Reads `len` bytes at `offset` (short at the end of the file).
pub(super) fn read_at(file: &File, offset: u64, len: usize) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0; len];
    let mut got = 0;
    while got < len {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    buf.truncate(got);
    Some(buf)
}

/// Inflates exactly `size` bytes from `data` with `z` (reset first: it is reused across entries,
/// as setting up a new inflater per entry costs more than a reset); `None` if the stream fails
/// or has another length.
pub(super) fn inflate(z: &mut Decompress, data: &[u8], size: usize) -> Option<Vec<u8>> {
    // Deflate expands at most about 1032:1: a larger claim is damage (or a hostile pack), not
    // an allocation to attempt.
    if size > data.len().saturating_mul(1032).saturating_add(64) {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    z.reset(true);
    // One extra byte of room tells a too-long stream from an exact one.
    out.reserve_exact(1);
    match z.decompress_vec(data, &mut out, FlushDecompress::Finish) {
        Ok(Status::StreamEnd) if out.len() == size => Some(out),
        _ => None,
    }
}

/// A delta's base or result size: little-endian groups of 7 bits (not git's offset encoding).
fn delta_size(d: &[u8], at: &mut usize) -> Option<usize> {
    let mut v = 0usize;
    let mut shift = 0u32;
    loop {
        let c = *d.get(*at)?;
        *at += 1;
        if shift > 56 {
            return None;
        }
        v |= usize::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Applies a git delta to `base`; `None` if it does not fit. The copies it made are left in
/// `copies` (cleared first), in order, with copies that continue each other joined.
pub(super) fn apply(base: &[u8], delta: &[u8], copies: &mut Vec<DeltaCopy>) -> Option<Vec<u8>> {
    copies.clear();
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    // The claimed size is only trusted as far as the delta can plausibly produce it; the
    // vector grows past that if it must, and is refused once over the claim.
    let mut out = Vec::with_capacity(size.min(base.len().saturating_add(delta.len())));
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let dst = out.len();
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
            match copies.last_mut() {
                Some(c) if c.dst + c.len == dst && c.src + c.len == off => c.len += len,
                _ => copies.push(DeltaCopy { dst, src: off, len }),
            }
        } else if op != 0 {
            out.extend_from_slice(delta.get(at..at + usize::from(op))?);
            at += usize::from(op);
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// One object of a delta tree as the reader makes it, handed to the caller whether it was
/// asked for or is only a base (a caller deriving something from each base needs those too).
/// Objects come depth first (pre-order): a node's parent is the last one handed at
/// `depth - 1`.
#[derive(Debug)]
pub struct TreeNode<'a> {
    /// The blob's id if it was asked for; `None` for a base only.
    pub id: Option<Oid>,
    /// Its content (shared, so that a caller may hand it to another thread to scan).
    pub bytes: &'a Arc<Vec<u8>>,
    /// 0 for the tree's root (a whole object), else its parent's depth plus one.
    pub depth: usize,
    /// How it was made from its parent: the copies (every other byte was inserted); empty
    /// for the root.
    pub copies: &'a [DeltaCopy],
    /// Whether objects made from this one follow.
    pub has_children: bool,
    /// Whether this is the last object made from its parent (nothing else will be).
    pub last_sibling: bool,
}

/// A made object whose children are still to make: its bytes, those children, its depth.
type Pending<'a> = (Arc<Vec<u8>>, &'a [u32], usize);

/// One object of a pack that is wanted or is the base of one.
struct Node {
    offset: u64,
    /// Raw entry length, for the CRC-32 check.
    len: usize,
    crc: u32,
    /// The blob to hand on, if this object was asked for (bases may not be).
    want: Option<Oid>,
    children: Vec<u32>,
}

/// One pack and the delta trees of its wanted blobs.
struct PackPlan {
    path: PathBuf,
    /// Read with `pread`, not mapped: mapped pages would count in the process's RSS on top
    /// of libgit2's own mapping of the same pack (+50 MB on a 100,000-commit history).
    file: File,
    nodes: Vec<Node>,
    roots: Vec<u32>,
}

/// What to read from which pack, and what is left for libgit2.
pub struct Plan {
    packs: Vec<PackPlan>,
    /// Wanted blobs this reader does not read (not in a pack it reads, or below an entry it
    /// cannot check): the caller reads them through libgit2.
    pub rest: Vec<Oid>,
}

/// The pack indexes (`.idx`) under `objects/pack`, sorted by path; none if it cannot be read.
pub(super) fn pack_indexes(objects: &Path) -> Vec<PathBuf> {
    let mut idx: Vec<PathBuf> = std::fs::read_dir(objects.join("pack"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    idx.sort();
    idx
}

/// Plans reading `wanted` from the packs in `objects/pack`.
pub fn plan(objects: &Path, wanted: &[Oid]) -> Plan {
    let mut left: HashSet<Oid> = wanted.iter().copied().collect();
    let mut packs = Vec::new();
    for idx_path in pack_indexes(objects) {
        if left.is_empty() {
            break;
        }
        let pack_path = idx_path.with_extension("pack");
        if let Some(p) = plan_pack(&idx_path, &pack_path, &mut left) {
            packs.push(p);
        }
    }
    // `rest` in the order given, for libgit2.
    let rest = wanted
        .iter()
        .copied()
        .filter(|id| left.contains(id))
        .collect();
    Plan { packs, rest }
}

fn plan_pack(idx_path: &Path, pack_path: &Path, left: &mut HashSet<Oid>) -> Option<PackPlan> {
    let index = read_index(idx_path)?;
    let file = File::open(pack_path).ok()?;
    let data_end = file.metadata().ok()?.len().checked_sub(20)?;
    let by_offset = index.by_offset();
    let find = |o: u64| by_offset.binary_search_by_key(&o, |&(off, _)| off).ok();
    let end_of = |o: u64| -> u64 {
        find(o)
            .and_then(|i| by_offset.get(i + 1))
            .map_or(data_end, |&(next, _)| next)
    };
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_at: HashMap<u64, u32> = HashMap::new();
    // Chains found to end where this reader cannot go: not walked again.
    let mut dead_end: HashSet<u64> = HashSet::new();
    let mut roots = Vec::new();
    let mut taken = Vec::new();
    for (i, id) in index.ids.iter().enumerate() {
        if !left.contains(id) {
            continue;
        }
        // The chain from this object down to its base, or to an object already planned.
        let mut chain: Vec<(usize, Option<u64>)> = Vec::new();
        let mut at = i;
        let ok = loop {
            let offset = index.offsets[at];
            if node_at.contains_key(&offset) {
                break true;
            }
            if dead_end.contains(&offset) {
                break false;
            }
            let Some(e) = read_at(&file, offset, MAX_HEADER).and_then(|h| entry(&h, offset)) else {
                break false;
            };
            match e.kind {
                OBJ_BLOB => {
                    chain.push((at, None));
                    break true;
                }
                OBJ_OFS_DELTA => {
                    let Some(b) = e.base.and_then(find).map(|k| by_offset[k].1 as usize) else {
                        break false;
                    };
                    chain.push((at, e.base));
                    at = b;
                }
                // A REF_DELTA, or a delta whose root is not a blob: libgit2's.
                _ => break false,
            }
        };
        if !ok {
            dead_end.extend(chain.iter().map(|&(pos, _)| index.offsets[pos]));
            dead_end.insert(index.offsets[at]);
            continue;
        }
        // Insert base first, so a child always has its parent's node.
        for &(pos, base) in chain.iter().rev() {
            let offset = index.offsets[pos];
            let end = end_of(offset);
            let n = u32::try_from(nodes.len()).ok()?;
            nodes.push(Node {
                offset,
                len: usize::try_from(end.saturating_sub(offset)).ok()?,
                crc: index.crcs[pos],
                want: None,
                children: Vec::new(),
            });
            node_at.insert(offset, n);
            match base {
                Some(b) => {
                    let parent = *node_at.get(&b)?;
                    nodes[parent as usize].children.push(n);
                }
                None => roots.push(n),
            }
        }
        let n = *node_at.get(&index.offsets[i])?;
        if nodes[n as usize].want.is_none() {
            nodes[n as usize].want = Some(*id);
            taken.push(*id);
        }
    }
    for id in &taken {
        left.remove(id);
    }
    if roots.is_empty() {
        return None;
    }
    // Pack order: nearby entries are read together.
    roots.sort_unstable_by_key(|&r| nodes[r as usize].offset);
    Some(PackPlan {
        path: pack_path.to_path_buf(),
        file,
        nodes,
        roots,
    })
}

impl Plan {
    /// Blobs this plan reads from packs.
    pub fn len(&self) -> usize {
        self.packs
            .iter()
            .map(|p| p.nodes.iter().filter(|n| n.want.is_some()).count())
            .sum()
    }

    /// Whether the plan reads nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads every planned blob on the calling thread and others sharing `next` roots: calls
    /// `found(node)` for each object made ([`TreeNode`]: the wanted blobs and the bases they
    /// are made from), and `failed(id)` for each wanted blob that could not be read here (its
    /// entry or one below which it lies failed a check).
    pub fn read_shared(
        &self,
        next: &AtomicUsize,
        mut found: impl FnMut(&TreeNode<'_>),
        mut failed: impl FnMut(Oid),
    ) {
        let total: usize = self.packs.iter().map(|p| p.roots.len()).sum();
        // One inflater for every entry this thread reads, reset before each.
        let mut z = Decompress::new(true);
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= total || crate::interrupt::requested() {
                break;
            }
            let (mut pack, mut k) = (0, k);
            while k >= self.packs[pack].roots.len() {
                k -= self.packs[pack].roots.len();
                pack += 1;
            }
            let p = &self.packs[pack];
            p.read_tree(&mut z, p.roots[k], &mut found, &mut failed);
        }
    }
}

impl PackPlan {
    /// The inflated data of node `n`'s entry, checked against the index's CRC-32.
    fn data(&self, z: &mut Decompress, n: &Node) -> Option<(u8, Vec<u8>)> {
        let raw = read_at(&self.file, n.offset, n.len)?;
        if raw.len() != n.len || crc32fast::hash(&raw) != n.crc {
            return None;
        }
        let e = entry(&raw, n.offset)?;
        Some((e.kind, inflate(z, raw.get(e.header..)?, e.size)?))
    }

    /// Reads the delta tree under `root`, depth first; a parent's bytes are dropped as soon as
    /// its last child is made, so a plain chain holds two versions at a time.
    fn read_tree(
        &self,
        z: &mut Decompress,
        root: u32,
        found: &mut impl FnMut(&TreeNode<'_>),
        failed: &mut impl FnMut(Oid),
    ) {
        let node = &self.nodes[root as usize];
        let Some((OBJ_BLOB, bytes)) = self.data(z, node) else {
            self.fail_below(root, failed);
            return;
        };
        let bytes = Arc::new(bytes);
        found(&TreeNode {
            id: node.want,
            bytes: &bytes,
            depth: 0,
            copies: &[],
            has_children: !node.children.is_empty(),
            last_sibling: true,
        });
        let mut stack: Vec<Pending<'_>> = Vec::new();
        if !node.children.is_empty() {
            stack.push((bytes, &node.children, 0));
        }
        let mut copies = Vec::new();
        while let Some((_, children, depth)) = stack.last_mut() {
            let depth = *depth + 1;
            let list: &[u32] = children;
            let Some((&c, more)) = list.split_first() else {
                stack.pop();
                continue;
            };
            *children = more;
            let child = &self.nodes[c as usize];
            let made = if more.is_empty() {
                // The parent's last child: its bytes can go once this one is made.
                let (base, _, _) = stack.pop().unwrap_or_default();
                self.made(z, child, &base, &mut copies)
            } else {
                stack
                    .last()
                    .and_then(|(base, _, _)| self.made(z, child, base, &mut copies))
            };
            let Some(bytes) = made.map(Arc::new) else {
                self.fail_below(c, failed);
                continue;
            };
            found(&TreeNode {
                id: child.want,
                bytes: &bytes,
                depth,
                copies: &copies,
                has_children: !child.children.is_empty(),
                last_sibling: more.is_empty(),
            });
            if !child.children.is_empty() {
                stack.push((bytes, &child.children, depth));
            }
        }
    }

    fn made(
        &self,
        z: &mut Decompress,
        n: &Node,
        base: &[u8],
        copies: &mut Vec<DeltaCopy>,
    ) -> Option<Vec<u8>> {
        match self.data(z, n)? {
            (OBJ_OFS_DELTA, delta) => apply(base, &delta, copies),
            _ => None,
        }
    }

    fn fail_below(&self, n: u32, failed: &mut impl FnMut(Oid)) {
        let mut stack = vec![n];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            if let Some(id) = node.want {
                failed(id);
            }
            stack.extend(&node.children);
        }
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field(
                "packs",
                &self.packs.iter().map(|p| &p.path).collect::<Vec<_>>(),
            )
            .field("rest", &self.rest.len())
            .finish()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        // src 12, dst 11; copy 7 bytes at 0 ("hello, "), insert "git!"
        let delta = [12u8, 11, 0x80 | 0x10, 7, 4, b'g', b'i', b't', b'!'];
        let mut copies = Vec::new();
        assert_eq!(
            apply(base, &delta, &mut copies).as_deref(),
            Some(&b"hello, git!"[..])
        );
        assert_eq!(
            copies,
            [DeltaCopy {
                dst: 0,
                src: 0,
                len: 7
            }]
        );
        // Wrong base size, and a copy past the base's end.
        assert_eq!(apply(b"short", &delta, &mut copies), None);
        assert_eq!(
            apply(base, &[12, 5, 0x80 | 0x01 | 0x10, 10, 5], &mut copies),
            None
        );
        // Two copies that continue each other are one.
        let delta = [12u8, 12, 0x80 | 0x10, 5, 0x80 | 0x01 | 0x10, 5, 7];
        assert_eq!(apply(base, &delta, &mut copies).as_deref(), Some(&base[..]));
        assert_eq!(
            copies,
            [DeltaCopy {
                dst: 0,
                src: 0,
                len: 12
            }]
        );
    }

    /// Runs git in `dir` with no user or system configuration; its standard output.
    pub(in crate::source::git) fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
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
        out.stdout
    }

    /// Versions of a 1.3 MB file and of a small one, repacked into delta chains: every version
    /// is read from the pack, byte for byte what `git cat-file` gives.
    #[test]
    fn reads_every_version_of_a_large_file_from_its_delta_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        let base: String = (0..50_000)
            .map(|i| format!("line {i:>6} of a big file\n"))
            .collect();
        for v in 0..12usize {
            let mut text = base.clone();
            text.insert_str(v * 100_003 % base.len(), &format!("edit {v}\n"));
            std::fs::write(dir.join("big.txt"), &text).unwrap();
            std::fs::write(dir.join("small.txt"), format!("v{v}\n")).unwrap();
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("v{v}")]);
        }
        git(dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let list = git(dir, &["rev-list", "--all", "--objects"]);
        let mut ids = Vec::new();
        for line in String::from_utf8(list).unwrap().lines() {
            let mut parts = line.split(' ');
            let id = parts.next().unwrap();
            if parts.next().is_some_and(|p| p.ends_with(".txt")) {
                ids.push(Oid::from_str(id).unwrap());
            }
        }
        assert_eq!(ids.len(), 24);
        let plan = plan(&dir.join(".git/objects"), &ids);
        assert_eq!(plan.len(), 24, "{plan:?}");
        assert!(plan.rest.is_empty(), "{plan:?}");
        let mut got = Vec::new();
        plan.read_shared(
            &AtomicUsize::new(0),
            |node| {
                if let Some(id) = node.id {
                    got.push((id, node.bytes.to_vec()));
                }
            },
            |id| panic!("{id} not read"),
        );
        assert_eq!(got.len(), 24);
        for (id, bytes) in got {
            assert_eq!(
                bytes,
                git(dir, &["cat-file", "blob", &id.to_string()]),
                "{id}"
            );
        }
    }
}
