//! `leakhound report` / `merge`: reports read back render exactly as the run that wrote them
//! would have; several merge as one run would attribute them; bad input is named with its line;
//! and the CSV, JUnit, gitleaks and HTML formats parse with standard parsers.

use std::path::Path;

use clap::ValueEnum;
use serde::Deserialize;

use crate::common::*;

/// The `"duration": …` of a JSON report blanked (the one thing two runs legitimately differ in).
fn no_duration(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("\"duration\":") {
                "\"duration\": _"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn json_text_and_sarif_render_again_byte_for_byte() {
    let d = tempdir();
    let scan = |format: &str| {
        let r = run(&["scan", "fixtures/scan", "-f", format, "--no-progress"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stdout
    };
    let json = write(d.path(), "a.json", &scan("json"));
    let jsonl = write(d.path(), "a.jsonl", &scan("jsonl"));
    let again = run(&["report", &json, "-f", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        no_duration(&again.stdout),
        no_duration(&std::fs::read_to_string(&json).unwrap())
    );
    // JUnit's time is the run's duration: the one thing two runs differ in.
    let time = regex::Regex::new(r#" time="[0-9.]+""#).unwrap();
    let untimed = |t: &str| time.replace_all(t, "").into_owned();
    // Every format but JSON (the source) and SARIF (checked below, given a scan root).
    let formats = leakhound::cli::FormatArg::value_variants()
        .iter()
        .map(|f| f.to_possible_value().unwrap().get_name().to_string())
        .filter(|f| f != "json" && f != "sarif");
    for format in formats {
        let format = format.as_str();
        let direct = untimed(&scan(format));
        let from_json = run(&["report", &json, "-f", format]);
        assert_eq!(untimed(&from_json.stdout), direct, "{format} from JSON");
        if format != "junit" && format != "html" {
            // JUnit and HTML show the summary, which JSON Lines do not carry.
            let from_jsonl = run(&["report", &jsonl, "-f", format]);
            assert_eq!(
                untimed(&from_jsonl.stdout),
                direct,
                "{format} from JSON Lines"
            );
        }
    }
    // SARIF: the same, given the path the scan was given (its URIs are relative to the
    // repository root).
    let sarif = scan("sarif");
    let args = ["-f", "sarif", "--scan-root", "fixtures/scan"];
    let from_json = run(&[&["report", json.as_str()][..], &args[..]].concat());
    assert_eq!(from_json.stdout, sarif);
    // From JSON Lines, everything but the run's notifications (skips and suppressions, which
    // JSON Lines do not carry).
    let from_jsonl = run(&[&["report", jsonl.as_str()][..], &args[..]].concat());
    let a: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let b: serde_json::Value = serde_json::from_str(&from_jsonl.stdout).unwrap();
    assert_eq!(a["runs"][0]["results"], b["runs"][0]["results"]);
    assert_eq!(a["runs"][0]["tool"], b["runs"][0]["tool"]);
    assert!(from_jsonl
        .stderr
        .contains("JSON Lines, which carry findings only"));
}

/// Day `n` after 2024-01-01, as seconds since the epoch.
fn day(n: u64) -> u64 {
    GIT_EPOCH + n * 86_400
}

#[test]
fn history_reports_render_again_and_merge_as_one_run() {
    let d = tempdir();
    let repo = d.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let token = github_token(1801);
    let other = github_token(1802);
    git_ok_at(&repo, day(0), &["init", "-q"]);
    std::fs::write(repo.join("README.md"), "# r\n").unwrap();
    git_ok_at(&repo, day(0), &["add", "-A"]);
    git_ok_at(&repo, day(0), &["commit", "-q", "-m", "root"]);
    git_ok_at(&repo, day(0), &["branch", "late"]);
    // main: the token enters x.env on day 1, and stays.
    std::fs::write(repo.join("x.env"), format!("T={token}\n")).unwrap();
    git_ok_at(&repo, day(1), &["add", "-A"]);
    git_ok_at(&repo, day(1), &["commit", "-q", "-m", "add x"]);
    // late: the same token at the same path on day 5 (another blob), and a second secret.
    git_ok_at(&repo, day(5), &["checkout", "-q", "late"]);
    std::fs::write(
        repo.join("x.env"),
        format!("# late\nT={token}\nU={other}\n"),
    )
    .unwrap();
    git_ok_at(&repo, day(5), &["add", "-A"]);
    git_ok_at(&repo, day(5), &["commit", "-q", "-m", "late x"]);
    git_ok_at(&repo, day(6), &["checkout", "-q", "main"]);

    let full = run_in(&repo, &["git", "-f", "json", "--no-progress"]);
    assert_eq!(full.code, 1, "{}", full.stderr);
    let full_path = write(d.path(), "full.json", &full.stdout);
    // Read back: the same document.
    let again = run_in(&repo, &["report", &full_path, "-f", "json"]);
    assert_eq!(no_duration(&again.stdout), no_duration(&full.stdout));
    let direct_sarif = run_in(&repo, &["git", "-f", "sarif", "--no-progress"]).stdout;
    let sarif = run_in(&repo, &["report", &full_path, "-f", "sarif"]).stdout;
    assert_eq!(sarif, direct_sarif);

    // Two partial runs (one branch each), merged, attribute as the full run does: the token at
    // main's day-1 commit, the second secret at late's.
    let mut parts = Vec::new();
    for branch in ["late", "main"] {
        let r = run_in(
            &repo,
            &["git", "--branch", branch, "-f", "jsonl", "--no-progress"],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        parts.push(write(d.path(), &format!("{branch}.jsonl"), &r.stdout));
    }
    for command in ["report", "merge"] {
        let merged = run_in(
            &repo,
            &[command, &parts[0], &parts[1], &parts[1], "-f", "json"],
        );
        assert_eq!(merged.code, 0, "{}", merged.stderr);
        let want = full.json()["findings"].clone();
        let got = merged.json()["findings"].clone();
        assert_eq!(
            got, want,
            "{command}: merged findings differ from the full run's"
        );
        assert_eq!(want.as_array().unwrap().len(), 2);
    }
}

#[test]
fn bad_input_is_named_with_its_line() {
    let d = tempdir();
    let good = run(&["scan", "fixtures/scan", "-f", "jsonl", "--no-progress"]).stdout;
    let mut lines: Vec<&str> = good.lines().collect();
    let broken = lines[1].replacen("\"line\":", "\"line\":\"x\",\"was\":", 1);
    lines[1] = &broken;
    let bad = write(d.path(), "bad.jsonl", &(lines.join("\n") + "\n"));
    let r = run(&["report", &bad, "-f", "json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.jsonl:2:") && r.stderr.contains("not a leakhound finding"),
        "{}",
        r.stderr
    );
    let missing = d.path().join("missing.json");
    let r = run(&["report", missing.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.json: cannot read"),
        "{}",
        r.stderr
    );
    // A SARIF report is refused by name.
    let sarif = write(
        d.path(),
        "x.sarif",
        &run(&["scan", "fixtures/scan", "-f", "sarif", "--no-progress"]).stdout,
    );
    let r = run(&["report", &sarif]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("x.sarif:") && r.stderr.contains("SARIF"),
        "{}",
        r.stderr
    );
}

#[test]
fn unredacted_reports_need_no_redact_and_redacted_ones_stay_redacted() {
    let d = tempdir();
    let raw = run(&[
        "scan",
        "fixtures/scan",
        "-f",
        "jsonl",
        "--no-redact",
        "--no-progress",
    ]);
    let raw = write(d.path(), "raw.jsonl", &raw.stdout);
    let r = run(&["report", &raw, "-f", "csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("raw.jsonl: written with --no-redact"),
        "{}",
        r.stderr
    );
    let r = run(&["report", &raw, "-f", "csv", "--no-redact"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(planted_secrets()
        .iter()
        .all(|s| r.stdout.contains(s.as_str())));
    // A redacted report rendered with --no-redact: still redacted.
    let red = run(&["scan", "fixtures/scan", "-f", "jsonl", "--no-progress"]);
    let red = write(d.path(), "red.jsonl", &red.stdout);
    let r = run(&["report", &red, "-f", "gitleaks", "--no-redact"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for s in planted_secrets() {
        assert!(!r.stdout.contains(&s[..12]), "{s} shown");
    }
}

#[test]
fn csv_parses_with_a_header_row() {
    let r = run(&["scan", "fixtures/scan", "-f", "csv", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("\r\n"), "RFC 4180 records end in CRLF");
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..5],
        ["rule", "rule_name", "confidence", "path", "line"]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let json = run(&["scan", "fixtures/scan", "-f", "json", "--no-progress"]).json();
    for (row, f) in rows.iter().zip(json["findings"].as_array().unwrap()) {
        assert_eq!(row.len(), header.len());
        for (i, key) in header.iter().enumerate().take(13) {
            let want = match &f[key.as_str()] {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            assert_eq!(&row[i], want, "{key}");
        }
    }
    // The context with quotes came through the quoting.
    assert!(rows.iter().any(|r| r[12].contains("\"sk_live_")));
}

#[test]
fn junit_parses_one_failing_testcase_per_finding() {
    use quick_xml::events::Event;
    let r = run(&["scan", "fixtures/scan", "-f", "junit", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    let mut files = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testsuite" => {
                suites += 1;
                let tests = e.try_get_attribute("tests").unwrap().unwrap();
                assert_eq!(&*tests.value, b"5");
            }
            Event::Start(e) if e.name().as_ref() == b"testcase" => {
                cases += 1;
                let file = e.try_get_attribute("file").unwrap().unwrap();
                files.push(String::from_utf8(file.value.to_vec()).unwrap());
            }
            Event::Start(e) if e.name().as_ref() == b"failure" => {
                failures += 1;
                let msg = e.try_get_attribute("message").unwrap().unwrap();
                let msg = String::from_utf8(msg.value.to_vec()).unwrap();
                assert!(msg.contains(" at "), "{msg}");
                assert!(e.try_get_attribute("type").unwrap().is_some());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((suites, cases, failures), (1, 5, 5));
    assert!(files.contains(&"nested/config.yaml".to_string()));
    // No findings: one passing test case, so a viewer shows the check ran.
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), "nothing here\n").unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "junit", "--no-progress"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("failures=\"0\"") && r.stdout.contains("<testcase "));
}

/// gitleaks' `report.Finding` as its JSON report writes it (gitleaks/gitleaks,
/// report/finding.go): these names and types, nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case, dead_code)]
struct GitleaksFinding {
    RuleID: String,
    Description: String,
    StartLine: i64,
    EndLine: i64,
    StartColumn: i64,
    EndColumn: i64,
    Match: String,
    Secret: String,
    File: String,
    SymlinkFile: String,
    Commit: String,
    Entropy: f32,
    Author: String,
    Email: String,
    Date: String,
    Message: String,
    Tags: Vec<String>,
    Fingerprint: String,
}

#[test]
fn gitleaks_json_has_gitleaks_fields_and_types() {
    let r = run(&["scan", "fixtures/scan", "-f", "gitleaks", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let all: Vec<GitleaksFinding> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(all.len(), 5);
    let gh = all
        .iter()
        .find(|f| f.RuleID == "github-pat-classic")
        .unwrap();
    assert_eq!(
        (gh.File.as_str(), gh.StartLine, gh.StartColumn),
        ("leaks.env", 4, 14)
    );
    // A 40-character token: its last character is at column 14 + 39.
    assert_eq!((gh.EndLine, gh.EndColumn), (4, 53));
    assert_eq!(gh.Fingerprint, "leaks.env:github-pat-classic:4");
    assert!(gh.Secret.ends_with('…'));
    assert!(gh.Tags.iter().any(|t| t.starts_with("fingerprint:")));
    // The positional fingerprint is what `.gitleaksignore` takes, and leakhound honours it.
    let d = tempdir();
    std::fs::write(
        d.path().join("a.env"),
        format!("T={}\n", github_token(1803)),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "gitleaks", "--no-progress"]);
    let all: Vec<GitleaksFinding> = serde_json::from_str(&r.stdout).unwrap();
    std::fs::write(
        d.path().join(".gitleaksignore"),
        format!("{}\n", all[0].Fingerprint),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "gitleaks", "--no-progress"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn html_is_self_contained_and_cannot_be_injected() {
    let d = tempdir();
    let token = github_token(1804);
    std::fs::write(
        d.path().join("x<script>alert(1)<!--.env"),
        format!("T={token} # </script><script>alert(2)</script> & \u{2028} end\n"),
    )
    .unwrap();
    let r = run_in(d.path(), &["scan", ".", "-f", "html", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let page = &r.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Exactly the page's own two script elements, nothing a finding wrote.
    assert_eq!(page.matches("<script").count(), 2, "{page}");
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(!page.contains("alert(2)</"));
    assert!(!page.contains("<!--"));
    // No fetch of anything: no URL the browser would load, and a policy forbidding them.
    assert!(page.contains("default-src 'none'"));
    for pattern in ["src=\"http", "href=\"http", "url(", "@import", "src=\"//"] {
        assert!(!page.contains(pattern), "{pattern}");
    }
    assert!(!page.contains(&token[..12]), "the secret is redacted");
    // The data parses back, with the hostile text intact.
    let start = page.find("id=\"leakhound-data\">").unwrap() + "id=\"leakhound-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let row = &data["f"][0];
    assert_eq!(row[3], "x<script>alert(1)<!--.env");
    assert!(row[7]
        .as_str()
        .unwrap()
        .contains("</script><script>alert(2)</script> & \u{2028} end"));
}
