//! The commands that list, check and explain rather than scan: `rules`, `rules check`,
//! `providers`, `explain`, `install-hook`. Listings go to `out`; messages to the [`Ui`].

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::setup::config_here;
use super::{Ui, CLEAN};
use crate::cli::{ExplainArgs, ExplainFormat, InstallHookArgs, RulesFormat};
use crate::hook::{self, Installed};
use crate::printable;
use crate::providers;
use crate::rules::RuleSet;
use crate::scan::examples as check;
use crate::scan::Scanner;

/// `leakhound completions SHELL`: the completion script for `cmd`.
///
/// Rendered in memory first: `clap_complete` panics on a failed write, and a reader that
/// closes the pipe early (`| head`) must end the command quietly, not with a panic.
///
/// # Errors
/// Only from writing `out`.
pub fn completions(
    shell: clap_complete::Shell,
    mut cmd: clap::Command,
    out: &mut dyn Write,
) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "leakhound", &mut script);
    out.write_all(&script)?;
    out.flush()?;
    Ok(CLEAN)
}

/// `leakhound man [COMMAND...]`: the roff man page of `cmd` followed by one page per
/// subcommand, depth first (`leakhound-rules-check(1)`); with `path`, only that subcommand's.
/// Hidden subcommands and clap's `help` get no page.
///
/// # Errors
/// An unknown subcommand in `path`; writing `out`.
pub fn man(cmd: clap::Command, path: &[String], out: &mut dyn Write) -> Result<u8> {
    fn pages(cmd: &clap::Command, all: &mut Vec<clap::Command>) {
        all.push(cmd.clone());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub, all);
        }
    }
    // Built once, so every subcommand's display name is its full name (`leakhound-scan`).
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut target = &cmd;
    for name in path {
        target = target.find_subcommand(name).with_context(|| {
            format!(
                "no subcommand {:?} (try `leakhound man` for every page)",
                path.join(" ")
            )
        })?;
    }
    let mut all = Vec::new();
    if path.is_empty() {
        pages(target, &mut all);
    } else {
        all.push(target.clone());
    }
    for page in all {
        clap_mangen::Man::new(page).render(out)?;
    }
    out.flush()?;
    Ok(CLEAN)
}

/// `leakhound rules [list]`: the built-in rules.
///
/// # Errors
/// Only from writing `out` (or built-in rules that do not load, a leakhound bug).
pub fn list_rules(format: RulesFormat, out: &mut dyn Write) -> Result<u8> {
    let rules = RuleSet::builtin()?;
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
            serde_json::to_writer_pretty(&mut *out, &list)?;
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
    Ok(CLEAN)
}

/// `leakhound providers`: who can verify and revoke, and through which rules. With a
/// configuration (`config`, else the one found from the current directory, unless `no_config`),
/// its `verifiers:` are listed too, as kind `user`, with the rules (built-in or extra) naming
/// them.
///
/// # Errors
/// An invalid configuration (naming the file and field), or writing `out`.
pub fn list_providers(
    format: RulesFormat,
    config: Option<&Path>,
    no_config: bool,
    out: &mut dyn Write,
) -> Result<u8> {
    let rules = if no_config {
        RuleSet::builtin()?
    } else {
        config_here(config)?.1
    };
    let rules_of = |name: &str| -> Vec<String> {
        rules
            .rules()
            .iter()
            .filter(|r| r.provider.as_deref() == Some(name))
            .map(|r| r.id.0.clone())
            .collect()
    };
    // Built-in first (sorted by name), then the configuration's in the order written.
    let user = if no_config {
        Vec::new()
    } else {
        providers::user_verifiers()
    };
    let listed: Vec<&dyn providers::Provider> = providers::all()
        .iter()
        .copied()
        .chain(user.iter().copied())
        .collect();
    match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = listed
                .iter()
                .map(|p| {
                    let i = p.info();
                    serde_json::json!({
                        "name": i.name, "kind": p.kind(), "rules": rules_of(i.name),
                        "verify": true, "revoke": i.revoke, "docs": i.docs, "hosts": i.hosts,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Text => {
            for p in &listed {
                let i = p.info();
                writeln!(
                    out,
                    "{:16} verify{}  {:3} rule(s)  {:11}  {}",
                    i.name,
                    if i.revoke { " revoke" } else { "       " },
                    rules_of(i.name).len(),
                    p.kind(),
                    i.docs
                )?;
            }
            let revoke = listed.iter().filter(|p| p.info().revoke).count();
            let declarative = listed.iter().filter(|p| p.kind() == "declarative").count();
            let mut summary = format!(
                "{} providers verify ({declarative} of them declarative, from verifiers/*.yml",
                listed.len()
            );
            if !user.is_empty() {
                summary.push_str(&format!(
                    "; {} from the configuration's verifiers:",
                    user.len()
                ));
            }
            writeln!(out, "{summary}), {revoke} revoke")?;
        }
    }
    out.flush()?;
    Ok(CLEAN)
}

/// `leakhound rules check [FILE...]`: every rule's examples (the built-in rules and `files`'),
/// problems reported to `ui`; status 1 when there is one.
///
/// # Errors
/// A rule file that cannot be read or parsed.
pub fn check_rules(files: &[PathBuf], ui: &mut dyn Ui) -> Result<u8> {
    let mut rules = RuleSet::builtin()?;
    let mut sources = Vec::new();
    for f in files {
        let text = crate::control_file::read(f, Path::new("."), "rule file")?;
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
        ui.say(&f.to_string());
    }
    if failures.is_empty() {
        ui.say(&format!("leakhound: all {n} rules pass their examples"));
        Ok(CLEAN)
    } else {
        ui.say(&format!("leakhound: {} problem(s)", failures.len()));
        Ok(1)
    }
}

/// `leakhound explain [FILE...]`: every candidate in each file and why it is or is not
/// reported, written to `out`; `stdin` is read for `-` (and when no file is named).
///
/// # Errors
/// A file that cannot be read or is over `--max-file-size`; configuration errors.
pub fn explain(args: &ExplainArgs, stdin: &mut dyn Read, out: &mut dyn Write) -> Result<u8> {
    let (config, mut rules) = config_here(args.config.as_deref())?;
    // A scan keeps disabled rules and counts their findings as suppressed; explain just leaves
    // them out.
    rules.disable(&config.disabled_rules());
    let scanner = Scanner::new(rules)?;
    let dash = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &dash[..]
    } else {
        &args.files[..]
    };
    for f in files {
        let name = f.display().to_string();
        let is_stdin = f.as_os_str() == "-";
        let mut bytes = Vec::new();
        let limit = args.max_file_size + 1;
        let read = if is_stdin {
            stdin.take(limit).read_to_end(&mut bytes)
        } else {
            File::open(f)
                .with_context(|| format!("{name}: cannot read"))?
                .take(limit)
                .read_to_end(&mut bytes)
        };
        read.with_context(|| {
            let what = if is_stdin { "standard input" } else { &name };
            format!("{what}: cannot read")
        })?;
        if bytes.len() as u64 > args.max_file_size {
            bail!(
                "{name}: larger than --max-file-size ({} bytes); not explained",
                args.max_file_size
            );
        }
        let opts = crate::explain::Options {
            redacted: !args.no_redact,
            all: args.all,
        };
        let emitted =
            crate::explain::explain(&scanner, &name, &bytes, opts, |e| match args.format {
                ExplainFormat::Text => crate::explain::write_text(out, e),
                ExplainFormat::Jsonl => {
                    serde_json::to_writer(&mut *out, e)?;
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
    Ok(CLEAN)
}

/// `leakhound install-hook`: writes the pre-commit hook running `exe`.
///
/// # Errors
/// When the hook cannot be written (see [`hook::install`]).
pub fn install_hook(args: &InstallHookArgs, exe: &Path, ui: &mut dyn Ui) -> Result<u8> {
    match hook::install(&args.repo, exe, args.force)? {
        Installed::Written(p) => ui.say(&format!(
            "leakhound: installed the pre-commit hook at {}",
            p.display()
        )),
        Installed::Chained { hook, previous } => ui.say(&format!(
            "leakhound: installed the pre-commit hook at {}; the existing hook moved to {} and runs first",
            hook.display(),
            previous.display()
        )),
        Installed::AlreadyInstalled(p) => ui.say(&format!(
            "leakhound: the pre-commit hook is already installed at {} (--force rewrites it)",
            p.display()
        )),
    }
    Ok(CLEAN)
}
