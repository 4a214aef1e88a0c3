//! `leakhound git`: history, a commit range, or the staged changes.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::setup::{live_options, setup, Suppressions};
use super::{finish, progress_draw, Finish, Ui};
use crate::cli::GitArgs;
use crate::config::discover::Search;
use crate::interrupt;
use crate::output::ReportTarget;
use crate::pipeline::git::{GitMode, GitRequest};
use crate::progress::Progress;
use crate::source::git::{self as gitsource, enumerate::Selection, range, GitOptions};
use crate::source::remote::{self, RemoteUrl};

/// Whether the pre-commit framework runs this (it sets `PRE_COMMIT=1` for its hooks).
fn under_pre_commit() -> bool {
    std::env::var_os("PRE_COMMIT").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Runs `leakhound git`; the exit status.
///
/// # Errors
/// Bad arguments, configuration or report path; a repository, range or index that cannot be
/// read at all; a report that cannot be written.
pub fn git(args: &GitArgs, ui: &mut dyn Ui) -> Result<u8> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    let target = ReportTarget::check(args.output.output.as_deref())?;
    if args.output.report_unused_ignores && !args.output.quiet {
        ui.say(
            "leakhound: note: unused inline allow markers are listed by `leakhound scan`; `git` lists unused ignore-file and baseline entries",
        );
    }
    if args.staged && under_pre_commit() && !std::env::args_os().skip(1).any(|a| a == "--") {
        bail!(
            "run by pre-commit (PRE_COMMIT is set) without `--`: pre-commit puts the file names \
             right after the hook's `args:`, so a file name could be read as an option. End the \
             hook's args with `--` (e.g. `args: [--verify, --]`)"
        );
    }
    let out = &args.output;
    let live = live_options(&out.live, false, ui)?;
    let remote = match args.repo.to_str() {
        Some(arg) => RemoteUrl::parse(arg)?,
        None => None,
    };
    // `_lock`: a remote clone's shared lock, held until the scan ends so that no other run
    // fetches into the clone meanwhile.
    let (repo, repository, _lock) = match &remote {
        Some(url) => {
            if args.staged {
                bail!(
                    "{}: --staged needs a local repository with an index",
                    url.shown()
                );
            }
            let cache = match &args.cache_dir {
                Some(dir) => dir.clone(),
                None => remote::default_cache_dir()?,
            };
            let (dir, lock) = fetch(url, &cache, out, ui)?;
            (
                gitsource::open(&dir)?,
                Some(url.shown().to_string()),
                Some(lock),
            )
        }
        None => (gitsource::open(&args.repo)?, None, None),
    };
    let root = repo
        .workdir()
        .map_or_else(|| repo.path().to_path_buf(), Path::to_path_buf);
    let mode = if args.staged {
        GitMode::Staged(
            args.files
                .iter()
                .map(|f| repo_relative(&root, f))
                .collect::<Result<_>>()?,
        )
    } else if let Some(r) = &args.range {
        GitMode::Range(r.clone())
    } else if let Some(rev) = &args.since_commit {
        GitMode::Range(range::since(rev))
    } else if let Some(b) = &args.branch {
        GitMode::History(Selection::Ref(b.clone()))
    } else {
        GitMode::History(Selection::All)
    };
    // Range and staged scans judge the changes by the base's suppressions (issue 13).
    let from = match &mode {
        _ if args.trust_config => Suppressions::Tree,
        GitMode::History(_) => Suppressions::Tree,
        GitMode::Range(spec) => {
            Suppressions::Base(&repo, Some(gitsource::base::range_base(&repo, spec)?))
        }
        GitMode::Staged(_) => Suppressions::Base(&repo, gitsource::base::head_commit(&repo)),
    };
    // A bare repository's own directory only: never a repository around it.
    let search = if repo.is_bare() {
        Search::only(&root)?
    } else {
        Search::new(&root)?
    };
    let set = setup(out, &search, &root, from, ui)?;
    set.install_verifiers();
    let (scanner, triage) = (set.scanner, set.triage);
    let base_note = match from {
        Suppressions::Base(_, Some(base)) => Some(format!(
            "suppressions (.leakhound.yaml or .yml, else .gitleaks.toml; .leakhoundignore, \
             .gitleaksignore, inline allow comments) come from the base commit {}, not from the changes under review (--trust-config uses \
             the working tree)",
            gitsource::base::short(base)
        )),
        Suppressions::Base(_, None) => Some(
            "no suppressions apply: there is no HEAD yet to take them from, and the changes under \
             review do not suppress themselves (--trust-config uses the working tree)"
                .to_string(),
        ),
        Suppressions::Tree | Suppressions::Head(..) => None,
    };
    let staged = matches!(mode, GitMode::Staged(_));
    let req = GitRequest {
        mode,
        opts: GitOptions {
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
            pack_reader: !args.no_pack_reader,
            delta_hits: !args.no_delta_hits,
            archives: args.archives.options(args.max_file_size, args.scan_binary),
        },
        shard: args.shard,
    };
    // A pre-commit run must be instant: no bar unless asked for.
    let progress = Progress::new(progress_draw(out, staged), "");
    let outcome = crate::pipeline::git::scan_git(&scanner, &triage, &repo, &req, &progress);
    progress.finish();
    let mut outcome = outcome?;
    outcome.summary.notes.extend(base_note);
    outcome.summary.config = set.config;
    if let Some(shard) = args.shard.filter(crate::shard::Shard::splits) {
        outcome.summary.notes.push(format!(
            "shard {shard}: only this shard's blobs, commit and tag messages were scanned \
             (split by object id); the reports of all {} shards together hold the whole history's \
             findings",
            shard.count
        ));
    }
    for f in &mut outcome.findings {
        f.repository.clone_from(&repository);
    }
    let f = Finish {
        out,
        target: &target,
        scanner: &scanner,
        triage: &triage,
        staged,
        live: live.as_ref(),
        // History paths are relative to the work tree already.
        paths: {
            let root = repo.workdir().and_then(|w| std::fs::canonicalize(w).ok());
            crate::report::Paths {
                prefix: std::path::PathBuf::new(),
                cwd: root.clone(),
                root,
            }
        },
        allow_partial: args.allow_partial,
    };
    finish(&f, outcome, ui)
}

/// Clones or fetches `url` into `cache`, saying so unless `--quiet` (and saying when it waits
/// for another run using the same clone); the clone's directory and the shared lock to hold
/// while reading it.
///
/// # Errors
/// The clone or fetch failed (the message names the URL without credentials).
fn fetch(
    url: &RemoteUrl,
    cache: &Path,
    out: &crate::cli::OutputArgs,
    ui: &mut dyn Ui,
) -> Result<(std::path::PathBuf, remote::CacheLock)> {
    let started = std::time::Instant::now();
    let (dir, how, lock) = remote::sync(url, cache, &mut |lock: &Path| {
        if !out.quiet {
            ui.say(&format!(
                "leakhound: waiting for another leakhound run using the cached clone of {} (lock file {})",
                crate::printable::escape(url.shown()),
                crate::printable::escape(&lock.display().to_string())
            ));
        }
    })?;
    if !out.quiet {
        ui.say(&format!(
            "leakhound: {} {} in {:.1} s ({})",
            how.as_str(),
            crate::printable::escape(url.shown()),
            started.elapsed().as_secs_f64(),
            dir.display()
        ));
    }
    Ok((dir, lock))
}

/// `file` (as given, relative to the current directory) relative to the repository's working
/// tree `root`, `/`-separated as the index stores paths. Resolved lexically, so a deleted or
/// symlinked file is named as given; `root` and the current directory are canonicalised, so
/// `/tmp` against `/private/tmp` (macOS) still matches.
///
/// # Errors
/// A file outside the working tree, or a name that is not UTF-8.
fn repo_relative(root: &Path, file: &Path) -> Result<String> {
    use std::path::Component;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let mut abs = std::path::PathBuf::new();
    for c in cwd.join(file).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                abs.pop();
            }
            c => abs.push(c),
        }
    }
    let root_c = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let rel = abs
        .strip_prefix(&root_c)
        .or_else(|_| abs.strip_prefix(root))
        .with_context(|| {
            format!(
                "{}: not inside the repository's working tree {}",
                crate::printable::escape(&file.to_string_lossy()),
                root.display()
            )
        })?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    parts.map(|p| p.join("/")).with_context(|| {
        format!(
            "{}: file name is not UTF-8",
            crate::printable::escape(&file.to_string_lossy())
        )
    })
}
