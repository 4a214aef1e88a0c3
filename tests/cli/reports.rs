//! Report formats: JSON document, JSON Lines, SARIF 2.1.0 (validated against the schema), text.

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
