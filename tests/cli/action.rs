//! The GitHub Action (`action.yml` → `action/run.sh`), run the way GitHub runs it: the
//! environment a runner sets (event payload, workspace, runner OS and architecture, step summary
//! and output files), and a release served from 127.0.0.1 by the test, holding the freshly built
//! binary packed as the release workflow packs it, with its SHA256SUMS.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use leakhound::providers::fake::{FakeServer, Recorded, Reply};
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
        .env_remove("INPUT_ARGS")
        .env_remove("INPUT_VERIFY")
        .env_remove("INPUT_REVOKE")
        .env_remove("INPUT_REVOKE_DRY_RUN")
        .env_remove("INPUT_REVOKE_HOOK")
        .env_remove("INPUT_AUDIT_LOG")
        .env_remove("CI")
        .env_remove("PRE_COMMIT")
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
        "verify",
        "revoke",
        "revoke-dry-run",
        "revoke-hook",
        "audit-log",
        "audit-log-artifact",
    ] {
        assert!(inputs.contains_key(name), "input {name} missing");
    }
    // Live checks are opt-in: every one of them is off unless the workflow says so.
    for name in ["verify", "revoke", "revoke-dry-run"] {
        assert_eq!(inputs[name]["default"], "false", "input {name}");
    }
    assert_eq!(inputs["revoke-hook"]["default"], "");
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
    // Every input reaches the script, and the audit log goes up as an artifact whenever a live
    // check ran, even when the scan step failed.
    let env = steps[0]["env"].as_object().unwrap();
    for (var, input) in [
        ("INPUT_VERIFY", "verify"),
        ("INPUT_REVOKE", "revoke"),
        ("INPUT_REVOKE_DRY_RUN", "revoke-dry-run"),
        ("INPUT_REVOKE_HOOK", "revoke-hook"),
        ("INPUT_AUDIT_LOG", "audit-log"),
    ] {
        assert_eq!(env[var], format!("${{{{ inputs.{input} }}}}"), "{var}");
    }
    let artifact = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload-artifact step");
    assert_eq!(artifact["uses"], "actions/upload-artifact@v4");
    assert_eq!(
        artifact["with"]["path"],
        "${{ steps.scan.outputs.audit-log }}"
    );
    let cond = artifact["if"].as_str().unwrap();
    assert!(cond.starts_with("always() && "), "{cond}");
    for input in ["verify", "revoke", "revoke-dry-run", "revoke-hook"] {
        assert!(cond.contains(&format!("inputs.{input} ")), "{cond}");
    }
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

/// The live-check inputs (issue 17): the audit log, the requests the stand-in saw, and the
/// runner's files after a run.
struct LiveRun {
    run: ActionRun,
    audit: Vec<serde_json::Value>,
    audit_text: String,
    requests: Vec<Recorded>,
}

/// Runs the Action on the pull request's range with `inputs`, GitHub's API replaced by a
/// stand-in on 127.0.0.1 answering `replies` (through `args: --provider-endpoint`, as a
/// workflow would point it at GitHub Enterprise Server).
fn run_live(
    work: &Path,
    url: &str,
    base: &str,
    head: &str,
    replies: Vec<Reply>,
    inputs: &[(&str, &str)],
) -> LiveRun {
    let server = FakeServer::start(replies);
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    // An `INPUT_ARGS` among `inputs` is added after the stand-in's endpoint.
    let extra = inputs
        .iter()
        .find(|(k, _)| *k == "INPUT_ARGS")
        .map_or("", |(_, v)| *v);
    let args = format!("--provider-endpoint github={} {extra}", server.url());
    let mut env = vec![("INPUT_ARGS", args.as_str())];
    env.extend(inputs.iter().filter(|(k, _)| *k != "INPUT_ARGS"));
    let audit_path = work.join("runner-temp/leakhound-audit.jsonl");
    let _ = std::fs::remove_file(&audit_path);
    let run = run_action(work, url, "pull_request", &event, &env);
    let audit_text = std::fs::read_to_string(&audit_path).unwrap_or_default();
    let audit = audit_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    LiveRun {
        run,
        audit,
        audit_text,
        requests: server.requests(),
    }
}

fn calls(reqs: &[Recorded]) -> Vec<(String, String)> {
    reqs.iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect()
}

fn assert_secret_nowhere(l: &LiveRun, secrets: &[&str]) {
    for secret in secrets {
        for (what, text) in [
            ("stdout", &l.run.stdout),
            ("stderr", &l.run.stderr),
            ("the job summary", &l.run.summary),
            ("the outputs", &l.run.output),
            ("the audit log", &l.audit_text),
        ] {
            assert!(!text.contains(secret), "a secret leaked into {what}");
        }
    }
}

#[test]
fn issue_17_revoke_input_verifies_revokes_at_the_provider_and_reports_it() {
    let (work, url, (base, head, old, new)) = setup(false);
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![
            Reply::json(200, r#"{"login":"octocat"}"#),
            Reply::status(202),
        ],
        &[("INPUT_REVOKE", "true")],
    );
    let r = &l.run;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // Verified with the credential, then revoked through GitHub's credential revocation API:
    // no prompt (the input is the consent), the leaked token in the body.
    assert_eq!(
        calls(&l.requests),
        [
            ("GET".to_string(), "/user".to_string()),
            ("POST".to_string(), "/credentials/revoke".to_string())
        ]
    );
    assert_eq!(l.requests[1].body_json()["credentials"][0], new.as_str());
    // The audit log: where the outputs say, one verification and one revocation.
    let audit_path = work.path().join("runner-temp/leakhound-audit.jsonl");
    assert_eq!(r.out("audit-log"), Some(&*audit_path.to_string_lossy()));
    let entries: Vec<(&str, &str, &str)> = l
        .audit
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["provider"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("verify", "github", "active"),
            ("revoke", "github", "revoked")
        ]
    );
    assert_eq!(l.audit[1]["dry_run"], false);
    assert_eq!(l.audit[1]["http_status"], 202);
    // The job summary: the finding's status, and the revocation with the secret redacted.
    let redacted = leakhound::secret::redact(&new);
    assert!(
        r.summary.contains("| rule | verification | finding |")
            && r.summary.contains(&format!(
                "| `new.env:2` | {} | `github-pat-classic` | active (github) |",
                &head[..12]
            )),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("### Revocations (1)"), "{}", r.summary);
    assert!(
        r.summary.contains(&format!(
            "| github | `{redacted}` | `new.env:2` | **revoked** |"
        )),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("leakhound-audit.jsonl"), "{}", r.summary);
    assert_eq!(r.out("revocations"), Some("1"), "{}", r.output);
    assert!(
        r.stdout.lines().any(|l| l
            .starts_with("::notice file=new.env,line=2,title=leakhound revocation%3A revoked::github: revoked: ghp_")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("no prompt: the revoke input is the consent"),
        "{}",
        r.stdout
    );
    // A revoked credential is still a leak: the findings count (and so the job's failure)
    // does not change.
    assert_eq!(r.out("findings"), Some("1"));
    assert_secret_nowhere(&l, &[&new, &old]);
}

#[test]
fn issue_17_revoke_dry_run_sends_nothing_that_changes_anything() {
    let (work, url, (base, head, old, new)) = setup(false);
    // revoke-dry-run wins over revoke.
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![
            Reply::json(200, r#"{"login":"octocat"}"#),
            Reply::status(202),
        ],
        &[("INPUT_REVOKE", "true"), ("INPUT_REVOKE_DRY_RUN", "true")],
    );
    let r = &l.run;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!l.requests.is_empty(), "verification was not sent");
    for q in &l.requests {
        assert!(
            q.method == "GET" || q.method == "HEAD",
            "the dry run sent {} {}",
            q.method,
            q.path
        );
    }
    assert!(l
        .audit
        .iter()
        .any(|e| e["action"] == "revoke" && e["outcome"] == "dry-run" && e["dry_run"] == true));
    let redacted = leakhound::secret::redact(&new);
    assert!(
        r.summary.contains("Dry run: nothing was revoked.")
            && r.summary.contains(&format!(
                "| github | `{redacted}` | `new.env:2` | **dry-run** |"
            )),
        "{}",
        r.summary
    );
    assert!(
        r.stderr.contains("would call POST") && r.stderr.contains("/credentials/revoke"),
        "{}",
        r.stderr
    );
    assert_secret_nowhere(&l, &[&new, &old]);
}

#[test]
fn issue_17_verify_input_shows_each_status_and_revokes_nothing() {
    let (work, url, (base, head, old, new)) = setup(false);
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)],
        &[("INPUT_VERIFY", "true")],
    );
    let r = &l.run;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        calls(&l.requests),
        [("GET".to_string(), "/user".to_string())]
    );
    assert!(r.summary.contains("| inactive (github) |"), "{}", r.summary);
    assert!(
        r.summary.contains("### Revocations (0)") && r.summary.contains("Nothing was revoked."),
        "{}",
        r.summary
    );
    assert_eq!(l.audit.len(), 1);
    assert_eq!(l.audit[0]["outcome"], "inactive");
    assert_eq!(r.out("revocations"), Some("0"));
    assert_secret_nowhere(&l, &[&new, &old]);
    // Without live inputs: no status column, no audit log, no revocation section.
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let r = run_action(work.path(), &url, "pull_request", &event, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.out("audit-log").is_none(), "{}", r.output);
    assert!(
        !r.summary.contains("verification") && !r.summary.contains("Revocations"),
        "{}",
        r.summary
    );
}

#[test]
fn issue_17_revoke_hook_gets_provider_credentials_from_the_environment_only() {
    let (work, url, (base, _, old, new)) = setup(false);
    // The head commit also adds a database URL: nothing verifies or revokes it, so the hook
    // runs for it only with `--hook-all` in args (issue 17).
    let repo = work.path().join("repo");
    let password = ["Zq8vN3kT", "5xR7mW2p"].concat();
    std::fs::write(
        repo.join("db.env"),
        format!("DATABASE_URL=postgres://app:{password}@db.internal.example:5432/app\n"),
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "db"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let seen = work.path().join("hook-seen.txt");
    // The hook proves it got the admin credential from the step's env (as `env:` from a
    // secret), and what it was given on stdin.
    let hook = format!(
        "test \"$ACME_ADMIN_TOKEN\" = admin-from-env || exit 9; jq -r .rule >> '{}'",
        seen.display()
    );
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)],
        &[
            ("INPUT_REVOKE", "true"),
            ("INPUT_REVOKE_HOOK", &hook),
            ("ACME_ADMIN_TOKEN", "admin-from-env"),
        ],
    );
    assert_eq!(l.run.code, 0, "{}\n{}", l.run.stdout, l.run.stderr);
    assert!(!seen.exists(), "the hook ran for an unverified credential");
    assert!(
        l.run.summary.contains("### Revocations (0)"),
        "{}",
        l.run.summary
    );
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)],
        &[
            ("INPUT_REVOKE", "true"),
            ("INPUT_REVOKE_HOOK", &hook),
            ("INPUT_ARGS", "--hook-all"),
            ("ACME_ADMIN_TOKEN", "admin-from-env"),
        ],
    );
    let r = &l.run;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let rules = std::fs::read_to_string(&seen).expect("the hook ran");
    assert_eq!(rules.trim(), "database-uri-postgres", "{rules}");
    assert_eq!(rules.lines().count(), 1, "{rules}");
    // The GitHub token verified inactive: not revoked, and not given to the hook.
    assert!(l.requests.iter().all(|q| q.method == "GET"));
    assert!(
        r.summary.contains("### Revocations (1)")
            && r.summary
                .contains("`db.env:1` | **hook-reported-success** | hook exited 0 |"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("| `db.env:1` |") && r.summary.contains("| not checked |"),
        "{}",
        r.summary
    );
    assert!(l
        .audit
        .iter()
        .any(|e| e["action"] == "hook" && e["outcome"] == "hook-reported-success"));
    assert!(
        !r.stdout.contains("admin-from-env") && !r.summary.contains("admin-from-env"),
        "the hook's command or environment was printed"
    );
    assert_secret_nowhere(&l, &[&new, &old, &password]);
}

#[test]
fn issue_17_bad_live_inputs_are_named_and_no_redact_is_refused() {
    let (work, url, (base, head, ..)) = setup(false);
    for (inputs, want) in [
        (
            &[("INPUT_REVOKE", "yes")][..],
            "input revoke must be true or false, not: yes",
        ),
        (
            &[("INPUT_VERIFY", "1")][..],
            "input verify must be true or false, not: 1",
        ),
        (
            &[("INPUT_REVOKE_DRY_RUN", "TRUE")][..],
            "input revoke-dry-run must be true or false",
        ),
    ] {
        let l = run_live(
            work.path(),
            &url,
            &base,
            &head,
            vec![Reply::status(500)],
            inputs,
        );
        assert_eq!(l.run.code, 2, "{inputs:?}: {}", l.run.stdout);
        assert!(l.run.stdout.contains(want), "{}", l.run.stdout);
        assert!(l.requests.is_empty());
    }
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let r = run_action(
        work.path(),
        &url,
        "pull_request",
        &event,
        &[("INPUT_ARGS", "--min-confidence low --no-redact")],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("args: --no-redact"), "{}", r.stdout);
    assert!(r.out("findings").is_none());
}

/// Issue 17: the pre-commit hook revokes a live credential before it is pushed, opted into with
/// the `args:` the README documents (after the hook's own `entry`, as pre-commit runs them), and
/// refuses args that do not end with `--` (a file name could be read as an option).
#[test]
fn issue_17_pre_commit_args_revoke_before_the_push() {
    let hooks: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    for hook in hooks.as_array().unwrap() {
        assert_eq!(hook["args"], serde_json::json!(["--"]), "{hook}");
        assert!(!hook["entry"].as_str().unwrap().ends_with("--"), "{hook}");
    }
    let entry: Vec<String> = hooks[0]["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .skip(1) // the program
        .map(String::from)
        .collect();
    // The README's `args:` line, used as written.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.trim_start().starts_with("args: [--revoke"))
        .expect("the README shows pre-commit args with --revoke");
    let list = line.trim_start()["args: [".len()..]
        .split(']')
        .next()
        .unwrap();
    let user_args: Vec<String> = list.split(',').map(|a| a.trim().to_string()).collect();
    assert_eq!(user_args.last().map(String::as_str), Some("--"), "{line}");

    let dir = tempdir();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "init"]);
    let token = crate::common::github_token(140);
    std::fs::write(repo.join("app.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    git(repo, &["add", "app.env"]);
    let server = FakeServer::start(vec![
        Reply::json(200, r#"{"login":"octocat"}"#),
        Reply::status(202),
    ]);
    let audit = repo.join("audit.jsonl");
    // The stand-in and the audit log go before the user's `--` (a user's config would name
    // neither: GitHub is the default, the audit log has a default place).
    let endpoint = format!("github={}", server.url());
    let mut argv: Vec<String> = entry.clone();
    argv.extend(user_args[..user_args.len() - 1].iter().cloned());
    argv.extend([
        "--provider-endpoint".to_string(),
        endpoint,
        "--audit-log".to_string(),
        audit.to_string_lossy().into_owned(),
        "--".to_string(),
        "app.env".to_string(),
    ]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut cmd = crate::common::command(repo, &argv);
    cmd.env("PRE_COMMIT", "1").env_remove("CI");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The commit is blocked (the secret is still in it), and the credential is dead.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("commit blocked"), "{stderr}");
    assert_eq!(
        calls(&server.requests()),
        [
            ("GET".to_string(), "/user".to_string()),
            ("POST".to_string(), "/credentials/revoke".to_string())
        ]
    );
    assert!(stderr.contains("revoked"), "{stderr}");
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"action\":\"revoke\"") && l.contains("\"outcome\":\"revoked\"")),
        "{log}"
    );
    for text in [&*stdout, &*stderr, &*log] {
        assert!(!text.contains(&token), "secret in the hook's output or log");
    }

    // Args without the closing `--`: the file names would follow them as options. Refused
    // before anything is sent.
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let endpoint = format!("github={}", server.url());
    let mut argv: Vec<String> = entry;
    argv.extend([
        "--verify".to_string(),
        "--provider-endpoint".to_string(),
        endpoint,
        "app.env".to_string(),
    ]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut cmd = crate::common::command(repo, &argv);
    cmd.env("PRE_COMMIT", "1");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("without `--`"), "{stderr}");
    assert!(server.requests().is_empty());
}

/// Issue 17: the fail step follows `--fail-on` in `args`, as leakhound's own exit status does:
/// the `failing` output counts the findings that fail the job.
#[test]
fn issue_17_the_fail_step_follows_fail_on_in_args() {
    let (work, url, (base, head, _, _)) = setup(false);
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(
        action.contains("steps.scan.outputs.failing != '0'"),
        "the fail step does not read `failing`"
    );
    let mut counts = Vec::new();
    for args in ["", "--fail-on any", "--fail-on unknown", "--fail-on=active"] {
        let l = run_live(
            work.path(),
            &url,
            &base,
            &head,
            vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)],
            &[("INPUT_VERIFY", "true"), ("INPUT_ARGS", args)],
        );
        let r = &l.run;
        assert_eq!(r.code, 0, "{args}: {}\n{}", r.stdout, r.stderr);
        let findings: usize = r.out("findings").unwrap().parse().unwrap();
        let failing: usize = r.out("failing").unwrap().parse().unwrap();
        assert!(findings > 0, "{args}: {}", r.output);
        counts.push((args, findings, failing));
    }
    // Every finding fails by default and under `any`; the GitHub token the stand-in rejected
    // does not fail under `unknown`; nothing verified active, so nothing fails under `active`.
    assert_eq!(counts[0].2, counts[0].1, "{counts:?}");
    assert_eq!(counts[1].2, counts[1].1, "{counts:?}");
    assert!(counts[2].2 < counts[2].1, "{counts:?}");
    assert_eq!(counts[3].2, 0, "{counts:?}");
    // A value leakhound would refuse is named before anything runs.
    let l = run_live(
        work.path(),
        &url,
        &base,
        &head,
        vec![],
        &[
            ("INPUT_VERIFY", "true"),
            ("INPUT_ARGS", "--fail-on sometimes"),
        ],
    );
    assert_ne!(l.run.code, 0);
    assert!(
        l.run
            .stdout
            .contains("--fail-on must be any, unknown or active, not: sometimes"),
        "{}",
        l.run.stdout
    );
    assert!(l.requests.is_empty());
}
