//! `leakhound scan`: files, directory trees and standard input.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::setup::{live_options, setup, Suppressions};
use super::{finish, progress_draw, Finish, Ui};
use crate::cli::ScanArgs;
use crate::config::discover::{prefix_in, Search};
use crate::interrupt;
use crate::output::ReportTarget;
use crate::pipeline::{self, ScanRequest};
use crate::printable;
use crate::progress::Progress;
use crate::source::fs::FsOptions;

/// Runs `leakhound scan`; the exit status.
///
/// # Errors
/// Bad arguments, configuration or report path; a path that cannot be read; a report that
/// cannot be written; nothing scanned at all.
pub fn scan(args: &ScanArgs, ui: &mut dyn Ui) -> Result<u8> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    // Before anything is read: a bad `-o` fails now, not after the scan and any revocation.
    let target = ReportTarget::check(args.output.output.as_deref())?;
    // The paths named, standard input's `-` left out.
    let files: Vec<&PathBuf> = args.paths.iter().filter(|p| p.as_os_str() != "-").collect();
    for p in &files {
        let meta = std::fs::symlink_metadata(p).with_context(|| {
            format!(
                "{}: cannot scan",
                printable::escape(&p.display().to_string())
            )
        })?;
        // Said here, naming the directory: otherwise the first thing to fail is reading
        // its ignore files, and the error blamed them (issue 13).
        if meta.is_dir() {
            std::fs::read_dir(p).with_context(|| {
                format!(
                    "{}: cannot read the directory to scan",
                    printable::escape(&p.display().to_string())
                )
            })?;
        }
    }
    let out = &args.output;
    let reads_stdin = files.len() < args.paths.len();
    let live = live_options(&out.live, reads_stdin, ui)?;
    let root = args
        .paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    // Configuration and ignore files are looked for from the first scanned path (a file's
    // directory; the current one for standard input) up to its repository's root.
    let start = files.first().map_or_else(
        || PathBuf::from("."),
        |p| {
            if p.is_dir() {
                (*p).clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        },
    );
    let search = Search::new(&start)?;
    let set = setup(out, &search, &root, Suppressions::Tree, ui)?;
    set.install_verifiers();
    let (scanner, triage) = (set.scanner, set.triage);
    // One directory scanned inside a repository: paths (and so fingerprints and allowlist
    // globs) are relative to the repository root, as `git` scans name them, whichever
    // subdirectory was scanned.
    let prefix = match files.as_slice() {
        [one] if one.is_dir() && !reads_stdin && search.in_repository() => {
            std::fs::canonicalize(one)
                .ok()
                .and_then(|c| prefix_in(&c, search.root()))
        }
        _ => None,
    };
    let req = ScanRequest {
        paths: args.paths.clone(),
        fs: FsOptions {
            no_ignore: args.no_ignore,
            follow: args.follow,
            follow_outside: args.follow_outside,
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
            prefix: prefix.clone(),
            archives: args.archives.options(args.max_file_size, args.scan_binary),
        },
        track_inline_allows: out.report_unused_ignores,
    };
    let progress = Progress::new(progress_draw(out, false), "scanning files");
    let mut outcome = pipeline::scan(&scanner, &triage, &req, &progress);
    progress.finish();
    outcome.summary.config = set.config;
    let f = Finish {
        out,
        target: &target,
        scanner: &scanner,
        triage: &triage,
        staged: false,
        live: live.as_ref(),
        paths: super::scan_paths(&args.paths, prefix.is_some().then(|| search.root())),
        allow_partial: true,
    };
    finish(&f, outcome, ui)
}
