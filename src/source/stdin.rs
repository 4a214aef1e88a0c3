//! Standard input as one blob (`leakhound scan -`), or, when it starts like an archive or a
//! compressed stream (`cat app.tar.gz | leakhound scan -`), as that archive's entries at
//! `<stdin>!/inner/path`, read as a stream through [`super::archive`] with the same limits as an
//! archive file.

use std::io::{Cursor, Read};

use crate::blob::{Blob, Origin};

use super::archive::{self, ArchiveOptions, Members};
use super::{Sink, Skip, SkipReason};

/// Reads `input` and hands it to `sink`: as an archive's entries when `archives` is given and
/// the first bytes sniff as one (decoded as they are read; a zip, which needs its central
/// directory, is read into memory up to `max` first), else as one blob of at most `max` bytes.
pub fn scan_reader<R: Read, S: Sink>(
    input: R,
    max: u64,
    archives: Option<&ArchiveOptions>,
    sink: &mut S,
) {
    let mut input = input;
    let shown = Origin::Stdin.display_path();
    let unreadable = |sink: &mut S, e: std::io::Error| {
        sink.skip(Skip {
            path: shown.to_string(),
            reason: SkipReason::Unreadable,
            detail: Some(e.to_string()),
        });
    };
    // The first 512 bytes: enough for every magic number, a tar header included.
    let mut buf = Vec::with_capacity(512);
    if let Err(e) = (&mut input).take(512).read_to_end(&mut buf) {
        return unreadable(sink, e);
    }
    if let Some(opts) = archives {
        if archive::sniff(&buf).is_some() {
            let mut members = StdinMembers { sink };
            // Sniffed already, so it is read as an archive.
            archive::expand_reader(Cursor::new(buf).chain(input), opts, &mut members);
            return;
        }
    }
    let rest = max.saturating_add(1).saturating_sub(buf.len() as u64);
    match input.take(rest).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > max => sink.skip(Skip {
            path: shown.to_string(),
            reason: SkipReason::TooLarge,
            detail: Some(format!("more than {max} bytes")),
        }),
        Ok(_) => sink.blob(Blob {
            bytes: &buf,
            origin: Origin::Stdin,
        }),
        Err(e) => unreadable(sink, e),
    }
}

/// An archive read from standard input: its entries at `<stdin>!/inner`, the content of a bare
/// compressed stream at `<stdin>` itself.
struct StdinMembers<'a, S> {
    sink: &'a mut S,
}

impl<S: Sink> Members for StdinMembers<'_, S> {
    fn member(&mut self, path: &str, bytes: &[u8]) {
        let origin = if path.is_empty() {
            Origin::Stdin
        } else {
            Origin::Logical {
                path: archive::join(Origin::Stdin.display_path(), path),
            }
        };
        self.sink.blob(Blob { bytes, origin });
    }

    fn skip(&mut self, path: &str, reason: SkipReason, detail: Option<String>) {
        self.sink.skip(Skip {
            path: archive::join(Origin::Stdin.display_path(), path),
            reason,
            detail,
        });
    }
}
