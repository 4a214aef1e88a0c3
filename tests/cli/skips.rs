//! Nothing is skipped silently: every skip is counted by reason on stderr, and listed with
//! `--verbose`.

use crate::common::*;

#[test]
fn binary_large_symlink_and_fifo_are_reported() {
    let d = tempdir();
    let p = d.path();
    let token = github_token(10);
    let mut bin = b"\x00\x00\x01\x02ELF".to_vec();
    bin.extend_from_slice(format!(" {token} ").as_bytes());
    std::fs::write(p.join("blob.bin"), &bin).unwrap();
    std::fs::write(
        p.join("big.txt"),
        format!("{}\nT={}\n", "x".repeat(4000), github_token(11)),
    )
    .unwrap();
    std::fs::write(p.join("ok.txt"), "nothing\n").unwrap();
    std::os::unix::fs::symlink(p.join("ok.txt"), p.join("link.txt")).unwrap();
    let fifo = p.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());

    let r = run_in(p, &["scan", ".", "--max-file-size", "1K", "-f", "jsonl"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for needle in [
        "skipped 1 binary",
        "skipped 1 too-large",
        "skipped 1 symlink",
        "skipped 1 special-file",
    ] {
        assert!(
            r.stderr.contains(needle),
            "missing {needle:?} in:\n{}",
            r.stderr
        );
    }
    let r = run_in(p, &["scan", ".", "--max-file-size", "1K", "--verbose"]);
    for needle in [
        "skipped blob.bin (binary)",
        "skipped big.txt (too-large)",
        "skipped link.txt (symlink)",
        "skipped pipe (special-file)",
    ] {
        assert!(
            r.stderr.contains(needle),
            "missing {needle:?} in:\n{}",
            r.stderr
        );
    }
    let r = run_in(p, &["scan", ".", "--scan-binary", "-f", "jsonl"]);
    let got: Vec<(String, String, u64)> = triples(&r.jsonl());
    assert_eq!(
        got,
        [
            ("github-pat-classic".into(), "big.txt".into(), 2),
            ("github-pat-classic".into(), "blob.bin".into(), 1)
        ]
    );
}

#[test]
fn symlink_loop_with_follow_is_reported_not_fatal() {
    let d = tempdir();
    let p = d.path();
    std::fs::create_dir(p.join("a")).unwrap();
    std::os::unix::fs::symlink(p.join("a"), p.join("a/loop")).unwrap();
    std::fs::write(p.join("a/t.env"), format!("T={}\n", github_token(12))).unwrap();
    let r = run_in(p, &["scan", ".", "--follow", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.jsonl().len(), 1);
    assert!(r.stderr.contains("walk-error"), "{}", r.stderr);
}

#[test]
fn invalid_utf8_and_non_utf8_names_still_found() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempdir();
    let p = d.path();
    let mut content = b"\xff\xfe\xc3(latin1: caf\xe9)\n".to_vec();
    content.extend_from_slice(format!("tok = {}\n", github_token(13)).as_bytes());
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(p.join(name), content).unwrap();
    let r = run_in(p, &["scan", ".", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = &r.jsonl()[0];
    assert_eq!(f["path"], "caf\u{FFFD}.txt");
    assert_eq!(f["line"], 2);
}

#[test]
fn huge_single_line_is_bounded() {
    let d = tempdir();
    let mut line = "var a='secret_';".repeat(1_300_000);
    line.push_str(&format!("var t='{}';", github_token(14)));
    std::fs::write(d.path().join("min.js"), &line).unwrap();
    let t = std::time::Instant::now();
    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl"]);
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    assert_eq!(
        triples(&r.jsonl()),
        [("github-pat-classic".to_string(), "min.js".to_string(), 1)]
    );
}

#[test]
fn nothing_scannable_is_an_error() {
    let d = tempdir();
    std::fs::write(d.path().join("only.bin"), b"\x00\x00binary").unwrap();
    let r = run_in(d.path(), &["scan", "only.bin"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("skipped 1 binary"), "{}", r.stderr);
}
