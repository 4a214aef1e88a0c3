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
