//! Report formats: JSON document, JSON Lines, SARIF 2.1.0 (validated against the schema), text.

use std::path::Path;

use crate::common::*;

#[test]
fn json_document_has_findings_and_summary() {
    let r = run(&["scan", "fixtures/scan", "-f", "json"]);
    let doc = r.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 5);
    for f in findings {
        for key in [
            "rule",
            "path",
            "line",
            "column",
            "start",
            "end",
            "secret",
            "entropy",
            "fingerprint",
            "context",
        ] {
            assert!(!f[key].is_null(), "missing {key} in {f}");
        }
        assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
        assert!(f["secret"].as_str().unwrap().ends_with('…'));
    }
    let s = &doc["summary"];
    assert_eq!(s["files_scanned"], 5);
    assert_eq!(s["findings"], 5);
    assert_eq!(s["suppressed"]["inline"], 1);
    assert!(s["bytes_scanned"].as_u64().unwrap() > 0);
    assert!(s["duration"].is_number());
}

#[test]
fn fingerprints_are_stable_across_runs_and_line_moves() {
    let d = tempdir();
    let token = github_token(20);
    std::fs::write(d.path().join("a.env"), format!("T={token}\n")).unwrap();
    let before = run_in(d.path(), &["scan", ".", "-f", "jsonl"]).jsonl()[0]["fingerprint"].clone();
    std::fs::write(
        d.path().join("a.env"),
        format!("# moved\n\nX = 1\nT={token}\n"),
    )
    .unwrap();
    let after = run_in(d.path(), &["scan", ".", "-f", "jsonl"]).jsonl()[0]["fingerprint"].clone();
    assert_eq!(before, after);
    std::fs::write(d.path().join("a.env"), format!("T={}\n", github_token(21))).unwrap();
    let other = run_in(d.path(), &["scan", ".", "-f", "jsonl"]).jsonl()[0]["fingerprint"].clone();
    assert_ne!(before, other);
}

#[test]
fn sarif_validates_and_follows_code_scanning_rules() {
    let d = tempdir();
    std::fs::write(d.path().join("b.bin"), b"\x00\x00bin").unwrap();
    let out = d.path().join("out.sarif");
    let r = run(&[
        "scan",
        "fixtures/scan",
        "-f",
        "sarif",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "-o writes to the file only");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");

    let run0 = &sarif["runs"][0];
    let rule_ids: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rule_ids[idx], id);
        assert!(!res["partialFingerprints"]["leakhound/v1"]
            .as_str()
            .unwrap()
            .is_empty());
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        assert!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    for rule in run0["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
    }
}

#[test]
fn sarif_reports_skips_as_notifications() {
    let d = tempdir();
    std::fs::write(d.path().join("b.bin"), b"\x00\x00bin").unwrap();
    std::fs::write(d.path().join("t.txt"), "text").unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "sarif"]);
    let sarif = r.json();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("b.bin"));
}

#[test]
fn text_report_reads_well() {
    let r = run(&[
        "scan",
        "fixtures/scan/leaks.env",
        "--color",
        "never",
        "-c",
        "/dev/null",
    ]);
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("fixtures/scan/leaks.env:3:19: AWS access key ID (aws-access-key-id, medium confidence): AKIA"), "{first}");
    assert!(!r.stdout.contains('\x1b'));
    let summary = r.stderr.lines().next().unwrap();
    assert!(
        summary.starts_with("leakhound: 3 findings · scanned 1 file"),
        "{summary}"
    );
    let colored = run(&[
        "scan",
        "fixtures/scan/leaks.env",
        "--color",
        "always",
        "-c",
        "/dev/null",
    ]);
    assert!(colored.stdout.contains("\x1b[31m"));
}

/// Errors of `sarif` against the SARIF 2.1.0 schema in the repository.
fn schema_errors(sarif: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Issue 16: `scan src -f sarif` wrote `config.rs`, a file GitHub could not find. Whatever is
/// scanned (the repository, a subdirectory, one file, from the root or from inside), SARIF URIs
/// are relative to the work tree root, with `%SRCROOT%` defined as that root; fingerprints
/// stay relative to the scanned directory, as before.
#[test]
fn sarif_uris_are_relative_to_the_repository_root_whatever_was_scanned() {
    let t = tempdir();
    let repo = t.path().join("repo");
    std::fs::create_dir_all(repo.join("src/deep")).unwrap();
    git_ok(&repo, &["init", "-q"]);
    std::fs::write(
        repo.join("src/deep/config.rs"),
        format!("const T: &str = \"{}\";\n", github_token(160)),
    )
    .unwrap();
    let uris = |dir: &Path, args: &[&str]| -> (Vec<String>, serde_json::Value) {
        let mut all = vec!["scan", "--no-progress", "-f", "sarif", "-c", "/dev/null"];
        all.extend_from_slice(args);
        let r = run_in(dir, &all);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        let sarif = r.json();
        let errors = schema_errors(&sarif);
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        let results = sarif["runs"][0]["results"].as_array().unwrap().clone();
        let uris = results
            .iter()
            .map(|r| {
                let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
                assert_eq!(a["uriBaseId"], "%SRCROOT%", "{args:?}");
                a["uri"].as_str().unwrap().to_string()
            })
            .collect();
        (uris, sarif)
    };
    let want = vec!["src/deep/config.rs".to_string()];
    for (dir, args) in [
        (repo.clone(), &["."][..]),
        (repo.clone(), &["src"][..]),
        (repo.clone(), &["src/deep/config.rs"][..]),
        (repo.join("src"), &["."][..]),
        (repo.join("src/deep"), &["config.rs"][..]),
        (t.path().to_path_buf(), &["repo/src"][..]),
    ] {
        let (got, sarif) = uris(&dir, args);
        assert_eq!(got, want, "scan {args:?} in {}", dir.display());
        let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap()
            .to_string();
        let canonical = std::fs::canonicalize(&repo).unwrap();
        assert_eq!(base, format!("file://{}/", canonical.display()));
    }
    // Outside a repository: relative to the current directory.
    let plain = tempdir();
    std::fs::create_dir(plain.path().join("sub")).unwrap();
    std::fs::write(
        plain.path().join("sub/a.env"),
        format!("T={}\n", github_token(161)),
    )
    .unwrap();
    let (got, _) = uris(plain.path(), &["sub"]);
    assert_eq!(got, ["sub/a.env"]);
}

/// A token in a commit message is not in any file: SARIF gives it a logical location naming
/// the message and its commit, never a made-up file, and the commit in its properties.
#[test]
fn sarif_places_commit_message_findings_at_a_logical_location() {
    let t = tempdir();
    let repo = t.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git_ok(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git_ok(&repo, &["add", "-A"]);
    let msg = format!("deploy\n\ntoken {}\n", github_token(162));
    git_ok(&repo, &["commit", "-q", "-m", &msg]);
    let id = git_ok(&repo, &["rev-parse", "HEAD"]);
    let r = run_in(
        &repo,
        &["git", "--no-progress", "-f", "sarif", "-c", "/dev/null"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sarif = r.json();
    let errors = schema_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    let loc = &results[0]["locations"][0];
    assert!(loc["physicalLocation"].is_null(), "{loc}");
    assert_eq!(loc["logicalLocations"][0]["name"], "<commit message>");
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        format!("<commit message> of commit {id}")
    );
    assert_eq!(results[0]["properties"]["commit"]["id"], id);
    assert_eq!(results[0]["properties"]["line"], 3);
}

/// `level` and `security-severity` follow confidence: a weak generic password is a low-severity
/// note, a checksummed GitHub token a high-severity error; rules carry their own scores.
#[test]
fn sarif_severity_follows_confidence() {
    let d = tempdir();
    std::fs::write(
        d.path().join("a.env"),
        format!("T={}\npassword = \"Tr0ub4dor&3xyzzy\"\n", github_token(163)),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "sarif", "-c", "/dev/null"]);
    let sarif = r.json();
    let levels: Vec<(String, String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["confidence"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                r["properties"]["security-severity"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert!(
        levels.contains(&("high".into(), "error".into(), "8.0".into())),
        "{levels:?}"
    );
    for (confidence, level, score) in &levels {
        let want = match confidence.as_str() {
            "high" => ("error", "8.0"),
            "medium" => ("warning", "6.5"),
            _ => ("note", "3.5"),
        };
        assert_eq!((level.as_str(), score.as_str()), want, "{levels:?}");
    }
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let s = rule["properties"]["security-severity"].as_str().unwrap();
        assert!(["8.0", "6.5", "3.5"].contains(&s), "{}: {s}", rule["id"]);
    }
}

/// Past GitHub's limits (25,000 results per run, 10 MB per upload) the SARIF report is cut,
/// the summary says so in a note, and so does a notification in the report. 25,010 findings
/// of about 1 KB each pass the size limit first.
#[test]
fn sarif_cut_at_githubs_limit_says_so() {
    let d = tempdir();
    let body: String = (0..25_010)
        .map(|i| format!("T{i}={}\n", github_token(1000 + i)))
        .collect();
    std::fs::write(d.path().join("many.env"), body).unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "sarif", "-c", "/dev/null"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.len() <= 10_000_000, "{} bytes", r.stdout.len());
    let sarif = r.json();
    let run0 = &sarif["runs"][0];
    let kept = run0["results"].as_array().unwrap().len();
    assert!((5_000..25_000).contains(&kept), "{kept}");
    let note = format!("the SARIF report holds {kept} of 25010 findings");
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["message"]["text"].as_str().unwrap().contains(&note)),
        "{notes:?}"
    );
    assert!(r.stderr.contains(&format!("note: {note}")), "{}", r.stderr);
}
