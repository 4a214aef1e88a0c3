//! The library's entry points (`leakhound::run`) called in-process, as `main.rs` calls them:
//! a command's outcome, messages and exit status are testable without spawning the binary.

use clap::Parser;
use leakhound::cli::{Cli, Command};
use leakhound::run::{self, Recorder};

use crate::common::*;

#[test]
fn scan_entry_point_reports_to_the_file_and_says_the_summary_to_the_ui() {
    let d = tempdir();
    std::fs::write(d.path().join("a.env"), format!("GH={}\n", github_token(71))).unwrap();
    let report = d.path().join("report.json");
    let cli = Cli::try_parse_from([
        "leakhound",
        "scan",
        d.path().to_str().unwrap(),
        "-c",
        "/dev/null",
        "-f",
        "json",
        "-o",
        report.to_str().unwrap(),
        "--no-progress",
    ])
    .unwrap();
    let Command::Scan(args) = cli.command else {
        panic!("not a scan");
    };
    let mut ui = Recorder::default();
    let status = run::scan::scan(&args, &mut ui).unwrap();
    assert_eq!(status, 1);
    assert!(
        ui.lines
            .iter()
            .any(|l| l.starts_with("leakhound: 1 finding ·")),
        "{:?}",
        ui.lines
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["findings"][0]["rule"], "github-pat-classic");
    // The secret is redacted in the report and in every message.
    let token = github_token(71);
    assert!(!std::fs::read_to_string(&report).unwrap().contains(&token));
    assert!(ui.lines.iter().all(|l| !l.contains(&token)));
}
