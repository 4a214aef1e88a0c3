//! The `leakhound` command: parses arguments, calls the library, prints the report and the
//! summary, and maps the outcome to an exit status (0 clean, `--exit-code` on findings, 2 on
//! error). The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use leakhound::cli::{
    Cli, ColorArg, Command, ExplainArgs, ExplainFormat, GitArgs, InstallHookArgs, LiveArgs,
    OutputArgs, ProgressArg, RulesArgs, RulesCommand, RulesFormat, ScanArgs,
};
use leakhound::config::{gitleaks, Config, DEFAULT_FILE};
use leakhound::hook::{self, Installed};
use leakhound::interrupt;
use leakhound::output::ReportTarget;
use leakhound::pipeline::git::{GitMode, GitRequest};
use leakhound::pipeline::{self, Outcome, ScanRequest};
use leakhound::printable;
use leakhound::progress::{self, Progress};
use leakhound::providers::{self, http::Settings, run::LiveOptions};
use leakhound::report::{self, ReportOptions};
use leakhound::rules::Confidence;
use leakhound::rules::{check, RuleSet};
use leakhound::scan::Scanner;
use leakhound::source::fs::FsOptions;
use leakhound::source::git::{self as gitsource, enumerate::Selection, range, GitOptions};
use leakhound::triage::Triage;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listing = !matches!(
        cli.command,
        Command::Scan(_) | Command::Git(_) | Command::InstallHook(_)
    );
    let result = match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Git(args) => run_git(&args),
        Command::Rules(args) => run_rules(&args),
        Command::Explain(args) => run_explain(&args),
        Command::InstallHook(args) => run_install_hook(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "leakhound", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Providers { format } => list_providers(format),
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(&mut io::stdout())
                .map(|()| ExitCode::SUCCESS)
                .map_err(Into::into)
        }
    };
    match result {
        Ok(code) => code,
        // `leakhound rules | head`: the reader has all it wanted. (A scan's report cut short
        // still fails: its reader did not get the findings.)
        Err(e) if listing && is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "leakhound: error: {}",
                printable::escape_keeping_newlines(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

fn run_install_hook(args: &InstallHookArgs) -> Result<ExitCode> {
    let exe = std::env::current_exe().context("cannot find the leakhound binary's path")?;
    match hook::install(&args.repo, &exe, args.force)? {
        Installed::Written(p) => eprintln!("leakhound: installed the pre-commit hook at {}", p.display()),
        Installed::Chained { hook, previous } => eprintln!(
            "leakhound: installed the pre-commit hook at {}; the existing hook moved to {} and runs first",
            hook.display(),
            previous.display()
        ),
        Installed::AlreadyInstalled(p) => {
            eprintln!("leakhound: the pre-commit hook is already installed at {} (--force rewrites it)", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The configuration to use: `--config`/`LEAKHOUND_CONFIG`, else `.leakhound.yaml` in the first
/// scanned directory (or the current one) if present.
///
/// Both are read through `control_file::read`: a symbolic link inside the scanned tree must stay
/// inside it, the file must be regular and at most 16 MiB.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<(Config, PathBuf)> {
    let dir = paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    if let Some(p) = explicit {
        return Ok((Config::load(p, &dir)?, p.to_path_buf()));
    }
    let candidate = dir.join(DEFAULT_FILE);
    // `symlink_metadata`, not `is_file`: a link must reach the reader to be refused, not be
    // skipped as if absent.
    if std::fs::symlink_metadata(&candidate).is_ok() {
        return Ok((Config::load(&candidate, &dir)?, candidate));
    }
    Ok((Config::default(), candidate))
}

/// Where a scan's suppressions (config, ignore files, inline allow comments) come from.
#[derive(Clone, Copy)]
enum Suppressions<'r> {
    /// The scanned tree: `scan`, history scans, and `--trust-config`.
    Tree,
    /// A base commit (`None`: before the first commit, so none): range and staged scans.
    Base(&'r git2::Repository, Option<git2::Oid>),
}

/// Everything a scan needs besides its input: rules (built-in, config, gitleaks import) and
/// triage (config allowlist, ignore files at `root` or in the base commit, baseline). Warnings
/// go to stderr.
fn setup(
    out: &OutputArgs,
    config_root: &[PathBuf],
    root: &Path,
    from: Suppressions<'_>,
) -> Result<(Scanner, Triage)> {
    let (config, config_path) = match from {
        Suppressions::Base(repo, base) if out.config.is_none() => {
            let text = match base {
                Some(b) => {
                    gitsource::base::file_at(repo, b, DEFAULT_FILE).map_err(anyhow::Error::msg)?
                }
                None => None,
            };
            let name = base.map_or_else(
                || PathBuf::from(DEFAULT_FILE),
                |b| PathBuf::from(format!("{}:{DEFAULT_FILE}", gitsource::base::short(b))),
            );
            (Config::parse(&name, text.as_deref().unwrap_or(""))?, name)
        }
        _ => load_config(out.config.as_deref(), config_root)?,
    };
    let mut triage = Triage::from_config(&config, &config_path)?;
    let mut rules = configured_rules(&config, &config_path)?;
    if let Some(g) = &out.gitleaks_config {
        let import = gitleaks::import(g, root).map_err(anyhow::Error::msg)?;
        for w in &import.warnings {
            eprintln!("leakhound: warning: {}", printable::escape(w));
        }
        if !out.quiet {
            eprintln!(
                "leakhound: imported {} rule(s) and {} allowlist(s) from {}",
                import.rules.len(),
                import.allowlists.len(),
                g.display()
            );
        }
        rules.extend(import.rules)?;
        triage.add_gitleaks_allowlists(import.allowlists);
    }
    match from {
        Suppressions::Tree => triage.load_ignore_files(root)?,
        Suppressions::Base(repo, base) => {
            triage.distrust_inline_allows();
            for name in leakhound::triage::IGNORE_FILES {
                let Some(b) = base else { break };
                if let Some(text) =
                    gitsource::base::file_at(repo, b, name).map_err(anyhow::Error::msg)?
                {
                    let display = PathBuf::from(format!("{}:{name}", gitsource::base::short(b)));
                    triage.add_ignore_text(name, &display, &text)?;
                }
            }
        }
    }
    if let Some(b) = &out.baseline {
        triage.load_baseline(b, root)?;
    }
    for w in &triage.warnings {
        eprintln!("leakhound: warning: {}", printable::escape(w));
    }
    Ok((Scanner::new(rules)?, triage))
}

/// The built-in rules with `config`'s rule settings (disable, override, extra) applied.
fn configured_rules(config: &Config, config_path: &Path) -> Result<RuleSet> {
    let mut rules = RuleSet::builtin().context("built-in rules are invalid (a leakhound bug)")?;
    config.apply_rules(&mut rules, config_path)?;
    Ok(rules)
}

fn report_options(out: &OutputArgs) -> ReportOptions {
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            out.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
                && std::env::var_os("CI").is_none()
        }
    };
    ReportOptions {
        format: out.format.into(),
        redact: !out.no_redact,
        color,
    }
}

fn run_scan(args: &ScanArgs) -> Result<ExitCode> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    // Before anything is read: a bad `-o` fails now, not after the scan and any revocation.
    let target = ReportTarget::check(args.output.output.as_deref())?;
    for p in &args.paths {
        if p.as_os_str() != "-" {
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
    }
    let out = &args.output;
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let live = live_options(&out.live, reads_stdin)?;
    let root = args
        .paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let (scanner, triage) = setup(out, &args.paths, &root, Suppressions::Tree)?;
    let req = ScanRequest {
        paths: args.paths.clone(),
        fs: FsOptions {
            no_ignore: args.no_ignore,
            follow: args.follow,
            follow_outside: args.follow_outside,
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
        },
        track_inline_allows: out.report_unused_ignores,
    };
    let progress = Progress::new(progress_draw(out, false), "scanning files");
    let outcome = pipeline::scan(&scanner, &triage, &req, &progress);
    progress.finish();
    report_and_exit(
        out,
        &target,
        &scanner,
        &triage,
        outcome,
        false,
        live.as_ref(),
    )
}

fn run_git(args: &GitArgs) -> Result<ExitCode> {
    interrupt::install().context("cannot install the Ctrl-C handler")?;
    let target = ReportTarget::check(args.output.output.as_deref())?;
    if args.output.report_unused_ignores && !args.output.quiet {
        eprintln!(
            "leakhound: note: unused inline allow markers are listed by `leakhound scan`; `git` lists unused ignore-file and baseline entries"
        );
    }
    let out = &args.output;
    let live = live_options(&out.live, false)?;
    let repo = gitsource::open(&args.repo)?;
    let root = repo
        .workdir()
        .map_or_else(|| repo.path().to_path_buf(), Path::to_path_buf);
    let mode = if args.staged {
        GitMode::Staged
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
        GitMode::Staged => Suppressions::Base(&repo, gitsource::base::head_commit(&repo)),
    };
    let (scanner, triage) = setup(out, std::slice::from_ref(&root), &root, from)?;
    let base_note = match from {
        Suppressions::Base(_, Some(base)) => Some(format!(
            "suppressions (.leakhound.yaml, .leakhoundignore, .gitleaksignore, inline allow comments) \
             come from the base commit {}, not from the changes under review (--trust-config uses \
             the working tree)",
            gitsource::base::short(base)
        )),
        Suppressions::Base(_, None) => Some(
            "no suppressions apply: there is no HEAD yet to take them from, and the changes under \
             review do not suppress themselves (--trust-config uses the working tree)"
                .to_string(),
        ),
        Suppressions::Tree => None,
    };
    let staged = mode == GitMode::Staged;
    let req = GitRequest {
        mode,
        opts: GitOptions {
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
        },
    };
    // A pre-commit run must be instant: no bar unless asked for.
    let progress = Progress::new(progress_draw(out, staged), "");
    let outcome = pipeline::git::scan_git(&scanner, &triage, &repo, &req, &progress);
    progress.finish();
    let mut outcome = outcome?;
    outcome.summary.notes.extend(base_note);
    report_and_exit(
        out,
        &target,
        &scanner,
        &triage,
        outcome,
        staged,
        live.as_ref(),
    )
}

/// Checks the live-verification options before anything is scanned: endpoints, and that a
/// revocation can be confirmed.
fn live_options(args: &LiveArgs, reads_stdin: bool) -> Result<Option<LiveOptions>> {
    if !args.any() {
        if args.dry_run || !args.provider_endpoint.is_empty() || args.audit_log.is_some() {
            bail!("--dry-run, --provider-endpoint and --audit-log apply only with --verify, --revoke or --revoke-hook");
        }
        return Ok(None);
    }
    let revoking = args.revoke || args.revoke_hook.is_some();
    if args.dry_run && !revoking {
        bail!("--dry-run applies to --revoke and --revoke-hook (verification only reads)");
    }
    if revoking && !args.dry_run && !args.yes {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        if ci || reads_stdin || !io::stdin().is_terminal() || !io::stderr().is_terminal() {
            bail!(
                "revocation asks before each credential, and this run cannot ask (no terminal{}): \
                 pass --yes to revoke without asking, or --dry-run to see what would be revoked",
                if ci { ", or CI is set" } else { "" }
            );
        }
    }
    let mut endpoints = std::collections::HashMap::new();
    for spec in &args.provider_endpoint {
        let Some((name, url)) = spec.split_once('=') else {
            bail!("--provider-endpoint {spec:?}: expected NAME=URL");
        };
        if providers::by_name(name).is_none() {
            bail!("--provider-endpoint {spec:?}: no provider named {name:?} (see `leakhound providers`)");
        }
        let (scheme, host) = providers::http::scheme_host(url)
            .map_err(|e| anyhow::anyhow!("--provider-endpoint {spec:?}: {e}"))?;
        match scheme.as_str() {
            "https" => {}
            "http" if providers::http::is_loopback(&host) => {}
            _ => bail!(
                "--provider-endpoint {spec:?}: only https URLs, or http to a loopback address"
            ),
        }
        eprintln!("leakhound: note: {name} credentials go to {url} (--provider-endpoint), not to {name}'s public API");
        endpoints.insert(name.to_string(), url.trim_end_matches('/').to_string());
    }
    Ok(Some(LiveOptions {
        verify: true,
        revoke: args.revoke,
        hook: args.revoke_hook.clone(),
        yes: args.yes,
        audit_log: args
            .audit_log
            .clone()
            .unwrap_or_else(providers::audit::default_path),
        hook_timeout: std::time::Duration::from_secs(args.hook_timeout.max(1)),
        settings: Settings {
            timeout: std::time::Duration::from_secs(args.verify_timeout.max(1)),
            dry_run: args.dry_run,
            endpoints,
            deadline: Some(
                std::time::Instant::now() + std::time::Duration::from_secs(args.live_deadline),
            ),
            ..Settings::default()
        },
    }))
}

/// Asks on the terminal; anything but y/yes is no.
fn ask(what: &str) -> bool {
    eprint!("leakhound: {what}? [y/N] ");
    let _ = io::stderr().flush();
    let mut line = String::new();
    if io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Verifies (and revokes) `outcome`'s findings; prints what was done.
fn run_live(outcome: &mut Outcome, rules: &RuleSet, live: &LiveOptions, quiet: bool) -> Result<()> {
    let s = providers::run::run(&mut outcome.findings, rules, live, &mut ask)
        .map_err(anyhow::Error::msg)?;
    for line in &s.lines {
        eprintln!("leakhound: {}", printable::escape(line));
    }
    if !quiet {
        let total: usize = s.verified.values().sum();
        let parts: Vec<String> = s.verified.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
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
        );
    }
    Ok(())
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

/// Writes the report and the summary; the exit status for `outcome`.
fn report_and_exit(
    out: &OutputArgs,
    target: &ReportTarget,
    scanner: &Scanner,
    triage: &Triage,
    mut outcome: Outcome,
    staged: bool,
    live: Option<&LiveOptions>,
) -> Result<ExitCode> {
    let min: Confidence = out.min_confidence.into();
    let before = outcome.findings.len();
    outcome.findings.retain(|f| f.confidence >= min);
    let below = before - outcome.findings.len();
    if below > 0 {
        outcome.summary.findings = outcome.findings.len();
        outcome.summary.notes.push(format!(
            "{below} finding(s) below --min-confidence {} not reported",
            min.as_str()
        ));
    }
    if let Some(live) = live {
        if !outcome.findings.is_empty() {
            run_live(&mut outcome, scanner.rules(), live, out.quiet)?;
        }
        // Ctrl-C during verification or the hook: what was done is reported, as for a scan.
        if interrupt::requested() {
            outcome.summary.interrupted = true;
        }
    }
    let opts = report_options(out);
    let mut w = target.open()?;
    report::write(
        &mut w,
        &outcome.findings,
        &outcome.summary,
        scanner.rules(),
        opts,
    )
    .context("cannot write the report")?;
    w.commit().context("cannot write the report")?;
    if !out.quiet {
        for note in &outcome.summary.notes {
            eprintln!("leakhound: note: {}", printable::escape(note));
        }
        for line in report::summary_lines(&outcome.summary, out.verbose) {
            eprintln!("{line}");
        }
    }
    if out.report_unused_ignores {
        let mut unused = triage.unused();
        unused.extend(outcome.summary.unused_inline_allows.iter().cloned());
        for u in &unused {
            eprintln!("leakhound: unused ignore: {}", printable::escape(u));
        }
        if unused.is_empty() {
            eprintln!(
                "leakhound: every ignore-file, baseline and inline allow entry matched a finding"
            );
        }
    }
    if staged && !outcome.findings.is_empty() {
        eprintln!(
            "leakhound: commit blocked: the staged changes add {} credential(s).\n  \
             To fix: remove the secret from the file, `git add` it again, and rotate the credential at its provider \
             (it may already be in your shell history or editor backups).\n  \
             A false positive? Add `leakhound:allow` in a comment on its line, or add its fingerprint to .leakhoundignore{}.\n  \
             `git commit --no-verify` skips this check (not recommended).",
            outcome.findings.len(),
            if triage.honours_inline_allows() {
                ""
            } else {
                " (without --trust-config, which the installed hook passes, `git --staged` takes \
                 suppressions from HEAD: commit the .leakhoundignore entry first)"
            }
        );
    }
    if outcome.summary.files_scanned == 0
        && !outcome.summary.skips.is_empty()
        && outcome.findings.is_empty()
    {
        bail!("nothing could be scanned: every input was skipped (see above)");
    }
    if outcome.summary.interrupted {
        return Ok(ExitCode::from(interrupt::EXIT_STATUS));
    }
    Ok(if outcome.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(out.exit_code)
    })
}

fn run_explain(args: &ExplainArgs) -> Result<ExitCode> {
    let (config, config_path) = load_config(args.config.as_deref(), &[PathBuf::from(".")])?;
    let mut rules = configured_rules(&config, &config_path)?;
    // A scan keeps disabled rules and counts their findings as suppressed; explain just leaves
    // them out.
    rules.disable(&config.disabled_rules());
    let scanner = Scanner::new(rules)?;
    let stdin = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin[..]
    } else {
        &args.files[..]
    };
    let mut out = BufWriter::new(io::stdout().lock());
    for f in files {
        let name = f.display().to_string();
        let stdin = f.as_os_str() == "-";
        let mut bytes = Vec::new();
        let input: Box<dyn Read> = if stdin {
            Box::new(io::stdin().lock())
        } else {
            Box::new(File::open(f).with_context(|| format!("{name}: cannot read"))?)
        };
        input
            .take(args.max_file_size + 1)
            .read_to_end(&mut bytes)
            .with_context(|| {
                let what = if stdin { "standard input" } else { &name };
                format!("{what}: cannot read")
            })?;
        if bytes.len() as u64 > args.max_file_size {
            bail!(
                "{name}: larger than --max-file-size ({} bytes); not explained",
                args.max_file_size
            );
        }
        let opts = leakhound::explain::Options {
            redacted: !args.no_redact,
            all: args.all,
        };
        let emitted =
            leakhound::explain::explain(&scanner, &name, &bytes, opts, |e| match args.format {
                ExplainFormat::Text => leakhound::explain::write_text(&mut out, e),
                ExplainFormat::Jsonl => {
                    serde_json::to_writer(&mut out, e)?;
                    writeln!(out)
                }
            })?;
        if emitted == 0 && args.format == ExplainFormat::Text {
            writeln!(
                out,
                "{}: no rule's keyword occurs",
                printable::escape(&name)
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_rules(args: &RulesArgs) -> Result<ExitCode> {
    match &args.command {
        None => list_rules(args.format),
        Some(RulesCommand::List { format }) => list_rules(*format),
        Some(RulesCommand::Check { files }) => check_rules(files),
    }
}

fn list_rules(format: RulesFormat) -> Result<ExitCode> {
    let rules = RuleSet::builtin()?;
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id.0, "name": r.name, "keywords": r.keywords, "confidence": r.confidence,
                        "entropy": r.entropy, "check": r.check, "provider": r.provider, "references": r.references,
                        "source": r.source,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Text => {
            let w = rules
                .rules()
                .iter()
                .map(|r| r.id.0.len())
                .max()
                .unwrap_or(0);
            for r in rules.rules() {
                writeln!(
                    out,
                    "{:w$}  {:6}  {}",
                    r.id.0,
                    r.confidence.as_str(),
                    r.name
                )?;
            }
            writeln!(out, "{} rules", rules.len())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn list_providers(format: RulesFormat) -> Result<ExitCode> {
    let rules = RuleSet::builtin()?;
    let rules_of = |name: &str| -> Vec<String> {
        rules
            .rules()
            .iter()
            .filter(|r| r.provider.as_deref() == Some(name))
            .map(|r| r.id.0.clone())
            .collect()
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = providers::all()
                .iter()
                .map(|p| {
                    let i = p.info();
                    serde_json::json!({
                        "name": i.name, "rules": rules_of(i.name), "verify": true,
                        "revoke": i.revoke, "docs": i.docs, "hosts": i.hosts,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Text => {
            for p in providers::all() {
                let i = p.info();
                writeln!(
                    out,
                    "{:16} verify{}  {:3} rule(s)  {}",
                    i.name,
                    if i.revoke { " revoke" } else { "       " },
                    rules_of(i.name).len(),
                    i.docs
                )?;
            }
            let revoke = providers::all().iter().filter(|p| p.info().revoke).count();
            writeln!(
                out,
                "{} providers verify, {revoke} revoke",
                providers::all().len()
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn check_rules(files: &[PathBuf]) -> Result<ExitCode> {
    let mut rules = RuleSet::builtin()?;
    let mut sources = Vec::new();
    for f in files {
        let text = leakhound::control_file::read(f, Path::new("."), "rule file")?;
        let name = f.display().to_string();
        rules.load_file(&name, &text)?;
        sources.push(name);
    }
    rules.compile_all()?;
    let n = rules.len();
    let scanner = Scanner::new(rules)?;
    let failures: Vec<_> = check::check_all(&scanner)
        .into_iter()
        .filter(|f| sources.is_empty() || sources.contains(&f.source))
        .collect();
    for f in &failures {
        eprintln!("{f}");
    }
    if failures.is_empty() {
        eprintln!("leakhound: all {n} rules pass their examples");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("leakhound: {} problem(s)", failures.len());
        Ok(ExitCode::from(1))
    }
}
