//! What sources hand the scanner: bytes plus where they came from.

/// Where a blob's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in a scanned tree; `path` is as reported (relative to the scan root).
    File {
        /// Reported path, `/`-separated, relative to the scan root when there is one root.
        path: String,
    },
    /// Standard input (`-`).
    Stdin,
    /// Content that is not a file (an image configuration): reported at `path`, a logical
    /// location.
    Logical {
        /// The name reports show (`<image config sha256:…>`).
        path: String,
    },
}

/// The commit a history finding entered in, as git records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// Full hexadecimal commit id.
    pub id: String,
    /// Author name (lossy UTF-8).
    pub author_name: String,
    /// Author email (lossy UTF-8).
    pub author_email: String,
    /// Author date, ISO 8601 in UTC (`2024-01-31T12:00:00Z`).
    pub date: String,
    /// First line of the commit message.
    pub summary: String,
}

impl CommitMeta {
    /// The abbreviated id shown to people (8 hex digits).
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }
}

impl Origin {
    /// The path reports show for this origin.
    pub fn display_path(&self) -> &str {
        match self {
            Origin::File { path } | Origin::Logical { path } => path,
            Origin::Stdin => "<stdin>",
        }
    }
}

/// Bytes to scan, borrowed from the source's buffer or memory map for the duration of one call.
#[derive(Debug)]
pub struct Blob<'a> {
    /// The content.
    pub bytes: &'a [u8],
    /// Where it came from.
    pub origin: Origin,
}

/// One copy of a git delta: `len` bytes of the base at `src` placed at `dst` in the version
/// made from it. The history pack reader records them; the scanner derives a version's keyword
/// hits from its base's with them (issue 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaCopy {
    /// Offset in the version made.
    pub dst: usize,
    /// Offset in the base.
    pub src: usize,
    /// Length.
    pub len: usize,
}
