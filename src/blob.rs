//! What sources hand the scanner: bytes plus where they came from.

/// Where a blob's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in a scanned tree; `path` is as reported (see [`crate::source::fs`]).
    File {
        /// Reported path, `/`-separated, relative to the scan root when there is one root.
        path: String,
    },
    /// Standard input (`-`).
    Stdin,
}

impl Origin {
    /// The path reports show for this origin.
    pub fn display_path(&self) -> &str {
        match self {
            Origin::File { path } => path,
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
