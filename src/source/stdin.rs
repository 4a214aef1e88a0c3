//! Standard input as one blob (`leakhound scan -`).

use std::io::Read;

use crate::blob::{Blob, Origin};

use super::{Sink, Skip, SkipReason};

/// Reads `input` to the end (at most `max` bytes) and hands it to `sink` as one blob.
pub fn scan_reader<R: Read, S: Sink>(input: R, max: u64, sink: &mut S) {
    let mut buf = Vec::new();
    match input.take(max.saturating_add(1)).read_to_end(&mut buf) {
        Ok(n) if n as u64 > max => sink.skip(Skip {
            path: Origin::Stdin.display_path().to_string(),
            reason: SkipReason::TooLarge,
            detail: Some(format!("more than {max} bytes")),
        }),
        Ok(_) => sink.blob(Blob {
            bytes: &buf,
            origin: Origin::Stdin,
        }),
        Err(e) => sink.skip(Skip {
            path: Origin::Stdin.display_path().to_string(),
            reason: SkipReason::Unreadable,
            detail: Some(e.to_string()),
        }),
    }
}
