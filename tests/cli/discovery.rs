//! Configuration discovery (issue 16): `.leakhound.yaml`/`.leakhound.yml`, `.leakhoundignore`
//! and `.gitleaks.toml` found from the scanned directory up to the repository root and no
//! further; the summary naming the file used; `leakhound init`; and the hostile-repository
//! guarantees for files found on the way up.

use std::path::{Path, PathBuf};

use crate::common::*;

/// A temp dir holding `repo/` (a git repository) with a secret in `repo/sub/deep/a.env`.
fn repo_with_secret() -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("sub/deep")).unwrap();
    git_ok(&repo, &["init", "-q"]);
    let token = github_token(71);
    std::fs::write(repo.join("sub/deep/a.env"), format!("TOKEN={token}\n")).unwrap();
    (tmp, repo, token)
}

const ALLOW_SUB: &str = "allowlist:\n  paths: [\"sub/deep/**\"]\n";

fn paths(r: &Run) -> Vec<String> {
    r.jsonl()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn config_at_the_repository_root_applies_from_a_subdirectory_and_to_scan_sub() {
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(repo.join(".leakhound.yaml"), ALLOW_SUB).unwrap();
    // Run from a subdirectory.
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("leakhound: config: ../.leakhound.yaml\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("suppressed 1 by allowlisted path"),
        "{}",
        r.stderr
    );
    // `scan sub/` from the root.
    let r = run_in(&repo, &["scan", "sub/", "--no-progress"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("leakhound: config: ./.leakhound.yaml\n"),
        "{}",
        r.stderr
    );
    // --no-config: the same scan reports the secret.
    let r = run_in(&repo, &["scan", "sub/", "--no-progress", "--no-config"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("config:"), "{}", r.stderr);
}

#[test]
fn paths_and_fingerprints_are_relative_to_the_repository_root_whatever_is_scanned() {
    let (_t, repo, _) = repo_with_secret();
    let whole = run_in(&repo, &["scan", ".", "--no-progress", "-f", "jsonl"]);
    let sub = run_in(&repo, &["scan", "sub", "--no-progress", "-f", "jsonl"]);
    let deep = run_in(
        &repo.join("sub"),
        &["scan", "deep", "--no-progress", "-f", "jsonl"],
    );
    for r in [&whole, &sub, &deep] {
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(paths(r), ["sub/deep/a.env"]);
    }
    let fp = |r: &Run| r.jsonl()[0]["fingerprint"].clone();
    assert_eq!(fp(&whole), fp(&sub));
    assert_eq!(fp(&whole), fp(&deep));
    // And a fingerprint in the root's ignore file silences the subdirectory's scan.
    let fp = fp(&whole);
    std::fs::write(
        repo.join(".leakhoundignore"),
        format!("{} # test token\n", fp.as_str().unwrap()),
    )
    .unwrap();
    let r = run_in(&repo.join("sub"), &["scan", "deep", "--no-progress"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("suppressed 1"), "{}", r.stderr);
}

#[test]
fn yml_spelling_is_read_and_named_in_json_and_sarif() {
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(repo.join(".leakhound.yml"), ALLOW_SUB).unwrap();
    let r = run_in(&repo, &["scan", "sub", "--no-progress", "-f", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["summary"]["config"], "./.leakhound.yml");
    let r = run_in(&repo, &["scan", "sub", "--no-progress", "-f", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["runs"][0]["invocations"][0]["properties"]["config"],
        "./.leakhound.yml"
    );
}

#[test]
fn both_spellings_in_one_directory_is_an_error_naming_both() {
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(repo.join(".leakhound.yml"), ALLOW_SUB).unwrap();
    std::fs::write(repo.join(".leakhound.yaml"), "").unwrap();
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("../.leakhound.yaml and ../.leakhound.yml both exist"),
        "{}",
        r.stderr
    );
    // A nearer file wins, so the pair above it no longer matters.
    std::fs::write(repo.join("sub/.leakhound.yaml"), "").unwrap();
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("config: ./.leakhound.yaml\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn gitleaks_toml_is_used_only_without_a_leakhound_config() {
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(
        repo.join(".gitleaks.toml"),
        "[allowlist]\npaths = ['''sub/deep/a\\.env''']\n",
    )
    .unwrap();
    let r = run_in(&repo.join("sub"), &["scan", "deep", "--no-progress"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("config: ../.gitleaks.toml (gitleaks)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("suppressed 1 by gitleaks allowlist"),
        "{}",
        r.stderr
    );
    // A leakhound config anywhere on the way up wins; the gitleaks file is not imported.
    std::fs::write(repo.join(".leakhound.yaml"), "").unwrap();
    let r = run_in(&repo.join("sub"), &["scan", "deep", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("config: ../.leakhound.yaml\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("gitleaks"), "{}", r.stderr);
}

#[test]
fn files_above_the_repository_root_are_not_read() {
    let (t, repo, _) = repo_with_secret();
    let all = "allowlist:\n  paths: [\"**\"]\n";
    std::fs::write(t.path().join(".leakhound.yaml"), all).unwrap();
    std::fs::write(
        t.path().join(".gitleaks.toml"),
        "[allowlist]\npaths = ['''.*''']\n",
    )
    .unwrap();
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(
        r.code, 1,
        "a file above the repository applied:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains("config:"), "{}", r.stderr);
    // Outside any repository only the scanned directory itself is looked in.
    let plain = t.path().join("plain");
    std::fs::create_dir_all(plain.join("sub")).unwrap();
    std::fs::write(plain.join(".leakhound.yaml"), all).unwrap();
    std::fs::write(
        plain.join("sub/a.env"),
        format!("TOKEN={}\n", github_token(72)),
    )
    .unwrap();
    let r = run_in(&plain, &["scan", "sub", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run_in(&plain, &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn explicit_config_wins_over_discovery() {
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(repo.join(".leakhound.yaml"), ALLOW_SUB).unwrap();
    std::fs::write(repo.join("empty.yaml"), "").unwrap();
    let r = run_in(&repo, &["scan", "sub", "--no-progress", "-c", "empty.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("config: empty.yaml\n"), "{}", r.stderr);
}

#[test]
fn init_writes_a_starter_that_scans_use_and_refuses_to_overwrite() {
    let (_t, repo, _) = repo_with_secret();
    let r = run_in(&repo, &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("wrote ./.leakhound.yaml"), "{}", r.stderr);
    let text = std::fs::read_to_string(repo.join(".leakhound.yaml")).unwrap();
    assert!(text.starts_with("# leakhound configuration"), "{text}");
    assert!(
        text.contains("allowlist:") && text.contains("rules:"),
        "{text}"
    );
    // The starter is valid and changes nothing: the secret is still reported, and the
    // summary names the file.
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("config: ../.leakhound.yaml\n"),
        "{}",
        r.stderr
    );
    // Edited, it applies.
    std::fs::write(
        repo.join(".leakhound.yaml"),
        text.replace("  paths: []", "  paths: [\"sub/**\"]"),
    )
    .unwrap();
    let r = run_in(&repo.join("sub"), &["scan", ".", "--no-progress"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No overwrite without --force, whichever spelling is there.
    let r = run_in(&repo, &["init"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".leakhound.yaml exists already") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    std::fs::remove_file(repo.join(".leakhound.yaml")).unwrap();
    std::fs::write(repo.join(".leakhound.yml"), "").unwrap();
    assert_eq!(run_in(&repo, &["init"]).code, 2);
    let r = run_in(&repo, &["init", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!repo.join(".leakhound.yml").exists());
    assert!(repo.join(".leakhound.yaml").is_file());
}

// --- A scanned repository is hostile ---------------------------------------------------------

fn link(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[test]
fn config_found_on_the_way_up_as_a_link_out_of_the_repository_is_refused() {
    let (t, repo, _) = repo_with_secret();
    let canary = "CANARY-outside-the-repository";
    std::fs::write(
        t.path().join("outside.yaml"),
        format!("allowlist:\n  paths: [\"**\"]\n# {canary}\n"),
    )
    .unwrap();
    for name in [".leakhound.yml", ".leakhoundignore", ".gitleaks.toml"] {
        let at = repo.join(name);
        link(&t.path().join("outside.yaml"), &at);
        let r = run_in(&repo.join("sub"), &["scan", "deep", "--no-progress"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(name) && r.stderr.contains("symbolic link"),
            "{name}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(canary) && !r.stdout.contains(canary));
        std::fs::remove_file(at).unwrap();
    }
    // A link inside the repository is read.
    std::fs::write(repo.join("real.yaml"), ALLOW_SUB).unwrap();
    link(Path::new("real.yaml"), &repo.join(".leakhound.yml"));
    let r = run_in(&repo.join("sub"), &["scan", "deep", "--no-progress"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A repository whose base commit holds `base_files`; returns the base commit id.
fn commit_all(repo: &Path, msg: &str) -> String {
    git_ok(repo, &["add", "-A"]);
    git_ok(repo, &["commit", "-q", "-m", msg]);
    git_ok(repo, &["rev-parse", "HEAD"])
}

#[test]
fn a_change_adding_yml_or_gitleaks_toml_cannot_silence_its_range_scan() {
    for (name, text) in [
        (".leakhound.yml", "allowlist:\n  paths: [\"**\"]\n"),
        (".gitleaks.toml", "[allowlist]\npaths = ['''.*''']\n"),
        ("sub/.leakhound.yaml", "allowlist:\n  paths: [\"**\"]\n"),
    ] {
        let (_t, repo, _) = repo_with_secret();
        std::fs::rename(repo.join("sub/deep/a.env"), repo.join("a.env.later")).unwrap();
        let base = commit_all(&repo, "base");
        std::fs::rename(repo.join("a.env.later"), repo.join("sub/deep/a.env")).unwrap();
        std::fs::write(repo.join(name), text).unwrap();
        commit_all(&repo, "pr");
        let spec = format!("{base}..HEAD");
        let r = run_in(
            &repo,
            &["git", "--range", &spec, "--no-progress", "-f", "jsonl"],
        );
        assert_eq!(r.code, 1, "{name} silenced its own scan:\n{}", r.stderr);
        assert_eq!(paths(&r), ["sub/deep/a.env"], "{name}");
        assert!(!r.stderr.contains("config:"), "{name}: {}", r.stderr);
    }
}

#[test]
fn base_commit_yml_and_gitleaks_toml_apply_to_the_range_and_are_named() {
    for (name, text, shown) in [
        (".leakhound.yml", ALLOW_SUB, ".leakhound.yml\n"),
        (
            ".gitleaks.toml",
            "[allowlist]\npaths = ['''sub/deep/''']\n",
            ".gitleaks.toml (gitleaks)\n",
        ),
    ] {
        let (_t, repo, _) = repo_with_secret();
        std::fs::rename(repo.join("sub/deep/a.env"), repo.join("a.env.later")).unwrap();
        std::fs::write(repo.join(name), text).unwrap();
        let base = commit_all(&repo, "base");
        std::fs::rename(repo.join("a.env.later"), repo.join("sub/deep/a.env")).unwrap();
        commit_all(&repo, "pr");
        let spec = format!("{base}..HEAD");
        let r = run_in(&repo, &["git", "--range", &spec, "--no-progress"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let short = &base[..12];
        assert!(
            r.stderr.contains(&format!("config: {short}:{shown}")),
            "{name}: {}",
            r.stderr
        );
    }
    // Both spellings in the base commit: an error naming both.
    let (_t, repo, _) = repo_with_secret();
    std::fs::write(repo.join(".leakhound.yml"), "").unwrap();
    std::fs::write(repo.join(".leakhound.yaml"), "").unwrap();
    let base = commit_all(&repo, "base");
    let r = run_in(
        &repo,
        &["git", "--range", &format!("{base}..HEAD"), "--no-progress"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".leakhound.yaml and ") && r.stderr.contains(".leakhound.yml both exist"),
        "{}",
        r.stderr
    );
}
