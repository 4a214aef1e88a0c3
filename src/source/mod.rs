//! Sources enumerate content to scan and say what they could not scan. A source never sees
//! rules or findings: it hands [`Blob`]s and [`Skip`]s to a [`Sink`], one sink per worker
//! thread, made by a factory the caller provides (the `ignore` crate's parallel-visitor model).

pub mod archive;
pub mod forge;
pub mod fs;
pub mod git;
pub mod image;
pub mod remote;
pub mod stdin;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::blob::Blob;

/// Why something was not scanned. Every skip is counted by reason and summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Looks binary (two or more NUL bytes in the first 8 KiB); `--scan-binary` scans it.
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
    /// A git object that is not in the repository; named by its id.
    MissingObject,
    /// A file given to a staged scan (`git --staged -- FILE`) that the index does not hold:
    /// untracked, deleted, or only intended to be added (`git add -N`).
    NotInIndex,
    /// A git object that is in the repository but cannot be read (damaged pack or loose file,
    /// bad index entry, unknown object type); named by its id.
    CorruptObject,
    /// A commit that cannot be read: the history behind it was not reached through it (the
    /// detail names the ref and child commit it was met from).
    CorruptCommit,
    /// A ref that cannot be read or resolved (garbage `packed-refs`, a ref to a missing
    /// object): the history only it reaches was not scanned.
    BadRef,
    /// A repository of an organisation audit that could not be cloned, fetched or read: none
    /// of its history was scanned.
    Repository,
    /// The rest of an archive, once the bytes decompressed from it reached
    /// `--archive-max-size` (a possible archive bomb).
    ArchiveSizeLimit,
    /// An archive entry or compressed stream decompressing past `--archive-max-ratio`.
    ArchiveRatioLimit,
    /// The rest of an archive, past `--archive-max-entries` entries.
    ArchiveEntryLimit,
    /// An archive nested deeper than `--archive-depth`.
    ArchiveDepthLimit,
    /// A damaged or truncated archive (entries before the damage were scanned), or an entry
    /// compressed with a method that cannot be read.
    CorruptArchive,
    /// An encrypted archive entry.
    Encrypted,
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
            SkipReason::NotInIndex => "not-in-index",
            SkipReason::CorruptObject => "corrupt-object",
            SkipReason::CorruptCommit => "corrupt-commit",
            SkipReason::BadRef => "bad-ref",
            SkipReason::Repository => "repository",
            SkipReason::ArchiveSizeLimit => "archive-size-limit",
            SkipReason::ArchiveRatioLimit => "archive-ratio-limit",
            SkipReason::ArchiveEntryLimit => "archive-entry-limit",
            SkipReason::ArchiveDepthLimit => "archive-depth-limit",
            SkipReason::CorruptArchive => "corrupt-archive",
            SkipReason::Encrypted => "encrypted",
        }
    }

    /// Whether a skip of this kind means content the scan should have read was lost to a
    /// damaged repository (issue 15): such a run exits 2 unless `--allow-partial`.
    pub fn is_loss(self) -> bool {
        matches!(
            self,
            SkipReason::MissingObject
                | SkipReason::CorruptObject
                | SkipReason::CorruptCommit
                | SkipReason::BadRef
                | SkipReason::Repository
        )
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
            SkipReason::MissingObject | SkipReason::CorruptObject => {
                "the repository has missing or corrupt objects; `git fsck` lists them, --verbose names them"
            }
            SkipReason::NotInIndex => {
                "a staged scan reads what the index holds: `git add` them, or `leakhound scan` reads them from disk"
            }
            SkipReason::CorruptCommit => {
                "history behind these commits was not reached through them; `git fsck` lists them, --verbose names them"
            }
            SkipReason::BadRef => {
                "these refs could not be resolved and what only they reach was not scanned; --verbose names them"
            }
            SkipReason::Repository => {
                "these repositories could not be cloned or read; --verbose names them with git's error, and --resume retries them"
            }
            SkipReason::ArchiveSizeLimit => {
                "decompressed-size limit: the rest of these archives was not read; raise --archive-max-size to read it"
            }
            SkipReason::ArchiveRatioLimit => {
                "compression-ratio limit (a possible zip bomb); raise --archive-max-ratio to read them"
            }
            SkipReason::ArchiveEntryLimit => {
                "entry-count limit: the rest of these archives was not read; raise --archive-max-entries to read it"
            }
            SkipReason::ArchiveDepthLimit => {
                "archives nested deeper than --archive-depth; raise it to open them"
            }
            SkipReason::CorruptArchive => {
                "damaged or unreadable archives (entries before the damage were scanned); --verbose names them"
            }
            SkipReason::Encrypted => "encrypted archive entries cannot be read",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// When [`classify`] looks for an archive: the tree walk and git blobs test for UTF-16 text
/// first, entries inside an archive look for a nested archive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFirst {
    /// After the UTF-16 check (files and git blobs).
    No,
    /// Before the UTF-16 check (entries inside an archive).
    Yes,
}

/// What some bytes are to be handed on as.
#[derive(Debug)]
pub enum Content<'a, A> {
    /// Text to scan: decoded from UTF-16, or the bytes as they are.
    Text(std::borrow::Cow<'a, [u8]>),
    /// An archive of this kind, to open with the `archives` given to [`classify`].
    Archive(archive::Kind, A),
    /// Binary, not scanned (without `--scan-binary`).
    Binary,
}

/// Decides what `bytes` are: UTF-16 text, an archive (only when `archives` is given; looked
/// for before or after UTF-16 as `order` says), binary (unless `scan_binary`), or text as they
/// are. Files, git blobs and archive entries all decide here.
#[must_use]
pub fn classify<A>(
    bytes: &[u8],
    archives: Option<A>,
    order: ArchiveFirst,
    scan_binary: bool,
) -> Content<'_, A> {
    let mut archives = archives;
    if order == ArchiveFirst::Yes {
        // Looked for here, and so not again below.
        if let Some(a) = archives.take() {
            if let Some(kind) = archive::sniff(bytes) {
                return Content::Archive(kind, a);
            }
        }
    }
    if let Some(text) = decode_utf16_bom(bytes) {
        return Content::Text(text.into());
    }
    if let Some(a) = archives {
        if let Some(kind) = archive::sniff(bytes) {
            return Content::Archive(kind, a);
        }
    }
    if !scan_binary && fs::is_binary(bytes) {
        return Content::Binary;
    }
    Content::Text(bytes.into())
}

/// Text in UTF-16 with a byte-order mark (`FF FE` little-endian, `FE FF` big-endian), decoded
/// to UTF-8 so the rules see the characters; `None` for anything else. Windows tools write
/// `.reg`, PowerShell and `.ps1` output this way; undecoded, every other byte is NUL and the
/// file looked binary, hiding its secrets (issue 13). Unpaired surrogates become U+FFFD. Text
/// where fewer than a quarter of the units are ASCII is not taken for UTF-16 (see below).
/// Reported byte offsets are then offsets in the decoded text; lines and columns (characters)
/// are the same in both.
#[must_use]
pub fn decode_utf16_bom(bytes: &[u8]) -> Option<Vec<u8>> {
    let (little, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            let pair = [c[0], c[1]];
            if little {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        })
        .collect();
    // Plausibility: files holding credentials (configs, scripts, exports) are mostly ASCII, so
    // most units are below 0x80. A Latin-1 file that merely starts with `ÿþ` read as UTF-16 is
    // a run of CJK-range units: left as it is.
    let ascii = units.iter().filter(|&&u| u < 0x80).count();
    if ascii * 4 < units.len() {
        return None;
    }
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(text.into_bytes())
}

#[cfg(test)]
mod utf16_tests {
    use super::decode_utf16_bom;

    #[test]
    fn decodes_both_byte_orders_and_ignores_the_rest() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a=é\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_utf16_bom(&le).unwrap(), "a=é\n".as_bytes());
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("k".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_utf16_bom(&be).unwrap(), b"k");
        assert!(decode_utf16_bom(b"plain").is_none());
        assert!(decode_utf16_bom(b"\xff\xfe\xc3(latin1: caf\xe9)\n").is_none());
    }
}
