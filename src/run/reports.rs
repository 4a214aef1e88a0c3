//! `leakhound report` (alias `merge`): earlier JSON or JSON Lines reports rendered in any
//! format; several merged into one.

use anyhow::{bail, Context, Result};

use super::setup::config_here;
use super::{scan_paths, Ui};
use crate::cli::ReportArgs;
use crate::config::discover::Search;
use crate::output::ReportTarget;
use crate::printable;
use crate::report::{self, merge, read, ReportOptions};

/// Runs `leakhound report`; the exit status (0, or `--exit-code` when there are findings).
///
/// # Errors
/// An input that cannot be read or is not a leakhound report (named, with its line); a report
/// written with `--no-redact` without `--no-redact` here; a report that cannot be written.
pub fn report(args: &ReportArgs, ui: &mut dyn Ui) -> Result<u8> {
    let target = ReportTarget::check(args.output.as_deref())?;
    let mut reports = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let r = read::read_file(path)?;
        if !args.no_redact && r.findings.iter().any(|f| !f.redacted) {
            bail!(
                "{}: written with --no-redact (its secrets are in full); it cannot be redacted \
                 now (context lines may hold other secrets in full): pass --no-redact to render \
                 it as it is, or scan again without --no-redact",
                printable::escape(&path.to_string_lossy())
            );
        }
        reports.push(r);
    }
    let inputs = reports.len();
    let merged = merge::merge(reports);
    let (_, rules) = config_here(args.config.as_deref())?;
    // A scan of a directory inside a repository reports paths relative to the repository's
    // root; of a directory outside one, relative to that directory.
    let repo_root = if args.scan_root.is_dir() {
        Search::new(&args.scan_root)
            .ok()
            .filter(Search::in_repository)
            .map(|s| s.root().to_path_buf())
    } else {
        None
    };
    let paths = scan_paths(std::slice::from_ref(&args.scan_root), repo_root.as_deref());
    let opts = ReportOptions {
        format: args.format.into(),
        redact: !args.no_redact,
        color: super::color(args.color, args.output.is_some(), ui),
    };
    let mut w = target.open()?;
    let cut = report::write_views(
        &mut w,
        &merged.findings,
        &merged.summary,
        &rules,
        opts,
        &paths,
    )
    .context("cannot write the report")?;
    w.commit().context("cannot write the report")?;
    if !args.quiet {
        let mut notes = merged.summary.notes.clone();
        notes.extend(cut);
        for note in &notes {
            ui.say(&format!("leakhound: note: {}", printable::escape(note)));
        }
        ui.say(&format!(
            "leakhound: {} finding{} from {inputs} report{}",
            merged.findings.len(),
            if merged.findings.len() == 1 { "" } else { "s" },
            if inputs == 1 { "" } else { "s" },
        ));
    }
    Ok(if merged.findings.is_empty() {
        super::CLEAN
    } else {
        args.exit_code
    })
}
