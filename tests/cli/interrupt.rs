//! Ctrl-C: the scan stops promptly, still writes what it found (valid JSON Lines), says it was
//! interrupted, and exits 130.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn sigint_stops_promptly_and_flushes_partial_results() {
    let d = tempdir();
    // Keyword-dense text: every line sends several rules to their regexes, so a single-threaded
    // scan of it takes well over a second even on a fast machine.
    let line = "password = postgres://u:p@h/db xoxb-1 sk_live_ AKIA ghp_ ".repeat(20) + "\n";
    let body = line.repeat(2000);
    std::fs::write(
        d.path().join("000-first.env"),
        format!("T={}\n", github_token(50)),
    )
    .unwrap();
    for i in 0..60 {
        std::fs::write(d.path().join(format!("f{i:03}.txt")), &body).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(["scan", ".", "--threads", "1", "-f", "jsonl"])
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(stderr.contains("interrupted"), "{stderr}");
    for l in stdout.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).expect("every flushed line is complete JSON");
        assert!(v["fingerprint"].is_string());
    }
}
