//! The glue for container images: the image source ([`crate::source::image`]) → scanner →
//! triage, then each finding in a file a later layer deletes or replaces is annotated (it is
//! still in the image: every layer ships).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use super::worker::{Collected, Worker};
use super::{finish, Outcome};
use crate::blob::{Blob, Origin};
use crate::finding::Annotation;
use crate::progress::Progress;
use crate::scan::Scanner;
use crate::source::archive::ArchiveOptions;
use crate::source::image::{config_path, ImageError, Input, LayerItem, Layers};
use crate::source::Sink;
use crate::triage::Triage;

/// An image scan.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    /// A `docker save` tarball, or a directory holding an OCI image layout or an unpacked
    /// `docker save`.
    pub path: PathBuf,
    /// How layers and the archives in them are read.
    pub archives: ArchiveOptions,
    /// Most bytes a compressed tarball is decompressed to (a temporary file) to be read.
    pub spool_max: u64,
}

/// The annotation naming the later layer that hides a finding's file.
pub const HIDDEN: &str = "image";

/// Scans the images at `req.path`: each image's configuration, then each layer in order
/// (layers shared by several images once).
///
/// # Errors
/// [`ImageError`] when the input is not an image or its manifests cannot be read.
pub fn scan_image(
    scanner: &Scanner,
    triage: &Triage,
    req: &ImageRequest,
    progress: &Progress,
) -> Result<Outcome, ImageError> {
    let started = Instant::now();
    let input = Input::open(&req.path, req.spool_max)?;
    // Counted in files, whose number no manifest says.
    progress.phase("scanning image layers", 0);
    let shared = Mutex::new(Collected::default());
    let mut layers = Layers::default();
    let mut read = 0u64;
    {
        let mut w = Worker::new(scanner, triage, progress, &shared, false);
        'images: for (i, image) in input.images.iter().enumerate() {
            match input.config_text(i) {
                Ok(text) => Sink::blob(
                    &mut w,
                    Blob {
                        bytes: text.as_bytes(),
                        origin: Origin::Logical {
                            path: config_path(&image.config_digest),
                        },
                    },
                ),
                Err(skip) => Sink::skip(&mut w, skip),
            }
            layers.start_image();
            for (digest, file) in &image.layers {
                if crate::interrupt::requested() {
                    break 'images;
                }
                layers.push(digest);
                if layers.seen(digest) {
                    continue;
                }
                read += 1;
                input.read_layer(
                    digest,
                    file,
                    &req.archives,
                    &mut layers,
                    &mut |item| match item {
                        LayerItem::File { path, bytes } => Sink::blob(
                            &mut w,
                            Blob {
                                bytes,
                                origin: Origin::File { path },
                            },
                        ),
                        LayerItem::Skip(s) => Sink::skip(&mut w, s),
                    },
                );
            }
        }
    }
    let c = match shared.into_inner() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut findings = c.findings;
    let mut hidden = 0;
    for f in &mut findings {
        if let Some(why) = layers.hidden(&f.location.path) {
            hidden += 1;
            f.annotations.insert(
                HIDDEN.into(),
                Annotation::Text(format!(
                    "{why}: not in the final filesystem, still in the image's layers"
                )),
            );
        }
    }
    let mut summary = c.summary;
    summary.notes.push(format!(
        "{}: {} image(s), {read} layer(s) read in order; files that later layers delete or replace are scanned too (they ship in the image){}",
        input.shown(),
        input.images.len(),
        if hidden > 0 {
            format!(", {hidden} finding(s) are in such files (annotated `{HIDDEN}`)")
        } else {
            String::new()
        }
    ));
    if let Some(sp) = &input.spooled {
        summary.notes.push(match sp.truncated {
            None => format!(
                "{}: {:?}-compressed; decompressed to a temporary file ({} bytes) to be read, removed again",
                input.shown(),
                sp.kind,
                sp.bytes
            ),
            Some(cap) => format!(
                "{}: {:?}-compressed and larger than {cap} bytes decompressed (--spool-max-size): \
                 only that much was decompressed to a temporary file and read; the layers and \
                 configurations past it are archive-size-limit skips (raise --spool-max-size to \
                 read them)",
                input.shown(),
                sp.kind
            ),
        });
    }
    Ok(finish(scanner, findings, summary, started))
}
