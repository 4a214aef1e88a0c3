//! One library entry point per command: everything a command does except parsing its
//! arguments and talking to the terminal. `main.rs` parses, calls one of these with a [`Ui`],
//! and turns the returned status into the process's exit status.
//!
//! - [`scan::scan`] and [`git::git`]: set up rules and triage, run the pipeline, the live checks
//!   when asked, write the report, and decide the exit status.
//! - [`reports::report`]: `report` (alias `merge`): earlier reports rendered again, or merged.
//! - [`info`]: `rules`, `rules check`, `providers`, `explain`, `install-hook`.
//! - [`init`]: `init`, the starter configuration.

pub mod audit;
pub mod git;
pub mod image;
pub mod info;
pub mod init;
pub mod reports;
pub mod scan;
mod setup;

use std::io;

use anyhow::{bail, Context, Result};

use crate::cli::{ColorArg, OutputArgs, ProgressArg};
use crate::interrupt;
use crate::live::LiveOptions;
use crate::output::ReportTarget;
use crate::pipeline::Outcome;
use crate::printable;
use crate::progress;
use crate::report::{self, Paths, ReportOptions};
use crate::scan::Scanner;
use crate::triage::Triage;

/// Exit status: nothing found.
pub const CLEAN: u8 = 0;

/// Exit status: a damaged repository lost content (without `--allow-partial`), as for an error.
pub const PARTIAL: u8 = 2;

/// What a command may ask of the person running it.
pub trait Ui {
    /// Shows one message (a warning, a note, the summary) on the diagnostic stream.
    fn say(&mut self, line: &str);
    /// Asks a yes/no question; `false` unless the answer is yes.
    fn confirm(&mut self, question: &str) -> bool;
    /// Whether standard output is a terminal (for `--color auto`).
    fn stdout_is_terminal(&self) -> bool;
    /// Whether a question can be asked at all (a terminal on standard input and error).
    fn can_ask(&self) -> bool;
}

/// A [`Ui`] that records messages and answers every question with `answer`: for tests and
/// for embedding leakhound in other programs.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Every message, in order.
    pub lines: Vec<String>,
    /// The answer to every question.
    pub answer: bool,
}

impl Ui for Recorder {
    fn say(&mut self, line: &str) {
        self.lines.push(line.to_string());
    }
    fn confirm(&mut self, _question: &str) -> bool {
        self.answer
    }
    fn stdout_is_terminal(&self) -> bool {
        false
    }
    fn can_ask(&self) -> bool {
        self.answer
    }
}

/// How to render, from the options and the terminal.
fn report_options(out: &OutputArgs, ui: &dyn Ui) -> ReportOptions {
    ReportOptions {
        format: out.format.into(),
        redact: !out.no_redact,
        color: color(out.color, out.output.is_some(), ui),
    }
}

/// Whether to colour the report: `--color auto` colours a terminal on standard output (not a
/// report file), unless `NO_COLOR` or `CI` is set.
fn color(choice: ColorArg, to_file: bool, ui: &dyn Ui) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            !to_file
                && ui.stdout_is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
                && std::env::var_os("CI").is_none()
        }
    }
}

/// How to draw progress: `--no-progress` and `--progress never` win; `--progress always` draws
/// even in CI or when piped; otherwise a terminal bar unless `--quiet` or `quiet_by_default`.
fn progress_draw(out: &OutputArgs, quiet_by_default: bool) -> progress::Draw {
    let choice = match out.progress {
        _ if out.no_progress => Some(false),
        ProgressArg::Never => Some(false),
        ProgressArg::Always => Some(true),
        ProgressArg::Auto if out.quiet || quiet_by_default => Some(false),
        ProgressArg::Auto => None,
    };
    progress::draw_for(choice)
}

/// Verifies (and revokes) `outcome`'s findings; says what was done.
fn run_live(
    outcome: &mut Outcome,
    scanner: &Scanner,
    live: &LiveOptions,
    quiet: bool,
    ui: &mut dyn Ui,
) -> Result<()> {
    let s = crate::live::run(&mut outcome.findings, scanner.rules(), live, &mut |q| {
        ui.confirm(q)
    })
    .map_err(anyhow::Error::msg)?;
    for line in &s.lines {
        ui.say(&format!("leakhound: {}", printable::escape(line)));
    }
    if !quiet {
        let total: usize = s.verified.values().sum();
        let parts: Vec<String> = s.verified.iter().map(|(k, n)| format!("{n} {k}")).collect();
        ui.say(&format!(
            "leakhound: verified {total} credential(s){}{}; audit log {}",
            if parts.is_empty() {
                String::new()
            } else {
                format!(": {}", parts.join(", "))
            },
            if s.unverifiable > 0 {
                format!("; {} finding(s) have no built-in verifier", s.unverifiable)
            } else {
                String::new()
            },
            live.audit_log.display()
        ));
    }
    Ok(())
}

/// Where `scan`'s reported paths lead: relative to `repo_root` when one directory inside a
/// repository was scanned (`Some`), else to the one directory scanned, else as given; SARIF
/// URIs are made relative to the git work tree holding the first scanned path, or to the
/// current directory outside a repository.
fn scan_paths(scanned: &[std::path::PathBuf], repo_root: Option<&std::path::Path>) -> Paths {
    let files: Vec<&std::path::PathBuf> = scanned.iter().filter(|p| p.as_os_str() != "-").collect();
    let prefix = match (repo_root, files.as_slice()) {
        (Some(root), _) => root.to_path_buf(),
        (None, [one]) if one.is_dir() => (*one).clone(),
        _ => std::path::PathBuf::new(),
    };
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let root = files
        .first()
        .map(|p| {
            if p.is_dir() {
                p.as_path()
            } else {
                p.parent().unwrap_or(p.as_path())
            }
        })
        .map(|p| {
            if p.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| git2::Repository::discover(p).ok())
        .and_then(|r| r.workdir().and_then(|w| std::fs::canonicalize(w).ok()))
        .or_else(|| cwd.clone());
    Paths { prefix, cwd, root }
}

/// What the end of a scan needs besides its outcome.
struct Finish<'a> {
    out: &'a OutputArgs,
    target: &'a ReportTarget,
    scanner: &'a Scanner,
    triage: &'a Triage,
    /// A pre-commit run: explain how to unblock the commit.
    staged: bool,
    live: Option<&'a LiveOptions>,
    /// Where reported paths lead (SARIF URIs).
    paths: Paths,
    /// Report a scan that lost content to a damaged repository ([`Summary::lost`]) with the
    /// status of a whole scan, not 2 (`--allow-partial`).
    ///
    /// [`Summary::lost`]: crate::summary::Summary::lost
    allow_partial: bool,
}

/// Runs the live checks, writes the report and the summary; the exit status for `outcome`.
fn finish(f: &Finish<'_>, mut outcome: Outcome, ui: &mut dyn Ui) -> Result<u8> {
    let out = f.out;
    if let Some(live) = f.live {
        if !outcome.findings.is_empty() {
            run_live(&mut outcome, f.scanner, live, out.quiet, ui)?;
        }
        // --results / --only-verified: the report and the exit status cover the chosen
        // verification states only; what was left out is said, never silent.
        if let Some(results) = &live.results {
            let dropped = crate::live::select(&mut outcome.findings, results);
            if dropped > 0 {
                outcome.summary.notes.push(format!(
                    "{dropped} finding(s) not reported: their verification status is not among \
                     --results/--only-verified"
                ));
            }
        }
        // Ctrl-C during verification or the hook: what was done is reported, as for a scan.
        if interrupt::requested() {
            outcome.summary.interrupted = true;
        }
    }
    if let Some(live) = f.live.filter(|l| l.fail_on != crate::live::FailOn::Any) {
        let passing = outcome
            .findings
            .iter()
            .filter(|x| !live.fail_on.fails(x))
            .count();
        if passing > 0 {
            outcome.summary.notes.push(format!(
                "{passing} finding(s) reported but not failing the run: {} (their verification \
                 status is shown with each)",
                live.fail_on.flag()
            ));
        }
    }
    let lost = outcome.summary.lost();
    if lost > 0 {
        outcome.summary.notes.push(format!(
            "partial scan: {lost} object(s), commit(s) or ref(s) of a damaged repository could \
             not be read (the skips below name them), so secrets in them or in history reached \
             only through them were not looked for{}",
            if f.allow_partial {
                "; --allow-partial: the exit status is that of the findings"
            } else {
                "; exit status 2 (--allow-partial reports the findings' status instead)"
            }
        ));
    }
    let opts = report_options(out, ui);
    let mut w = f.target.open()?;
    let cut = report::write(
        &mut w,
        &outcome.findings,
        &outcome.summary,
        f.scanner.rules(),
        opts,
        &f.paths,
    )
    .context("cannot write the report")?;
    outcome.summary.notes.extend(cut);
    w.commit().context("cannot write the report")?;
    if !out.quiet {
        for note in &outcome.summary.notes {
            ui.say(&format!("leakhound: note: {}", printable::escape(note)));
        }
        for line in report::summary_lines(&outcome.summary, out.verbose) {
            ui.say(&line);
        }
    }
    if out.report_unused_ignores {
        let mut unused = f.triage.unused();
        unused.extend(outcome.summary.unused_inline_allows.iter().cloned());
        for u in &unused {
            ui.say(&format!(
                "leakhound: unused ignore: {}",
                printable::escape(u)
            ));
        }
        if unused.is_empty() {
            ui.say(
                "leakhound: every ignore-file, baseline and inline allow entry matched a finding",
            );
        }
    }
    if f.staged && outcome.summary.whole_files && !outcome.findings.is_empty() {
        ui.say(&format!(
            "leakhound: {} credential(s) in the files given, as the index holds them (some may \
             already be committed: removing them from the files does not remove them from history).\n  \
             To fix: remove each secret from its file, rotate the credential at its provider, and \
             see `leakhound git` for the history.\n  \
             A false positive? Add `leakhound:allow` in a comment on its line, or add its fingerprint \
             to .leakhoundignore.",
            outcome.findings.len(),
        ));
    } else if f.staged && !outcome.findings.is_empty() {
        ui.say(&format!(
            "leakhound: commit blocked: the staged changes add {} credential(s).\n  \
             To fix: remove the secret from the file, `git add` it again, and rotate the credential at its provider \
             (it may already be in your shell history or editor backups).\n  \
             A false positive? Add `leakhound:allow` in a comment on its line, or add its fingerprint to .leakhoundignore{}.\n  \
             `git commit --no-verify` skips this check (not recommended).",
            outcome.findings.len(),
            if f.triage.honours_inline_allows() {
                ""
            } else {
                " (without --trust-config, which the installed hook passes, `git --staged` takes \
                 suppressions from HEAD: commit the .leakhoundignore entry first)"
            }
        ));
    }
    // Files and blobs only: commit messages read from a history whose every blob was
    // unreadable do not make the scan a success.
    if outcome.summary.files_scanned == 0
        && !outcome.summary.skips.is_empty()
        && outcome.findings.is_empty()
    {
        bail!("nothing could be scanned: every input was skipped (see above)");
    }
    if outcome.summary.interrupted {
        return Ok(interrupt::EXIT_STATUS);
    }
    if lost > 0 && !f.allow_partial {
        return Ok(PARTIAL);
    }
    let fail_on = f.live.map_or(crate::live::FailOn::Any, |l| l.fail_on);
    Ok(if outcome.findings.iter().any(|x| fail_on.fails(x)) {
        out.exit_code
    } else {
        CLEAN
    })
}

/// Whether `e` is a closed pipe on the way out (`leakhound rules | head`,
/// `leakhound scan . | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind())
            .or_else(|| match c.downcast_ref::<crate::output::OutputError>()? {
                crate::output::OutputError::Io { error, .. } => Some(error.kind()),
                _ => None,
            });
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}
