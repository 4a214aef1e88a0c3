//! The `leakhound` command: parses arguments, calls the library, prints the report and the
//! summary, and maps the outcome to an exit status (0 clean, `--exit-code` on findings, 2 on
//! error). The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use leakhound::cli::{
    Cli, ColorArg, Command, GitArgs, OutputArgs, RulesArgs, RulesCommand, RulesFormat, ScanArgs,
};
use leakhound::config::{Config, DEFAULT_FILE};
use leakhound::pipeline::git::{GitMode, GitRequest};
use leakhound::pipeline::{self, Outcome, ScanRequest};
use leakhound::progress::{self, Progress};
use leakhound::report::{self, ReportOptions};
use leakhound::rules::{check, load, RuleSet};
use leakhound::scan::Scanner;
use leakhound::source::fs::FsOptions;
use leakhound::source::git::{self as gitsource, enumerate::Selection, range, GitOptions};
use leakhound::triage::Triage;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Git(args) => run_git(&args),
        Command::Rules(args) => run_rules(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("leakhound: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The configuration to use: `--config`/`LEAKHOUND_CONFIG`, else `.leakhound.yaml` in the first
/// scanned directory (or the current one) if present.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<(Config, PathBuf)> {
    if let Some(p) = explicit {
        return Ok((Config::load(p)?, p.to_path_buf()));
    }
    let dir = paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let candidate = dir.join(DEFAULT_FILE);
    if candidate.is_file() {
        return Ok((Config::load(&candidate)?, candidate));
    }
    Ok((Config::default(), candidate))
}

fn build_scanner(config: &Config, config_path: &Path) -> Result<Scanner> {
    let mut rules = RuleSet::builtin().context("built-in rules are invalid (a leakhound bug)")?;
    config.apply_rules(&mut rules, config_path)?;
    Ok(Scanner::new(rules)?)
}

fn open_output(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).with_context(|| {
                format!("{}: cannot create report file", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

fn report_options(out: &OutputArgs) -> ReportOptions {
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            out.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    ReportOptions {
        format: out.format.into(),
        redact: !out.no_redact,
        color,
    }
}

fn run_scan(args: &ScanArgs) -> Result<ExitCode> {
    for p in &args.paths {
        if p.as_os_str() != "-" {
            std::fs::symlink_metadata(p)
                .with_context(|| format!("{}: cannot scan", p.display()))?;
        }
    }
    let out = &args.output;
    let (config, config_path) = load_config(out.config.as_deref(), &args.paths)?;
    let triage = Triage::from_config(&config, &config_path)?;
    let scanner = build_scanner(&config, &config_path)?;
    let req = ScanRequest {
        paths: args.paths.clone(),
        fs: FsOptions {
            no_ignore: args.no_ignore,
            follow: args.follow,
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
        },
    };
    let progress = if !out.no_progress && !out.quiet && progress::wanted() {
        Progress::shown("files")
    } else {
        Progress::hidden()
    };
    let outcome = pipeline::scan(&scanner, &triage, &req, &progress);
    progress.finish();
    report_and_exit(out, &scanner, &outcome)
}

fn run_git(args: &GitArgs) -> Result<ExitCode> {
    let out = &args.output;
    let repo = gitsource::open(&args.repo)?;
    let root = repo
        .workdir()
        .map_or_else(|| repo.path().to_path_buf(), Path::to_path_buf);
    let (config, config_path) = load_config(out.config.as_deref(), &[root])?;
    let triage = Triage::from_config(&config, &config_path)?;
    let scanner = build_scanner(&config, &config_path)?;
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
    let staged = mode == GitMode::Staged;
    let req = GitRequest {
        mode,
        opts: GitOptions {
            max_file_size: args.max_file_size,
            scan_binary: args.scan_binary,
            threads: out.threads,
        },
    };
    let progress = if !staged && !out.no_progress && !out.quiet && progress::wanted() {
        Progress::shown("blobs")
    } else {
        Progress::hidden()
    };
    let outcome = pipeline::git::scan_git(&scanner, &triage, &repo, &req, &progress);
    progress.finish();
    report_and_exit(out, &scanner, &outcome?)
}

/// Writes the report and the summary; the exit status for `outcome`.
fn report_and_exit(out: &OutputArgs, scanner: &Scanner, outcome: &Outcome) -> Result<ExitCode> {
    let opts = report_options(out);
    let mut w = open_output(out.output.as_deref())?;
    report::write(
        &mut *w,
        &outcome.findings,
        &outcome.summary,
        scanner.rules(),
        opts,
    )
    .context("cannot write the report")?;
    w.flush().context("cannot write the report")?;
    drop(w);
    if !out.quiet {
        for note in &outcome.summary.notes {
            eprintln!("leakhound: note: {note}");
        }
        for line in report::summary_lines(&outcome.summary, out.verbose) {
            eprintln!("{line}");
        }
    }
    if outcome.summary.files_scanned == 0
        && !outcome.summary.skips.is_empty()
        && outcome.findings.is_empty()
    {
        bail!("nothing could be scanned: every input was skipped (see above)");
    }
    Ok(if outcome.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(out.exit_code)
    })
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

fn check_rules(files: &[PathBuf]) -> Result<ExitCode> {
    let mut rules = RuleSet::builtin()?;
    let mut sources = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("{}: cannot read rule file", f.display()))?;
        let name = f.display().to_string();
        rules.extend(load::parse_rules(&name, &text)?)?;
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
