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

use super::{Sink, Skip, SkipReason};

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
    /// Skip files larger than this many bytes.
    pub max_file_size: u64,
    /// Scan files that look binary.
    pub scan_binary: bool,
    /// Walker threads (0: one per core).
    pub threads: usize,
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
    builder.build_parallel().run(|| {
        let mut worker = Worker {
            sink: make_sink(),
            buf: Vec::new(),
            opts,
            strip: strip.as_deref(),
        };
        Box::new(move |entry| {
            if crate::interrupt::requested() {
                return WalkState::Quit;
            }
            worker.visit(entry);
            WalkState::Continue
        })
    });
}

struct Worker<'a, S> {
    sink: S,
    buf: Vec<u8>,
    opts: &'a FsOptions,
    strip: Option<&'a Path>,
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

    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = walk_error_path(&err)
                    .map(|p| display_path(&p, self.strip))
                    .unwrap_or_default();
                self.sink.skip(Skip {
                    path,
                    reason: SkipReason::WalkError,
                    detail: Some(err.to_string()),
                });
                return;
            }
        };
        let Some(ft) = entry.file_type() else {
            // stdin entries have no file type; the CLI handles `-` itself.
            return;
        };
        if ft.is_dir() {
            return;
        }
        if ft.is_symlink() {
            self.skip(entry.path(), SkipReason::Symlink, None);
            return;
        }
        if !ft.is_file() {
            self.skip(entry.path(), SkipReason::SpecialFile, None);
            return;
        }
        self.scan_file(entry.path());
    }

    fn scan_file(&mut self, path: &Path) {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return self.skip(path, SkipReason::Unreadable, Some(e.to_string())),
        };
        let len = match file.metadata() {
            Ok(m) => m.len(),
            Err(e) => return self.skip(path, SkipReason::Unreadable, Some(e.to_string())),
        };
        if len > self.opts.max_file_size {
            return self.skip(path, SkipReason::TooLarge, Some(format!("{len} bytes")));
        }
        let origin = Origin::File {
            path: display_path(path, self.strip),
        };
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
            if !self.opts.scan_binary && is_binary(&map) {
                return self.skip(path, SkipReason::Binary, None);
            }
            self.sink.blob(Blob {
                bytes: &map,
                origin,
            });
            return;
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
        if !self.opts.scan_binary && is_binary(&self.buf) {
            return self.skip(path, SkipReason::Binary, None);
        }
        self.sink.blob(Blob {
            bytes: &self.buf,
            origin,
        });
    }
}

/// Whether the content looks binary: a NUL byte in its first [`BINARY_PROBE`] bytes.
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
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

    #[test]
    fn binary_probe() {
        assert!(is_binary(b"abc\0def"));
        assert!(!is_binary(b"plain text"));
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
