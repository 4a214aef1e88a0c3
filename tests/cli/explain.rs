//! `leakhound explain`: the verdict on each candidate, as text and JSON Lines, redacted by
//! default, with errors naming the input.

use crate::common::*;

#[test]
fn explains_a_reported_and_a_rejected_token() {
    let good = github_token(7);
    // The same body with its checksum's last character changed: a wrong checksum.
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let dir = tempdir();
    std::fs::write(
        dir.path().join("app.env"),
        format!("GOOD={good}\nBAD={bad}\n"),
    )
    .unwrap();
    let r = run_in(dir.path(), &["explain", "-f", "jsonl", "app.env"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<_> = r
        .jsonl()
        .into_iter()
        .filter(|e| e["rule"] == "github-pat-classic")
        .collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["verdict"], "reported");
    assert_eq!(rows[1]["line"], 2);
    assert_eq!(rows[1]["verdict"], "check");
    assert_eq!(rows[1]["check"], "github-crc32");
    // Redacted by default: neither token appears anywhere in the output.
    assert!(!r.stdout.contains(&good) && !r.stdout.contains(&bad));

    let full = run_in(dir.path(), &["explain", "--no-redact", "app.env"]);
    assert!(full.stdout.contains(&good), "{}", full.stdout);
    assert!(
        full.stdout.contains("github-pat-classic  "),
        "{}",
        full.stdout
    );
    assert!(full
        .stdout
        .contains("rejected: the github-crc32 check failed"));
}

#[test]
fn reads_stdin_and_says_when_no_keyword_occurs() {
    let dir = tempdir();
    let r = run_with_stdin(dir.path(), &["explain"], Some(b"nothing to see here\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "-: no rule's keyword occurs");
    let r = run_with_stdin(
        dir.path(),
        &["explain"],
        Some(b"password = \"aaaabbbbccccdddd1\"\n"),
    );
    assert!(
        r.stdout.contains(
            "generic-secret-assignment  aaaa…  rejected: entropy 2.21 is below the floor 3.00"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn a_missing_or_huge_file_is_an_error_naming_it() {
    let dir = tempdir();
    let r = run_in(dir.path(), &["explain", "missing.txt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.txt: cannot read"),
        "{}",
        r.stderr
    );
    std::fs::write(dir.path().join("big.txt"), vec![b'a'; 2048]).unwrap();
    let r = run_in(dir.path(), &["explain", "--max-file-size", "1K", "big.txt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("big.txt: larger than --max-file-size"),
        "{}",
        r.stderr
    );
}

/// Generic candidates are explained by which piece of evidence turned them down: the name (a
/// secret word inside a longer word, a hash word, a head noun after the secret word), the value
/// (a published example, a word-based password) or the entropy floor; and a secret word in the
/// middle of an identifier (`APP_SECRET_VALUE`) is found, not skipped.
#[test]
fn explain_says_which_generic_check_turned_a_candidate_down() {
    let dir = tempdir();
    // Built at run time so that the project's self-scan does not see a literal.
    let random = ["aB3dE5fG7h", "I9jK1lM2nO"].concat();
    let rfc6749 = ["2YotnFZFEj", "r1zCsicMWpAA"].concat();
    let input = format!(
        "APP_SECRET_VALUE = \"{random}\"\n\
         secretary_note = \"{random}\"\n\
         hashed_secret = \"{random}\"\n\
         token_url = \"{random}\"\n\
         access_token = \"{rfc6749}\"\n\
         admin_password = \"NewP@ssword456\"\n"
    );
    let r = run_with_stdin(
        dir.path(),
        &["explain", "-f", "jsonl"],
        Some(input.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("explain -f jsonl prints JSON lines"))
        .filter(|v: &serde_json::Value| v["rule"] == "generic-secret-assignment")
        .collect();
    let at = |line: u64| {
        rows.iter()
            .find(|v| v["line"] == line)
            .unwrap_or_else(|| panic!("no generic candidate on line {line}: {}", r.stdout))
    };
    assert_eq!(at(1)["verdict"], "reported");
    assert_eq!(at(2)["verdict"], "check");
    assert!(at(2)["why"]
        .as_str()
        .unwrap()
        .contains("not a word of its own"));
    assert!(at(3)["why"].as_str().unwrap().contains("hash"));
    assert!(at(4)["why"]
        .as_str()
        .unwrap()
        .contains("after the secret word"));
    assert_eq!(at(5)["verdict"], "placeholder");
    assert_eq!(at(5)["why"], "RFC 6749 section 5.1");
    assert!(at(6)["why"]
        .as_str()
        .unwrap()
        .contains("word-based password"));
    // The text form says the same in words.
    let text = run_with_stdin(dir.path(), &["explain"], Some(input.as_bytes()));
    assert!(
        text.stdout
            .contains("rejected: the value reads as a placeholder: RFC 6749 section 5.1"),
        "{}",
        text.stdout
    );
}

/// The entries of `explain -c CONFIG -f jsonl FILE` run in `dir`.
fn explain_rows(dir: &std::path::Path, config: &str, file: &str) -> Vec<serde_json::Value> {
    let r = run_in(dir, &["explain", "-c", config, "-f", "jsonl", file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.jsonl()
}

/// (line, rule) of every entry of `rows` with the verdict `verdict`, sorted; for `reported`,
/// only those a scan does not suppress (no `suppressed` field).
fn with_verdict(rows: &[serde_json::Value], verdict: &str) -> Vec<(u64, String)> {
    rows_where(rows, |e| {
        e["verdict"] == verdict && e["suppressed"].is_null()
    })
}

/// (line, rule) of every entry of `rows` that `keep` keeps, sorted.
fn rows_where(
    rows: &[serde_json::Value],
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Vec<(u64, String)> {
    let mut v: Vec<_> = rows
        .iter()
        .filter(|e| keep(e))
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// (line, rule) of every finding `scan -f json` reports for `file` in `dir`, sorted, leaving
/// out what base64 decoding adds (explain reads plain content only); and how many findings
/// inline allow comments suppressed.
fn scanned(dir: &std::path::Path, config: &str, file: &str) -> (Vec<(u64, String)>, u64) {
    let r = run_in(
        dir,
        &["scan", "-c", config, "-f", "json", "--no-progress", file],
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let report = r.json();
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["annotations"]["encoding"].is_null())
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    let inline = report["summary"]["suppressed"]["inline"]
        .as_u64()
        .unwrap_or(0);
    (v, inline)
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// What `explain` calls reported is what `scan` reports: on every fixture of `fixtures/scan`,
/// with no configuration (the repository's own allowlists the fixtures), the (line, rule) pairs
/// agree, and explain marks as many reported candidates suppressed by an inline allow comment
/// as the scan suppresses. A same-span overlap between rules used to be "reported" by both in explain while the
/// scan kept only the winner (`nested/config.yaml` line 3: a Slack token under `bot_token:`).
#[test]
fn explain_reports_what_scan_reports_on_every_fixture() {
    let mut files = Vec::new();
    files_under(&scan_fixtures(), &mut files);
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    let mut config_yaml = None;
    for f in &files {
        let rel = f.strip_prefix(root()).unwrap().to_str().unwrap();
        let (scan, inline) = scanned(&root(), "/dev/null", rel);
        let rows = explain_rows(&root(), "/dev/null", rel);
        assert_eq!(with_verdict(&rows, "reported"), scan, "{rel}");
        let allowed = rows_where(&rows, |e| {
            e["verdict"] == "reported" && e["suppressed"] == "inline"
        });
        assert_eq!(allowed.len() as u64, inline, "{rel}: {allowed:?}");
        if rel == "fixtures/scan/nested/config.yaml" {
            config_yaml = Some(rows);
        }
    }
    let rows = config_yaml.expect("fixtures/scan/nested/config.yaml is a fixture");
    let overlaps = with_verdict(&rows, "overlap");
    assert_eq!(overlaps, [(3, "generic-secret-env-assignment".to_string())]);
    let loser = rows.iter().find(|e| e["verdict"] == "overlap").unwrap();
    assert_eq!(loser["winner"], "slack-bot-token");
    assert_eq!(loser["why"], "medium confidence over low");
    let text = run(&[
        "explain",
        "-c",
        "/dev/null",
        "fixtures/scan/nested/config.yaml",
    ]);
    assert!(
        text.stdout.contains(
            "generic-secret-env-assignment  xoxb-884…  not reported: overlaps slack-bot-token's \
             match on the same span, which wins (medium confidence over low)"
        ),
        "{}",
        text.stdout
    );
}

/// The same agreement on crafted overlaps: vendor tokens under generic secret names (the vendor
/// rule wins the span), two rules of one confidence on one span (the earlier rule wins), and
/// two matches that overlap without sharing a span (both are reported).
#[test]
fn explain_reports_what_scan_reports_on_crafted_overlaps() {
    let planted = planted_secrets();
    let slack = planted.iter().find(|s| s.starts_with("xoxb-")).unwrap();
    let stripe = planted.iter().find(|s| s.starts_with("sk_live_")).unwrap();
    let github = github_token(11);
    // Built at run time so that the project's self-scan does not see a literal.
    let acme = ["acme_", "q8fz1lmp0xvb7rty3ske"].concat();
    let dir = tempdir();
    std::fs::write(
        dir.path().join("overlaps.txt"),
        format!(
            "SLACK_TOKEN={slack}\n\
             api_key: \"{stripe}\"\n\
             password = \"{slack}\"\n\
             client_secret: {stripe}\n\
             GITHUB_TOKEN={github}\n\
             ref = {acme}_x7k2\n\
             note = {acme}\n"
        ),
    )
    .unwrap();
    let rule = |id: &str, confidence: &str, regex: &str| {
        format!(
            "    - id: {id}\n      name: {id}\n      keywords: [acme_]\n      \
             confidence: {confidence}\n      regex: '{regex}'\n"
        )
    };
    std::fs::write(
        dir.path().join("rules.yml"),
        format!(
            "rules:\n  extra:\n{}{}{}",
            rule("acme-first", "low", r"(?P<secret>acme_[a-z0-9]{20})"),
            rule("acme-second", "low", r"(?P<secret>acme_[a-z0-9]{20})"),
            rule(
                "acme-suffixed",
                "low",
                r"(?P<secret>acme_[a-z0-9]{20}_[a-z0-9]{4})"
            ),
        ),
    )
    .unwrap();
    // The second is what explain says with `-c rules.yml`, read again below.
    let [_, rows] = ["/dev/null", "rules.yml"].map(|config| {
        let (scan, _) = scanned(dir.path(), config, "overlaps.txt");
        let rows = explain_rows(dir.path(), config, "overlaps.txt");
        assert_eq!(with_verdict(&rows, "reported"), scan, "with -c {config}");
        assert!(scan.len() >= 5, "{scan:?}");
        rows
    });
    let owned = |v: &[(u64, &str)]| -> Vec<(u64, String)> {
        v.iter().map(|&(l, r)| (l, r.to_string())).collect()
    };
    assert_eq!(
        with_verdict(&rows, "overlap"),
        owned(&[
            (1, "generic-secret-env-assignment"),
            (2, "generic-secret-assignment"),
            (3, "generic-secret-assignment"),
            (4, "generic-secret-env-assignment"),
            (6, "acme-second"),
            (7, "acme-second"),
        ])
    );
    let reported = with_verdict(&rows, "reported");
    for want in [(6, "acme-first"), (6, "acme-suffixed"), (7, "acme-first")] {
        assert!(
            reported.contains(&(want.0, want.1.to_string())),
            "{reported:?}"
        );
    }
    let tie = rows.iter().find(|e| e["rule"] == "acme-second").unwrap();
    assert_eq!(tie["winner"], "acme-first");
    assert_eq!(tie["why"], "the same confidence, and its rule comes first");
}

/// A candidate the rules report on a line holding an inline allow comment is what a scan
/// suppresses whatever the configuration: explain says both, and keeps the verdict `reported`
/// in JSON Lines (the suppression is an added field).
#[test]
fn explain_says_an_inline_allow_comment_suppresses_a_reported_candidate() {
    let r = run(&["explain", "-c", "/dev/null", "fixtures/scan/allowed.py"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "allowed.py:2  github-pat-classic  ghp_mavz…  reported by the rules; suppressed in a \
             scan by an inline allow comment on its line"
        ),
        "{}",
        r.stdout
    );
    let r = run(&[
        "explain",
        "-c",
        "/dev/null",
        "-f",
        "jsonl",
        "fixtures/scan/allowed.py",
    ]);
    let rows = r.jsonl();
    let token = rows
        .iter()
        .find(|e| e["rule"] == "github-pat-classic")
        .unwrap();
    assert_eq!(token["verdict"], "reported");
    assert_eq!(token["suppressed"], "inline");
    // Only reported candidates carry it, and only on the marked line: gitleaks' marker too.
    assert!(rows
        .iter()
        .filter(|e| e["verdict"] != "reported")
        .all(|e| e["suppressed"].is_null()));
    let good = github_token(23);
    let dir = tempdir();
    std::fs::write(
        dir.path().join("t.env"),
        format!("A={good} # gitleaks:allow\nB={good}\n"),
    )
    .unwrap();
    let rows = run_in(dir.path(), &["explain", "-f", "jsonl", "t.env"]).jsonl();
    let marks: Vec<_> = rows
        .iter()
        .filter(|e| e["rule"] == "github-pat-classic")
        .map(|e| (e["line"].as_u64().unwrap(), e["suppressed"].as_str()))
        .collect();
    assert_eq!(marks, [(1, Some("inline")), (2, None)]);
}
