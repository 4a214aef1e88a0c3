//! Archives and compressed files as a source of blobs: zip (jar, war, ear, whl, nupkg, apk,
//! vsix, aar, egg are zips), tar, and gzip, bzip2, xz and zstd streams (a compressed tar is one
//! archive: `logs.tar.gz!/app/.env`). Recognised by their magic bytes, never by extension. The
//! one place archives are opened: the tree walk ([`super::fs`]), git blobs ([`super::git`]) and
//! image layers ([`super::image`]) all hand their bytes here.
//!
//! Nothing is extracted: entries are read into memory one at a time (at most the per-entry cap,
//! `--max-file-size`) and handed to [`Members`] under their name inside the archive, which is
//! only ever a label (`../../etc/passwd` is shown, never opened or written). Streams (tar,
//! compressed data, image layers) are decoded as they are read; a zip needs its central
//! directory, so it is read from the bytes the caller holds (a file's buffer or memory map, a
//! git blob, an entry of an enclosing archive).
//!
//! Bombs are bounded ([`ArchiveOptions`]): the bytes decompressed per outermost archive, the
//! compression ratio of each stream and zip entry, the number of entries, and the nesting
//! depth. Each limit hit is a named skip ([`SkipReason::ArchiveSizeLimit`] and the others), so
//! the summary says what was not read. Formats: zip per APPNOTE.TXT (PKWARE), tar per POSIX
//! `ustar` (GNU and PAX extensions through the `tar` crate), gzip RFC 1952, xz (tukaani.org
//! `xz-file-format`), zstd RFC 8878, bzip2 (the `BZh` header of bzip2's own format).

use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use super::{classify, ArchiveFirst, Content, SkipReason};

/// Default nesting depth: an archive inside an archive inside an archive is opened, one more
/// level is a named skip.
pub const DEFAULT_DEPTH: u32 = 3;
/// Default bytes decompressed per outermost archive (all its nested archives included).
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;
/// Default ratio of decompressed to compressed bytes past which a stream or zip entry is taken
/// for a bomb (Apache POI's zip guard uses the same 1:100).
pub const DEFAULT_MAX_RATIO: u64 = 100;
/// Default entries per outermost archive (all its nested archives included).
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// The ratio is judged only once a stream or entry has produced this many bytes: a small file
/// of repeated bytes compresses far beyond any sane ratio and is harmless.
pub const RATIO_FLOOR: u64 = 1 << 20;
/// Memory the xz decoder may use (the dictionary size a file's header asks for): xz -9 needs
/// 65 MiB, a crafted header could ask for gigabytes.
const XZ_MEMLIMIT: u64 = 256 << 20;

/// Limits and switches for opening archives.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    /// Levels of archives opened (1: only the outermost).
    pub depth: u32,
    /// Bytes decompressed per outermost archive.
    pub max_size: u64,
    /// Decompressed-to-compressed ratio past which a stream or entry is abandoned.
    pub max_ratio: u64,
    /// Entries read per outermost archive.
    pub max_entries: u64,
    /// Largest entry read (`--max-file-size`).
    pub max_entry: u64,
    /// Scan entries that look binary.
    pub scan_binary: bool,
}

impl ArchiveOptions {
    /// The defaults, with the per-entry cap and binary switch of the run.
    pub fn new(max_entry: u64, scan_binary: bool) -> Self {
        ArchiveOptions {
            depth: DEFAULT_DEPTH,
            max_size: DEFAULT_MAX_SIZE,
            max_ratio: DEFAULT_MAX_RATIO,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_entry,
            scan_binary,
        }
    }
}

/// What kind of archive or compressed stream some bytes start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `PK\3\4` (or an empty zip's `PK\5\6`).
    Zip,
    /// POSIX or GNU tar: `ustar` at offset 257 and a valid header checksum.
    Tar,
    /// `1F 8B 08`.
    Gzip,
    /// `BZh1`–`BZh9` then a block or end-of-stream magic.
    Bzip2,
    /// `FD 37 7A 58 5A 00`.
    Xz,
    /// `28 B5 2F FD`.
    Zstd,
}

/// The archive kind `b` starts with, if any. Cheap: a few comparisons on the first bytes (every
/// file of a tree goes through it).
pub fn sniff(b: &[u8]) -> Option<Kind> {
    match b {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => Some(Kind::Zip),
        [0x1F, 0x8B, 0x08, ..] => Some(Kind::Gzip),
        [0xFD, b'7', b'z', b'X', b'Z', 0, ..] => Some(Kind::Xz),
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Some(Kind::Zstd),
        [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..]
            if rest.starts_with(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59])
                || rest.starts_with(&[0x17, 0x72, 0x45, 0x38, 0x50, 0x90]) =>
        {
            Some(Kind::Bzip2)
        }
        _ if b.len() >= 512 && &b[257..262] == b"ustar" && tar_checksum_ok(&b[..512]) => {
            Some(Kind::Tar)
        }
        _ => None,
    }
}

/// Whether a 512-byte tar header's checksum (octal at 148..156: the byte sum with the field
/// itself counted as spaces) holds.
fn tar_checksum_ok(h: &[u8]) -> bool {
    let field = &h[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&c| c == b' ')
        .take_while(u8::is_ascii_digit)
        .collect();
    let Ok(text) = std::str::from_utf8(&digits) else {
        return false;
    };
    let Ok(want) = u32::from_str_radix(text, 8) else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(c)
            }
        })
        .sum();
    sum == want
}

/// Receives what opening one archive yields. Paths are inside the outermost archive, nested
/// archives joined with `!/` (`lib/b.tar.gz!/c.env`); the empty path is the outermost archive
/// itself.
pub trait Members {
    /// One entry's bytes (text, or binary with `scan_binary`).
    fn member(&mut self, path: &str, bytes: &[u8]);
    /// One entry (or the archive, or the rest of it) not read.
    fn skip(&mut self, path: &str, reason: SkipReason, detail: Option<String>);
}

/// `outer!/inner`, the display path of an entry; `outer` for the empty inner path.
pub fn join(outer: &str, inner: &str) -> String {
    if inner.is_empty() {
        outer.to_string()
    } else {
        format!("{outer}!/{inner}")
    }
}

/// Opens the archive `bytes` (of `kind`, from [`sniff`]) and hands its entries to `out`. The
/// content of a bare compressed file (`notes.txt.gz`) has no name of its own: it is reported
/// at the compressed file's path.
pub fn expand(bytes: &[u8], kind: Kind, opts: &ArchiveOptions, out: &mut dyn Members) {
    let mut x = Expander::new(opts, out);
    x.open_bytes("", bytes, kind, 1);
}

/// Opens the archive read from `r` (any kind; a zip is read into memory up to the per-entry
/// cap first) and hands its entries to `out`. Returns `false`, having read at most 512 bytes,
/// when `r` holds no archive.
pub fn expand_reader(r: impl Read, opts: &ArchiveOptions, out: &mut dyn Members) -> bool {
    let mut r = r;
    let head = match read_head(&mut r) {
        Ok(h) => h,
        Err(e) => {
            out.skip("", SkipReason::CorruptArchive, Some(e.to_string()));
            return true;
        }
    };
    // An empty tar (end-of-archive blocks only), as docker writes for a layer without files:
    // read to the end to make sure nothing but zeros follows.
    if head.iter().all(|&b| b == 0) {
        return all_zeros(r, opts.max_entry);
    }
    let Some(kind) = sniff(&head) else {
        return false;
    };
    let mut x = Expander::new(opts, out);
    let r = Cursor::new(head).chain(r);
    if kind == Kind::Zip {
        let cap = opts.max_entry;
        match x.read_entry(r, None) {
            Read_::Data(data) => x.open_bytes("", &data, kind, 1),
            Read_::TooLarge => x.out.skip(
                "",
                SkipReason::TooLarge,
                Some(format!(
                    "a zip larger than {cap} bytes (--max-file-size) read as a stream"
                )),
            ),
            Read_::Failed(e) => x.failed("", &e),
        }
    } else {
        x.open_stream("", r, kind, 1);
    }
    true
}

/// A reader of what the compressed stream `r` (gzip, bzip2, xz or zstd, as [`sniff`] named
/// it) decompresses to, concatenated members included. No limit of its own: callers count
/// what it produces (a [`Guard`] inside archives, a size cap when an image is spooled).
///
/// # Errors
/// `kind` is not a compression (a tar or zip), or the decoder cannot be set up.
pub fn decompress<'r, R: Read + 'r>(kind: Kind, r: R) -> io::Result<Box<dyn Read + 'r>> {
    Ok(match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        Kind::Xz => {
            let s = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMLIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(io::Error::other)?;
            Box::new(liblzma::read::XzDecoder::new_stream(r, s))
        }
        Kind::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
        Kind::Tar | Kind::Zip => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{kind:?} is an archive, not a compressed stream"),
            ))
        }
    })
}

/// Whether `r` holds nothing but zeros up to its end (read at most `cap` bytes).
fn all_zeros(r: impl Read, cap: u64) -> bool {
    let mut r = r.take(cap);
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) if buf[..n].iter().all(|&b| b == 0) => {}
            _ => return false,
        }
    }
}

/// Reads up to 512 bytes (a tar header), fewer only at the end of `r`.
fn read_head(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    r.by_ref().take(512).read_to_end(&mut head)?;
    Ok(head)
}

/// Why a limit stopped a read.
#[derive(Debug, Clone)]
struct Hit {
    reason: SkipReason,
    detail: String,
}

/// What the readers of one outermost archive share: bytes produced so far and the limit that
/// stopped a read (the reader's error alone cannot say: `zip` and `tar` wrap it).
#[derive(Debug)]
struct State {
    produced: Cell<u64>,
    max_size: u64,
    max_ratio: u64,
    hit: Cell<Option<SkipReason>>,
    detail: std::cell::RefCell<String>,
}

impl State {
    fn trip(&self, reason: SkipReason, detail: String) -> io::Error {
        if self.hit.get().is_none() {
            self.hit.set(Some(reason));
            *self.detail.borrow_mut() = detail;
        }
        io::Error::other(format!("archive limit: {reason}"))
    }

    fn take(&self) -> Option<Hit> {
        self.hit.take().map(|reason| Hit {
            reason,
            detail: std::mem::take(&mut *self.detail.borrow_mut()),
        })
    }
}

/// How many compressed bytes a guarded stream has consumed.
#[derive(Debug, Clone)]
enum Consumed {
    /// Not compressed: no ratio.
    None,
    /// Known up front (a zip entry's compressed size).
    Fixed(u64),
    /// Counted as the decoder reads ([`CountIn`]).
    Counted(Rc<Cell<u64>>),
}

/// Counts the bytes a decoder reads from its input.
struct CountIn<R> {
    inner: R,
    n: Rc<Cell<u64>>,
}

impl<R: Read> Read for CountIn<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

/// Counts decompressed bytes against the archive's size limit and this stream's ratio limit;
/// past either, every read fails and the [`State`] says why.
struct Guard<R> {
    inner: R,
    state: Rc<State>,
    consumed: Consumed,
    out: u64,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.state.hit.get().is_some() {
            return Err(io::Error::other("archive limit reached"));
        }
        let k = self.inner.read(buf)?;
        self.out += k as u64;
        let total = self.state.produced.get() + k as u64;
        self.state.produced.set(total);
        if total > self.state.max_size {
            return Err(self.state.trip(
                SkipReason::ArchiveSizeLimit,
                format!(
                    "stopped after {} bytes decompressed (--archive-max-size); the rest was not read",
                    self.state.max_size
                ),
            ));
        }
        let input = match &self.consumed {
            Consumed::None => None,
            Consumed::Fixed(n) => Some(*n),
            Consumed::Counted(c) => Some(c.get()),
        };
        if let Some(input) = input {
            if self.out > RATIO_FLOOR && self.out / input.max(1) > self.state.max_ratio {
                return Err(self.state.trip(
                    SkipReason::ArchiveRatioLimit,
                    format!(
                        "{} bytes decompressed from {input} (over 1:{}, --archive-max-ratio)",
                        self.out, self.state.max_ratio
                    ),
                ));
            }
        }
        Ok(k)
    }
}

/// An entry read, or why not.
enum Read_ {
    Data(Vec<u8>),
    TooLarge,
    Failed(io::Error),
}

/// Opens one outermost archive, depth first.
struct Expander<'a> {
    opts: &'a ArchiveOptions,
    out: &'a mut dyn Members,
    state: Rc<State>,
    entries: u64,
    /// A limit of the whole archive was hit: nothing more is read.
    stopped: bool,
}

impl<'a> Expander<'a> {
    fn new(opts: &'a ArchiveOptions, out: &'a mut dyn Members) -> Self {
        Expander {
            opts,
            out,
            state: Rc::new(State {
                produced: Cell::new(0),
                max_size: opts.max_size,
                max_ratio: opts.max_ratio,
                hit: Cell::new(None),
                detail: std::cell::RefCell::new(String::new()),
            }),
            entries: 0,
            stopped: false,
        }
    }

    fn guard<R: Read>(&self, inner: R, consumed: Consumed) -> Guard<R> {
        Guard {
            inner,
            state: Rc::clone(&self.state),
            consumed,
            out: 0,
        }
    }

    /// Reads one entry, at most the per-entry cap.
    fn read_entry(&mut self, r: impl Read, declared: Option<u64>) -> Read_ {
        let cap = self.opts.max_entry;
        if declared.is_some_and(|n| n > cap) {
            return Read_::TooLarge;
        }
        // Declared sizes are not trusted for more than 1 MiB up front.
        let hint = declared.map_or(8 << 10, |n| n.min(1 << 20));
        let mut data = Vec::with_capacity(usize::try_from(hint).unwrap_or(8 << 10));
        if let Err(e) = r.take(cap.saturating_add(1)).read_to_end(&mut data) {
            return Read_::Failed(e);
        }
        if data.len() as u64 > cap {
            return Read_::TooLarge;
        }
        Read_::Data(data)
    }

    /// Records a failed read at `path`: the limit that stopped it, or damage.
    fn failed(&mut self, path: &str, e: &io::Error) {
        match self.state.take() {
            Some(hit) if hit.reason == SkipReason::ArchiveSizeLimit => {
                self.stopped = true;
                self.out.skip("", hit.reason, Some(hit.detail));
            }
            Some(hit) => self.out.skip(path, hit.reason, Some(hit.detail)),
            None => self
                .out
                .skip(path, SkipReason::CorruptArchive, Some(e.to_string())),
        }
    }

    /// Counts one entry; false (and a skip) past the entry limit.
    fn count_entry(&mut self) -> bool {
        self.entries += 1;
        if self.entries > self.opts.max_entries {
            self.stopped = true;
            self.out.skip(
                "",
                SkipReason::ArchiveEntryLimit,
                Some(format!(
                    "stopped after {} entries (--archive-max-entries); the rest was not read",
                    self.opts.max_entries
                )),
            );
            return false;
        }
        true
    }

    fn halt(&self) -> bool {
        self.stopped || crate::interrupt::requested()
    }

    /// One entry's content at `path`, inside an archive at level `depth`.
    fn entry(&mut self, path: &str, data: &[u8], depth: u32) {
        // A nested archive is looked for before UTF-16 text.
        match classify(data, Some(()), ArchiveFirst::Yes, self.opts.scan_binary) {
            Content::Archive(..) if depth >= self.opts.depth => self.out.skip(
                path,
                SkipReason::ArchiveDepthLimit,
                Some(format!(
                    "an archive nested {} deep (--archive-depth {})",
                    depth + 1,
                    self.opts.depth
                )),
            ),
            Content::Archive(kind, ()) => self.open_bytes(path, data, kind, depth + 1),
            Content::Text(text) => self.out.member(path, &text),
            Content::Binary => self.out.skip(path, SkipReason::Binary, None),
        }
    }

    /// Opens the archive at `prefix` (empty for the outermost) held in `bytes`.
    fn open_bytes(&mut self, prefix: &str, bytes: &[u8], kind: Kind, depth: u32) {
        if kind == Kind::Zip {
            self.zip(prefix, bytes, depth);
        } else {
            self.open_stream(prefix, bytes, kind, depth);
        }
    }

    /// Opens the tar or compressed stream at `prefix` read from `r`.
    fn open_stream<'r, R: Read + 'r>(&mut self, prefix: &str, r: R, kind: Kind, depth: u32) {
        let n = Rc::new(Cell::new(0));
        let input = CountIn {
            inner: r,
            n: Rc::clone(&n),
        };
        let decoded: Box<dyn Read + 'r> = match kind {
            Kind::Tar => {
                let g = self.guard(input, Consumed::None);
                return self.tar(prefix, g, depth);
            }
            Kind::Zip => {
                // Only from expand_reader, which reads zips into memory first.
                return self.out.skip(
                    prefix,
                    SkipReason::CorruptArchive,
                    Some("a zip in a stream".into()),
                );
            }
            Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => match decompress(kind, input) {
                Ok(d) => d,
                Err(e) => {
                    return self
                        .out
                        .skip(prefix, SkipReason::CorruptArchive, Some(e.to_string()))
                }
            },
        };
        let mut g = self.guard(decoded, Consumed::Counted(n));
        let head = match read_head(&mut g) {
            Ok(h) => h,
            Err(e) => return self.failed(prefix, &e),
        };
        let is_tar = sniff(&head) == Some(Kind::Tar);
        let r = Cursor::new(head).chain(g);
        if is_tar {
            return self.tar(prefix, r, depth);
        }
        // A bare compressed file: its content is its one entry, which has no name of its own
        // (reported at the compressed file's path).
        if !self.count_entry() {
            return;
        }
        match self.read_entry(r, None) {
            // Nothing but zeros (a compressed empty tar, as a layer without files is): no
            // content to scan, not a binary file to report.
            Read_::Data(data) if !data.is_empty() && data.iter().all(|&b| b == 0) => {}
            Read_::Data(data) => self.entry(prefix, &data, depth),
            Read_::TooLarge => self.too_large(prefix),
            Read_::Failed(e) => self.failed(prefix, &e),
        }
    }

    fn too_large(&mut self, path: &str) {
        let cap = self.opts.max_entry;
        self.out.skip(
            path,
            SkipReason::TooLarge,
            Some(format!("archive entry over {cap} bytes (--max-file-size)")),
        );
    }

    fn tar(&mut self, prefix: &str, r: impl Read, depth: u32) {
        let mut ar = tar::Archive::new(r);
        let entries = match ar.entries() {
            Ok(e) => e,
            Err(e) => return self.failed(prefix, &e),
        };
        for entry in entries {
            if self.halt() {
                return;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => return self.failed(prefix, &e),
            };
            let kind = entry.header().entry_type();
            // Directories, links, devices: no content of their own.
            if !(kind.is_file() || kind.is_contiguous()) {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let path = join_inner(prefix, &name);
            if !self.count_entry() {
                return;
            }
            let size = entry.size();
            match self.read_entry(&mut entry, Some(size)) {
                Read_::Data(data) => self.entry(&path, &data, depth),
                Read_::TooLarge => self.too_large(&path),
                Read_::Failed(e) => return self.failed(prefix, &e),
            }
        }
    }

    fn zip(&mut self, prefix: &str, bytes: &[u8], depth: u32) {
        let mut z = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                return self.out.skip(
                    prefix,
                    SkipReason::CorruptArchive,
                    Some(format!("zip: {e}")),
                )
            }
        };
        for i in 0..z.len() {
            if self.halt() {
                return;
            }
            let meta = z.by_index_raw(i).map(|f| {
                (
                    f.name().to_string(),
                    f.is_dir(),
                    f.encrypted(),
                    f.size(),
                    f.compressed_size(),
                )
            });
            let (name, dir, encrypted, size, packed) = match meta {
                Ok(m) => m,
                Err(e) => {
                    self.out.skip(
                        prefix,
                        SkipReason::CorruptArchive,
                        Some(format!("zip entry {i}: {e}")),
                    );
                    continue;
                }
            };
            if dir {
                continue;
            }
            let path = join_inner(prefix, &name);
            if !self.count_entry() {
                return;
            }
            if encrypted {
                self.out.skip(&path, SkipReason::Encrypted, None);
                continue;
            }
            if size > self.opts.max_entry {
                self.too_large(&path);
                continue;
            }
            if size > RATIO_FLOOR && size / packed.max(1) > self.opts.max_ratio {
                self.out.skip(
                    &path,
                    SkipReason::ArchiveRatioLimit,
                    Some(format!(
                        "declares {size} bytes compressed to {packed} (over 1:{}, --archive-max-ratio)",
                        self.opts.max_ratio
                    )),
                );
                continue;
            }
            let read = match z.by_index(i) {
                Ok(f) => {
                    let g = self.guard(f, Consumed::Fixed(packed));
                    self.read_entry(g, Some(size))
                }
                Err(e) => Read_::Failed(io::Error::other(format!("zip: {e}"))),
            };
            match read {
                Read_::Data(data) => self.entry(&path, &data, depth),
                Read_::TooLarge => self.too_large(&path),
                Read_::Failed(e) => self.failed(&path, &e),
            }
        }
    }
}

/// `prefix!/name`, or `name` at the top.
fn join_inner(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}!/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[derive(Default)]
    struct Collect {
        members: Vec<(String, Vec<u8>)>,
        skips: Vec<(String, SkipReason)>,
    }

    impl Members for Collect {
        fn member(&mut self, path: &str, bytes: &[u8]) {
            self.members.push((path.to_string(), bytes.to_vec()));
        }
        fn skip(&mut self, path: &str, reason: SkipReason, _detail: Option<String>) {
            self.skips.push((path.to_string(), reason));
        }
    }

    fn opts() -> ArchiveOptions {
        ArchiveOptions::new(1 << 20, false)
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn sniffs_magic_not_names() {
        assert_eq!(sniff(&gz(b"x")), Some(Kind::Gzip));
        assert_eq!(sniff(&tar_of(&[("a", b"b")])), Some(Kind::Tar));
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(sniff(b"BZh9 is text"), None);
        assert_eq!(sniff(b"plain text"), None);
        let mut fake_tar = tar_of(&[("a", b"b")]);
        fake_tar[0] ^= 1;
        assert_eq!(sniff(&fake_tar), None, "a bad checksum is not a tar");
    }

    #[test]
    fn tar_gz_is_one_level_and_bare_gzip_content_is_the_archive_itself() {
        let t = gz(&tar_of(&[("app/.env", b"K=v\n"), ("etc/passwd", b"x\n")]));
        let mut c = Collect::default();
        expand(&t, Kind::Gzip, &opts(), &mut c);
        let names: Vec<_> = c.members.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(names, ["app/.env", "etc/passwd"]);
        let mut c = Collect::default();
        expand(&gz(b"hello\n"), Kind::Gzip, &opts(), &mut c);
        assert_eq!(c.members, [(String::new(), b"hello\n".to_vec())]);
    }

    #[test]
    fn ratio_and_size_limits_stop_bombs() {
        let zeros = vec![0u8; 8 << 20];
        let bomb = gz(&zeros);
        let mut c = Collect::default();
        let mut o = opts();
        o.max_entry = 64 << 20;
        expand(&bomb, Kind::Gzip, &o, &mut c);
        assert_eq!(c.skips, [(String::new(), SkipReason::ArchiveRatioLimit)]);
        o.max_ratio = u64::MAX;
        o.max_size = 2 << 20;
        let mut c = Collect::default();
        expand(&bomb, Kind::Gzip, &o, &mut c);
        assert_eq!(c.skips, [(String::new(), SkipReason::ArchiveSizeLimit)]);
    }
}
