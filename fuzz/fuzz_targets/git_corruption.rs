//! `leakhound git` on a damaged repository (issue 15), the fuzzing twin of
//! `tests/cli/corruption.rs`: a small repository with planted secrets, packed by `git gc` with
//! loose objects on top, is built once; each input picks a file of its `.git` (pack, index,
//! loose object, `packed-refs`), a kind of damage (byte run, bit flip, truncation, deletion)
//! and where, and the whole `git` entry point runs on the damaged copy. Invariants: no panic
//! (libFuzzer reports it), no hang (run with `-timeout=10`), and either every planted secret is
//! found or the run reports the loss with exit status 2.
//!
//! Needs the `git` command to build the repository.
#![no_main]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use clap::Parser;
use leakhound::cli::{Cli, Command as Cmd};
use leakhound::run::Recorder;
use libfuzzer_sys::fuzz_target;

/// The pristine repository and its planted secrets.
struct Pristine {
    dir: PathBuf,
    secrets: Vec<String>,
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fuzz")
        .env("GIT_AUTHOR_EMAIL", "fuzz@example.com")
        .env("GIT_COMMITTER_NAME", "Fuzz")
        .env("GIT_COMMITTER_EMAIL", "fuzz@example.com")
        .env("GIT_AUTHOR_DATE", "1704067200 +0000")
        .env("GIT_COMMITTER_DATE", "1704067200 +0000")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "git {args:?} failed");
}

/// A GitHub classic token with a valid checksum, built at run time (no literal token here).
fn token(seed: u32) -> String {
    use leakhound::scan::checks::crc32;
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(alphabet[(x % 62) as usize])
        })
        .collect();
    let sum = crc32::base62_6(crc32::crc32(body.as_bytes()));
    format!("ghp_{body}{}", String::from_utf8_lossy(&sum))
}

fn pristine() -> &'static Pristine {
    static P: OnceLock<Pristine> = OnceLock::new();
    P.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("leakhound-fuzz-git-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf")).expect("temp dir");
        git(&dir, &["init", "-q"]);
        let mut secrets = Vec::new();
        for i in 0..6u32 {
            let filler: String = (0..30 + i * 5).map(|l| format!("line {l} of {i}\n")).collect();
            std::fs::write(dir.join(format!("notes{}.txt", i % 2)), &filler).expect("write");
            if i % 2 == 0 {
                let t = token(1500 + i);
                std::fs::write(dir.join(format!("conf/s{i}.env")), format!("{filler}T={t}\n"))
                    .expect("write");
                secrets.push(t);
            }
            git(&dir, &["add", "-A"]);
            git(&dir, &["commit", "-q", "-m", &format!("commit {i}")]);
            if i == 3 {
                git(&dir, &["tag", "v1"]);
                git(&dir, &["gc", "-q"]);
            }
        }
        Pristine { dir, secrets }
    })
}

/// Every file under `.git/objects` and `.git/packed-refs`, sorted (the damage targets).
fn targets(git_dir: &Path) -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&git_dir.join("objects"), &mut out);
    out.push(git_dir.join("packed-refs"));
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [pick, kind, a, b, payload @ ..] = data else {
        return;
    };
    let p = pristine();
    // A fresh path per input: the loose-object check caches its result per objects directory.
    // (Ids it found damaged stay refused for the process, so a later input may report a loss
    // for an object that is whole in its copy: never a false silent loss, only a weaker case.)
    static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let work = p.dir.with_extension(format!("work{n}"));
    let _ = std::fs::remove_dir_all(&work);
    copy_dir(&p.dir, &work);
    let git_dir = work.join(".git");
    let files = targets(&git_dir);
    let file = &files[usize::from(*pick) % files.len()];
    let mut bytes = std::fs::read(file).unwrap_or_default();
    let at = if bytes.is_empty() {
        0
    } else {
        ((usize::from(*a) << 8) | usize::from(*b)) % bytes.len()
    };
    match kind % 4 {
        0 => {
            let end = (at + payload.len()).min(bytes.len());
            bytes[at..end].copy_from_slice(&payload[..end - at]);
        }
        1 if !bytes.is_empty() => bytes[at] ^= 1 << (payload.first().copied().unwrap_or(0) % 8),
        2 => bytes.truncate(at),
        _ => bytes.clear(),
    }
    let _ = std::fs::remove_file(file);
    if kind % 4 != 3 {
        std::fs::write(file, &bytes).expect("write");
    }

    let report = work.with_extension("jsonl");
    let cli = Cli::try_parse_from([
        "leakhound",
        "git",
        work.to_str().expect("UTF-8 temp path"),
        "-f",
        "jsonl",
        "--no-redact",
        "-q",
        "--threads",
        "1",
        "-o",
        report.to_str().expect("UTF-8 temp path"),
    ])
    .expect("arguments parse");
    let Cmd::Git(args) = cli.command else {
        unreachable!("parsed a git command")
    };
    let mut ui = Recorder::default();
    let status = leakhound::run::git::git(&args, &mut ui);
    let _ = std::fs::remove_dir_all(&work);
    let out = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    match status {
        // An error (a damaged pack index, an unreadable repository) is a reported loss.
        Err(_) | Ok(2) => {}
        Ok(code) => {
            for s in &p.secrets {
                assert!(
                    out.contains(s.as_str()),
                    "exit {code} but a planted secret was not found: a silent loss \
                     ({} damaged, kind {})\n{}",
                    file.display(),
                    kind % 4,
                    ui.lines.join("\n")
                );
            }
        }
    }
});
