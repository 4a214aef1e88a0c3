//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

use leakhound::scan::checks::crc32;
use std::process::{Command, Output, Stdio};

/// The repository root (where `fixtures/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/scan`.
pub fn scan_fixtures() -> PathBuf {
    root().join("fixtures/scan")
}

/// Result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: &Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Parses stdout as JSON Lines.
    pub fn jsonl(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect()
    }

    /// Parses stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).expect("stdout is one JSON document")
    }
}

/// The leakhound binary with `args` in `dir`, `LEAKHOUND_CONFIG` removed and `NO_COLOR=1`: each
/// caller sets up stdin, stdout and stderr.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leakhound"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("LEAKHOUND_CONFIG")
        .env_remove("PRE_COMMIT")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs leakhound with `args` in `dir`, without a terminal and with `CI` unset.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    run_with_stdin(dir, args, None)
}

/// Runs leakhound in the repository root, on the repository's own fixtures. The repository's
/// `.leakhound.yaml` allowlists `fixtures/**` for the self-scan, and config discovery would
/// find it from any scanned subdirectory, so these runs use no configuration file
/// (`LEAKHOUND_CONFIG=/dev/null`) unless they pass `--config`.
pub fn run(args: &[&str]) -> Run {
    let mut cmd = command(&root(), args);
    cmd.env("LEAKHOUND_CONFIG", "/dev/null");
    output_of(cmd, None)
}

/// Runs leakhound feeding `stdin`.
pub fn run_with_stdin(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    output_of(command(dir, args), stdin)
}

/// Runs `cmd` to the end, feeding `stdin`, without a terminal.
fn output_of(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("binary runs");
    if let Some(input) = stdin {
        let written = child.stdin.take().expect("stdin piped").write_all(input);
        // A run may stop reading early (an archive limit hit on standard input) and exit
        // before all of it is written: its output says what it did.
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    Run::from(&child.wait_with_output().expect("binary finishes"))
}

/// (rule, path, line) triples of a JSON Lines report, sorted.
pub fn triples(findings: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The fake secrets planted in `fixtures/scan`, read from the fixture files themselves so the
/// tests hold no literal credentials.
pub fn planted_secrets() -> Vec<String> {
    let env = std::fs::read_to_string(scan_fixtures().join("leaks.env")).unwrap();
    let mut out: Vec<String> = env
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("APP_NAME"))
        .filter_map(|l| l.split_once('='))
        .map(|(_, v)| v.trim_matches('"').to_string())
        .collect();
    let yaml = std::fs::read_to_string(scan_fixtures().join("nested/config.yaml")).unwrap();
    for l in yaml.lines() {
        if let Some(v) = l.trim().strip_prefix("bot_token: ") {
            out.push(v.to_string());
        }
    }
    assert_eq!(out.len(), 4, "fixture layout changed: {out:?}");
    out
}

/// A temp dir.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A fresh GitHub classic token with a valid checksum, built from `seed` (no literal tokens in
/// test sources).
pub fn github_token(seed: u32) -> String {
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
    // The checksum comes from the scanner's own implementation, which its unit tests check
    // against zlib's CRC-32 test vector.
    let sum = crc32::base62_6(crc32::crc32(body.as_bytes()));
    format!("ghp_{body}{}", String::from_utf8_lossy(&sum))
}

/// `git` with a fixed identity and date and no user or system config, in `dir`. Returns the
/// process output without judging it (hooks may be expected to fail).
pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    git_output_at(dir, GIT_EPOCH, args)
}

/// The date [`git_output`] commits at: 2024-01-01 00:00 UTC.
pub const GIT_EPOCH: u64 = 1_704_067_200;

/// [`git_output`] with both dates set to `epoch_secs` (UTC).
pub fn git_output_at(dir: &Path, epoch_secs: u64, args: &[&str]) -> Output {
    let date = format!("{epoch_secs} +0000");
    Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "CI Bot")
        .env("GIT_AUTHOR_EMAIL", "ci@example.com")
        .env("GIT_COMMITTER_NAME", "CI Bot")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git runs")
}

/// [`git_output`] that must succeed; returns trimmed stdout.
pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    git_ok_at(dir, GIT_EPOCH, args)
}

/// [`git_output_at`] that must succeed; returns trimmed stdout.
pub fn git_ok_at(dir: &Path, epoch_secs: u64, args: &[&str]) -> String {
    let out = git_output_at(dir, epoch_secs, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A tar of `files`, each a regular file with mode 0644, each name written into the header as
/// given (`tar::Builder` refuses `..`, which a hostile archive holds; names up to 100 bytes).
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        let raw = &mut h.as_gnu_mut().unwrap().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// `d` gzip-compressed (fast level).
pub fn gz(d: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(d).unwrap();
    e.finish().unwrap()
}

/// A `.leakhound.yaml` with an extra rule whose `provider:` is the config's own verifier,
/// pointed at `base_url`.
pub fn user_verifier_config(base_url: &str) -> String {
    format!(
        r#"
rules:
  extra:
    - id: acme-key
      name: Acme key
      keywords: [acme_]
      regex: '(?P<secret>acme_[A-Za-z0-9]{{20}})'
      provider: acme
verifiers:
  - name: acme
    base_url: {base_url}
    docs: [https://docs.acme.example/api/whoami]
    request: {{method: GET, path: /v1/whoami, auth: {{header: X-Acme-Key}}}}
    active: {{status: [200]}}
    inactive: [{{status: [401]}}]
    identity: [/login]
"#
    )
}

/// Runs leakhound with `args` in `dir`, without a config, `provider` pointed at `server`, the
/// audit log in `dir/audit.jsonl` and a 1 s timeout.
pub fn live(
    dir: &Path,
    provider: &str,
    server: &leakhound::providers::fake::FakeServer,
    args: &[&str],
) -> Run {
    let endpoint = format!("{provider}={}", server.url());
    let log = dir.join("audit.jsonl");
    let mut all = args.to_vec();
    all.extend([
        "-c",
        "/dev/null",
        "--provider-endpoint",
        &endpoint,
        "--audit-log",
        log.to_str().unwrap(),
        "--verify-timeout",
        "1",
    ]);
    run_in(dir, &all)
}
