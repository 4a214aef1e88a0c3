//! Reading the trees and commits a history walk compares straight from the pack files.
//!
//! The walk in [`super::attribute`] reads every tree a commit changed, oldest commit first.
//! Through libgit2 each read looked the id up by binary search, resolved its delta chain with
//! C zlib (a new inflater per object) through a 16 MB base cache, copied the object out of the
//! cache and parsed it into allocated entries: on the large benchmark history (135,465 trees,
//! 174 MB) about a quarter of a `--threads 1` scan. Here an object is read from its mapped pack
//! with zlib-rs, found by hash lookups, and every object made on the way down a chain is kept
//! in the reader's cache (git packs newer versions as the bases of older ones, so walking
//! oldest first meets each chain at its deep end once and then finds the rest in the cache); a
//! tree is used as the raw bytes it is, never parsed into allocations.
//!
//! Nothing that cannot be checked here is read here: an object that is loose, in an
//! alternate, stored as a `REF_DELTA`, whose raw bytes do not match the index's CRC-32, whose
//! zlib stream or delta fails, whose chain is too deep or too large, or a commit whose header
//! libgit2 would not parse, goes to libgit2 through the guards exactly as before, so damage is
//! the same named skip with the same words. A tree's entries are checked as they are read
//! ([`entry_at`]): the walk names a tree whose entries stop parsing part way.
//!
//! Formats: `Documentation/gitformat-pack.txt` (pack entries and deltas, `.idx` version 2) and
//! `Documentation/gitformat-index.txt`'s tree entry layout as git writes trees: `<octal mode>
//! SP <name> NUL <20-byte id>`, repeated.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use flate2::Decompress;
use foldhash::{HashMap, HashMapExt};
use git2::{ObjectType, Oid};

use super::pack::{self, OBJ_OFS_DELTA};

/// Pack entry types of a commit and a tree (`gitformat-pack`).
const OBJ_COMMIT: u8 = 1;
const OBJ_TREE: u8 = 2;

/// Longest delta chain followed here; a longer one (git's own limit is 4095 when packing) is
/// left to libgit2.
const MAX_CHAIN: usize = 10_000;

/// Most bytes of inflated deltas held at once while going down one chain (a stranger's pack
/// could chain thousands of large deltas); past it the object is left to libgit2, which
/// applies them one at a time.
const MAX_CHAIN_BYTES: usize = 256 << 20;

/// One pack: its index, and its entries by offset (for an entry's end and its CRC-32).
struct Pack {
    /// The pack, mapped: the walk reads a few hundred thousand small entries, and a read call
    /// and a zeroed buffer for each cost more than the reading. The map lives only for the
    /// walk, so the pages it touches never count in the blob scan's peak memory.
    map: memmap2::Mmap,
    /// Object ids, sorted (the index's order), with each one's offset.
    ids: Vec<[u8; 20]>,
    /// Index position by the id's first 8 bytes (`u32::MAX` where two ids share them: then
    /// the sorted ids are searched).
    by_prefix: HashMap<u64, u32>,
    offsets: Vec<u64>,
    /// Index position by offset (a delta names its base by offset), and where each position's
    /// entry ends: hash lookups, not binary searches over arrays of megabytes, each probe of
    /// which missed the processor's caches.
    by_offset: HashMap<u64, u32>,
    ends: Vec<u64>,
    crcs: Vec<u32>,
}

impl Pack {
    fn open(idx: &Path) -> Option<Pack> {
        let index = pack::read_index(idx)?;
        let file = File::open(idx.with_extension("pack")).ok()?;
        let map = map(&file)?;
        let data_end = (map.len() as u64).checked_sub(20)?;
        let by_offset = index.by_offset();
        let mut ends = vec![data_end; by_offset.len()];
        for w in by_offset.windows(2) {
            if let Some(e) = ends.get_mut(w[0].1 as usize) {
                *e = w[1].0;
            }
        }
        let ids: Vec<[u8; 20]> = index
            .ids
            .iter()
            .filter_map(|id| id.as_bytes().try_into().ok())
            .collect();
        let mut by_prefix = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            by_prefix
                .entry(prefix(id))
                .and_modify(|v| *v = u32::MAX)
                .or_insert(i);
        }
        Some(Pack {
            map,
            ids,
            by_prefix,
            offsets: index.offsets,
            by_offset: by_offset.into_iter().collect(),
            ends,
            crcs: index.crcs,
        })
    }

    /// The index position of `id`.
    fn position(&self, id: &[u8]) -> Option<usize> {
        let key: &[u8; 20] = id.try_into().ok()?;
        match self.by_prefix.get(&prefix(key)) {
            None => None,
            Some(&u32::MAX) => self.ids.binary_search_by(|p| p[..].cmp(id)).ok(),
            Some(&i) => (self.ids.get(i as usize)? == key).then_some(i as usize),
        }
    }

    /// The raw entry at `offset`, checked against the index's CRC-32.
    fn raw(&self, offset: u64) -> Option<&[u8]> {
        let k = *self.by_offset.get(&offset)? as usize;
        let end = *self.ends.get(k)?;
        let raw = self
            .map
            .get(usize::try_from(offset).ok()?..usize::try_from(end).ok()?)?;
        let crc = *self.crcs.get(k)?;
        (crc32fast::hash(raw) == crc).then_some(raw)
    }
}

/// Maps a pack read-only.
fn map(file: &File) -> Option<memmap2::Mmap> {
    // SAFETY: read-only map, dropped when the walk ends, read only within its length. git
    // writes a pack under a temporary name and renames it into place, never rewriting one, so
    // the mapped file is not truncated under us; a writer that did truncate it could at worst
    // make a read fault, as with any mapped file (the index reader makes the same trade).
    #[expect(unsafe_code, reason = "memory-mapping a pack, see above")]
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// An id's first 8 bytes, as a number.
fn prefix(id: &[u8; 20]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&id[..8]);
    u64::from_le_bytes(b)
}

/// The packs of one object directory, shared by the walker threads.
pub struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// The version-2 packs under `objects/pack` (others are left to libgit2).
    pub fn open(objects: &Path) -> Packs {
        Packs {
            packs: pack::pack_indexes(objects)
                .iter()
                .filter_map(|idx| Pack::open(idx))
                .collect(),
        }
    }

    /// No packs: every read goes to libgit2.
    pub fn none() -> Packs {
        Packs { packs: Vec::new() }
    }

    /// Where `id` is stored: (pack, offset).
    fn find(&self, id: Oid) -> Option<(usize, u64)> {
        self.packs.iter().enumerate().find_map(|(p, pack)| {
            let i = pack.position(id.as_bytes())?;
            Some((p, *pack.offsets.get(i)?))
        })
    }
}

/// An object made on the way, kept for the next reads.
struct Cached {
    kind: u8,
    data: Arc<Vec<u8>>,
    used: u64,
}

/// One thread's reader over [`Packs`], with its cache of made objects.
pub struct Reader<'p> {
    packs: &'p Packs,
    z: Decompress,
    cache: HashMap<(usize, u64), Cached>,
    bytes: usize,
    limit: usize,
    tick: u64,
    copies: Vec<crate::blob::DeltaCopy>,
}

impl<'p> Reader<'p> {
    /// A reader keeping up to `limit` bytes of made objects.
    pub fn new(packs: &'p Packs, limit: usize) -> Self {
        Reader {
            packs,
            z: Decompress::new(true),
            cache: HashMap::new(),
            bytes: 0,
            limit,
            tick: 0,
            copies: Vec::new(),
        }
    }

    /// Tree `id` as its raw bytes, if it is in a pack this reader reads and every check
    /// passes; `None` sends the caller to libgit2. Its entries are not checked here: a reader
    /// of them names the entry it cannot read.
    pub fn tree(&mut self, id: Oid) -> Option<Arc<Vec<u8>>> {
        let (p, offset) = self.packs.find(id)?;
        let (kind, data) = self.at(p, offset)?;
        (kind == OBJ_TREE).then_some(data)
    }

    /// Commit `id`, if it is in a pack this reader reads, every check passes and its header has
    /// the lines libgit2 requires of a commit (`tree`, any `parent`s, `author` and `committer`
    /// with an address); `None` sends the caller to libgit2, which says what is wrong with it.
    pub fn commit(&mut self, id: Oid) -> Option<PackedCommit> {
        let (p, offset) = self.packs.find(id)?;
        let (kind, data) = self.at(p, offset)?;
        if kind != OBJ_COMMIT {
            return None;
        }
        let (tree, parent) = commit_header(&data)?;
        Some(PackedCommit { tree, parent, data })
    }

    /// The object at `offset` of pack `p`: its type and bytes.
    fn at(&mut self, p: usize, offset: u64) -> Option<(u8, Arc<Vec<u8>>)> {
        self.tick += 1;
        let pack = self.packs.packs.get(p)?;
        // Down the chain to a cached object or a whole one, keeping each delta on the way.
        let mut deltas: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut held = 0usize;
        let mut o = offset;
        let (kind, mut data) = loop {
            if let Some(c) = self.cache.get_mut(&(p, o)) {
                c.used = self.tick;
                break (c.kind, Arc::clone(&c.data));
            }
            if deltas.len() > MAX_CHAIN {
                return None;
            }
            let raw = pack.raw(o)?;
            let e = pack::entry(raw, o)?;
            let inflated = pack::inflate(&mut self.z, raw.get(e.header..)?, e.size)?;
            match (e.kind, e.base) {
                (OBJ_OFS_DELTA, Some(base)) => {
                    held += inflated.len();
                    if held > MAX_CHAIN_BYTES {
                        return None;
                    }
                    deltas.push((o, inflated));
                    o = base;
                }
                (1..=4, _) => {
                    let data = Arc::new(inflated);
                    // Trees are kept (a tree read now is often the base of the next one
                    // read); a commit only as the base of a delta.
                    if e.kind == OBJ_TREE || !deltas.is_empty() {
                        self.keep(p, o, e.kind, &data);
                    }
                    break (e.kind, data);
                }
                _ => return None,
            }
        };
        while let Some((o, delta)) = deltas.pop() {
            data = Arc::new(pack::apply(&data, &delta, &mut self.copies)?);
            if kind == OBJ_TREE || !deltas.is_empty() {
                self.keep(p, o, kind, &data);
            }
        }
        Some((kind, data))
    }

    /// Keeps a made object; past the limit, the least recently used half goes.
    fn keep(&mut self, p: usize, offset: u64, kind: u8, data: &Arc<Vec<u8>>) {
        if data.len() > self.limit / 4 {
            return;
        }
        self.bytes += data.len();
        let old = self.cache.insert(
            (p, offset),
            Cached {
                kind,
                data: Arc::clone(data),
                used: self.tick,
            },
        );
        if let Some(old) = old {
            self.bytes -= old.data.len();
        }
        if self.bytes > self.limit {
            let mut by_use: Vec<(u64, (usize, u64))> =
                self.cache.iter().map(|(k, c)| (c.used, *k)).collect();
            by_use.sort_unstable();
            for (_, k) in by_use {
                if self.bytes <= self.limit / 2 {
                    break;
                }
                if let Some(c) = self.cache.remove(&k) {
                    self.bytes -= c.data.len();
                }
            }
        }
    }
}

/// The tree and first parent a commit's header names, if the header is what libgit2 parses
/// (`git_commit__parse_raw`): `tree <hex>`, `parent <hex>` lines, then `author` and
/// `committer` lines each with a `<…>` address.
pub fn commit_header(data: &[u8]) -> Option<(Oid, Option<Oid>)> {
    let mut lines = data.split(|&b| b == b'\n');
    let hex = |l: &[u8], key: &[u8]| -> Option<Oid> {
        let h = l.strip_prefix(key)?;
        if h.len() != 40 {
            return None;
        }
        Oid::from_str(std::str::from_utf8(h).ok()?).ok()
    };
    let tree = hex(lines.next()?, b"tree ")?;
    let mut parent = None;
    let mut line = lines.next()?;
    while line.starts_with(b"parent ") {
        let id = hex(line, b"parent ")?;
        parent.get_or_insert(id);
        line = lines.next()?;
    }
    let signed = |l: &[u8], key: &[u8]| {
        l.strip_prefix(key).is_some_and(|s| {
            memchr::memchr(b'<', s).is_some_and(|lt| memchr::memchr(b'>', &s[lt..]).is_some())
        })
    };
    if !signed(line, b"author ") || !signed(lines.next()?, b"committer ") {
        return None;
    }
    Some((tree, parent))
}

/// A commit's parents (all of them, in order) and committer time in seconds, as libgit2's
/// revision walk reads them (`git_signature__parse`: the number after the line's last `>`);
/// `None` unless the header passes [`commit_header`] and the time is plain digits, so that
/// nothing libgit2 might read otherwise is guessed at.
pub fn commit_links(data: &[u8]) -> Option<(Vec<Oid>, i64)> {
    commit_header(data)?;
    let mut lines = data.split(|&b| b == b'\n').skip(1);
    let mut parents = Vec::new();
    let mut line = lines.next()?;
    while let Some(hex) = line.strip_prefix(b"parent ") {
        parents.push(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
        line = lines.next()?;
    }
    let committer = lines.next()?;
    let after = &committer[memchr::memrchr(b'>', committer)? + 1..];
    let digits = after.strip_prefix(b" ")?;
    let digits = &digits[..memchr::memchr(b' ', digits).unwrap_or(digits.len())];
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((parents, std::str::from_utf8(digits).ok()?.parse().ok()?))
}

/// A commit's message as libgit2 gives it (`git_commit_message`): what follows the header's
/// blank line, without leading newlines, up to a NUL byte; empty without a blank line.
pub fn commit_message(data: &[u8]) -> &[u8] {
    let Some(blank) = memchr::memmem::find(data, b"\n\n") else {
        return &[];
    };
    let mut msg = &data[blank + 2..];
    while let Some(rest) = msg.strip_prefix(b"\n") {
        msg = rest;
    }
    match memchr::memchr(0, msg) {
        Some(nul) => &msg[..nul],
        None => msg,
    }
}

/// A commit read from a pack.
#[derive(Debug, Clone)]
pub struct PackedCommit {
    /// Its tree.
    pub tree: Oid,
    /// Its first parent.
    pub parent: Option<Oid>,
    data: Arc<Vec<u8>>,
}

impl PackedCommit {
    /// Its parents and committer time ([`commit_links`]).
    pub fn links(&self) -> Option<(Vec<Oid>, i64)> {
        commit_links(&self.data)
    }

    /// Its message, as `git_commit_message` gives it ([`commit_message`]).
    pub fn message(&self) -> &[u8] {
        commit_message(&self.data)
    }
}

/// One entry of a raw tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The mode, as git stores it (octal digits).
    pub mode: u32,
    /// The name's bytes.
    pub name: &'a [u8],
    /// The id's 20 bytes.
    pub id: &'a [u8],
}

impl Entry<'_> {
    /// What the entry names, from its mode as libgit2 reads it (`git_tree_entry_type`): a
    /// gitlink is a commit, a directory a tree, anything else a blob.
    pub fn kind(&self) -> ObjectType {
        match self.mode & 0o170_000 {
            0o160_000 => ObjectType::Commit,
            0o040_000 => ObjectType::Tree,
            _ => ObjectType::Blob,
        }
    }

    /// Whether it names a tree.
    pub fn is_tree(&self) -> bool {
        self.kind() == ObjectType::Tree
    }

    /// The id it names (an entry is only made with 20 id bytes, so never the zero id).
    pub fn oid(&self) -> Oid {
        Oid::from_bytes(self.id).unwrap_or(Oid::ZERO_SHA1)
    }
}

/// Whether `data` is a whole tree: every entry parses, up to the last byte.
pub fn is_tree(data: &[u8]) -> bool {
    let mut at = 0;
    while at < data.len() {
        match entry_at(data, at) {
            Some((_, end)) => at = end,
            None => return false,
        }
    }
    true
}

/// The entry starting at `at` and where it ends; `None` where the bytes are not an entry.
pub fn entry_at(data: &[u8], at: usize) -> Option<(Entry<'_>, usize)> {
    let rest = data.get(at..)?;
    let sp = rest.iter().take(8).position(|&b| b == b' ')?;
    if sp == 0 {
        return None;
    }
    let mut mode = 0u32;
    for &d in &rest[..sp] {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        mode = mode * 8 + u32::from(d - b'0');
    }
    if mode > 0xffff {
        return None;
    }
    let after = &rest[sp + 1..];
    let nul = memchr::memchr(0, after)?;
    if nul == 0 {
        return None;
    }
    let id = after.get(nul + 1..nul + 21)?;
    let end = at + sp + 1 + nul + 21;
    Some((
        Entry {
            mode,
            name: &after[..nul],
            id,
        },
        end,
    ))
}

/// Where the entry starting at `at` of a checked tree ends (no parse of its mode or name).
fn entry_end(data: &[u8], at: usize) -> Option<usize> {
    let nul = memchr::memchr(0, data.get(at..)?)?;
    Some(at + nul + 21).filter(|&e| e <= data.len())
}

/// The entries of a raw tree, each `None` where the bytes stop making sense (and nothing
/// after it).
pub fn entries(data: &[u8]) -> impl Iterator<Item = Option<Entry<'_>>> {
    let mut at = 0;
    let mut broken = false;
    std::iter::from_fn(move || {
        if at >= data.len() || broken {
            return None;
        }
        let e = entry_at(data, at);
        match e {
            Some((e, end)) => {
                at = end;
                Some(Some(e))
            }
            None => {
                broken = true;
                Some(None)
            }
        }
    })
}

/// Where two checked trees stop being the same bytes, as whole entries: (the offset of the
/// first entry that differs, the length of the tail of whole entries both end with). Entries
/// before the offset and in the tail are the same entries in both, and need no comparing: a
/// commit that changes one file of a directory of thousands leaves all but one entry as it
/// was.
pub fn common_entries(old: &[u8], new: &[u8]) -> (usize, usize) {
    let max = old.len().min(new.len());
    let mut d = 0;
    while d + 32 <= max && old[d..d + 32] == new[d..d + 32] {
        d += 32;
    }
    while d < max && old[d] == new[d] {
        d += 1;
    }
    // Back to the start of the entry `d` falls in (entry starts are the same in both up to d).
    let mut start = 0;
    while let Some(end) = entry_end(new, start) {
        if end > d {
            break;
        }
        start = end;
    }
    let mut t = 0;
    let max_tail = max - start;
    while t + 32 <= max_tail
        && old[old.len() - t - 32..old.len() - t] == new[new.len() - t - 32..new.len() - t]
    {
        t += 32;
    }
    while t < max_tail && old[old.len() - t - 1] == new[new.len() - t - 1] {
        t += 1;
    }
    (start, t)
}

/// A tree read through libgit2, in the raw form [`entries`] reads.
pub fn raw_from(tree: &git2::Tree<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in tree {
        out.extend_from_slice(format!("{:o} ", e.filemode_raw()).as_bytes());
        out.extend_from_slice(e.name_bytes());
        out.push(0);
        out.extend_from_slice(e.id().as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::pack::tests::git;
    use super::*;

    #[test]
    fn commit_headers_as_libgit2_requires_them() {
        let t = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let p = "0123456789abcdef0123456789abcdef01234567";
        let sig = "author A <a@example.invalid> 1 +0000\ncommitter A <a@example.invalid> 1 +0000";
        let ok = format!("tree {t}\nparent {p}\nparent {t}\n{sig}\n\nmsg\n");
        assert_eq!(
            commit_header(ok.as_bytes()),
            Some((Oid::from_str(t).unwrap(), Some(Oid::from_str(p).unwrap())))
        );
        let root = format!("tree {t}\n{sig}\n\nmsg\n");
        assert_eq!(
            commit_header(root.as_bytes()),
            Some((Oid::from_str(t).unwrap(), None))
        );
        for bad in [
            format!("tree {}\n{sig}\n\n", &t[..39]),
            format!("parent {p}\ntree {t}\n{sig}\n\n"),
            format!("tree {t}\nparent zz\n{sig}\n\n"),
            format!("tree {t}\ncommitter A <a> 1 +0000\n\n"),
            format!("tree {t}\nauthor A 1 +0000\ncommitter A <a> 1 +0000\n\n"),
            format!("tree {t}\nauthor A <a> 1 +0000\n"),
        ] {
            assert_eq!(commit_header(bad.as_bytes()), None, "{bad:?}");
        }
    }

    /// A commit's parents and time for the walk's order: plain digits after the committer's
    /// last `>` only; anything else is left to libgit2.
    #[test]
    fn commit_links_take_every_parent_and_only_a_plain_time() {
        let t = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let p = "0123456789abcdef0123456789abcdef01234567";
        let author = "author A <a@example.invalid> 1 +0000";
        let with = |committer: &str| {
            format!("tree {t}\nparent {p}\nparent {t}\n{author}\n{committer}\n\nmsg\n")
        };
        let parents = vec![Oid::from_str(p).unwrap(), Oid::from_str(t).unwrap()];
        for (committer, time) in [
            (
                "committer A <a@example.invalid> 1700000000 +0100",
                1_700_000_000,
            ),
            ("committer A <a> <b> 42 -0000", 42),
            ("committer A <a> 7", 7),
        ] {
            assert_eq!(
                commit_links(with(committer).as_bytes()),
                Some((parents.clone(), time)),
                "{committer}"
            );
        }
        for committer in [
            "committer A <a>",
            "committer A <a> ",
            "committer A <a>  5 +0000",
            "committer A <a> -5 +0000",
            "committer A <a> 5x +0000",
            "committer A <a> 1234567890123456789 +0000",
        ] {
            assert_eq!(
                commit_links(with(committer).as_bytes()),
                None,
                "{committer}"
            );
        }
    }

    /// Messages read from commit bytes are what libgit2 gives, odd ones included.
    #[test]
    fn commit_messages_as_libgit2_gives_them() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        let repo = git2::Repository::open(dir).unwrap();
        let odb = repo.odb().unwrap();
        let t = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let sig = "author A <a@example.invalid> 1 +0000\ncommitter A <a@example.invalid> 1 +0000";
        odb.write(ObjectType::Tree, b"").unwrap();
        for body in [
            "\nplain message\n",
            "\n\n\nleading newlines\nand more\n",
            "\nwith a NUL\0hidden after it\n",
            "",
            "\n",
            "\n\n",
        ] {
            let raw = format!("tree {t}\n{sig}\n{body}");
            let id = odb.write(ObjectType::Commit, raw.as_bytes()).unwrap();
            let want = repo.find_commit(id).unwrap().message_bytes().to_vec();
            assert_eq!(commit_message(raw.as_bytes()), &want[..], "{body:?}");
        }
    }

    #[test]
    fn parses_entries_and_stops_at_damage() {
        let id = [7u8; 20];
        let mut t = b"100644 a.txt\0".to_vec();
        t.extend_from_slice(&id);
        t.extend_from_slice(b"40000 dir\0");
        t.extend_from_slice(&id);
        t.extend_from_slice(b"160000 sub\0");
        t.extend_from_slice(&id);
        let got: Vec<_> = entries(&t).collect::<Option<Vec<_>>>().unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].mode, got[0].name), (0o100_644, &b"a.txt"[..]));
        assert_eq!(got[0].kind(), ObjectType::Blob);
        assert_eq!(got[1].kind(), ObjectType::Tree);
        assert_eq!(got[2].kind(), ObjectType::Commit);
        assert_eq!(got[2].oid(), Oid::from_bytes(&id).unwrap());
        assert!(is_tree(&t));
        // Truncated id, a mode that is not octal, no space, an empty name: each stops.
        for bad in [
            &t[..t.len() - 1],
            b"100648 x\0aaaaaaaaaaaaaaaaaaaa",
            b"100644x\0aaaaaaaaaaaaaaaaaaaa",
            b"100644 \0aaaaaaaaaaaaaaaaaaaa",
            b" x\0aaaaaaaaaaaaaaaaaaaa",
        ] {
            let got: Vec<_> = entries(bad).collect();
            assert_eq!(
                got.last(),
                Some(&None),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
            assert!(!is_tree(bad));
        }
        assert_eq!(entries(b"").count(), 0);
    }

    /// Every tree of a history repacked into deep delta chains reads here exactly as libgit2
    /// reads it, with a cache small enough to be emptied many times over.
    #[test]
    fn reads_every_tree_as_libgit2_does() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        for v in 0..40usize {
            for f in 0..30usize {
                if (v + f) % 7 == 0 || v == 0 {
                    let d = dir.join(format!("d{}", f % 4));
                    std::fs::create_dir_all(&d).unwrap();
                    std::fs::write(d.join(format!("file-{f}.txt")), format!("{v} {f}\n")).unwrap();
                }
            }
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("v{v}")]);
        }
        git(dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let repo = git2::Repository::open(dir).unwrap();
        let packs = Packs::open(&dir.join(".git/objects"));
        let mut trees = Vec::new();
        repo.odb()
            .unwrap()
            .foreach(|id| {
                trees.push(*id);
                true
            })
            .unwrap();
        trees.retain(|id| repo.find_tree(*id).is_ok());
        assert!(trees.len() > 100, "{}", trees.len());
        // Most trees are stored as deltas, some chains deep.
        let check = git(
            dir,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objecttype) %(deltabase)",
            ],
        );
        let delta_trees = String::from_utf8(check)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("tree ") && !l.ends_with(&"0".repeat(40)))
            .count();
        assert!(
            delta_trees * 2 > trees.len(),
            "{delta_trees} of {}",
            trees.len()
        );
        // Oldest first, as the walk reads them, and in reverse; a 2 KB cache evicts often.
        for limit in [2048, 1 << 20] {
            let mut r = Reader::new(&packs, limit);
            for id in trees.iter().chain(trees.iter().rev()) {
                let raw = r.tree(*id).unwrap_or_else(|| panic!("{id} not read"));
                assert_eq!(*raw, raw_from(&repo.find_tree(*id).unwrap()), "{id}");
                assert!(r.bytes <= limit);
            }
            // Not a tree: refused here (libgit2 says why).
            let blob = repo.revparse_single("HEAD:d0/file-0.txt").unwrap().id();
            assert_eq!(r.tree(blob), None);
        }
    }
}
