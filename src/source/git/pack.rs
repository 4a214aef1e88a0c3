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

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;
use memmap2::Mmap;

/// Pack entry types (`gitformat-pack`).
const OBJ_BLOB: u8 = 3;
const OBJ_OFS_DELTA: u8 = 6;

/// A pack's index (version 2), as far as this reader needs it.
struct Index {
    ids: Vec<Oid>,
    offsets: Vec<u64>,
    crcs: Vec<u32>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses a version-2 `.idx`; `None` for any other version or a short file (the pack is then
/// left to libgit2).
fn read_index(path: &Path) -> Option<Index> {
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

/// One entry's header: type, inflated size, where its zlib data starts, and for an
/// `OFS_DELTA` its base's offset.
struct Entry {
    kind: u8,
    size: usize,
    data: usize,
    base: Option<u64>,
}

fn entry(pack: &[u8], offset: u64) -> Option<Entry> {
    let mut at = usize::try_from(offset).ok()?;
    let mut c = *pack.get(at)?;
    at += 1;
    let kind = (c >> 4) & 7;
    let mut size = usize::from(c & 15);
    let mut shift = 4u32;
    while c & 0x80 != 0 {
        c = *pack.get(at)?;
        at += 1;
        if shift > 56 {
            return None;
        }
        size |= usize::from(c & 0x7f) << shift;
        shift += 7;
    }
    let base = if kind == OBJ_OFS_DELTA {
        let mut c = *pack.get(at)?;
        at += 1;
        let mut back = u64::from(c & 0x7f);
        while c & 0x80 != 0 {
            c = *pack.get(at)?;
            at += 1;
            back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
        }
        // A base lies before its delta: chains cannot loop.
        Some(offset.checked_sub(back).filter(|&b| b < offset)?)
    } else {
        None
    };
    Some(Entry {
        kind,
        size,
        data: at,
        base,
    })
}

/// Inflates exactly `size` bytes from `data`; `None` if the stream fails or has another length.
fn inflate(data: &[u8], size: usize) -> Option<Vec<u8>> {
    // Deflate expands at most about 1032:1: a larger claim is damage (or a hostile pack), not
    // an allocation to attempt.
    if size > data.len().saturating_mul(1032).saturating_add(64) {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    let mut z = Decompress::new(true);
    // One extra byte of room tells a too-long stream from an exact one.
    out.reserve_exact(1);
    match z.decompress_vec(data, &mut out, FlushDecompress::Finish) {
        Ok(Status::StreamEnd) if out.len() == size => Some(out),
        _ => None,
    }
}

fn varint(d: &[u8], at: &mut usize) -> Option<usize> {
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

/// Applies a git delta to `base`; `None` if it does not fit.
fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if varint(delta, &mut at)? != base.len() {
        return None;
    }
    let size = varint(delta, &mut at)?;
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
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
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
    map: Mmap,
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

/// Plans reading `wanted` from the packs in `objects/pack`.
pub fn plan(objects: &Path, wanted: &[Oid]) -> Plan {
    let mut left: HashSet<Oid> = wanted.iter().copied().collect();
    let mut packs = Vec::new();
    let mut idx: Vec<PathBuf> = std::fs::read_dir(objects.join("pack"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    idx.sort();
    for idx_path in idx {
        if left.is_empty() {
            break;
        }
        let pack_path = idx_path.with_extension("pack");
        if let Some(p) = plan_pack(&idx_path, &pack_path, &mut left) {
            packs.push(p);
        }
    }
    // `rest` in the order given (pack order, from the caller), for libgit2.
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
    // SAFETY: git never rewrites a pack file in place (a repack writes new files and deletes
    // the old ones, which stay mapped until unmapped), so the mapping does not change under us.
    // A file truncated by something else could at worst make a read fault, as with any mapped
    // file (the trade-off of src/source/fs.rs and staged.rs too).
    #[expect(unsafe_code, reason = "memory-mapping pack files, see above")]
    let map = unsafe { Mmap::map(&file) }.ok()?;
    let data_end = (map.len() as u64).checked_sub(20)?;
    // Entry ends: the next entry's offset, or the pack's trailer.
    let mut sorted: Vec<u64> = index.offsets.clone();
    sorted.sort_unstable();
    let end_of = |o: u64| -> u64 {
        match sorted.binary_search(&o) {
            Ok(i) => sorted.get(i + 1).copied().unwrap_or(data_end),
            Err(_) => o,
        }
    };
    let by_offset: HashMap<u64, usize> = index
        .offsets
        .iter()
        .enumerate()
        .map(|(i, &o)| (o, i))
        .collect();
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_at: HashMap<u64, u32> = HashMap::new();
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
            let Some(e) = entry(&map, offset) else {
                break false;
            };
            match e.kind {
                OBJ_BLOB => {
                    chain.push((at, None));
                    break true;
                }
                OBJ_OFS_DELTA => {
                    let Some(&b) = e.base.and_then(|b| by_offset.get(&b)) else {
                        break false;
                    };
                    chain.push((at, e.base));
                    at = b;
                }
                // REF_DELTA, or a delta whose root is not a blob: left to libgit2.
                _ => break false,
            }
        };
        if !ok {
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
    // Pack order: nearby entries are read together.
    roots.sort_unstable_by_key(|&r| nodes[r as usize].offset);
    Some(PackPlan {
        path: pack_path.to_path_buf(),
        map,
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
    /// `found(id, bytes)` for each, and `failed(id)` for each wanted blob that could not be
    /// read here (its entry or one below which it lies failed a check).
    pub fn read_shared(
        &self,
        next: &AtomicUsize,
        mut found: impl FnMut(Oid, &[u8]),
        mut failed: impl FnMut(Oid),
    ) {
        let total: usize = self.packs.iter().map(|p| p.roots.len()).sum();
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
            p.read_tree(p.roots[k], &mut found, &mut failed);
        }
    }
}

impl PackPlan {
    /// The inflated data of node `n`'s entry, checked against the index's CRC-32.
    fn data(&self, n: &Node) -> Option<(u8, Vec<u8>)> {
        let start = usize::try_from(n.offset).ok()?;
        let raw = self.map.get(start..start.checked_add(n.len)?)?;
        if crc32fast::hash(raw) != n.crc {
            return None;
        }
        let e = entry(&self.map, n.offset)?;
        let zdata = self.map.get(e.data..start + n.len)?;
        Some((e.kind, inflate(zdata, e.size)?))
    }

    /// Reads the delta tree under `root`, depth first; a parent's bytes are dropped as soon as
    /// its last child is made, so a plain chain holds two versions at a time.
    fn read_tree(
        &self,
        root: u32,
        found: &mut impl FnMut(Oid, &[u8]),
        failed: &mut impl FnMut(Oid),
    ) {
        let node = &self.nodes[root as usize];
        let Some((OBJ_BLOB, bytes)) = self.data(node) else {
            self.fail_below(root, failed);
            return;
        };
        if let Some(id) = node.want {
            found(id, &bytes);
        }
        let mut stack: Vec<(Vec<u8>, &[u32])> = Vec::new();
        if !node.children.is_empty() {
            stack.push((bytes, &node.children));
        }
        while let Some((_, children)) = stack.last_mut() {
            let list: &[u32] = children;
            let Some((&c, more)) = list.split_first() else {
                stack.pop();
                continue;
            };
            *children = more;
            let child = &self.nodes[c as usize];
            let made = if more.is_empty() {
                // The parent's last child: its bytes can go once this one is made.
                let (base, _) = stack.pop().unwrap_or_default();
                self.made(child, &base)
            } else {
                stack.last().and_then(|(base, _)| self.made(child, base))
            };
            let Some(bytes) = made else {
                self.fail_below(c, failed);
                continue;
            };
            if let Some(id) = child.want {
                found(id, &bytes);
            }
            if !child.children.is_empty() {
                stack.push((bytes, &child.children));
            }
        }
    }

    fn made(&self, n: &Node, base: &[u8]) -> Option<Vec<u8>> {
        match self.data(n)? {
            (OBJ_OFS_DELTA, delta) => apply(base, &delta),
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
mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        // src 12, dst 11; copy 7 bytes at 0 ("hello, "), insert "git!"
        let delta = [12u8, 11, 0x80 | 0x10, 7, 4, b'g', b'i', b't', b'!'];
        assert_eq!(apply(base, &delta).as_deref(), Some(&b"hello, git!"[..]));
        // Wrong base size, and a copy past the base's end.
        assert_eq!(apply(b"short", &delta), None);
        assert_eq!(apply(base, &[12, 5, 0x80 | 0x01 | 0x10, 10, 5]), None);
    }
}
