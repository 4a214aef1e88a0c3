//! `leakhound scan`: exact findings, exit codes, redaction, ignore files, stdin, config.

use crate::common::*;

fn expected_fixture_findings() -> Vec<(String, String, u64)> {
    let mut v: Vec<(String, String, u64)> = [
        ("aws-access-key-id", "fixtures/scan/leaks.env", 3),
        ("github-pat-classic", "fixtures/scan/leaks.env", 4),
        ("stripe-live-secret-key", "fixtures/scan/leaks.env", 5),
        ("slack-bot-token", "fixtures/scan/nested/config.yaml", 3),
        (
            "database-uri-postgres",
            "fixtures/scan/nested/config.yaml",
            6,
        ),
    ]
    .iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
    .collect();
    v.sort();
    v
}

#[test]
fn finds_exactly_the_planted_secrets() {
    let r = run(&["scan", "fixtures/scan", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(triples(&r.jsonl()), expected_fixture_findings());
    assert!(
        r.stderr.contains("suppressed 1 by inline allow comment"),
        "{}",
        r.stderr
    );
}

#[test]
fn placeholders_bad_checksums_and_clean_files_are_quiet() {
    for f in ["fixtures/scan/placeholders.txt", "fixtures/scan/clean.md"] {
        let r = run(&["scan", f, "-f", "jsonl"]);
        assert_eq!(r.code, 0, "{f}: {}", r.stdout);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&["scan", "fixtures/scan", "--exit-code", "7", "-q"]).code,
        7
    );
    assert_eq!(run(&["scan", "fixtures/scan/clean.md"]).code, 0);
    let r = run(&["scan", "no/such/path"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no/such/path"), "{}", r.stderr);
}

#[test]
fn secrets_are_redacted_everywhere_by_default() {
    let secrets = planted_secrets();
    for fmt in ["text", "json", "jsonl", "sarif"] {
        let r = run(&["scan", "fixtures/scan", "-f", fmt, "--verbose"]);
        for s in &secrets {
            assert!(
                !r.stdout.contains(s.as_str()),
                "{fmt}: stdout leaks a secret"
            );
            assert!(
                !r.stderr.contains(s.as_str()),
                "{fmt}: stderr leaks a secret"
            );
        }
    }
    let r = run(&["scan", "fixtures/scan", "-f", "jsonl", "--no-redact"]);
    for s in &secrets {
        assert!(
            r.stdout.contains(s.as_str()),
            "--no-redact must show {}",
            &s[..6]
        );
    }
}

#[test]
fn paths_are_relative_to_a_single_root_and_joined_for_several() {
    let r = run(&[
        "scan",
        "fixtures/scan/leaks.env",
        "fixtures/scan/nested",
        "-f",
        "jsonl",
    ]);
    let paths: Vec<String> = triples(&r.jsonl()).into_iter().map(|t| t.1).collect();
    assert!(
        paths.contains(&"fixtures/scan/leaks.env".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"fixtures/scan/nested/config.yaml".to_string()),
        "{paths:?}"
    );
}

#[test]
fn stdin_is_scanned() {
    let token = github_token(1);
    let input = format!("line one\nexport GH={token}\n");
    let r = run_with_stdin(
        &root(),
        &["scan", "-", "-f", "jsonl"],
        Some(input.as_bytes()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        [("github-pat-classic".to_string(), "<stdin>".to_string(), 2)]
    );
}

#[test]
fn gitignore_respected_hidden_scanned_dot_git_skipped() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join(".gitignore"), "ignored.env\n").unwrap();
    std::fs::write(p.join("ignored.env"), format!("T={}\n", github_token(2))).unwrap();
    std::fs::write(p.join(".hidden.env"), format!("T={}\n", github_token(3))).unwrap();
    std::fs::create_dir(p.join(".git")).unwrap();
    std::fs::write(p.join(".git/config"), format!("T={}\n", github_token(4))).unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    let paths: Vec<String> = triples(&r.jsonl()).into_iter().map(|t| t.1).collect();
    assert_eq!(paths, [".hidden.env"]);
    let r = run_in(p, &["scan", ".", "-f", "jsonl", "--no-ignore"]);
    let paths: Vec<String> = triples(&r.jsonl()).into_iter().map(|t| t.1).collect();
    assert_eq!(paths, [".hidden.env", "ignored.env"]);
}

#[test]
fn crlf_line_numbers() {
    let d = tempdir();
    std::fs::write(
        d.path().join("win.txt"),
        format!("a\r\nb\r\nkey={}\r\n", github_token(5)),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl"]);
    let f = &r.jsonl()[0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(5))
    );
    assert!(!f["context"].as_str().unwrap().contains('\r'));
}

#[test]
fn config_allowlist_and_errors() {
    let d = tempdir();
    let p = d.path();
    std::fs::create_dir(p.join("vendor")).unwrap();
    std::fs::write(
        p.join("vendor/lib.js"),
        format!("k='{}'\n", github_token(6)),
    )
    .unwrap();
    std::fs::write(p.join("app.js"), format!("k='{}'\n", github_token(7))).unwrap();
    std::fs::write(
        p.join(".leakhound.yaml"),
        "allowlist:\n  paths: ['vendor/**']\n",
    )
    .unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    let paths: Vec<String> = triples(&r.jsonl()).into_iter().map(|t| t.1).collect();
    assert_eq!(paths, ["app.js"]);
    assert!(r.stderr.contains("1 by allowlisted path"), "{}", r.stderr);

    std::fs::write(
        p.join(".leakhound.yaml"),
        "allowlist:\n  pahts: ['vendor/**']\n",
    )
    .unwrap();
    let r = run_in(p, &["scan", "."]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".leakhound.yaml") && r.stderr.contains("pahts"),
        "{}",
        r.stderr
    );

    std::fs::write(
        p.join(".leakhound.yaml"),
        "rules:\n  disable: [no-such-rule]\n",
    )
    .unwrap();
    let r = run_in(p, &["scan", "."]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-rule"), "{}", r.stderr);

    std::fs::write(
        p.join(".leakhound.yaml"),
        "rules:\n  disable: [github-pat-classic]\n",
    )
    .unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn the_project_scans_itself_clean() {
    // The repository's own config, which `run` leaves out, allowlists the fixtures.
    let r = run(&["scan", ".", "-f", "jsonl", "-c", ".leakhound.yaml"]);
    assert_eq!(r.code, 0, "self-scan found: {}", r.stdout);
    assert!(r.stderr.contains("by allowlisted path"), "{}", r.stderr);
}

#[test]
fn min_confidence_filters_and_says_so() {
    // The fixtures hold high-confidence tokens and a (high) database URI; a low-confidence Stripe
    // test key shows the filter.
    let d = tempdir();
    let key = format!("sk_test_{}", &github_token(60)[4..30]);
    std::fs::write(
        d.path().join("a.env"),
        format!("STRIPE={key}\nGH={}\n", github_token(61)),
    )
    .unwrap();
    let all = run_in(d.path(), &["scan", ".", "-f", "jsonl"]);
    let rules: Vec<String> = triples(&all.jsonl()).into_iter().map(|t| t.0).collect();
    assert_eq!(rules, ["github-pat-classic", "stripe-test-secret-key"]);
    let high = run_in(
        d.path(),
        &["scan", ".", "-f", "jsonl", "--min-confidence", "high"],
    );
    let rules: Vec<String> = triples(&high.jsonl()).into_iter().map(|t| t.0).collect();
    assert_eq!(rules, ["github-pat-classic"]);
    // Counted like every other suppression (issue 14), and in the JSON summary too.
    assert!(
        high.stderr.contains("suppressed 1 by --min-confidence"),
        "{}",
        high.stderr
    );
    let doc = run_in(
        d.path(),
        &["scan", ".", "-f", "json", "--min-confidence", "high"],
    );
    let v: serde_json::Value = serde_json::from_str(&doc.stdout).unwrap();
    assert_eq!(v["summary"]["suppressed"]["below-min-confidence"], 1);
    assert!(
        high.stderr.contains("leakhound: 1 finding ·"),
        "{}",
        high.stderr
    );
}

/// A credential shown next to "for example" in a documentation page is reported at low
/// confidence with the evidence named; the same credential in documentation without such
/// words keeps its rule's confidence, and in code nothing changes.
#[test]
fn documentation_examples_are_low_confidence_and_say_so() {
    let d = tempdir();
    // Built at run time so that the project's self-scan does not see a literal.
    let url = format!(
        "https://deploy:{}@git.acme.io/platform/api.git",
        ["8PfvF815", "7MYVQpKLlOvO"].concat()
    );
    std::fs::create_dir_all(d.path().join("docs")).unwrap();
    std::fs::write(
        d.path().join("docs/setup.rst"),
        format!("Point it at your mirror, for example::\n\n    {url}\n"),
    )
    .unwrap();
    std::fs::write(d.path().join("README.md"), format!("Our mirror: {url}\n")).unwrap();
    std::fs::write(
        d.path().join("deploy.py"),
        format!("# for example\nREMOTE = \"{url}\"\n"),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl", "-c", "/dev/null"]);
    let rows = r.jsonl();
    let at = |p: &str| {
        rows.iter()
            .find(|v| v["path"] == p)
            .unwrap_or_else(|| panic!("no finding in {p}: {}", r.stdout))
            .clone()
    };
    let doc = at("docs/setup.rst");
    assert_eq!(doc["confidence"], "low", "{doc}");
    assert_eq!(
        doc["annotations"]["evidence"], "documentation example",
        "{doc}"
    );
    let readme = at("README.md");
    assert_eq!(readme["confidence"], "medium", "{readme}");
    assert_eq!(
        readme["annotations"]["evidence"], "documentation",
        "{readme}"
    );
    let code = at("deploy.py");
    assert_eq!(code["confidence"], "medium", "{code}");
    assert!(code["annotations"].get("evidence").is_none(), "{code}");
    // --min-confidence medium leaves the documentation example out, and says so.
    let medium = run_in(
        d.path(),
        &[
            "scan",
            ".",
            "-f",
            "jsonl",
            "-c",
            "/dev/null",
            "--min-confidence",
            "medium",
        ],
    );
    let paths: Vec<String> = medium
        .jsonl()
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    assert!(!paths.contains(&"docs/setup.rst".to_string()), "{paths:?}");
    assert_eq!(paths.len(), 2, "{paths:?}");
}
