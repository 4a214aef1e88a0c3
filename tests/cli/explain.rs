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
            "generic-secret-assignment  aaaa…  rejected: entropy 2.21 is below the floor 3.40"
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
