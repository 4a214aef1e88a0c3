//! Hostile repositories (issue 13): what a repository written by a stranger commits must not
//! make leakhound read, print, overwrite or silence what it should not. Each test is named after
//! the attack and builds its repository in a temp dir; a file "outside the repository" is a
//! sibling of it in the same temp dir, never a real file of the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// What the outside file holds: a line no control-file parser accepts, so any echo of parser
/// input or of the file would show it.
const CANARY: &str = "CANARY_c4n4ry_SECRET_VALUE_9f8e7d6c5b4a";

/// A temp dir holding `repo/` (the scanned tree, with one secret) and `outside.txt` (the
/// canary, as a CI token file or `~/.aws/credentials` would be).
struct Fake {
    tmp: tempfile::TempDir,
}

impl Fake {
    fn new() -> Self {
        let tmp = tempdir();
        std::fs::create_dir(tmp.path().join("repo")).unwrap();
        std::fs::write(
            tmp.path().join("outside.txt"),
            format!("{CANARY}\naws_secret_access_key = {CANARY}\n"),
        )
        .unwrap();
        std::fs::write(
            tmp.path().join("repo/app.env"),
            format!("TOKEN={}\n", github_token(13)),
        )
        .unwrap();
        Fake { tmp }
    }

    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn outside(&self) -> PathBuf {
        self.tmp.path().join("outside.txt")
    }

    /// Commits `name` in the repository as a symbolic link to `target`.
    fn link(&self, name: &str, target: &Path) {
        std::os::unix::fs::symlink(target, self.repo().join(name)).unwrap();
    }
}

/// Runs leakhound in `dir`, killing it after `limit`; `None` if it had to be killed.
fn run_limited(dir: &Path, args: &[&str], limit: Duration) -> Option<Run> {
    let mut child = command(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained on threads: a report larger than a pipe's buffer must not block the child.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(Run {
                code: status.code().unwrap_or(-1),
                stdout: stdout.join().unwrap(),
                stderr: stderr.join().unwrap(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The run must fail naming `name` as a refused link, and print nothing of the outside file.
fn assert_refused_without_echo(r: &Run, name: &str) {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    for out in [&r.stdout, &r.stderr] {
        assert!(
            !out.contains("CANARY"),
            "the outside file was echoed:\n{out}"
        );
    }
    assert!(
        r.stderr.contains(name) && r.stderr.contains("symbolic link"),
        "the error must name the link: {}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Symlinked config and ignore files

#[test]
fn symlinked_leakhoundignore_to_file_outside_repo_is_refused_without_echo() {
    let f = Fake::new();
    f.link(".leakhoundignore", &f.outside());
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_refused_without_echo(&r, ".leakhoundignore");
}

#[test]
fn symlinked_gitleaksignore_to_file_outside_repo_is_refused_without_echo() {
    let f = Fake::new();
    f.link(".gitleaksignore", &f.outside());
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_refused_without_echo(&r, ".gitleaksignore");
}

#[test]
fn symlinked_leakhound_yaml_to_file_outside_repo_is_refused_without_echo() {
    let f = Fake::new();
    f.link(".leakhound.yaml", &f.outside());
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_refused_without_echo(&r, ".leakhound.yaml");
}

#[test]
fn symlinked_baseline_in_repo_to_file_outside_is_refused_without_echo() {
    let f = Fake::new();
    f.link("baseline.json", &f.outside());
    let r = run_in(
        &f.repo(),
        &["scan", ".", "--no-progress", "--baseline", "baseline.json"],
    );
    assert_refused_without_echo(&r, "baseline.json");
}

/// A pull request's checkout: the link arrives with the change under review.
#[test]
fn symlinked_gitleaksignore_in_pull_request_range_is_refused_without_echo() {
    let f = Fake::new();
    let repo = f.repo();
    git_ok(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git_ok(&repo, &["add", "README"]);
    git_ok(&repo, &["commit", "-q", "-m", "base"]);
    let base = git_ok(&repo, &["rev-parse", "HEAD"]);
    f.link(".gitleaksignore", &f.outside());
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "-m", "pr"]);
    let r = run_in(
        &repo,
        &["git", "--range", &format!("{base}..HEAD"), "--no-progress"],
    );
    for out in [&r.stdout, &r.stderr] {
        assert!(
            !out.contains("CANARY"),
            "the outside file was echoed:\n{out}"
        );
    }
    assert_ne!(r.code, 0, "{}", r.stderr);
}

/// A link inside the tree to a file inside the tree is an ordinary way to share one file.
#[test]
fn symlinked_leakhoundignore_inside_repo_is_still_read() {
    let f = Fake::new();
    let repo = f.repo();
    std::fs::write(repo.join("shared-ignore"), "# nothing ignored\n").unwrap();
    f.link(".leakhoundignore", Path::new("shared-ignore"));
    let r = run_in(&repo, &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

/// A malformed line quotes at most a short excerpt, with control characters escaped.
#[test]
fn malformed_leakhoundignore_line_quotes_only_a_short_sanitized_excerpt() {
    let f = Fake::new();
    std::fs::write(
        f.repo().join(".leakhoundignore"),
        format!("\x1b]0;pwned\x07{CANARY}{CANARY}\n"),
    )
    .unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(".leakhoundignore:1:"), "{}", r.stderr);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
    assert!(!r.stderr.contains(CANARY), "{}", r.stderr);
}

/// A YAML error names file, line and column and does not print the source snippet.
#[test]
fn malformed_leakhound_yaml_error_does_not_print_the_file() {
    let f = Fake::new();
    std::fs::write(
        f.repo().join(".leakhound.yaml"),
        format!("allowlist:\n  paths: [\"a\"]\n  {CANARY}: [\n"),
    )
    .unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(".leakhound.yaml"), "{}", r.stderr);
    assert!(!r.stderr.contains("paths: [\"a\"]"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// 2. Unbounded reads

#[test]
fn baseline_dev_zero_is_refused_not_read_forever() {
    let f = Fake::new();
    let r = run_limited(
        &f.repo(),
        &["scan", ".", "--no-progress", "--baseline", "/dev/zero"],
        Duration::from_secs(30),
    )
    .expect("--baseline /dev/zero must fail at once, not read forever");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn gitleaksignore_symlink_to_dev_zero_is_refused_not_read_forever() {
    let f = Fake::new();
    f.link(".gitleaksignore", Path::new("/dev/zero"));
    let r = run_limited(
        &f.repo(),
        &["scan", ".", "--no-progress"],
        Duration::from_secs(30),
    )
    .expect("a .gitleaksignore -> /dev/zero must fail at once");
    assert_refused_without_echo(&r, ".gitleaksignore");
}

#[test]
fn fifo_leakhoundignore_is_refused_without_hanging() {
    let f = Fake::new();
    let fifo = f.repo().join(".leakhoundignore");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let r = run_limited(
        &f.repo(),
        &["scan", ".", "--no-progress"],
        Duration::from_secs(30),
    )
    .expect("a FIFO .leakhoundignore must not hang the scan");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".leakhoundignore") && r.stderr.contains("FIFO"),
        "{}",
        r.stderr
    );
}

#[test]
fn oversized_leakhoundignore_is_refused_naming_the_limit() {
    let f = Fake::new();
    let file = std::fs::File::create(f.repo().join(".leakhoundignore")).unwrap();
    // Sparse: 17 MiB of holes, read as NUL bytes.
    file.set_len(17 * 1024 * 1024).unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".leakhoundignore") && r.stderr.contains("16 MiB"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 5. `-o`

/// The Action's default report name committed as a link to a file the CI user can write.
#[test]
fn committed_report_symlink_is_refused_and_its_target_left_untouched() {
    let f = Fake::new();
    f.link("leakhound.sarif", &f.outside());
    let before = std::fs::read_to_string(f.outside()).unwrap();
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "--format",
            "sarif",
            "-o",
            "leakhound.sarif",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("leakhound.sarif") && r.stderr.contains("symbolic link"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(f.outside()).unwrap(), before);
}

/// `-o` is judged before anything else is read: a refused target is the error, not the broken
/// config the scan would have met first.
#[test]
fn report_symlink_is_refused_before_the_scan_starts() {
    let f = Fake::new();
    f.link("leakhound.sarif", &f.outside());
    std::fs::write(f.repo().join(".leakhound.yaml"), "nonsense: [\n").unwrap();
    let r = run_in(
        &f.repo(),
        &["scan", ".", "--no-progress", "-o", "leakhound.sarif"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert!(!r.stderr.contains(".leakhound.yaml"), "{}", r.stderr);
}

/// The report replaces the previous one by rename: a reader holding the old file (here a hard
/// link) keeps the complete old report, never a truncated mix, and no temporary file is left.
#[test]
fn report_file_is_replaced_atomically_not_truncated_in_place() {
    use std::os::unix::fs::MetadataExt;
    let f = Fake::new();
    let report = f.tmp.path().join("out.json");
    std::fs::write(&report, "previous report\n").unwrap();
    let held = f.tmp.path().join("held.json");
    std::fs::hard_link(&report, &held).unwrap();
    let ino = std::fs::metadata(&report).unwrap().ino();
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_ne!(std::fs::metadata(&report).unwrap().ino(), ino);
    assert_eq!(std::fs::read_to_string(&held).unwrap(), "previous report\n");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let names: Vec<_> = std::fs::read_dir(f.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

/// Character devices are written in place; a FIFO is refused.
#[test]
fn report_to_dev_null_is_written_in_place_and_fifo_refused() {
    let f = Fake::new();
    let r = run_in(
        &f.repo(),
        &["scan", ".", "--no-progress", "-o", "/dev/null"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let fifo = f.tmp.path().join("report.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let r = run_limited(
        &f.repo(),
        &["scan", ".", "--no-progress", "-o", fifo.to_str().unwrap()],
        Duration::from_secs(30),
    )
    .expect("a FIFO report target must not hang");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// 8. Terminal and log injection

/// A file name carrying a newline and a fake report line, and one carrying a terminal escape.
const FORGED: &str = "fake.env:1:1: all clear\nleakhound: 0 findings \u{1b}]0;pwned\u{7}";

fn tree_with_hostile_name(dir: &Path) {
    std::fs::write(dir.join(FORGED), format!("TOKEN={}\n", github_token(81))).unwrap();
}

#[test]
fn file_name_with_newline_and_escapes_cannot_forge_text_report_lines() {
    let f = Fake::new();
    std::fs::remove_file(f.repo().join("app.env")).unwrap();
    tree_with_hostile_name(&f.repo());
    let r = run_in(
        &f.repo(),
        &["scan", ".", "--no-progress", "--color", "never"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(
            !out.lines().any(|l| l.starts_with("leakhound: 0 findings")),
            "forged line:\n{out}"
        );
    }
    assert!(
        r.stdout
            .contains("fake.env:1:1: all clear\\nleakhound: 0 findings \\u{1b}]0;pwned\\u{7}"),
        "{}",
        r.stdout
    );
    // JSON keeps the exact name.
    let j = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    assert_eq!(j.jsonl()[0]["path"], FORGED);
}

#[test]
fn file_name_with_escapes_is_escaped_in_explain() {
    let f = Fake::new();
    tree_with_hostile_name(&f.repo());
    let r = run_in(&f.repo(), &["explain", FORGED]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("leakhound: 0 findings")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("all clear\\n"), "{}", r.stdout);
}

#[test]
fn commit_summary_and_author_with_escapes_are_escaped_in_git_text_report() {
    let f = Fake::new();
    let repo = f.repo();
    git_ok(&repo, &["init", "-q"]);
    git_ok(&repo, &["add", "app.env"]);
    let msg = "fix\u{1b}[2J\u{1b}]0;pwned\u{7}\nsecond line";
    let out = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", msg])
        .current_dir(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Eve\u{1b}[31m")
        .env("GIT_AUTHOR_EMAIL", "eve@example.com")
        .env("GIT_COMMITTER_NAME", "Eve")
        .env("GIT_COMMITTER_EMAIL", "eve@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let r = run_in(&repo, &["git", "--no-progress", "--color", "never"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("Eve\\u{1b}[31m"), "{}", r.stdout);
}

/// A provider's answer (the identity a token belongs to) is a stranger's text too.
#[test]
fn provider_identity_with_escapes_is_escaped_in_text_report() {
    use leakhound::providers::fake::{FakeServer, Reply};
    let f = Fake::new();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"login":"octo\u001b]0;pwned\u0007\ncat"}"#,
    )]);
    let endpoint = format!("github={}", server.url());
    let log = f.tmp.path().join("audit.jsonl");
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "--verify",
            "--provider-endpoint",
            &endpoint,
            "--audit-log",
            log.to_str().unwrap(),
            "--verify-timeout",
            "1",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("ACTIVE as octo"), "{}", r.stdout);
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(!out.lines().any(|l| l.starts_with("cat")), "{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. A pull request silencing its own scan

/// A repository with one base commit (a README and `base_files`), returning (repo, base id).
fn pr_repo(f: &Fake, base_files: &[(&str, &str)]) -> (PathBuf, String) {
    let repo = f.repo();
    std::fs::remove_file(repo.join("app.env")).unwrap();
    git_ok(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    for (name, text) in base_files {
        let p = repo.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "-m", "base"]);
    let base = git_ok(&repo, &["rev-parse", "HEAD"]);
    (repo, base)
}

/// Commits `files` as the pull request's next commit.
fn pr_commit(repo: &Path, files: &[(&str, String)]) {
    for (name, text) in files {
        let p = repo.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git_ok(repo, &["add", "-A"]);
    git_ok(repo, &["commit", "-q", "-m", "pr"]);
}

fn range_scan(repo: &Path, base: &str, extra: &[&str]) -> Run {
    let spec = format!("{base}..HEAD");
    let mut args = vec!["git", "--range", &spec, "--no-progress"];
    args.extend_from_slice(extra);
    run_in(repo, &args)
}

fn assert_reported_once(r: &Run) {
    assert_eq!(r.code, 1, "the change silenced its own scan:\n{}", r.stderr);
    let found: Vec<_> = r.jsonl().iter().map(|f| f["path"].clone()).collect();
    assert_eq!(found, ["app.env"], "{}", r.stdout);
}

#[test]
fn pull_request_adding_allowlist_paths_star_star_cannot_silence_range_scan() {
    let f = Fake::new();
    let (repo, base) = pr_repo(&f, &[]);
    pr_commit(
        &repo,
        &[
            ("app.env", format!("TOKEN={}\n", github_token(61))),
            (".leakhound.yaml", "allowlist:\n  paths: [\"**\"]\n".into()),
        ],
    );
    let r = range_scan(&repo, &base, &["-f", "jsonl"]);
    assert_reported_once(&r);
    assert!(
        r.stderr.contains("come from the base commit"),
        "{}",
        r.stderr
    );
    // Trusted explicitly, the change's own config applies, and says so.
    let r = range_scan(&repo, &base, &["--trust-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("suppressed 1 by allowlisted path"),
        "{}",
        r.stderr
    );
}

#[test]
fn pull_request_adding_rules_disable_cannot_silence_range_scan() {
    let f = Fake::new();
    let (repo, base) = pr_repo(&f, &[]);
    pr_commit(
        &repo,
        &[
            ("app.env", format!("TOKEN={}\n", github_token(62))),
            (
                ".leakhound.yaml",
                "rules:\n  disable: [github-pat-classic]\n".into(),
            ),
        ],
    );
    assert_reported_once(&range_scan(&repo, &base, &["-f", "jsonl"]));
}

/// A rule disabled by the (trusted) base config is counted as a suppression, in the text
/// summary and in SARIF.
#[test]
fn rule_disable_is_counted_as_a_suppression_in_text_and_sarif() {
    let f = Fake::new();
    let (repo, base) = pr_repo(
        &f,
        &[(
            ".leakhound.yaml",
            "rules:\n  disable: [github-pat-classic]\n",
        )],
    );
    pr_commit(
        &repo,
        &[("app.env", format!("TOKEN={}\n", github_token(63)))],
    );
    let r = range_scan(&repo, &base, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("suppressed 1 by disabled rule"),
        "{}",
        r.stderr
    );
    let r = range_scan(&repo, &base, &["-f", "sarif"]);
    let doc = r.json();
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["properties"]["suppressed"]["disabled rule"], 1, "{inv}");
    let texts: Vec<&str> = inv["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"]["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"suppressed 1 finding(s) by disabled rule"),
        "{texts:?}"
    );
}

#[test]
fn pull_request_adding_leakhoundignore_fingerprint_cannot_silence_range_scan() {
    let f = Fake::new();
    let (repo, base) = pr_repo(&f, &[]);
    pr_commit(
        &repo,
        &[("app.env", format!("TOKEN={}\n", github_token(64)))],
    );
    let first = range_scan(&repo, &base, &["-f", "jsonl"]);
    let fp = first.jsonl()[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    pr_commit(&repo, &[(".leakhoundignore", format!("{fp}\n"))]);
    assert_reported_once(&range_scan(&repo, &base, &["-f", "jsonl"]));
    let r = range_scan(&repo, &base, &["--trust-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn pull_request_adding_gitleaksignore_entry_cannot_silence_range_scan() {
    let f = Fake::new();
    let (repo, base) = pr_repo(&f, &[]);
    pr_commit(
        &repo,
        &[
            ("app.env", format!("TOKEN={}\n", github_token(65))),
            (".gitleaksignore", "app.env:github-pat:1\n".into()),
        ],
    );
    assert_reported_once(&range_scan(&repo, &base, &["-f", "jsonl"]));
}

#[test]
fn pull_request_adding_inline_allow_comment_cannot_silence_range_scan() {
    let f = Fake::new();
    let (repo, base) = pr_repo(&f, &[]);
    pr_commit(
        &repo,
        &[(
            "app.env",
            format!("TOKEN={}  # leakhound:allow\n", github_token(66)),
        )],
    );
    let r = range_scan(&repo, &base, &["-f", "jsonl"]);
    assert_reported_once(&r);
    assert!(
        r.stderr.contains("inline allow comments were not honoured"),
        "{}",
        r.stderr
    );
    let r = range_scan(&repo, &base, &["--trust-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// What the base already allowlists stays allowlisted, and is counted.
#[test]
fn base_commit_allowlist_still_applies_to_the_range() {
    let f = Fake::new();
    let (repo, base) = pr_repo(
        &f,
        &[(
            ".leakhound.yaml",
            "allowlist:\n  paths: [\"fixtures/**\"]\n",
        )],
    );
    pr_commit(
        &repo,
        &[("fixtures/app.env", format!("TOKEN={}\n", github_token(67)))],
    );
    let r = range_scan(&repo, &base, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("suppressed 1 by allowlisted path"),
        "{}",
        r.stderr
    );
}

/// `--staged` judges the index by `HEAD`'s suppressions.
#[test]
fn staged_config_change_cannot_silence_staged_scan() {
    let f = Fake::new();
    let (repo, _) = pr_repo(&f, &[]);
    std::fs::write(
        repo.join("app.env"),
        format!("TOKEN={}\n", github_token(68)),
    )
    .unwrap();
    std::fs::write(
        repo.join(".leakhound.yaml"),
        "allowlist:\n  paths: [\"**\"]\n",
    )
    .unwrap();
    git_ok(&repo, &["add", "-A"]);
    let r = run_in(&repo, &["git", "--staged", "-f", "jsonl"]);
    assert_reported_once(&r);
}

/// A base whose control file is a committed symbolic link is refused, not followed.
#[test]
fn base_commit_control_file_committed_as_symlink_is_refused() {
    let f = Fake::new();
    let (repo, _) = pr_repo(&f, &[]);
    f.link(".leakhoundignore", &f.outside());
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "-m", "link"]);
    let base = git_ok(&repo, &["rev-parse", "HEAD"]);
    pr_commit(
        &repo,
        &[("app.env", format!("TOKEN={}\n", github_token(69)))],
    );
    let r = range_scan(&repo, &base, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".leakhoundignore") && r.stderr.contains("symbolic link"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("CANARY") && !r.stdout.contains("CANARY"));
}

// ---------------------------------------------------------------------------------------------
// 7. Waits without limits

/// A finding no built-in provider verifies, so the revoke hook gets it.
fn tree_for_hook(dir: &Path) {
    let password = "Zq8vN3kT5xR7mW2p"; // leakhound:allow (test password)
    std::fs::write(
        dir.join("db.env"),
        format!("DATABASE_URL=postgres://app:{password}@db.internal.example:5432/app\n"),
    )
    .unwrap();
}

fn hook_args<'a>(hook: &'a str, log: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "scan",
        "db.env",
        "--no-progress",
        "-f",
        "jsonl",
        "-c",
        "/dev/null",
        "--revoke-hook",
        hook,
        // Nothing can verify a database URL: the hook runs for it only when asked for all.
        "--hook-all",
        "--yes",
        "--audit-log",
        log,
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn revoke_hook_that_never_exits_is_killed_after_hook_timeout() {
    let f = Fake::new();
    tree_for_hook(&f.repo());
    let log = f.tmp.path().join("audit.jsonl");
    let log = log.to_str().unwrap();
    let start = Instant::now();
    let r = run_limited(
        &f.repo(),
        &hook_args("sleep 1000", log, &["--hook-timeout", "1"]),
        Duration::from_secs(30),
    )
    .expect("a hook that never exits must not hang the run");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let found = r.jsonl();
    assert_eq!(found[0]["revocation"]["outcome"], "unknown", "{}", r.stdout);
    assert!(
        found[0]["revocation"]["detail"]
            .as_str()
            .unwrap()
            .contains("--hook-timeout"),
        "{}",
        r.stdout
    );
}

/// A provider answering 429 with `Retry-After: 59` for ever: the run's deadline ends the
/// retries instead of two minutes per credential.
#[test]
fn provider_retry_after_59_is_bounded_by_the_live_deadline() {
    use leakhound::providers::fake::{FakeServer, Reply};
    let f = Fake::new();
    let server = FakeServer::start(vec![Reply::json(429, "{}").with_header("Retry-After", "59")]);
    let endpoint = format!("github={}", server.url());
    let log = f.tmp.path().join("audit.jsonl");
    let start = Instant::now();
    let r = run_limited(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "-f",
            "jsonl",
            "--verify",
            "--provider-endpoint",
            &endpoint,
            "--audit-log",
            log.to_str().unwrap(),
            "--live-deadline",
            "3",
        ],
        Duration::from_secs(60),
    )
    .expect("Retry-After: 59 must not hold the run past its deadline");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.jsonl()[0]["verification"].is_object(), "{}", r.stdout);
}

/// Sends SIGTERM to `pid` with the `kill` command.
fn sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits (30 s at most, else fails with `never`) until `ready()`, sends `child` SIGTERM and
/// waits for it to exit (killing it and failing after 20 s). Returns how long it took to stop,
/// and its output.
fn sigterm_when(
    mut child: std::process::Child,
    ready: impl Fn() -> bool,
    never: &str,
) -> (Duration, std::process::Output) {
    let wait_start = Instant::now();
    while !ready() {
        assert!(wait_start.elapsed() < Duration::from_secs(30), "{never}");
        std::thread::sleep(Duration::from_millis(20));
    }
    sigterm(child.id());
    let stop = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if stop.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("still running 20 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (stop.elapsed(), child.wait_with_output().unwrap())
}

/// SIGTERM while the revoke hook runs: the run stops within a second, kills the hook, and
/// still writes the findings (exit 130).
#[test]
fn sigterm_during_a_hanging_revoke_hook_stops_within_a_second_with_partial_results() {
    let f = Fake::new();
    tree_for_hook(&f.repo());
    let started = f.tmp.path().join("hook-started");
    let hook = format!("touch '{}'; sleep 1000", started.display());
    let log = f.tmp.path().join("audit.jsonl");
    let child = command(
        &f.repo(),
        &hook_args(&hook, log.to_str().unwrap(), &["--hook-timeout", "600"]),
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (took, out) = sigterm_when(child, || started.exists(), "hook never ran");
    assert!(took < Duration::from_millis(1500), "stopped after {took:?}");
    assert_eq!(out.status.code(), Some(130));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("db.env"),
        "partial results not written: {stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Quadratic findings

/// `n` AWS access key ids (fixed shape, no checksum), one per line, from a seeded generator.
fn aws_key_lines(seed: u64, n: usize) -> Vec<String> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005) | 1;
    (0..n)
        .map(|_| {
            let body: String = (0..16)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(alphabet[(x % 32) as usize])
                })
                .collect();
            format!("aws_access_key_id = AKIA{body}\n")
        })
        .collect()
}

/// 100,000 findings in one file are built in time linear in matches: as many findings as the
/// same lines spread over 100 files, well inside a bound the quadratic construction (35 s in a
/// release build on the issue's machine, minutes in a debug one) could not meet. The timing
/// comparison itself is `bench/findings.sh`.
#[test]
fn hundred_thousand_findings_in_one_file_are_built_in_linear_time() {
    let f = Fake::new();
    let lines = aws_key_lines(13, 100_000);
    let one = f.tmp.path().join("one");
    let spread = f.tmp.path().join("spread");
    std::fs::create_dir(&one).unwrap();
    std::fs::create_dir(&spread).unwrap();
    std::fs::write(one.join("keys.txt"), lines.concat()).unwrap();
    for (i, chunk) in lines.chunks(1000).enumerate() {
        std::fs::write(spread.join(format!("keys{i:03}.txt")), chunk.concat()).unwrap();
    }
    let count = |dir: &Path| {
        let start = Instant::now();
        let r = run_limited(
            dir,
            &[
                "scan",
                ".",
                "-c",
                "/dev/null",
                "-f",
                "jsonl",
                "-q",
                "--no-progress",
            ],
            Duration::from_secs(120),
        )
        .expect("100,000 findings must not take minutes");
        assert_eq!(r.code, 1, "{}", r.stderr);
        (r.stdout.lines().count(), start.elapsed())
    };
    let (n_spread, _) = count(&spread);
    let (n_one, took) = count(&one);
    assert!(n_spread > 99_000, "{n_spread}");
    assert_eq!(n_one, n_spread);
    assert!(took < Duration::from_secs(30), "one file took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// 9. Smaller holes

/// A `pre-commit` hook committed or planted as a dangling link: installing must not create the
/// link's target (anywhere the user may write) nor make it executable.
#[test]
fn install_hook_refuses_a_dangling_pre_commit_symlink() {
    let f = Fake::new();
    let repo = f.repo();
    git_ok(&repo, &["init", "-q"]);
    let target = f.tmp.path().join("planted-script");
    std::fs::create_dir_all(repo.join(".git/hooks")).unwrap();
    std::os::unix::fs::symlink(&target, repo.join(".git/hooks/pre-commit")).unwrap();
    let r = run_in(&repo, &["install-hook"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("dangling symbolic link"), "{}", r.stderr);
    assert!(!target.exists(), "the link's target was created");
}

/// `--follow` stays inside the scanned paths: links to a directory outside, to `..` and to a
/// file outside are skipped and reported, unless `--follow-outside`.
#[test]
fn follow_does_not_leave_the_scan_root_through_links_to_dot_dot_or_outside() {
    let f = Fake::new();
    let elsewhere = f.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("ci-token.env"),
        format!("T={}\n", github_token(91)),
    )
    .unwrap();
    f.link("etc", &elsewhere);
    f.link("up", Path::new(".."));
    f.link("token.env", &elsewhere.join("ci-token.env"));
    let paths = |r: &Run| {
        let mut p: Vec<String> = r
            .jsonl()
            .iter()
            .map(|x| x["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--follow",
            "--no-progress",
            "-f",
            "jsonl",
            "-v",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(paths(&r), ["app.env"], "{}", r.stderr);
    for link in ["etc", "up", "token.env"] {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.contains(&format!("skipped {link} ")) && l.contains("--follow-outside")),
            "{link} not reported:\n{}",
            r.stderr
        );
    }
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--follow",
            "--follow-outside",
            "--no-progress",
            "-f",
            "jsonl",
        ],
    );
    assert!(
        paths(&r).contains(&"etc/ci-token.env".to_string()),
        "{}",
        r.stdout
    );
    assert!(paths(&r).contains(&"token.env".to_string()), "{}", r.stdout);
}

/// UTF-16 with a byte-order mark (both orders) is decoded and scanned, not skipped as binary.
#[test]
fn utf16_file_with_bom_is_decoded_and_its_secret_found() {
    let f = Fake::new();
    std::fs::remove_file(f.repo().join("app.env")).unwrap();
    let text = format!("# settings\r\nTOKEN={}\r\n", github_token(92));
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
        be.extend_from_slice(&u.to_be_bytes());
    }
    std::fs::write(f.repo().join("le.ps1"), &le).unwrap();
    std::fs::write(f.repo().join("be.reg"), &be).unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let found = triples(&r.jsonl());
    let want = |p: &str| ("github-pat-classic".to_string(), p.to_string(), 2);
    assert_eq!(found, [want("be.reg"), want("le.ps1")], "{}", r.stderr);
    assert_eq!(r.jsonl()[0]["column"], 7);
}

/// One NUL byte at the top of a text file no longer hides the whole file as binary.
#[test]
fn single_nul_byte_at_the_top_does_not_hide_a_file() {
    let f = Fake::new();
    std::fs::write(
        f.repo().join("app.env"),
        format!("\0\nTOKEN={}\n", github_token(93)),
    )
    .unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        [("github-pat-classic".to_string(), "app.env".to_string(), 2)]
    );
}

/// An unreadable root directory is named as such, not blamed on an ignore file inside it. As
/// root, permissions do not stop reads, so the scanner runs as `nobody` (see `hostile.rs`).
#[test]
fn unreadable_root_directory_is_reported_as_such_not_as_an_ignore_file_error() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fake::new();
    let tmp = f.tmp.path();
    std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(f.repo(), std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = if crate::hostile::running_as_root() {
        crate::hostile::run_as_nobody(tmp, tmp, &["scan", "repo", "--no-progress"])
    } else {
        run_in(tmp, &["scan", "repo", "--no-progress"])
    };
    std::fs::set_permissions(f.repo(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("repo: cannot read the directory to scan"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("ignore file"), "{}", r.stderr);
}

/// The fingerprint of a generic (low-confidence) password in a published report must not let
/// anyone confirm a guessed password offline. Before, it was SHA-256 over the rule id, the
/// secret's SHA-256 and the path: recomputing it for the right guess matched exactly.
#[test]
fn generic_password_fingerprint_cannot_confirm_a_guess_offline() {
    use sha2::{Digest, Sha256};
    let f = Fake::new();
    std::fs::remove_file(f.repo().join("app.env")).unwrap();
    let password = format!("{}{}", "1r%U_360JIKaPQq8", "cdUrHKPE=Xd=u%KO");
    std::fs::write(
        f.repo().join("settings.py"),
        format!("db_password = \"{password}\"\n"),
    )
    .unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let found = &r.jsonl()[0];
    assert_eq!(found["confidence"], "low", "{found}");
    let (rule, path) = (
        found["rule"].as_str().unwrap(),
        found["path"].as_str().unwrap(),
    );
    let reported = found["fingerprint"].as_str().unwrap();
    // The attacker's check: the right guess, hashed as the report's fingerprint was.
    let guess = |candidate: &str| {
        let mut h = Sha256::new();
        h.update(rule.as_bytes());
        h.update([0]);
        h.update(Sha256::digest(candidate.as_bytes()));
        h.update([0]);
        h.update(path.as_bytes());
        h.update([0]);
        let d = h.finalize();
        d.iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_ne!(
        guess(&password),
        reported,
        "the fingerprint confirms the password"
    );
    // Stable for baselines: the same secret at the same place keeps its fingerprint.
    let again = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    assert_eq!(again.jsonl()[0]["fingerprint"], reported);
}

// ---------------------------------------------------------------------------------------------
// 4. Git metadata

/// A repository whose second commit pastes a token into its message (summary and body) and
/// author name; returns (repo, that commit's id, the token).
fn repo_with_token_in_commit_message(f: &Fake) -> (PathBuf, String, String) {
    let (repo, _) = pr_repo(f, &[]);
    let token = github_token(94);
    std::fs::write(repo.join("notes.txt"), "nothing secret\n").unwrap();
    git_ok(&repo, &["add", "-A"]);
    let msg = format!("deploy with {token}\n\nbody also has it: {token}\n");
    let out = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", &msg])
        .current_dir(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", format!("bot {token}"))
        .env("GIT_AUTHOR_EMAIL", "bot@example.com")
        .env("GIT_COMMITTER_NAME", "bot")
        .env("GIT_COMMITTER_EMAIL", "bot@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let id = git_ok(&repo, &["rev-parse", "HEAD"]);
    (repo, id, token)
}

/// The run found the token on lines 1 and 3 of commit `id`'s message, and nothing else.
fn assert_found_in_message_at_lines_1_and_3(r: &Run, id: &str) {
    let found: Vec<(String, String, u64)> = r
        .jsonl()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["commit"]["id"].as_str().unwrap().to_string(),
                x["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |line| ("<commit message>".to_string(), id.to_string(), line);
    assert_eq!(found, [at(1), at(3)], "{}", r.stdout);
}

#[test]
fn token_in_commit_message_is_found_and_attributed_to_its_commit() {
    let f = Fake::new();
    let (repo, id, _) = repo_with_token_in_commit_message(&f);
    let r = run_in(&repo, &["git", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_found_in_message_at_lines_1_and_3(&r, &id);
    // The same in a range scan of the pull request.
    let base = git_ok(&repo, &["rev-parse", "HEAD~1"]);
    let r = range_scan(&repo, &base, &["-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.jsonl().len(), 2, "{}", r.stdout);
}

/// The same with over a thousand commits, all packed: the messages are then read from the packs
/// rather than through libgit2, and the findings are the same.
#[test]
fn token_in_commit_message_is_found_when_messages_are_read_from_packs() {
    let f = Fake::new();
    let (repo, id, _) = repo_with_token_in_commit_message(&f);
    let branch = git_ok(&repo, &["symbolic-ref", "HEAD"]);
    let mut stream = String::new();
    for i in 0..1100 {
        let msg = format!("empty commit {i}\n");
        stream.push_str(&format!(
            "commit {branch}\ncommitter bot <bot@example.com> {} +0000\ndata {}\n{msg}",
            1_700_000_000 + i,
            msg.len()
        ));
        if i == 0 {
            stream.push_str(&format!("from {id}\n"));
        }
        stream.push('\n');
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    git_ok(&repo, &["repack", "-adq"]);
    let r = run_in(&repo, &["git", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_found_in_message_at_lines_1_and_3(&r, &id);
    assert!(r.stderr.contains("commit messages"), "{}", r.stderr);
}

/// Every report format redacts a token in the commit summary and author name, as it redacts
/// file content; `--no-redact` shows it.
#[test]
fn token_in_commit_metadata_is_redacted_in_every_report_format() {
    let f = Fake::new();
    let (repo, _, token) = repo_with_token_in_commit_message(&f);
    for format in ["text", "json", "jsonl", "sarif"] {
        let r = run_in(&repo, &["git", "--no-progress", "-f", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains(&token) && !r.stderr.contains(&token),
            "{format} printed the token from commit metadata:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("deploy with ghp_"),
            "{format}: {}",
            r.stdout
        );
    }
    let r = run_in(
        &repo,
        &["git", "--no-progress", "-f", "json", "--no-redact"],
    );
    assert!(
        r.stdout.contains(&format!("deploy with {token}")),
        "{}",
        r.stdout
    );
}

#[test]
fn token_in_annotated_tag_message_is_found() {
    let f = Fake::new();
    let (repo, _) = pr_repo(&f, &[]);
    let token = github_token(95);
    git_ok(
        &repo,
        &[
            "-c",
            "tag.gpgsign=false",
            "tag",
            "-a",
            "v1",
            "-m",
            &format!("release key {token}"),
        ],
    );
    let r = run_in(&repo, &["git", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let paths: Vec<_> = r.jsonl().iter().map(|x| x["path"].clone()).collect();
    assert_eq!(paths, ["<tag message v1>"], "{}", r.stdout);
}

/// SIGTERM while a provider request hangs (the server reads it and says nothing): the run
/// stops waiting within a second and writes the findings, exit 130, instead of waiting out
/// `--verify-timeout`.
#[test]
fn sigterm_during_a_hanging_provider_request_stops_within_a_second() {
    use leakhound::providers::fake::{FakeServer, Reply};
    let f = Fake::new();
    let server = FakeServer::start(vec![Reply::Hang(Duration::from_secs(60))]);
    let endpoint = format!("github={}", server.url());
    let log = f.tmp.path().join("audit.jsonl");
    let child = command(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "-f",
            "jsonl",
            "--verify",
            "--provider-endpoint",
            &endpoint,
            "--audit-log",
            log.to_str().unwrap(),
            "--verify-timeout",
            "60",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (took, out) = sigterm_when(child, || !server.requests().is_empty(), "no request sent");
    assert!(took < Duration::from_millis(1500), "stopped after {took:?}");
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stdout).contains("app.env"));
}

/// The config's fingerprints and `.leakhoundignore` are counted apart, in the text summary and
/// in SARIF, so a reviewer sees which file removed which findings.
#[test]
fn config_and_leakhoundignore_suppressions_are_counted_per_source() {
    let f = Fake::new();
    std::fs::write(f.repo().join("b.env"), format!("T={}\n", github_token(96))).unwrap();
    let first = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "jsonl"]);
    let fps: Vec<String> = first
        .jsonl()
        .iter()
        .map(|x| x["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fps.len(), 2, "{}", first.stdout);
    std::fs::write(
        f.repo().join(".leakhound.yaml"),
        format!("allowlist:\n  fingerprints: ['{}']\n", fps[0]),
    )
    .unwrap();
    std::fs::write(f.repo().join(".leakhoundignore"), format!("{}\n", fps[1])).unwrap();
    let r = run_in(&f.repo(), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("suppressed 1 by allowlisted fingerprint, 1 by ignored fingerprint"),
        "{}",
        r.stderr
    );
    let sarif = run_in(&f.repo(), &["scan", ".", "--no-progress", "-f", "sarif"]).json();
    let counts = &sarif["runs"][0]["invocations"][0]["properties"]["suppressed"];
    assert_eq!(counts["allowlisted fingerprint"], 1, "{counts}");
    assert_eq!(counts["ignored fingerprint"], 1, "{counts}");
}

/// A token in a committed file's name is git metadata too: redacted in reports like content.
#[test]
fn token_in_committed_path_is_redacted_in_git_reports() {
    let f = Fake::new();
    let (repo, _) = pr_repo(&f, &[]);
    let in_name = github_token(97);
    std::fs::create_dir(repo.join("keys")).unwrap();
    std::fs::write(
        repo.join(format!("keys/{in_name}.env")),
        format!("T={}\n", github_token(98)),
    )
    .unwrap();
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "-m", "keys"]);
    for format in ["text", "jsonl", "sarif"] {
        let r = run_in(&repo, &["git", "--no-progress", "-f", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(!r.stdout.contains(&in_name), "{format}:\n{}", r.stdout);
    }
    let r = run_in(
        &repo,
        &["git", "--no-progress", "-f", "jsonl", "--no-redact"],
    );
    assert_eq!(r.jsonl()[0]["path"], format!("keys/{in_name}.env"));
}

/// Git notes live in blobs under `refs/notes/*`: a full-history scan reads them (reported at
/// the annotated object's id, attributed to the notes commit). Pinned, not new.
#[test]
fn token_in_git_note_is_found_in_history_scan() {
    let f = Fake::new();
    let (repo, _) = pr_repo(&f, &[]);
    git_ok(
        &repo,
        &[
            "notes",
            "add",
            "-m",
            &format!("deploy token {}", github_token(99)),
        ],
    );
    let head = git_ok(&repo, &["rev-parse", "HEAD"]);
    let r = run_in(&repo, &["git", "--no-progress", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let paths: Vec<_> = r.jsonl().iter().map(|x| x["path"].clone()).collect();
    assert_eq!(paths, [head.as_str()], "{}", r.stdout);
}

/// A committed directory link on the way to the report: `-o reports/leakhound.sarif` with
/// `reports -> elsewhere` must not write elsewhere.
#[test]
fn report_path_through_a_committed_directory_symlink_is_refused() {
    let f = Fake::new();
    let elsewhere = f.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    f.link("reports", &elsewhere);
    let r = run_in(
        &f.repo(),
        &[
            "scan",
            ".",
            "--no-progress",
            "-o",
            "reports/leakhound.sarif",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("reports") && r.stderr.contains("symbolic link"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}
