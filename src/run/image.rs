//! `leakhound image`: a container image from a `docker save` tarball or an OCI image layout.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::setup::{live_options, setup, Suppressions};
use super::{finish, progress_draw, Finish, Ui};
use crate::cli::ImageArgs;
use crate::interrupt;
use crate::output::ReportTarget;
use crate::pipeline::image::{scan_image, ImageRequest};
use crate::progress::Progress;
use crate::source::archive::ArchiveOptions;

/// Runs `leakhound image`; the exit status.
///
/// # Errors
/// Bad arguments, configuration or report path; an input that is not an image or whose
/// manifests cannot be read; a report that cannot be written.
pub fn image(args: &ImageArgs, ui: &mut dyn Ui) -> Result<u8> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    let target = ReportTarget::check(args.output.output.as_deref())?;
    let out = &args.output;
    let live = live_options(&out.live, false, ui)?;
    // Configuration and ignore files come from the current directory (and up to its
    // repository's root): an image holds none.
    let root = PathBuf::from(".");
    let search = crate::config::discover::Search::new(&root)?;
    let set = setup(out, &search, &root, Suppressions::Tree, ui)?;
    set.install_verifiers();
    let (scanner, triage, config) = (set.scanner, set.triage, set.config);
    // Layers are archives even with --no-archives; that flag then keeps archives inside
    // layers closed (depth 1).
    let archives = args
        .archives
        .options(args.max_file_size, args.scan_binary)
        .unwrap_or_else(|| {
            let mut o = ArchiveOptions::new(args.max_file_size, args.scan_binary);
            o.depth = 1;
            o
        });
    let req = ImageRequest {
        path: args.path.clone(),
        archives,
        spool_max: args.spool_max_size,
    };
    let progress = Progress::new(progress_draw(out, false), "scanning image layers");
    let outcome = scan_image(&scanner, &triage, &req, &progress);
    progress.finish();
    let mut outcome = outcome?;
    outcome.summary.config = config;
    let f = Finish {
        out,
        target: &target,
        scanner: &scanner,
        triage: &triage,
        staged: false,
        live: live.as_ref(),
        // Layer paths lead to no file on disk.
        paths: crate::report::Paths::default(),
        allow_partial: true,
    };
    finish(&f, outcome, ui)
}
