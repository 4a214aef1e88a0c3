//! Suppression and adoption: ignore files, baselines, gitleaks config import, unused-ignore
//! reports, the pre-commit hook, completions and the man page.

use std::path::Path;

use crate::common::*;

fn fingerprints(r: &Run) -> Vec<String> {
    r.jsonl()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn leakhoundignore_suppresses_by_content_not_position() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("a.env"), format!("T={}\n", github_token(40))).unwrap();
    let fp = fingerprints(&run_in(p, &["scan", ".", "-f", "jsonl"]))[0].clone();
    std::fs::write(
        p.join(".leakhoundignore"),
        format!("# reviewed: test token\n{fp}\n"),
    )
    .unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("suppressed 1 by ignored fingerprint"),
        "{}",
        r.stderr
    );
    // A different secret on the very same line is still reported.
    std::fs::write(p.join("a.env"), format!("T={}\n", github_token(41))).unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl", "--report-unused-ignores"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.jsonl().len(), 1);
    assert!(
        r.stderr.contains(&format!(
            "unused ignore: ./.leakhoundignore:2: fingerprint {fp}"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn unused_inline_allow_markers_are_reported() {
    let d = tempdir();
    let p = d.path();
    let text = format!(
        "T={}  # leakhound:allow\nX=1  # leakhound:allow stale\n",
        github_token(46)
    );
    std::fs::write(p.join("a.env"), text).unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl", "--report-unused-ignores"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("unused ignore: a.env:2: inline allow marker"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("a.env:1:"), "{}", r.stderr);
}

#[test]
fn malformed_leakhoundignore_is_an_error() {
    let d = tempdir();
    std::fs::write(d.path().join(".leakhoundignore"), "not-a-fingerprint\n").unwrap();
    std::fs::write(d.path().join("a.txt"), "x").unwrap();
    let r = run_in(d.path(), &["scan", "."]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".leakhoundignore:1"), "{}", r.stderr);
}

#[test]
fn gitleaksignore_is_honoured() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("a.env"), format!("x=1\nT={}\n", github_token(42))).unwrap();
    std::fs::write(p.join(".gitleaksignore"), "a.env:github-pat:2\n").unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("by .gitleaksignore entry"),
        "{}",
        r.stderr
    );
}

#[test]
fn baseline_reports_only_new_findings() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("legacy.env"), format!("T={}\n", github_token(43))).unwrap();
    let base = p.join("baseline.json");
    let r = run_in(
        p,
        &["scan", ".", "-f", "json", "-o", base.to_str().unwrap()],
    );
    assert_eq!(r.code, 1);
    let r = run_in(
        p,
        &[
            "scan",
            ".",
            "--baseline",
            base.to_str().unwrap(),
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("suppressed 1 by baseline"),
        "{}",
        r.stderr
    );
    std::fs::write(p.join("new.env"), format!("T={}\n", github_token(44))).unwrap();
    let r = run_in(
        p,
        &[
            "scan",
            ".",
            "--baseline",
            base.to_str().unwrap(),
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        triples(&r.jsonl()),
        [("github-pat-classic".to_string(), "new.env".to_string(), 1)]
    );
    let r = run_in(p, &["scan", ".", "--baseline", "nope.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope.json"), "{}", r.stderr);
}

#[test]
fn gitleaks_config_import() {
    let d = tempdir();
    let p = d.path();
    let toml = r#"
[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''itk_(?:live|test)_[A-Za-z0-9]{20}'''
entropy = 3.0

[allowlist]
paths = ['''(^|/)testdata/''']
"#;
    std::fs::write(p.join("gitleaks.toml"), toml).unwrap();
    std::fs::create_dir(p.join("testdata")).unwrap();
    std::fs::write(
        p.join("svc.py"),
        "TOKEN = 'itk_live_Q8fz1LmP0xVb7RtY3sKe'\n", // leakhound:allow (fake token)
    )
    .unwrap();
    std::fs::write(
        p.join("testdata/fixture.py"),
        "TOKEN = 'itk_test_R7gy2KnQ1wUc8SuZ4tLf'\n", // leakhound:allow (fake token)
    )
    .unwrap();
    let r = run_in(
        p,
        &[
            "scan",
            ".",
            "--gitleaks-config",
            "gitleaks.toml",
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        [(
            "gitleaks.internal-token".to_string(),
            "svc.py".to_string(),
            1
        )]
    );
    assert!(
        r.stderr.contains("imported 1 rule(s) and 1 allowlist(s)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("by gitleaks allowlist"), "{}", r.stderr);
    std::fs::write(p.join("bad.toml"), "rules = [").unwrap();
    let r = run_in(p, &["scan", ".", "--gitleaks-config", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml"), "{}", r.stderr);
}

use crate::common::git_output as git;

#[test]
fn installed_hook_blocks_a_leaking_commit_and_explains() {
    let d = tempdir();
    let p = d.path();
    assert!(git(p, &["init", "-q"]).status.success());
    let team_hook = p.join(".git/hooks/pre-commit");
    std::fs::write(&team_hook, "#!/bin/sh\necho team-lint-ran >&2\n").unwrap();
    std::fs::set_permissions(
        &team_hook,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let r = run_in(p, &["install-hook"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("runs first"), "{}", r.stderr);
    let r = run_in(p, &["install-hook"]);
    assert!(r.stderr.contains("already installed"), "{}", r.stderr);

    let token = github_token(45);
    std::fs::write(p.join("app.env"), format!("T={token}\n")).unwrap();
    git(p, &["add", "app.env"]);
    let out = git(p, &["commit", "-q", "-m", "add config"]);
    // git sends a hook's stdout to stderr too.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = format!("{}{stderr}", String::from_utf8_lossy(&out.stdout));
    assert!(!out.status.success(), "commit should be blocked: {stderr}");
    assert!(
        stderr.contains("team-lint-ran"),
        "chained hook did not run: {stderr}"
    );
    assert!(
        stderr.contains("commit blocked") && stderr.contains("leakhound:allow"),
        "{stderr}"
    );
    assert!(stdout.contains("app.env:1:3"), "{stdout}");
    assert!(
        !stdout.contains(&token) && !stderr.contains(&token),
        "the hook leaked the secret"
    );

    std::fs::write(
        p.join("app.env"),
        format!("T={token}  # leakhound:allow test fixture\n"),
    )
    .unwrap();
    git(p, &["add", "app.env"]);
    let out = git(p, &["commit", "-q", "-m", "add config"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_and_man_page() {
    let r = run(&["completions", "bash"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("leakhound") && r.stdout.contains("install-hook"));
}

/// `leakhound man` prints a page for leakhound and for every subcommand, and together they
/// mention every subcommand and every long option clap knows (issue 16: the page was a stub).
/// `leakhound man scan` prints only that page; an unknown one is an error.
#[test]
fn man_pages_cover_every_subcommand_and_option() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, Vec<String>)>) {
        let longs = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        out.push((prefix.to_string(), longs));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &format!("{prefix}-{}", sub.get_name()), out);
        }
    }
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // roff escapes `-` as `\-`.
    let page = r.stdout.replace("\\-", "-");
    let mut all = Vec::new();
    walk(&leakhound::cli::Cli::command(), "leakhound", &mut all);
    assert!(all.len() > 10, "{all:?}");
    let mut missing = Vec::new();
    for (name, longs) in &all {
        if !page.contains(&format!(".TH {name} ")) {
            missing.push(format!("no page {name}"));
        }
        for l in longs {
            if !page.contains(l.as_str()) {
                missing.push(format!("{name}: {l}"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    let one = run(&["man", "scan"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(one.stdout.starts_with(".ie") || one.stdout.contains(".TH leakhound-scan "));
    assert_eq!(
        one.stdout.matches(".TH ").count(),
        1,
        "{}",
        &one.stdout[..200]
    );
    let nested = run(&["man", "rules", "check"]);
    assert!(
        nested.stdout.contains(".TH leakhound-rules-check "),
        "{}",
        nested.stderr
    );
    let bad = run(&["man", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("no subcommand \"nope\""),
        "{}",
        bad.stderr
    );
}

#[test]
fn config_schema_accepts_the_documented_config_and_rejects_typos() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("schema/leakhound-config.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let full = r"
rules:
  disable: [stripe-test-secret-key]
  extra:
    - id: acme-key
      name: Acme key
      keywords: [acme_]
      regex: '(?P<secret>acme_[a-z0-9]{20})'
      provider: acme
  override: { github-pat-classic: { entropy: 4.0, confidence: low } }
allowlist:
  paths: ['fixtures/**']
  regexes: ['^sk_test_']
  stopwords: [example]
  fingerprints: ['0123456789abcdef0123456789abcdef']
verifiers:
  - name: acme
    base_url: https://api.acme.example
    docs: [https://docs.acme.example/api/whoami]
    request:
      method: GET
      path: /v1/whoami
      auth: {header: Authorization, prefix: 'Token '}
      headers: {Accept: application/json}
    active: {status: [200], pointer: /ok, equals: true}
    inactive:
      - status: [401]
      - {status: ['4xx'], pointer: /error, equals: invalid_token}
    identity: [/user/login]
    identity_format: 'user {}'
";
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\nrules:\n")
        .expect("README has a config example")
        + "```yaml\n".len();
    let readme_example = readme[start..].split("```").next().unwrap().to_string();
    for (name, text) in [
        ("full", full.to_string()),
        (
            "repo",
            std::fs::read_to_string(root().join(".leakhound.yaml")).unwrap(),
        ),
        ("README", readme_example),
    ] {
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let cfg = leakhound::config::Config::parse(Path::new(name), &text)
            .expect("the schema and the parser agree");
        let mut rules = leakhound::rules::RuleSet::builtin().unwrap();
        cfg.apply_rules(&mut rules, Path::new(name)).unwrap();
        cfg.user_verifiers(Path::new(name))
            .expect("the schema and the verifier checks agree");
    }
    let typo: serde_json::Value = serde_saphyr::from_str("allowlist:\n  pahts: []\n").unwrap();
    assert!(!validator.is_valid(&typo));
    let plain: serde_json::Value = serde_saphyr::from_str(
        "verifiers: [{name: x, base_url: 'http://x.example', docs: ['https://d'], \
         request: {method: GET, path: /, auth: bearer}, active: {status: [200]}}]\n",
    )
    .unwrap();
    assert!(!validator.is_valid(&plain), "plain http to a remote host");
}
