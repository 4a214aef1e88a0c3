//! The corruption fuzzer of issue 15: a small repository with planted secrets, part packed by
//! `git gc` and part loose, damaged in 210 seeded random ways (byte runs and bit flips in the
//! pack, truncated packs, a damaged `.idx`, damaged and truncated loose objects, garbage
//! `packed-refs`, deleted objects). For each: no panic, no hang (a time bound, enforced with
//! SIGKILL since a stuck libgit2 read ignores SIGTERM), and either every planted secret is found
//! or the loss is reported: exit status 2 with a named skip or error on stderr.
//!
//! The PRNG is written here (xorshift64*), so a failing case is replayed from its seed alone:
//! `CORRUPTION_SEED=N cargo test --test cli corruption` runs that one case.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// Per case. A clean scan of this repository takes well under a second; libgit2's loop on a
/// truncated loose object never ends.
const BOUND: Duration = Duration::from_secs(20);

/// Cases per kind of damage (7 kinds: 210 cases).
const PER_KIND: u64 = 30;

/// A deterministic PRNG (xorshift64*): the same seed, the same damage, on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n, which is a usize")
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// The ways a repository is damaged.
#[derive(Debug, Clone, Copy)]
enum Damage {
    PackByteRun,
    PackBitFlip,
    PackTruncated,
    BadIdx,
    BadLoose,
    GarbagePackedRefs,
    MissingObject,
}

const KINDS: [Damage; 7] = [
    Damage::PackByteRun,
    Damage::PackBitFlip,
    Damage::PackTruncated,
    Damage::BadIdx,
    Damage::BadLoose,
    Damage::GarbagePackedRefs,
    Damage::MissingObject,
];

fn git(dir: &Path, args: &[&str]) -> String {
    git_ok(dir, args)
}

/// The pristine repository: (temp dir holding it, its path, planted (path, secret)).
fn pristine() -> (tempfile::TempDir, PathBuf, Vec<(String, String)>) {
    let tmp = tempdir();
    let dir = tmp.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    let mut planted = Vec::new();
    let mut commit = |i: u32, secret: bool| {
        // Filler large enough that pack damage often lands in ordinary blobs and deltas.
        let filler: String = (0..40 + i * 7)
            .map(|l| format!("line {l} of file {i}: nothing secret here\n"))
            .collect();
        std::fs::write(dir.join(format!("notes{}.txt", i % 3)), &filler).unwrap();
        if secret {
            let path = format!("conf/s{i}.env");
            let token = github_token(1500 + i);
            std::fs::create_dir_all(dir.join("conf")).unwrap();
            std::fs::write(dir.join(&path), format!("{filler}TOKEN={token}\n")).unwrap();
            planted.push((path, token));
        }
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", &format!("commit {i}")]);
    };
    for i in 0..8 {
        commit(i, i % 2 == 0);
    }
    git(&dir, &["tag", "v1"]);
    git(&dir, &["branch", "old"]);
    git(&dir, &["gc", "-q"]);
    // Loose objects on top of the pack.
    for i in 8..11 {
        commit(i, i != 9);
    }
    (tmp, dir, planted)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn loose_objects(git_dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(git_dir.join("objects")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.len() == 2 && p.is_dir() {
            for f in std::fs::read_dir(&p).unwrap() {
                v.push(f.unwrap().path());
            }
        }
    }
    v.sort();
    v
}

/// Writes `bytes` over a (possibly read-only) object file.
fn rewrite(path: &Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    std::fs::write(path, bytes).unwrap();
}

/// Damages the repository at `git_dir`; returns what was done, for the failure message.
fn damage(git_dir: &Path, kind: Damage, rng: &mut Rng) -> String {
    let pack_dir = git_dir.join("objects/pack");
    let pack = files_with_ext(&pack_dir, "pack").remove(0);
    match kind {
        Damage::PackByteRun | Damage::PackBitFlip | Damage::PackTruncated => {
            let mut b = std::fs::read(&pack).unwrap();
            // The 12-byte header and 20-byte trailer are left alone half the time, so most
            // damage lands inside objects.
            let (lo, hi) = if rng.below(2) == 0 {
                (12, b.len() - 20)
            } else {
                (0, b.len())
            };
            let at = lo + rng.below(hi - lo);
            match kind {
                Damage::PackByteRun => {
                    let run = {
                        let n = 1 + rng.below(24);
                        rng.bytes(n)
                    };
                    let end = (at + run.len()).min(b.len());
                    b[at..end].copy_from_slice(&run[..end - at]);
                    rewrite(&pack, &b);
                    format!("pack: {} random bytes at {at}", end - at)
                }
                Damage::PackBitFlip => {
                    let bit = rng.below(8);
                    b[at] ^= 1 << bit;
                    rewrite(&pack, &b);
                    format!("pack: bit {bit} flipped at {at}")
                }
                _ => {
                    b.truncate(at);
                    rewrite(&pack, &b);
                    format!("pack: truncated to {at} bytes")
                }
            }
        }
        Damage::BadIdx => {
            let idx = files_with_ext(&pack_dir, "idx").remove(0);
            let mut b = std::fs::read(&idx).unwrap();
            let at = rng.below(b.len());
            match rng.below(3) {
                0 => {
                    b.truncate(at);
                    rewrite(&idx, &b);
                    format!("idx: truncated to {at} bytes")
                }
                1 => {
                    let run = {
                        let n = 1 + rng.below(16);
                        rng.bytes(n)
                    };
                    let end = (at + run.len()).min(b.len());
                    b[at..end].copy_from_slice(&run[..end - at]);
                    rewrite(&idx, &b);
                    format!("idx: {} random bytes at {at}", end - at)
                }
                _ => {
                    let bit = rng.below(8);
                    b[at] ^= 1 << bit;
                    rewrite(&idx, &b);
                    format!("idx: bit {bit} flipped at {at}")
                }
            }
        }
        Damage::BadLoose => {
            let all = loose_objects(git_dir);
            let obj = &all[rng.below(all.len())];
            let mut b = std::fs::read(obj).unwrap();
            let at = rng.below(b.len());
            let what = match rng.below(3) {
                0 => {
                    b.truncate(at);
                    format!("truncated to {at} bytes")
                }
                1 => {
                    let run = {
                        let n = 1 + rng.below(8);
                        rng.bytes(n)
                    };
                    let end = (at + run.len()).min(b.len());
                    b[at..end].copy_from_slice(&run[..end - at]);
                    format!("{} random bytes at {at}", end - at)
                }
                _ => {
                    let bit = rng.below(8);
                    b[at] ^= 1 << bit;
                    format!("bit {bit} flipped at {at}")
                }
            };
            rewrite(obj, &b);
            format!("loose {}: {what}", obj.display())
        }
        Damage::GarbagePackedRefs => {
            let refs = git_dir.join("packed-refs");
            let mut b = std::fs::read(&refs).unwrap();
            let what = match rng.below(3) {
                0 => {
                    b = {
                        let n = 1 + rng.below(200);
                        rng.bytes(n)
                    };
                    "replaced by random bytes".to_string()
                }
                1 => {
                    let at = rng.below(b.len());
                    let run = {
                        let n = 1 + rng.below(12);
                        rng.bytes(n)
                    };
                    let end = (at + run.len()).min(b.len());
                    b[at..end].copy_from_slice(&run[..end - at]);
                    format!("{} random bytes at {at}", end - at)
                }
                _ => {
                    let at = rng.below(b.len());
                    b.truncate(at);
                    format!("truncated to {at} bytes")
                }
            };
            rewrite(&refs, &b);
            format!("packed-refs: {what}")
        }
        Damage::MissingObject => {
            if rng.below(2) == 0 {
                let all = loose_objects(git_dir);
                let obj = &all[rng.below(all.len())];
                std::fs::remove_file(obj).unwrap();
                format!("loose {} deleted", obj.display())
            } else {
                // Every packed object gone at once (pack and idx), loose ones left.
                for p in files_with_ext(&pack_dir, "pack")
                    .into_iter()
                    .chain(files_with_ext(&pack_dir, "idx"))
                {
                    std::fs::remove_file(p).unwrap();
                }
                "pack and idx deleted".to_string()
            }
        }
    }
}

/// Runs leakhound, killing it (SIGKILL) past `BOUND`; `None` if it had to be killed.
fn run_killed_after(dir: &Path, args: &[&str]) -> Option<(Run, Duration)> {
    let t = Instant::now();
    let mut child = command(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let run = Run {
                code: status.code().unwrap_or(-1),
                stdout: o.join().unwrap(),
                stderr: e.join().unwrap(),
            };
            return Some((run, t.elapsed()));
        }
        if t.elapsed() > BOUND {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Why the case fails, or `None` when it holds the invariants.
fn check(dir: &Path, planted: &[(String, String)], args: &[&str]) -> Option<String> {
    let Some((r, took)) = run_killed_after(dir, args) else {
        return Some(format!("hung: killed after {BOUND:?}"));
    };
    if r.code == 101 || r.stderr.contains("panicked") {
        return Some(format!("panicked (exit {}):\n{}", r.code, r.stderr));
    }
    if r.code == 2 {
        // A loss must be named: a skip reason or an error message.
        let named = [
            "missing-object",
            "corrupt-object",
            "corrupt-commit",
            "bad-ref",
        ]
        .iter()
        .any(|n| r.stderr.contains(n))
            || r.stderr.contains("error:");
        return (!named)
            .then(|| format!("exit 2 without naming the loss ({took:?}):\n{}", r.stderr));
    }
    let found: Vec<String> = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|f| f["secret"].as_str().unwrap_or_default().to_string())
        .collect();
    let lost: Vec<&str> = planted
        .iter()
        .filter(|(_, s)| !found.contains(s))
        .map(|(p, _)| p.as_str())
        .collect();
    (!lost.is_empty()).then(|| {
        format!(
            "exit {} and not found: {lost:?} (a silent loss)\n{}",
            r.code, r.stderr
        )
    })
}

/// Issue 15: no panic, no hang, no silent loss on a damaged repository, for history scans and
/// `--staged` (the pre-commit hook, which must never freeze a commit).
#[test]
fn issue_15_random_corruption_never_panics_hangs_or_loses_silently() {
    let (_tmp, clean, planted) = pristine();
    let history = [
        "git",
        "-f",
        "jsonl",
        "--no-redact",
        "--threads",
        "1",
        "--no-progress",
    ];
    // The pristine repository: every planted secret, exit 1.
    assert_eq!(check(&clean, &planted, &history), None);

    let only: Option<u64> = std::env::var("CORRUPTION_SEED")
        .ok()
        .map(|s| s.parse().unwrap());
    let work = tempdir();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (k, kind) in KINDS.iter().enumerate() {
        for n in 0..PER_KIND {
            let seed = k as u64 * 1000 + n;
            if only.is_some_and(|o| o != seed) {
                continue;
            }
            let dir = work.path().join(seed.to_string());
            copy_dir(&clean, &dir);
            let mut rng = Rng::new(seed);
            let what = damage(&dir.join(".git"), *kind, &mut rng);
            // Every tenth case also runs the pre-commit path on the damaged repository.
            let staged = n % 10 == 0;
            if let Some(why) = check(&dir, &planted, &history) {
                failures.push(format!("seed {seed} ({kind:?}: {what}): {why}"));
            }
            if staged {
                let args = ["git", "--staged", "--threads", "1", "--no-progress"];
                if let Some((r, _)) = run_killed_after(&dir, &args) {
                    if r.code == 101 || r.stderr.contains("panicked") {
                        failures.push(format!("seed {seed} --staged ({what}): panicked"));
                    }
                } else {
                    failures.push(format!("seed {seed} --staged ({what}): hung"));
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
            ran += 1;
        }
    }
    assert!(ran > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} corruption cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Issue 15: a garbage `packed-refs` holding the only ref scanned 0 blobs and exited 0, saying
/// nothing (libgit2 drops lines it cannot parse). Now it is a named bad-ref and exit 2.
#[test]
fn issue_15_garbage_packed_refs_is_a_named_bad_ref() {
    let tmp = tempdir();
    let dir = tmp.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    std::fs::write(dir.join("a.env"), format!("T={}\n", github_token(1600))).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    git(&dir, &["pack-refs", "--all"]);
    assert!(!dir.join(".git/refs/heads/main").exists(), "main is packed");
    std::fs::write(dir.join(".git/packed-refs"), "garbage\nnot a ref\n").unwrap();
    let r = run_in(&dir, &["git", "--no-progress", "--verbose"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad-ref"), "{}", r.stderr);
    assert!(r.stderr.contains("packed-refs: 2 line(s)"), "{}", r.stderr);
}
