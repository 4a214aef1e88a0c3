//! The GitHub Action's scan script (`action/scan.sh`), run with a faked GitHub environment:
//! event payload, step summary and output files, and the built binary as `LEAKHOUND_BIN`.

use std::path::Path;
use std::process::Command;

use crate::common::*;

use crate::common::git_ok as git;

struct ActionRun {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    output: String,
}

fn run_action(work: &Path, event_name: &str, event: &serde_json::Value) -> ActionRun {
    let event_path = work.join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let summary = work.join("summary.md");
    let output = work.join("output.txt");
    let out = Command::new("bash")
        .arg(root().join("action/scan.sh"))
        .current_dir(work.join("repo"))
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("INPUT_SARIF_FILE", work.join("out.sarif"))
        .env("LEAKHOUND_BIN", env!("CARGO_BIN_EXE_leakhound"))
        .env_remove("INPUT_RANGE")
        .env_remove("INPUT_PATH")
        .output()
        .expect("bash runs");
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

#[test]
fn pull_request_scans_only_the_prs_commits_and_reports_for_github() {
    let work = tempdir();
    let (base, head, old, new) = repo_with_pr(work.path());
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let r = run_action(work.path(), "pull_request", &event);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
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
    assert!(r.output.contains("findings=1\n"), "{}", r.output);
    assert!(r.output.contains("sarif-file="), "{}", r.output);
    assert!(
        r.summary.contains("**1 leaked credential(s) found.**"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("(`github-pat-classic`) | 1 |"),
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
fn push_event_uses_before_and_after() {
    let work = tempdir();
    let (base, head, _, _) = repo_with_pr(work.path());
    let event = serde_json::json!({"before": base, "after": head});
    let r = run_action(work.path(), "push", &event);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.output.contains("findings=1\n"),
        "{}\n{}",
        r.output,
        r.stdout
    );
}

#[test]
fn clean_range_writes_a_clean_summary() {
    let work = tempdir();
    let (base, _, _, _) = repo_with_pr(work.path());
    let event = serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": base}}});
    let r = run_action(work.path(), "pull_request", &event);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.output.contains("findings=0\n"), "{}", r.output);
    assert!(
        r.summary.contains("No leaked credentials found."),
        "{}",
        r.summary
    );
}

#[test]
fn missing_base_commit_says_fetch_depth() {
    let work = tempdir();
    let (_, head, _, _) = repo_with_pr(work.path());
    let missing = "1234567890123456789012345678901234567890";
    let event =
        serde_json::json!({"pull_request": {"base": {"sha": missing}, "head": {"sha": head}}});
    let r = run_action(work.path(), "pull_request", &event);
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
