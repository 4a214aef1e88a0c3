//! Reading the files that steer a scan: `.leakhound.yaml`, `.leakhoundignore`,
//! `.gitleaksignore`, baselines, gitleaks configs and rule files.
//!
//! In CI these files come from the repository under scan, which strangers write (issue 13). So
//! every one of them is read through [`read`], which:
//! - refuses a symbolic link whose target is outside the scan root (a committed
//!   `.gitleaksignore -> /proc/self/environ` must not be read, let alone printed); a link inside
//!   the tree to a file inside the tree is fine;
//! - opens without following a final symlink (`O_NOFOLLOW`) and without blocking (`O_NONBLOCK`,
//!   so a FIFO cannot hang the open), then checks the *opened* file is a regular file: a FIFO,
//!   `/dev/zero` or a directory is refused, and nothing can be swapped in between check and read;
//! - reads at most [`MAX_BYTES`] (16 MiB, about 500,000 ignore entries: no real control file
//!   comes close), so `--baseline /dev/zero` style inputs fail at once instead of eating memory.
//!
//! Errors name the file and why, never its content. Parsers that quote content in their own
//! messages quote it through [`excerpt`]: short and with control characters escaped.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Largest control file read: 16 MiB.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Longest excerpt of a control file an error may quote, in characters.
pub const EXCERPT_CHARS: usize = 40;

/// Why a control file could not be read. Every message names the file; none quotes it.
#[derive(Debug, Error)]
pub enum ControlFileError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read {what}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the file is, such as "ignore file".
        what: &'static str,
        /// The OS error.
        error: std::io::Error,
    },
    /// A symbolic link resolving outside the scan root (or not resolving at all).
    #[error(
        "{path}: refused to read {what}: it is a symbolic link to a file outside {root} \
         (a scanned repository must not make leakhound read other files; replace the link \
         with the file itself)"
    )]
    LinkOutside {
        /// The link.
        path: PathBuf,
        /// What the file is.
        what: &'static str,
        /// The root its target must stay in.
        root: PathBuf,
    },
    /// Not a regular file: a FIFO, a device, a directory, a socket.
    #[error("{path}: refused to read {what}: not a regular file ({kind})")]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What the file is.
        what: &'static str,
        /// What it is instead.
        kind: &'static str,
    },
    /// Larger than [`MAX_BYTES`].
    #[error("{path}: refused to read {what}: larger than the 16 MiB limit for control files")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What the file is.
        what: &'static str,
    },
    /// Not UTF-8 text.
    #[error("{path}: {what} is not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// What the file is.
        what: &'static str,
    },
}

impl ControlFileError {
    /// Whether the file simply does not exist (an optional file may be absent).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, ControlFileError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Reads the control file `path` as UTF-8 text; `what` names it in errors ("config",
/// "ignore file", "baseline"). A symbolic link inside `root` is followed only when its target
/// resolves inside `root` too; one outside `root` is the user's own and is followed.
///
/// # Errors
/// See [`ControlFileError`]; a missing file is [`ControlFileError::Io`] with `NotFound`.
pub fn read(path: &Path, root: &Path, what: &'static str) -> Result<String, ControlFileError> {
    let io = |error| ControlFileError::Io {
        path: path.to_path_buf(),
        what,
        error,
    };
    // `-c /dev/null`: the usual way to say "no configuration"; empty, and nothing to read.
    if path == Path::new("/dev/null") {
        return Ok(String::new());
    }
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    let target = if meta.file_type().is_symlink() {
        let outside = || ControlFileError::LinkOutside {
            path: path.to_path_buf(),
            what,
            root: root.to_path_buf(),
        };
        // A dangling link or a loop resolves to nothing: outside, as far as we can tell.
        let resolved = std::fs::canonicalize(path).map_err(|_| outside())?;
        let root = std::fs::canonicalize(root).map_err(io)?;
        // A link that itself lives outside the root was made by the user, not committed by
        // the repository (`--config ~/.config/leakhound.yaml` kept in a dotfiles repo).
        let link_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let link_inside = std::fs::canonicalize(link_dir).map_or(true, |d| d.starts_with(&root));
        if link_inside && !resolved.starts_with(&root) {
            return Err(outside());
        }
        resolved
    } else {
        path.to_path_buf()
    };
    let file = open_no_follow(&target).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ControlFileError::NotRegular {
            path: path.to_path_buf(),
            what,
            kind: kind_of(&meta),
        });
    }
    if meta.len() > MAX_BYTES {
        return Err(ControlFileError::TooLarge {
            path: path.to_path_buf(),
            what,
        });
    }
    let mut bytes = Vec::new();
    // The length can grow between the stat and the read: the cap holds either way.
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ControlFileError::TooLarge {
            path: path.to_path_buf(),
            what,
        });
    }
    String::from_utf8(bytes).map_err(|_| ControlFileError::NotUtf8 {
        path: path.to_path_buf(),
        what,
    })
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// A short, printable excerpt of control-file text for an error message: at most
/// [`EXCERPT_CHARS`] characters (then `…`), control characters escaped, quoted.
#[must_use]
pub fn excerpt(text: &str) -> String {
    format!("\"{}\"", bounded(text, EXCERPT_CHARS, true))
}

/// Longest parser message (YAML, TOML, JSON) kept in an error, in characters. Parsers quote
/// the offending value; this keeps such quotes short.
pub const MESSAGE_CHARS: usize = 160;

/// A parser's message about a control file, made safe to print: its first line only (parsers
/// append source snippets below it), control characters escaped, at most [`MESSAGE_CHARS`].
#[must_use]
pub fn parser_message(message: &str) -> String {
    bounded(message.lines().next().unwrap_or(""), MESSAGE_CHARS, false)
}

fn bounded(text: &str, max: usize, quote: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '"' if quote => out.push_str("\\\""),
            '\\' if quote => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_file_inside_and_link_inside_are_read() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "x: 1\n").unwrap();
        assert_eq!(
            read(&d.path().join("a"), d.path(), "config").unwrap(),
            "x: 1\n"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("a", d.path().join("b")).unwrap();
            assert_eq!(
                read(&d.path().join("b"), d.path(), "config").unwrap(),
                "x: 1\n"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn link_outside_fifo_device_and_missing_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let d = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("s"), "canary").unwrap();
        std::os::unix::fs::symlink(outside.path().join("s"), d.path().join("l")).unwrap();
        let err = read(&d.path().join("l"), d.path(), "ignore file").unwrap_err();
        assert!(matches!(err, ControlFileError::LinkOutside { .. }), "{err}");
        assert!(!err.to_string().contains("canary"));
        let err = read(Path::new("/dev/zero"), Path::new("/"), "baseline").unwrap_err();
        assert!(matches!(err, ControlFileError::NotRegular { .. }), "{err}");
        assert!(read(&d.path().join("nope"), d.path(), "x")
            .unwrap_err()
            .is_not_found());
    }

    #[test]
    fn excerpt_is_short_and_escaped() {
        assert_eq!(excerpt("a\x1b[2Jb"), "\"a\\u{1b}[2Jb\"");
        let long = "k".repeat(100);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS + 3);
    }
}
