//! The GitHub Action (`action.yml` → `action/run.sh`), run the way GitHub runs it: the
//! environment a runner sets (event payload, workspace, runner OS and architecture, step summary
//! and output files), and a release served from 127.0.0.1 by the test, holding the freshly built
//! binary packed as the release workflow packs it, with its SHA256SUMS.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::common::*;

use crate::common::git_ok as git;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the runner reports for this machine, and the release target it maps to.
fn runner() -> (&'static str, &'static str, &'static str) {
    if cfg!(target_arch = "aarch64") {
        ("Linux", "ARM64", "aarch64-unknown-linux-musl")
    } else {
        ("Linux", "X64", "x86_64-unknown-linux-musl")
    }
}

/// A release directory (`<dir>/download/v<version>/…`), as the release workflow publishes it:
/// `leakhound-<version>-<target>.tar.gz` holding `leakhound-<version>-<target>/leakhound`, and
/// `SHA256SUMS`. `tamper` changes the archive after its sum is written.
fn pack_release(dir: &Path, tamper: bool) {
    let (_, _, target) = runner();
    let name = format!("leakhound-{VERSION}-{target}");
    let stage = dir.join("stage").join(&name);
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_leakhound"), stage.join("leakhound")).unwrap();
    let download = dir.join("releases/download").join(format!("v{VERSION}"));
    std::fs::create_dir_all(&download).unwrap();
    let archive = download.join(format!("{name}.tar.gz"));
    let out = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.join("stage"))
        .arg(&name)
        .output()
        .expect("tar runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = Sha256::digest(std::fs::read(&archive).unwrap());
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(
        download.join("SHA256SUMS"),
        format!(
            "{}  leakhound-{VERSION}-other.zip\n{hex}  {name}.tar.gz\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    if tamper {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&archive)
            .unwrap();
        f.write_all(b"tampered").unwrap();
    }
}

/// Serves `root` over HTTP on 127.0.0.1 (a thread per test, ended with the process):
/// `/releases/latest` redirects to `/releases/tag/v<version>` as GitHub does; other paths are
/// files under `root`, or 404. Returns the base URL of the releases.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Headers, up to the blank line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let response: Vec<u8> = if path == "/releases/latest" {
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: /releases/tag/v{VERSION}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .into_bytes()
            } else if path.starts_with("/releases/tag/") {
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_vec()
            } else {
                let file = root.join(path.trim_start_matches('/'));
                match std::fs::read(&file) {
                    Ok(body) if !path.contains("..") => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend(body);
                        r
                    }
                    _ => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                }
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://127.0.0.1:{port}/releases")
}

struct ActionRun {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    output: String,
}

impl ActionRun {
    fn out(&self, key: &str) -> Option<&str> {
        self.output
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
    }
}

/// Runs `action/run.sh` in `work/repo` as a runner would, with `env` on top (inputs).
fn run_action(
    work: &Path,
    releases: &str,
    event_name: &str,
    event: &serde_json::Value,
    env: &[(&str, &str)],
) -> ActionRun {
    let event_path = work.join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let summary = work.join("summary.md");
    let output = work.join("output.txt");
    let runner_temp = work.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&output);
    let (os, arch, _) = runner();
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(work.join("repo"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_WORKSPACE", work.join("repo"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TEMP", &runner_temp)
        .env("LEAKHOUND_RELEASES_URL", releases)
        .env("ACTION_REF", "main")
        .env("ACTION_REPOSITORY", "leakhound/leakhound")
        .env("INPUT_SARIF_FILE", work.join("out.sarif"))
        .env_remove("LEAKHOUND_BIN")
        .env_remove("INPUT_VERSION")
        .env_remove("INPUT_RANGE")
        .env_remove("INPUT_PATH")
        .env_remove("INPUT_SCAN")
        .env_remove("LEAKHOUND_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    ActionRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: std::fs::read_to_string(summary).unwrap_or_default(),
        output: std::fs::read_to_string(output).unwrap_or_default(),
    }
}

/// A repo whose base commit already holds one secret and whose head commit adds another.
fn repo_with_pr(work: &Path) -> (String, String, String, String) {
    let repo = work.join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let old = github_token(30);
    let new = github_token(31);
    std::fs::write(repo.join("old.env"), format!("T={old}\n")).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("old.env"), format!("T={old}\nX=1\n")).unwrap();
    std::fs::write(repo.join("new.env"), format!("\nT={new}\n")).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "add config"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    (base, head, old, new)
}

/// A work dir with the PR repository and a served release.
fn setup(tamper: bool) -> (tempfile::TempDir, String, (String, String, String, String)) {
    let work = tempdir();
    let pr = repo_with_pr(work.path());
    pack_release(&work.path().join("site"), tamper);
    let url = serve(work.path().join("site"));
    (work, url, pr)
}

#[test]
fn pull_request_downloads_the_latest_release_checks_it_and_scans_only_the_prs_commits() {
    let (work, url, (base, head, old, new)) = setup(false);
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let r = run_action(work.path(), &url, "pull_request", &event, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The ref `main` is not a version tag: the latest release, found through the redirect.
    assert!(
        r.stdout.contains(&format!("installing {VERSION}"))
            && r.stdout.contains("latest release")
            && r.stdout.contains("matches SHA256SUMS"),
        "{}",
        r.stdout
    );
    assert_eq!(r.out("version"), Some(VERSION));
    assert!(r
        .out("bin")
        .is_some_and(|b| b.starts_with(&*work.path().join("runner-temp").to_string_lossy())));
    let annotations: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 1, "{}", r.stdout);
    assert!(
        annotations[0]
            .starts_with("::error file=new.env,line=2,col=3,title=leakhound github-pat-classic::"),
        "{}",
        annotations[0]
    );
    assert_eq!(r.out("findings"), Some("1"), "{}", r.output);
    assert_eq!(r.out("kind"), Some("range"));
    assert!(r.out("sarif-file").is_some());
    assert!(
        r.summary.contains("## leakhound (range scan)"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("**1 leaked credential(s) found.**"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("| `github-pat-classic` | 1 |"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains(&format!("| `new.env:2` | {} |", &head[..12])),
        "{}",
        r.summary
    );
    for text in [&r.stdout, &r.stderr, &r.summary] {
        assert!(
            !text.contains(&new) && !text.contains(&old),
            "a secret leaked into CI output"
        );
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn a_wrong_checksum_stops_before_running_anything() {
    let (work, url, (base, head, ..)) = setup(true);
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let r = run_action(work.path(), &url, "pull_request", &event, &[]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("::error title=leakhound install::checksum mismatch for leakhound-")
            && r.stdout.contains("Not running it."),
        "{}",
        r.stdout
    );
    assert!(
        r.out("findings").is_none() && r.out("bin").is_none(),
        "{}",
        r.output
    );
    assert!(!work.path().join("out.sarif").exists());
}

#[test]
fn version_comes_from_the_input_or_a_version_tag_ref_and_a_missing_one_is_named() {
    let (work, url, (base, head, ..)) = setup(false);
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let tag = format!("v{VERSION}");
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("ACTION_REF", &tag)],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("the action's ref"), "{}", r.stdout);
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("INPUT_VERSION", VERSION)],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("(input version)"), "{}", r.stdout);
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("INPUT_VERSION", "9.9.9")],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("cannot download") && r.stdout.contains("v9.9.9/SHA256SUMS"),
        "{}",
        r.stdout
    );
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("INPUT_VERSION", "main; rm -rf /")],
    );
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("version must look like"), "{}", r.stdout);
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("RUNNER_ARCH", "ARM")],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("no leakhound release binary for runner Linux/ARM"),
        "{}",
        r.stdout
    );
}

#[test]
fn push_scans_before_to_after_and_a_new_branch_its_commits() {
    let (work, url, (base, head, ..)) = setup(false);
    let event = serde_json::json!({"before": base, "after": head});
    let r = run_action(work.path(), &url, "push", &event, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.out("findings"), Some("1"), "{}\n{}", r.output, r.stdout);
    // A new branch: `before` is all zeros. No origin/main here: the branch's whole history.
    let zero = "0".repeat(40);
    let event = serde_json::json!({"before": zero, "after": head, "repository": {"default_branch": "main"}});
    let r = run_action(work.path(), &url, "push", &event, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("whole history"), "{}", r.stdout);
    assert_eq!(r.out("findings"), Some("2"), "{}", r.output);
    // With origin/main at the base: only what the branch adds.
    let repo = work.path().join("repo");
    git(&repo, &["update-ref", "refs/remotes/origin/main", &base]);
    let r = run_action(work.path(), &url, "push", &event, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("--range origin/main..{head}")),
        "{}",
        r.stdout
    );
    assert_eq!(r.out("findings"), Some("1"), "{}", r.output);
}

#[test]
fn schedule_runs_a_history_scan_with_its_own_kind() {
    let (work, url, _) = setup(false);
    let r = run_action(work.path(), &url, "schedule", &serde_json::json!({}), &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.out("kind"), Some("history"));
    assert_eq!(r.out("findings"), Some("2"), "{}", r.output);
    assert!(
        r.summary.contains("## leakhound (history scan)"),
        "{}",
        r.summary
    );
}

#[test]
fn clean_range_writes_a_clean_summary() {
    let (work, url, (base, ..)) = setup(false);
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": base}}});
    let r = run_action(work.path(), &url, "pull_request", &event, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.out("findings"), Some("0"), "{}", r.output);
    assert!(
        r.summary.contains("No leaked credentials found."),
        "{}",
        r.summary
    );
}

#[test]
fn missing_base_commit_says_fetch_depth() {
    let (work, url, (_, head, ..)) = setup(false);
    let missing = "1234567890123456789012345678901234567890";
    let event =
        serde_json::json!({"pull_request": {"base": {"sha": missing}, "head": {"sha": head}}});
    let r = run_action(work.path(), &url, "pull_request", &event, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("fetch-depth: 0"), "{}", r.stdout);
}

#[test]
fn action_yml_is_a_composite_action_whose_references_resolve() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    for name in [
        "version",
        "scan",
        "path",
        "range",
        "upload-sarif",
        "fail-on-findings",
        "sarif-file",
        "args",
    ] {
        assert!(inputs.contains_key(name), "input {name} missing");
    }
    // Every `inputs.X` and `steps.Y` the file references exists.
    let steps: Vec<&str> = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for cap in text.split("inputs.").skip(1) {
        let name: String = cap
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "reference to unknown input {name}"
        );
    }
    for cap in text.split("steps.").skip(1) {
        let id: String = cap
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            steps.contains(&id.as_str()),
            "reference to unknown step {id}"
        );
    }
    // The step runs the script the tests above run; SARIF goes up under the kind's category.
    let steps = action["runs"]["steps"].as_array().unwrap();
    assert!(steps[0]["run"].as_str().unwrap().contains("action/run.sh"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("upload-sarif"))
        })
        .unwrap();
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v4");
    assert_eq!(
        upload["with"]["category"],
        "leakhound-${{ steps.scan.outputs.kind }}"
    );
    // Neither cargo nor Python anywhere in the action.
    for file in [
        "action.yml",
        "action/run.sh",
        "action/install.sh",
        "action/scan.sh",
    ] {
        let body = std::fs::read_to_string(root().join(file)).unwrap();
        for word in ["cargo ", "python"] {
            assert!(
                !body
                    .lines()
                    .any(|l| !l.trim_start().starts_with('#') && l.contains(word)),
                "{file} uses {word}"
            );
        }
    }
    let hooks: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(hooks[0]["id"], "leakhound");
    assert!(hooks[0]["entry"]
        .as_str()
        .unwrap()
        .starts_with("leakhound git --staged"));
}
