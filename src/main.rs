//! The `leakhound` command: parses arguments, calls the library's entry point for the command
//! ([`leakhound::run`]), and maps its outcome to an exit status (0 clean, `--exit-code` on
//! findings, 2 on error). The only place that touches the terminal.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use leakhound::cli::{Cli, Command, RulesCommand};
use leakhound::printable;
use leakhound::run::{self, info, Ui};

/// The terminal: messages on standard error, questions answered on standard input.
struct Terminal;

impl Ui for Terminal {
    /// A closed standard error is ignored: `eprintln!` would panic on it.
    fn say(&mut self, line: &str) {
        let _ = writeln!(io::stderr().lock(), "{line}");
    }

    /// Asks on the terminal; anything but y/yes is no.
    fn confirm(&mut self, question: &str) -> bool {
        let mut err = io::stderr().lock();
        let _ = write!(err, "leakhound: {question}? [y/N] ");
        let _ = err.flush();
        drop(err);
        let mut line = String::new();
        if io::stdin().read_line(&mut line).is_err() {
            return false;
        }
        matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }

    fn stdout_is_terminal(&self) -> bool {
        io::stdout().is_terminal()
    }

    fn can_ask(&self) -> bool {
        io::stdin().is_terminal() && io::stderr().is_terminal()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = &mut Terminal;
    // Locked only by the commands that list to it: a scan's report opens it itself.
    let stdout = || BufWriter::new(io::stdout().lock());
    let result: Result<u8> = match cli.command {
        Command::Scan(args) => run::scan::scan(&args, ui),
        Command::Git(args) => run::git::git(&args, ui),
        Command::Github(args) => run::audit::audit(&args, run::audit::Forge::GitHub, ui),
        Command::Gitlab(args) => run::audit::audit(&args, run::audit::Forge::GitLab, ui),
        Command::Image(args) => run::image::image(&args, ui),
        Command::Report(args) => run::reports::report(&args, ui),
        Command::Rules(args) => match args.command {
            None => info::list_rules(args.format, &mut stdout()),
            Some(RulesCommand::List { format }) => info::list_rules(format, &mut stdout()),
            Some(RulesCommand::Check { files }) => info::check_rules(&files, ui),
        },
        Command::Explain(args) => info::explain(&args, &mut io::stdin().lock(), &mut stdout()),
        Command::InstallHook(args) => std::env::current_exe()
            .context("cannot find the leakhound binary's path")
            .and_then(|exe| info::install_hook(&args, &exe, ui)),
        Command::Init(args) => run::init::init(&args, ui),
        Command::Providers {
            format,
            config,
            no_config,
        } => info::list_providers(format, config.as_deref(), no_config, &mut stdout()),
        Command::Completions { shell } => info::completions(
            shell,
            <Cli as clap::CommandFactory>::command(),
            &mut stdout(),
        ),
        Command::Man { command } => info::man(
            <Cli as clap::CommandFactory>::command(),
            &command,
            &mut stdout(),
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // `leakhound rules | head`, `leakhound scan . | head`: the reader has all it wanted and
        // closed the pipe. Like ripgrep and gitleaks, end quietly with status 0: the reader
        // chose to stop reading, and a pipeline under `set -o pipefail` must not fail for it.
        // (A scan that must gate CI writes its report with `-o`, where a failed write is an
        // error like any other.)
        Err(e) if run::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                io::stderr().lock(),
                "leakhound: error: {}",
                printable::escape_keeping_newlines(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}
