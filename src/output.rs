//! Where the report goes: standard output, or the `-o FILE` target, checked before the scan
//! starts and replaced atomically.
//!
//! `-o` names a path inside a checkout a stranger may have written (issue 13): the Action's
//! default `leakhound.sarif` can be committed as a symbolic link to any file the CI user may
//! write. So [`ReportTarget::check`]:
//! - refuses a symbolic link and anything that is not a regular file or a character device,
//!   and a relative path through a symbolic link to a directory;
//! - writes a character device (`/dev/null`, a terminal) and the standard streams
//!   (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, links by nature) in place;
//! - replaces a regular file (or creates a new one) through a temporary file in the same
//!   directory, created exclusively (`O_EXCL` never follows a link), written, `fsync`ed and
//!   renamed over the target only when the whole report is written. A full disk leaves the
//!   previous report intact and no truncated one.
//!
//! The check runs before the scan, so a bad `-o` fails in milliseconds instead of after a long
//! scan and any revocation.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why the report target cannot be used.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The target is a symbolic link.
    #[error(
        "{0}: refused as report file: it is a symbolic link (a scanned repository may have \
         committed it to make leakhound overwrite another file); remove it or choose another path"
    )]
    Symlink(PathBuf),
    /// The target exists and is neither a regular file nor a character device.
    #[error("{0}: refused as report file: not a regular file or character device ({1})")]
    NotRegular(PathBuf, &'static str),
    /// The target's directory cannot be used or the file cannot be written.
    #[error("{path}: cannot write report file: {error}")]
    Io {
        /// The report path.
        path: PathBuf,
        /// The OS error.
        error: io::Error,
    },
}

/// A checked report destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    /// Standard output.
    Stdout,
    /// A character device or standard stream, written in place.
    InPlace(PathBuf),
    /// A regular file (existing or not), replaced atomically.
    File(PathBuf),
}

/// Paths that name a standard stream: links by nature, written in place.
fn is_stream(path: &Path) -> bool {
    let p = path.as_os_str().to_string_lossy();
    matches!(p.as_ref(), "/dev/stdout" | "/dev/stderr" | "-") || p.starts_with("/dev/fd/")
}

impl ReportTarget {
    /// Checks `-o`'s path (`None`: standard output) without writing anything.
    ///
    /// # Errors
    /// [`OutputError`] for a symbolic link, a non-regular file, or a directory that does not
    /// exist.
    pub fn check(path: Option<&Path>) -> Result<Self, OutputError> {
        let Some(path) = path else {
            return Ok(ReportTarget::Stdout);
        };
        if path.as_os_str() == "-" {
            return Ok(ReportTarget::Stdout);
        }
        if is_stream(path) {
            return Ok(ReportTarget::InPlace(path.to_path_buf()));
        }
        let io = |error| OutputError::Io {
            path: path.to_path_buf(),
            error,
        };
        // A relative path runs through directories of the checkout: a committed
        // `reports -> /somewhere` must not take `-o reports/leakhound.sarif` there.
        if path.is_relative() {
            let mut dir = PathBuf::new();
            for part in path.parent().into_iter().flat_map(Path::components) {
                dir.push(part);
                if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(OutputError::Symlink(dir));
                }
            }
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) => {
                let t = meta.file_type();
                if t.is_symlink() {
                    return Err(OutputError::Symlink(path.to_path_buf()));
                }
                if t.is_file() {
                    return Ok(ReportTarget::File(path.to_path_buf()));
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::FileTypeExt;
                    if t.is_char_device() {
                        return Ok(ReportTarget::InPlace(path.to_path_buf()));
                    }
                    if t.is_fifo() {
                        return Err(OutputError::NotRegular(path.to_path_buf(), "a FIFO"));
                    }
                }
                let kind = if t.is_dir() { "a directory" } else { "special" };
                Err(OutputError::NotRegular(path.to_path_buf(), kind))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let dir = parent(path);
                let meta = std::fs::metadata(dir).map_err(io)?;
                if meta.is_dir() {
                    Ok(ReportTarget::File(path.to_path_buf()))
                } else {
                    Err(io(io::Error::new(
                        io::ErrorKind::NotADirectory,
                        "its parent is not a directory",
                    )))
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Opens the target for writing. For [`ReportTarget::File`] this creates the temporary
    /// file; nothing replaces the target until [`ReportWriter::commit`].
    ///
    /// # Errors
    /// [`OutputError::Io`]; [`OutputError::Symlink`] if a link appeared since the check.
    pub fn open(&self) -> Result<ReportWriter, OutputError> {
        match self {
            ReportTarget::Stdout => Ok(ReportWriter {
                out: Box::new(BufWriter::new(io::stdout().lock())),
                pending: None,
            }),
            ReportTarget::InPlace(path) => {
                let file =
                    OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|error| OutputError::Io {
                            path: path.clone(),
                            error,
                        })?;
                Ok(ReportWriter {
                    out: Box::new(BufWriter::new(file)),
                    pending: None,
                })
            }
            ReportTarget::File(path) => {
                // Checked again: the window between check and open is the whole scan.
                if let ReportTarget::InPlace(_) | ReportTarget::Stdout = Self::check(Some(path))? {
                    return Err(OutputError::NotRegular(
                        path.clone(),
                        "changed during the scan",
                    ));
                }
                let (temp, file) = create_temp(path)?;
                let sync = file.try_clone().map_err(|error| OutputError::Io {
                    path: temp.clone(),
                    error,
                })?;
                Ok(ReportWriter {
                    out: Box::new(BufWriter::new(file)),
                    pending: Some(Pending {
                        temp,
                        target: path.clone(),
                        file: sync,
                        done: false,
                    }),
                })
            }
        }
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates `.NAME.leakhound-PID-N.tmp` beside `path`, exclusively.
fn create_temp(path: &Path) -> Result<(PathBuf, File), OutputError> {
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let dir = parent(path);
    let mut last = None;
    for n in 0..100u32 {
        let temp = dir.join(format!(".{name}.leakhound-{}-{n}.tmp", std::process::id()));
        // `create_new` is O_CREAT|O_EXCL: it fails on anything already there, a link included.
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(error) => {
                return Err(OutputError::Io {
                    path: path.to_path_buf(),
                    error,
                })
            }
        }
    }
    Err(OutputError::Io {
        path: path.to_path_buf(),
        error: last.unwrap_or_else(|| io::Error::other("no free temporary name")),
    })
}

#[derive(Debug)]
struct Pending {
    temp: PathBuf,
    target: PathBuf,
    file: File,
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            // An unfinished report never replaces the previous one.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The open report. Dropping it without [`ReportWriter::commit`] leaves the target untouched.
pub struct ReportWriter {
    out: Box<dyn Write>,
    pending: Option<Pending>,
}

impl ReportWriter {
    /// Flushes, and for a file target syncs the temporary file to disk and renames it over the
    /// target.
    ///
    /// # Errors
    /// [`OutputError::Io`] naming the target; the previous report is then still in place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let target = self.pending.as_ref().map(|p| p.target.clone());
        let io = |error| OutputError::Io {
            path: target.clone().unwrap_or_else(|| PathBuf::from("-")),
            error,
        };
        self.out.flush().map_err(io)?;
        // Closes the buffered handle before the rename.
        self.out = Box::new(io::sink());
        if let Some(p) = &mut self.pending {
            p.file.sync_all().map_err(io)?;
            std::fs::rename(&p.temp, &p.target).map_err(io)?;
            p.done = true;
        }
        Ok(())
    }
}

impl Write for ReportWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_kinds() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("r.sarif");
        assert_eq!(
            ReportTarget::check(Some(&f)).unwrap(),
            ReportTarget::File(f.clone())
        );
        assert!(ReportTarget::check(Some(&d.path().join("no/r.sarif"))).is_err());
        assert!(matches!(
            ReportTarget::check(Some(d.path())),
            Err(OutputError::NotRegular(..))
        ));
        #[cfg(unix)]
        {
            assert_eq!(
                ReportTarget::check(Some(Path::new("/dev/null"))).unwrap(),
                ReportTarget::InPlace("/dev/null".into())
            );
            std::os::unix::fs::symlink("elsewhere", &f).unwrap();
            assert!(matches!(
                ReportTarget::check(Some(&f)),
                Err(OutputError::Symlink(_))
            ));
        }
    }

    #[test]
    fn uncommitted_report_leaves_the_previous_one() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("r.json");
        std::fs::write(&f, "old").unwrap();
        let t = ReportTarget::check(Some(&f)).unwrap();
        let mut w = t.open().unwrap();
        w.write_all(b"new, half written").unwrap();
        drop(w);
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        let mut w = t.open().unwrap();
        w.write_all(b"new").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
