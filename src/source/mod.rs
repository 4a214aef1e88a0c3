//! Sources enumerate content to scan and say what they could not scan. A source never sees
//! rules or findings: it hands [`Blob`]s and [`Skip`]s to a [`Sink`], one sink per worker
//! thread, made by a factory the caller provides (the `ignore` crate's parallel-visitor model).

pub mod fs;
pub mod git;
pub mod stdin;

use std::fmt;

use serde::Serialize;

use crate::blob::Blob;

/// Why something was not scanned. Every skip is counted by reason and summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Looks binary (a NUL byte in the first 8 KiB); `--scan-binary` scans it.
    Binary,
    /// Larger than `--max-file-size`.
    TooLarge,
    /// Could not be opened or read (permissions, I/O error).
    Unreadable,
    /// Listed by the walk, then removed or replaced by something other than a regular file
    /// before it was read: the tree changed during the scan.
    Vanished,
    /// A symbolic link, not followed (`--follow` follows links).
    Symlink,
    /// A FIFO, socket or device: reading it could block or never end.
    SpecialFile,
    /// The walker could not read a directory or hit a link loop.
    WalkError,
    /// A git submodule (gitlink entry): its commits live in another repository, not followed.
    Submodule,
    /// A git object that is missing or corrupt; named by its id.
    MissingObject,
}

impl SkipReason {
    /// The name used in summaries and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Vanished => "vanished",
            SkipReason::Symlink => "symlink",
            SkipReason::SpecialFile => "special-file",
            SkipReason::WalkError => "walk-error",
            SkipReason::Submodule => "submodule",
            SkipReason::MissingObject => "missing-object",
        }
    }

    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            SkipReason::Binary => "--scan-binary scans them",
            SkipReason::TooLarge => "raise --max-file-size to scan them",
            SkipReason::Unreadable | SkipReason::WalkError => "--verbose lists them with the error",
            SkipReason::Vanished => {
                "the tree changed during the scan; --verbose names them, scan again once it is still"
            }
            SkipReason::Symlink => "--follow follows links",
            SkipReason::SpecialFile => "FIFOs, sockets and devices are never read",
            SkipReason::Submodule => "scan each submodule's repository separately",
            SkipReason::MissingObject => {
                "the repository has missing or corrupt objects; `git fsck` lists them, --verbose names them"
            }
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// What was skipped, as a path would be reported.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
    /// The underlying error or size, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Receives what one worker thread of a source produces.
pub trait Sink: Send {
    /// Scans one blob.
    fn blob(&mut self, blob: Blob<'_>);
    /// Records one skip.
    fn skip(&mut self, skip: Skip);
}
