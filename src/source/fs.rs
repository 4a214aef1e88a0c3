//! Files and directory trees, walked in parallel by the `ignore` crate: `.gitignore`,
//! `.ignore` and git excludes are respected unless `no_ignore`; hidden files are scanned; `.git`
//! directories are not (history is the git source's job). Files are scanned in the walker's own
//! threads (ripgrep's model: no channel hop), small ones read into a per-thread buffer, large
//! ones memory-mapped.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::blob::{Blob, Origin};

use super::archive::{self, ArchiveOptions};

use super::{ArchiveFirst, Content, Sink, Skip, SkipReason};

/// Files at least this large are memory-mapped instead of read: below it, `read` into a reused
/// buffer is cheaper than setting up and tearing down a mapping.
pub const MMAP_THRESHOLD: u64 = 8 << 20;
/// How much of a file's start is checked for a NUL byte to call it binary (as git and ripgrep).
pub const BINARY_PROBE: usize = 8 << 10;

/// Options for walking trees.
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// Ignore `.gitignore`/`.ignore` files and git excludes.
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow: bool,
    /// With `follow`, also follow links whose target is outside every root. Off, such a link
    /// is skipped (`symlink`, with the reason): a repository must not steer the scan to `/etc`
    /// or `..` (issue 13).
    pub follow_outside: bool,
    /// Skip files larger than this many bytes.
    pub max_file_size: u64,
    /// Scan files that look binary.
    pub scan_binary: bool,
    /// Walker threads (0: one per core).
    pub threads: usize,
    /// Open archives and compressed files and scan their entries (`None`: `--no-archives`,
    /// they are binary files like any other).
    pub archives: Option<ArchiveOptions>,
}

/// Walks `roots` in parallel; each walker thread gets its own sink from `make_sink`.
///
/// Reported paths: with a single directory root, relative to it; otherwise as found under the
/// roots as given (like ripgrep). A leading `./` is dropped.
pub fn walk<F, S>(roots: &[PathBuf], opts: &FsOptions, make_sink: F)
where
    F: Fn() -> S + Sync,
    S: Sink,
{
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let strip = (rest.is_empty() && first.is_dir()).then(|| first.clone());
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(opts.follow)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    // Where followed links may lead: inside a root, once every link is resolved.
    let inside: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    builder.build_parallel().run(|| {
        let mut worker = Worker {
            sink: make_sink(),
            buf: Vec::new(),
            opts,
            strip: strip.as_deref(),
            inside: &inside,
        };
        Box::new(move |entry| {
            if crate::interrupt::requested() {
                return WalkState::Quit;
            }
            worker.visit(entry)
        })
    });
}

struct Worker<'a, S> {
    sink: S,
    buf: Vec<u8>,
    opts: &'a FsOptions,
    strip: Option<&'a Path>,
    /// The roots, canonical.
    inside: &'a [PathBuf],
}

/// The path as reports show it.
pub fn display_path(path: &Path, strip: Option<&Path>) -> String {
    let rel = strip
        .and_then(|root| path.strip_prefix(root).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    let s = rel.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if std::path::MAIN_SEPARATOR == '/' {
        s.to_string()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

impl<S: Sink> Worker<'_, S> {
    fn skip(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
        let path = display_path(path, self.strip);
        self.sink.skip(Skip {
            path,
            reason,
            detail,
        });
    }

    /// Whether `entry`, reached through a symbolic link, leads outside every root.
    fn leaves_roots(&self, entry: &DirEntry) -> bool {
        if !self.opts.follow || self.opts.follow_outside || !entry.path_is_symlink() {
            return false;
        }
        // A link that cannot be resolved any more is outside as far as we can tell.
        std::fs::canonicalize(entry.path()).map_or(true, |real| {
            !self.inside.iter().any(|r| real.starts_with(r))
        })
    }

    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = walk_error_path(&err)
                    .map(|p| display_path(&p, self.strip))
                    .unwrap_or_default();
                // A directory listed by its parent and gone before it was read.
                let vanished = err
                    .io_error()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound);
                self.sink.skip(Skip {
                    path,
                    reason: if vanished {
                        SkipReason::Vanished
                    } else {
                        SkipReason::WalkError
                    },
                    detail: Some(err.to_string()),
                });
                return WalkState::Continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            // stdin entries have no file type; the CLI handles `-` itself.
            return WalkState::Continue;
        };
        if entry.depth() > 0 && self.leaves_roots(&entry) {
            self.skip(
                entry.path(),
                SkipReason::Symlink,
                Some("leads outside the scanned paths; --follow-outside follows it".into()),
            );
            // Not descended into when it is a directory.
            return WalkState::Skip;
        }
        if ft.is_dir() {
            return WalkState::Continue;
        }
        if ft.is_symlink() {
            self.skip(entry.path(), SkipReason::Symlink, None);
            return WalkState::Continue;
        }
        if !ft.is_file() {
            self.skip(entry.path(), SkipReason::SpecialFile, None);
            return WalkState::Continue;
        }
        self.scan_file(entry.path());
        WalkState::Continue
    }

    /// Reads and scans one file the walk listed as a regular file. Between the listing and the
    /// open the tree may change: a file removed is a `vanished` skip; one replaced by a FIFO or
    /// device is opened without blocking (a FIFO's open would otherwise wait for a writer
    /// forever) and, like one replaced by a directory, skipped as `vanished` once its type is
    /// seen. A file that grows past the size limit while read is skipped as too large; one
    /// truncated while memory-mapped is the documented mmap risk (see below).
    fn scan_file(&mut self, path: &Path) {
        let file = match open_no_block(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self.skip(
                    path,
                    SkipReason::Vanished,
                    Some(format!("removed after it was listed: {e}")),
                );
            }
            Err(e) => return self.skip(path, SkipReason::Unreadable, Some(e.to_string())),
        };
        let len = match file.metadata() {
            Ok(m) if !m.is_file() => {
                return self.skip(
                    path,
                    SkipReason::Vanished,
                    Some(format!(
                        "replaced by a {} after it was listed",
                        kind_name(m.file_type())
                    )),
                );
            }
            Ok(m) => m.len(),
            Err(e) => return self.skip(path, SkipReason::Unreadable, Some(e.to_string())),
        };
        if len > self.opts.max_file_size {
            return self.skip(path, SkipReason::TooLarge, Some(format!("{len} bytes")));
        }
        let shown = display_path(path, self.strip);
        if len >= MMAP_THRESHOLD {
            // SAFETY: the map is read-only and dropped before this function returns. If another
            // process truncates the file meanwhile, reads past the new end fault (SIGBUS); that
            // risk is confined to files of at least MMAP_THRESHOLD bytes, as in ripgrep.
            #[expect(
                unsafe_code,
                reason = "memory-mapping large files is the documented design"
            )]
            let map = match unsafe { memmap2::Mmap::map(&file) } {
                Ok(m) => m,
                Err(e) => return self.skip(path, SkipReason::Unreadable, Some(e.to_string())),
            };
            return hand_over(&mut self.sink, self.opts, &map, shown);
        }
        self.buf.clear();
        let limit = self.opts.max_file_size.saturating_add(1);
        if let Err(e) = (&file).take(limit).read_to_end(&mut self.buf) {
            return self.skip(path, SkipReason::Unreadable, Some(e.to_string()));
        }
        if self.buf.len() as u64 > self.opts.max_file_size {
            return self.skip(
                path,
                SkipReason::TooLarge,
                Some("grew past the limit while being read".into()),
            );
        }
        hand_over(&mut self.sink, self.opts, &self.buf, shown);
    }
}

/// Hands one file's bytes, read at display path `path`, to `sink`: decoded from UTF-16, opened
/// as an archive, skipped as binary, or as they are.
fn hand_over<S: Sink>(sink: &mut S, opts: &FsOptions, bytes: &[u8], path: String) {
    let archives = opts.archives.as_ref();
    match super::classify(bytes, archives, ArchiveFirst::No, opts.scan_binary) {
        Content::Text(text) => sink.blob(Blob {
            bytes: &text,
            origin: Origin::File { path },
        }),
        Content::Archive(kind, arch) => {
            let mut members = FileMembers { sink, outer: &path };
            archive::expand(bytes, kind, arch, &mut members);
        }
        Content::Binary => sink.skip(Skip {
            path,
            reason: SkipReason::Binary,
            detail: None,
        }),
    }
}

/// An archive's entries as files at `outer!/inner` paths.
struct FileMembers<'a, S> {
    sink: &'a mut S,
    outer: &'a str,
}

impl<S: Sink> archive::Members for FileMembers<'_, S> {
    fn member(&mut self, path: &str, bytes: &[u8]) {
        self.sink.blob(Blob {
            bytes,
            origin: Origin::File {
                path: archive::join(self.outer, path),
            },
        });
    }

    fn skip(&mut self, path: &str, reason: SkipReason, detail: Option<String>) {
        self.sink.skip(Skip {
            path: archive::join(self.outer, path),
            reason,
            detail,
        });
    }
}

/// Opens `path` for reading without blocking on a FIFO (`O_NONBLOCK`; no effect on regular
/// files' reads).
fn open_no_block(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    opts.open(path)
}

fn kind_name(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "device";
        }
    }
    if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

/// Whether the content looks binary: at least two NUL bytes in its first [`BINARY_PROBE`]
/// bytes. One was enough before, so a single NUL planted at the top of a text file hid the
/// whole file (issue 13); real binaries (executables, images, archives, compressed data: about
/// one NUL in 256 bytes) hold dozens.
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr_iter(0, &bytes[..bytes.len().min(BINARY_PROBE)])
        .nth(1)
        .is_some()
}

fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.first().and_then(walk_error_path),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        assert_eq!(display_path(Path::new("./a/b.txt"), None), "a/b.txt");
        assert_eq!(
            display_path(Path::new("root/a/b.txt"), Some(Path::new("root"))),
            "a/b.txt"
        );
        assert_eq!(
            display_path(Path::new("root"), Some(Path::new("root"))),
            "root"
        );
        assert_eq!(
            display_path(Path::new("other/x"), Some(Path::new("root"))),
            "other/x"
        );
    }

    /// Collects what a worker hands its sink.
    #[derive(Default)]
    struct Collect {
        blobs: Vec<(String, Vec<u8>)>,
        skips: Vec<Skip>,
    }

    impl Sink for &mut Collect {
        fn blob(&mut self, blob: Blob<'_>) {
            let Origin::File { path } = blob.origin else {
                panic!("fs blobs are files")
            };
            self.blobs.push((path, blob.bytes.to_vec()));
        }
        fn skip(&mut self, skip: Skip) {
            self.skips.push(skip);
        }
    }

    fn opts() -> FsOptions {
        FsOptions {
            no_ignore: true,
            follow: false,
            follow_outside: false,
            max_file_size: 1 << 20,
            scan_binary: false,
            threads: 1,
            archives: None,
        }
    }

    /// Lists `root` the way the parallel walk does (same builder options), then lets `change`
    /// alter the tree before any file is read, then hands every entry to a worker: the race
    /// between walk and read, staged deterministically.
    fn walk_then_change(root: &Path, change: impl FnOnce()) -> Collect {
        let entries: Vec<_> = WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(false)
            .ignore(false)
            .parents(false)
            .sort_by_file_name(std::cmp::Ord::cmp)
            .build()
            .collect();
        change();
        let mut out = Collect::default();
        let opts = opts();
        let mut worker = Worker {
            sink: &mut out,
            buf: Vec::new(),
            opts: &opts,
            strip: Some(root),
            inside: &[],
        };
        for e in entries {
            let _ = worker.visit(e);
        }
        out
    }

    #[test]
    fn files_that_vanish_or_change_type_after_the_walk_are_skipped_and_the_rest_scanned() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for name in ["a.txt", "gone.txt", "to-dir.txt", "to-fifo.txt", "z.txt"] {
            std::fs::write(root.join(name), format!("{name}\n")).unwrap();
        }
        let out = walk_then_change(root, || {
            std::fs::remove_file(root.join("gone.txt")).unwrap();
            std::fs::remove_file(root.join("to-dir.txt")).unwrap();
            std::fs::create_dir(root.join("to-dir.txt")).unwrap();
            std::fs::remove_file(root.join("to-fifo.txt")).unwrap();
            let made = std::process::Command::new("mkfifo")
                .arg(root.join("to-fifo.txt"))
                .status()
                .unwrap();
            assert!(made.success());
        });
        let scanned: Vec<_> = out
            .blobs
            .iter()
            .map(|(p, b)| (p.as_str(), &b[..]))
            .collect();
        assert_eq!(
            scanned,
            [("a.txt", &b"a.txt\n"[..]), ("z.txt", &b"z.txt\n"[..])]
        );
        let skips: Vec<_> = out
            .skips
            .iter()
            .map(|s| {
                (
                    s.path.as_str(),
                    s.reason,
                    s.detail.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(skips.len(), 3, "{skips:?}");
        assert_eq!(skips[0].0, "gone.txt");
        assert_eq!(skips[0].1, SkipReason::Vanished);
        assert!(
            skips[0].2.contains("removed after it was listed"),
            "{skips:?}"
        );
        assert!(skips[0].2.contains("No such file"), "{skips:?}");
        assert_eq!(
            skips[1],
            (
                "to-dir.txt",
                SkipReason::Vanished,
                "replaced by a directory after it was listed".to_string()
            )
        );
        assert_eq!(
            skips[2],
            (
                "to-fifo.txt",
                SkipReason::Vanished,
                "replaced by a FIFO after it was listed".to_string()
            )
        );
    }

    #[test]
    fn a_directory_removed_after_it_was_listed_is_a_vanished_skip() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/x.txt"), "x\n").unwrap();
        // The parallel walker reads a directory's entries only when it gets to it, after its
        // parent listed it. The sequential walker used here reads as it lists, so the error is
        // produced by walking the removed directory itself: the same I/O error, with its path.
        let sub = root.join("sub");
        std::fs::remove_dir_all(&sub).unwrap();
        let err = WalkBuilder::new(&sub)
            .build()
            .find_map(Result::err)
            .unwrap();
        let mut out = Collect::default();
        let opts = opts();
        let mut worker = Worker {
            sink: &mut out,
            buf: Vec::new(),
            opts: &opts,
            strip: Some(root),
            inside: &[],
        };
        let _ = worker.visit(Err(err));
        assert_eq!(out.skips.len(), 1);
        assert_eq!(out.skips[0].path, "sub");
        assert_eq!(out.skips[0].reason, SkipReason::Vanished);
    }

    #[test]
    fn binary_probe() {
        assert!(is_binary(b"abc\0d\0ef"));
        assert!(
            !is_binary(b"abc\0def"),
            "one NUL does not make a file binary"
        );
        assert!(!is_binary(b"plain text"));
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
