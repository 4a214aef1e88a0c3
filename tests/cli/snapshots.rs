//! Snapshot tests (insta) of everything the reports print: every format (`text`, `json`,
//! `jsonl`, `sarif`, `csv`, `junit`, `gitleaks`; `html` is checked in a browser instead, see
//! `tests/browser/`) of `scan` on `fixtures/scan` and of `git` on a small history built here,
//! with the exit code and the stderr summary, and `explain` on one fixture. They pin the output
//! byte for byte so that a refactor of the reporting or pipeline layers shows it changed nothing
//! (or exactly what it changed).
//!
//! Only what differs between two runs of the same binary is normalised (see [`normalise`]).
//! Snapshots hold redacted output only ([`assert_redacted`]). With `CI` set a mismatch fails and
//! nothing is written; elsewhere a mismatch also fails and leaves a `.snap.new` beside the
//! snapshot: review it with `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read
//! the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use regex::Regex;

use crate::common::{command, github_token, planted_secrets, root, scan_fixtures, tempdir, Run};

/// A path that does not exist, inside the repository: `HOME`, `XDG_CONFIG_HOME` and the global
/// and system git config files for every process these tests start, so that no user or system
/// git config (a global gitignore, `core.excludesFile`) changes what is scanned or committed.
fn no_home() -> PathBuf {
    let p = root().join("tests/cli/snapshots/no-such-home");
    assert!(!p.exists(), "{} must not exist", p.display());
    p
}

/// Runs leakhound in `dir` with an empty environment but for [`no_home`] and `NO_COLOR`: nothing
/// from the caller's (`CI`, `LEAKHOUND_CONFIG`, `GIT_DIR`, …) can change the output.
///
/// One read outside the repository remains: libgit2, which `leakhound git` opens repositories
/// with, reads `/etc/gitconfig` whatever the environment says.
fn leakhound(dir: &Path, args: &[&str]) -> Run {
    let home = no_home();
    let out = command(dir, args)
        .env_clear()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env("GIT_CONFIG_GLOBAL", &home)
        .env("GIT_CONFIG_SYSTEM", &home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Replaces what legitimately differs between two runs, and nothing else:
/// - the scan's duration: `in 0.01s` in the text summary, `"duration": 0.006` in the JSON one,
///   `time="0.006"` in JUnit;
/// - the tool version (`"version"` in JSON, `"semanticVersion"` in SARIF), so that a release is
///   not a report change;
/// - `temp`, where a history test built its repository, should it appear;
/// - the checkout's own path, which SARIF names as `%SRCROOT%`.
///
/// Nothing is sorted: every format's order is the tool's own.
fn normalise(text: &str, temp: Option<&Path>) -> String {
    static SUMMARY_DURATION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^(leakhound: \d+ findings? · scanned .* rules in )\d+\.\d\ds$").unwrap()
    });
    static JSON_DURATION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""duration": ?\d+(\.\d+)?([eE][+-]?\d+)?"#).unwrap());
    static JUNIT_TIME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#" time="\d+\.\d+""#).unwrap());
    let version = env!("CARGO_PKG_VERSION");
    let text = JUNIT_TIME.replace_all(text, r#" time="[DURATION]""#);
    let mut out = SUMMARY_DURATION
        .replace_all(&text, "${1}[DURATION]s")
        .into_owned();
    out = JSON_DURATION
        .replace_all(&out, r#""duration": [DURATION]"#)
        .into_owned();
    for key in ["version", "semanticVersion"] {
        for sep in [": ", ":"] {
            out = out.replace(
                &format!(r#""{key}"{sep}"{version}""#),
                &format!(r#""{key}"{sep}"[VERSION]""#),
            );
        }
    }
    // The checkout's own path (SARIF's `%SRCROOT%` for scans run from it) differs per clone.
    let checkout = root().canonicalize().unwrap();
    for p in [checkout.as_path(), root().as_path()] {
        out = out.replace(p.to_str().unwrap(), "[CHECKOUT]");
    }
    if let Some(temp) = temp {
        let canonical = temp.canonicalize().unwrap();
        for p in [canonical.as_path(), temp] {
            out = out.replace(p.to_str().unwrap(), "[TEMP]");
        }
    }
    out
}

/// Fails if any 12 consecutive characters of one of `secrets` appear in `text`: snapshots must
/// hold redacted output only (redaction keeps a prefix of at most 8 characters).
fn assert_redacted(text: &str, secrets: &[String]) {
    for s in secrets {
        let chars: Vec<char> = s.chars().collect();
        assert!(
            chars.len() >= 12,
            "{} characters: too short to check",
            chars.len()
        );
        for window in chars.windows(12) {
            let piece: String = window.iter().collect();
            assert!(
                !text.contains(&piece),
                "part of a secret appears unredacted in the output:\n{text}"
            );
        }
    }
}

/// What one run printed, as one snapshot: the exit code, stderr, then stdout, each normalised.
/// CSV records end in CRLF (RFC 4180): `csv_lf` turns them into LF first, which insta needs.
///
/// insta compares snapshots with trailing whitespace trimmed and CRLF read as LF, so those are
/// checked here instead: each stream is empty or ends in exactly one newline, and holds no
/// carriage return.
fn record(r: &Run, temp: Option<&Path>) -> String {
    for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        assert!(
            text.is_empty() || (text.ends_with('\n') && !text.ends_with("\n\n")),
            "{name} does not end in exactly one newline: {text:?}"
        );
        assert!(!text.contains('\r'), "{name} holds a carriage return");
    }
    format!(
        "exit code: {}\n--- stderr\n{}--- stdout\n{}",
        r.code,
        normalise(&r.stderr, temp),
        normalise(&r.stdout, temp)
    )
}

/// `r` with CSV's CRLF record ends (RFC 4180) turned into LF, checking that every record ends
/// so; other formats unchanged.
fn csv_lf(format: &str, mut r: Run) -> Run {
    if format == "csv" {
        assert!(!r.stdout.replace("\r\n", "").contains('\r'));
        assert!(r.stdout.ends_with("\r\n"));
        r.stdout = r.stdout.replace("\r\n", "\n");
    }
    r
}

/// Asserts `value` against `tests/cli/snapshots/{name}.snap`, described by `command`.
fn snapshot(name: &str, command: &str, value: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(command);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, value));
}

// --- `leakhound scan fixtures/scan` -------------------------------------------------------------

/// `scan fixtures/scan -f FORMAT`, run from the repository root. The scanned directory holds no
/// `.leakhound.yaml`, so the built-in defaults apply (the repository's own config is not read).
fn scan_snapshot(format: &str) {
    let args = ["scan", "fixtures/scan", "-f", format, "--no-progress"];
    let r = csv_lf(format, leakhound(&root(), &args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let value = record(&r, None);
    assert_redacted(&value, &planted_secrets());
    snapshot(
        &format!("scan_{format}"),
        &format!("leakhound {}", args.join(" ")),
        &value,
    );
}

#[test]
fn scan_text() {
    scan_snapshot("text");
}

#[test]
fn scan_json() {
    scan_snapshot("json");
}

#[test]
fn scan_jsonl() {
    scan_snapshot("jsonl");
}

#[test]
fn scan_sarif() {
    scan_snapshot("sarif");
}

#[test]
fn scan_csv() {
    scan_snapshot("csv");
}

#[test]
fn scan_junit() {
    scan_snapshot("junit");
}

#[test]
fn scan_gitleaks() {
    scan_snapshot("gitleaks");
}

// --- `leakhound git` on a history built here -----------------------------------------------------

/// 2024-01-01T00:00:00Z; commit `n` is dated `n` days later.
const EPOCH: u64 = 1_704_067_200;

/// A three-commit repository in a temp dir, the same commit ids on every run: fixed names,
/// emails and dates, and no user or system git config.
///
/// 1. `initial commit`: a README.
/// 2. `add deploy configuration`: `deploy.env` with a GitHub token, and `settings.yaml` with
///    the AWS key id of `fixtures/scan/leaks.env`.
/// 3. `rotate the leaked token …` (a second GitHub token in the commit message): the token in
///    `deploy.env` is replaced by a reference; `settings.yaml` is still at HEAD.
struct History {
    temp: tempfile::TempDir,
    dir: PathBuf,
    /// Every secret committed, to check that no report shows one in full.
    secrets: Vec<String>,
}

impl History {
    fn new() -> Self {
        let temp = tempdir();
        let dir = temp.path().join("repo");
        std::fs::create_dir(&dir).unwrap();
        let removed = github_token(1401);
        let in_message = github_token(1402);
        let aws_key_id = planted_secrets()
            .into_iter()
            .find(|s| s.starts_with("AKIA"))
            .expect("fixtures/scan/leaks.env holds an AWS key id");
        let h = History {
            temp,
            dir,
            secrets: vec![removed.clone(), in_message.clone(), aws_key_id.clone()],
        };
        h.git(0, &["init", "-q", "--template="]);
        h.write("README.md", "# demo service\n");
        h.commit(1, &["initial commit"]);
        h.write(
            "deploy.env",
            &format!("REGION=eu-west-1\nGITHUB_TOKEN={removed}\n"),
        );
        h.write(
            "settings.yaml",
            &format!("aws:\n  access_key_id: {aws_key_id}\n"),
        );
        h.commit(2, &["add deploy configuration"]);
        h.write(
            "deploy.env",
            "REGION=eu-west-1\nGITHUB_TOKEN=${GITHUB_TOKEN}\n",
        );
        h.commit(
            3,
            &[
                &format!("rotate the leaked token {in_message}"),
                "The deploy token now comes from the vault.",
            ],
        );
        h
    }

    fn write(&self, path: &str, content: &str) {
        std::fs::write(self.dir.join(path), content).unwrap();
    }

    /// Stages everything and commits with `paragraphs` as the message, dated day `day`.
    fn commit(&self, day: u64, paragraphs: &[&str]) {
        self.git(day, &["add", "-A"]);
        let mut args = vec!["commit", "-q"];
        for p in paragraphs {
            args.extend(["-m", p]);
        }
        self.git(day, &args);
    }

    /// `git` in the repository, as "Ada Lovelace" on day `day`, with no user or system config or
    /// attributes (a system `eol` or filter setting would change the blobs, and so the ids).
    fn git(&self, day: u64, args: &[&str]) {
        let date = format!("{} +0000", EPOCH + day * 86_400);
        let home = no_home();
        let out = Command::new("git")
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(["-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(&self.dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env("GIT_CONFIG_GLOBAL", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_ATTR_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .stdin(Stdio::null())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `git -f FORMAT` (all refs, the default), run inside the repository.
fn git_snapshot(format: &str) {
    let h = History::new();
    let args = ["git", "-f", format, "--no-progress"];
    let r = csv_lf(format, leakhound(&h.dir, &args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let value = record(&r, Some(h.temp.path()));
    assert_redacted(&value, &h.secrets);
    snapshot(
        &format!("git_{format}"),
        &format!(
            "leakhound {} (in a three-commit repository built by History::new)",
            args.join(" ")
        ),
        &value,
    );
}

#[test]
fn git_text() {
    git_snapshot("text");
}

#[test]
fn git_json() {
    git_snapshot("json");
}

#[test]
fn git_jsonl() {
    git_snapshot("jsonl");
}

#[test]
fn git_sarif() {
    git_snapshot("sarif");
}

#[test]
fn git_csv() {
    git_snapshot("csv");
}

#[test]
fn git_junit() {
    git_snapshot("junit");
}

#[test]
fn git_gitleaks() {
    git_snapshot("gitleaks");
}

// --- `leakhound explain` on one fixture ----------------------------------------------------------

/// `explain -f FORMAT leaks.env`, run in `fixtures/scan` (which holds no `.leakhound.yaml`, so
/// the built-in rules apply unchanged).
fn explain_snapshot(format: &str) {
    let args = ["explain", "-f", format, "leaks.env"];
    let r = leakhound(&scan_fixtures(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let value = record(&r, None);
    assert_redacted(&value, &planted_secrets());
    snapshot(
        &format!("explain_{format}"),
        &format!("leakhound {} (in fixtures/scan)", args.join(" ")),
        &value,
    );
}

#[test]
fn explain_text() {
    explain_snapshot("text");
}

#[test]
fn explain_jsonl() {
    explain_snapshot("jsonl");
}
