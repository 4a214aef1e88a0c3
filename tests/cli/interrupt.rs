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
    // A token at the top of every file: whichever file the walker takes first, each one
    // finished before the interrupt holds a finding to flush.
    for i in 0..60 {
        std::fs::write(
            d.path().join(format!("f{i:03}.txt")),
            format!("T={}\n{body}", github_token(50 + i)),
        )
        .unwrap();
    }
    let mut child = command(d.path(), &["scan", ".", "--threads", "1", "-f", "jsonl"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Signalled once the child has spent 0.4 s of CPU time scanning (a few files' worth), not
    // after a wall-clock sleep: on a loaded machine the child may not have run at all by then,
    // and an empty report would check nothing.
    let waited = Instant::now();
    while cpu_time(child.id()) < Duration::from_millis(400) {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the scan did not get 0.4 s of CPU time in 60 s"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan ended before it could be interrupted: give it more to scan"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
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
    // An empty report would pass the loop below without checking anything.
    assert!(
        !stdout.trim().is_empty(),
        "nothing flushed after 0.4 s of scanning; stderr: {stderr}"
    );
    for l in stdout.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).expect("every flushed line is complete JSON");
        assert!(v["fingerprint"].is_string());
    }
}

/// CPU time (user + system) the process `pid` has used so far, from `/proc/PID/stat`; zero
/// once it is gone. Clock ticks are taken as 100 per second (`USER_HZ` on every Linux port).
fn cpu_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) closed by the last `)`:
    // utime and stime are fields 14 and 15, the 12th and 13th after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}
