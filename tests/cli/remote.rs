//! Remote repositories and organisation audits, with every server a stand-in on 127.0.0.1 that
//! the test starts: `leakhound git URL` (file://, git:// from a `git daemon`, http:// with
//! credentials), `leakhound github --org` and `leakhound gitlab --group` against fake APIs
//! (pagination, rate limits, archived repositories and forks), `--shard` over an organisation,
//! and `--resume` after the process is killed half-way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{git_ok, github_token, tempdir, user_verifier_config, Run};
use crate::forge_fake::{now, page_of, Answer, Api, Daemon, Seen};

/// A made-up API token: it must reach the fake API and appear in no output.
fn api_token() -> String {
    format!("tok-{}-{}", "fake", 4_207_113) // leakhound:allow (made up)
}

/// Runs leakhound in `dir` with `env` added (and the cache and config of the user kept out).
fn lh(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leakhound"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("LEAKHOUND_CONFIG")
        .env_remove("LEAKHOUND_CACHE_DIR")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITLAB_TOKEN")
        .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Two repositories with the same commit (same token, path, author, date: the same commit id),
/// scanned by URL one at a time, then merged: the fingerprint does not cover the repository, so
/// only the repository tells the two findings apart, and `leakhound merge` keeps both. A report
/// given twice is still folded to one copy of each, and every format names the repository.
#[test]
fn merge_keeps_the_same_secret_in_two_repositories_apart() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    repo_with_token(&a, 9);
    repo_with_token(&b, 9);
    let (url_a, url_b) = (file_url(&a), file_url(&b));
    let cache = tmp.path().join("cache");
    let c = cache.to_str().unwrap();
    for (url, out) in [(&url_a, "a.jsonl"), (&url_b, "b.jsonl")] {
        let r = lh(
            tmp.path(),
            &["git", url, "--cache-dir", c, "-f", "jsonl", "-o", out, "-q"],
            &[],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
    }
    let one = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(tmp.path().join(name)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        serde_json::from_str(lines[0]).unwrap()
    };
    let (fa, fb) = (one("a.jsonl"), one("b.jsonl"));
    assert_eq!(fa["fingerprint"], fb["fingerprint"]);
    assert_eq!(fa["commit"]["id"], fb["commit"]["id"]);
    assert_ne!(fa["repository"], fb["repository"]);
    let r = lh(
        tmp.path(),
        &["merge", "b.jsonl", "a.jsonl", "a.jsonl", "-f", "json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let merged = r.json();
    let got: Vec<&str> = merged["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repository"].as_str().unwrap())
        .collect();
    // Both repositories, once each, in repository order (as an audit orders them).
    let mut want = [url_a.as_str(), url_b.as_str()];
    want.sort_unstable();
    assert_eq!(got, want, "{}", r.stdout);
    let csv = lh(
        tmp.path(),
        &["merge", "a.jsonl", "b.jsonl", "-f", "csv"],
        &[],
    );
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(csv.stdout.lines().next().unwrap().ends_with(",repository"));
    assert!(csv.stdout.contains(&url_a) && csv.stdout.contains(&url_b));
    for format in ["text", "junit", "sarif", "html"] {
        let out = lh(tmp.path(), &["report", "a.jsonl", "-f", format], &[]);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert!(out.stdout.contains(&url_a), "{format} names the repository");
    }
}

/// A repository at `dir` whose one commit holds the token of `seed` in `secrets.env`.
fn repo_with_token(dir: &Path, seed: u32) {
    std::fs::create_dir_all(dir).unwrap();
    git_ok(dir, &["init", "-q"]);
    std::fs::write(
        dir.join("secrets.env"),
        format!("TOKEN={}\n", github_token(seed)),
    )
    .unwrap();
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "-m", "add"]);
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn findings(r: &Run) -> Vec<serde_json::Value> {
    r.json()["findings"].as_array().unwrap().clone()
}

#[test]
fn a_url_is_cloned_once_then_fetched_and_findings_name_the_repository() {
    let tmp = tempdir();
    let src = tmp.path().join("src");
    repo_with_token(&src, 1);
    let url = file_url(&src);
    let cache = tmp.path().join("cache");
    let c = cache.to_str().unwrap();
    let r = lh(
        tmp.path(),
        &["git", &url, "--cache-dir", c, "-f", "json"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("cloned {url}")), "{}", r.stderr);
    let f = findings(&r);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["repository"], url.as_str());
    assert_eq!(f[0]["path"], "secrets.env");
    // A new commit upstream: the next run fetches into the same clone and finds it.
    std::fs::write(src.join("more.env"), format!("T={}\n", github_token(2))).unwrap();
    git_ok(&src, &["add", "-A"]);
    git_ok(&src, &["commit", "-q", "-m", "more"]);
    let r = lh(
        tmp.path(),
        &["git", &url, "--cache-dir", c, "-f", "json"],
        &[],
    );
    assert!(r.stderr.contains(&format!("fetched {url}")), "{}", r.stderr);
    assert_eq!(findings(&r).len(), 2, "{}", r.stdout);
    let mut clones: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    clones.sort();
    // One clone, and the lock file beside it.
    assert_eq!(clones.len(), 2, "one cached clone: {clones:?}");
    assert_eq!(format!("{}.lock", clones[0]), clones[1], "{clones:?}");
    // The default cache is under XDG_CACHE_HOME.
    let r = lh(tmp.path(), &["git", &url, "-q"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(tmp.path().join("xdg-cache/leakhound/repos").is_dir());
}

#[test]
fn git_daemon_on_loopback_and_credentials_never_shown() {
    let tmp = tempdir();
    let base = tmp.path().join("served");
    repo_with_token(&base.join("team/app"), 3);
    let daemon = Daemon::start(&base);
    let pw = "pw-Hunter2-zz9"; // leakhound:allow (made up)
    let url = format!("git://alice:{pw}@127.0.0.1:{}/team/app", daemon.port);
    let cache = tmp.path().join("cache");
    let r = lh(
        tmp.path(),
        &[
            "git",
            &url,
            "--cache-dir",
            cache.to_str().unwrap(),
            "-f",
            "sarif",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let shown = format!("git://127.0.0.1:{}/team/app", daemon.port);
    assert!(r.stdout.contains(&shown), "SARIF names the repository");
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains(pw) && !text.contains("alice"), "{text}");
    }
    // Plain git:// and http:// to anything but loopback are refused before git runs.
    for bad in ["git://example.com/x.git", "http://example.com/x.git"] {
        let r = lh(tmp.path(), &["git", bad, "--cache-dir", "c2"], &[]);
        assert_eq!(r.code, 2, "{bad}");
        assert!(
            r.stderr.contains(bad) && r.stderr.contains("loopback"),
            "{}",
            r.stderr
        );
    }
    assert!(!tmp.path().join("c2").exists());
}

#[test]
fn https_credentials_go_to_their_host_through_git_and_nowhere_else() {
    // A server that asks for Basic authentication and records what git sends.
    let api = Api::start(|_req: &Seen, _base: &str| -> Answer {
        (
            401,
            vec![("WWW-Authenticate".into(), "Basic realm=\"git\"".into())],
            String::new(),
        )
    });
    let tmp = tempdir();
    let pw = "Sup3r-secret-pw"; // leakhound:allow (made up)
    let url = format!(
        "{}/org/repo.git",
        api.url().replace("http://", &format!("http://bob:{pw}@"))
    );
    let cache = tmp.path().join("cache");
    let r = lh(
        tmp.path(),
        &["git", &url, "--cache-dir", cache.to_str().unwrap()],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let shown = format!("{}/org/repo.git", api.url());
    assert!(
        r.stderr.contains(&format!("git clone {shown} failed")),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(pw) && !r.stderr.contains("bob"),
        "{}",
        r.stderr
    );
    // git answered the challenge with the URL's credentials, from leakhound's helper.
    let sent: Vec<String> = api
        .seen()
        .iter()
        .filter_map(|s| s.header("authorization").map(str::to_string))
        .collect();
    let expected = format!("Basic {}", base64(&format!("bob:{pw}")));
    assert!(sent.contains(&expected), "{sent:?}");
    // Nothing was written to the cache with the password in it.
    assert!(!contains_text(&cache, pw));
}

fn base64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn contains_text(dir: &Path, needle: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            contains_text(&p, needle)
        } else {
            std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        }
    })
}

/// One repository the fake API lists.
#[derive(Clone)]
struct Listed {
    name: String,
    url: String,
    archived: bool,
    fork: bool,
}

/// `count` repositories `acme/repo-N` under `base`, each with its own token; every 7th is
/// archived and every 11th a fork (their sources hold a token too, so cloning them would show).
fn org(base: &Path, count: u32) -> Vec<Listed> {
    (0..count)
        .map(|i| {
            let dir = base.join(format!("repo-{i:03}"));
            repo_with_token(&dir, 100 + i);
            Listed {
                name: format!("acme/repo-{i:03}"),
                url: file_url(&dir),
                archived: i % 7 == 3,
                fork: i % 11 == 5,
            }
        })
        .collect()
}

/// A fake GitHub: `GET /orgs/acme/repos`, `page_size` per page with `Link` headers; the first
/// request for page 2 is refused with a primary rate limit that resets a second ahead.
fn fake_github(repos: Vec<Listed>, page_size: usize) -> Api {
    let limited = Arc::new(AtomicBool::new(false));
    Api::start(move |req, base| {
        if !req.path.starts_with("/orgs/acme/repos") {
            return (404, vec![], r#"{"message":"Not Found"}"#.into());
        }
        let page = page_of(&req.path);
        if page == 2 && !limited.swap(true, Ordering::SeqCst) {
            return (
                403,
                vec![
                    ("x-ratelimit-remaining".into(), "0".into()),
                    ("x-ratelimit-reset".into(), (now() + 1).to_string()),
                ],
                r#"{"message":"API rate limit exceeded"}"#.into(),
            );
        }
        let pages = repos.len().div_ceil(page_size);
        let items: Vec<serde_json::Value> = repos
            .iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .map(|r| {
                serde_json::json!({
                    "full_name": r.name, "clone_url": r.url, "ssh_url": "git@example.invalid:x.git",
                    "archived": r.archived, "fork": r.fork, "owner": {"login": "acme"},
                })
            })
            .collect();
        let mut headers = Vec::new();
        if page < pages {
            headers.push((
                "Link".into(),
                format!(
                    "<{base}/orgs/acme/repos?per_page=100&page={}>; rel=\"next\", <{base}/orgs/acme/repos?per_page=100&page={pages}>; rel=\"last\"",
                    page + 1
                ),
            ));
        }
        (200, headers, serde_json::Value::Array(items).to_string())
    })
}

fn included(repos: &[Listed]) -> BTreeSet<String> {
    repos
        .iter()
        .filter(|r| !r.archived && !r.fork)
        .map(|r| r.url.clone())
        .collect()
}

fn repositories(r: &Run) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for f in findings(r) {
        *out.entry(f["repository"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    out
}

#[test]
fn github_org_audit_pages_waits_out_the_rate_limit_and_filters() {
    let tmp = tempdir();
    let repos = org(&tmp.path().join("src"), 12);
    let api = fake_github(repos.clone(), 5);
    let token = api_token();
    let started = Instant::now();
    let r = lh(
        tmp.path(),
        &[
            "github",
            "--org",
            "acme",
            "--api-url",
            &api.url(),
            "--cache-dir",
            "cache",
            "-f",
            "json",
            "--parallel-repos",
            "3",
        ],
        &[("GITHUB_TOKEN", &token)],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the rate limit was not waited out"
    );
    assert!(
        r.stderr.contains("rate limited") && r.stderr.contains("waiting"),
        "{}",
        r.stderr
    );
    // One finding per audited repository, each naming it; archived repositories and forks left
    // out (and said so).
    let found = repositories(&r);
    let want = included(&repos);
    assert_eq!(found.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(found.values().all(|&n| n == 1), "{found:?}");
    assert!(
        r.stderr.contains("archived (--include-archived)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("fork(s) (--include-forks)"),
        "{}",
        r.stderr
    );
    // Three pages (and one refused), every request with the token, asking for 100 per page.
    let seen = api.seen();
    assert_eq!(
        seen.len(),
        4,
        "{:?}",
        seen.iter().map(|s| &s.path).collect::<Vec<_>>()
    );
    assert!(seen[0].path.contains("per_page=100"), "{}", seen[0].path);
    for s in &seen {
        assert_eq!(
            s.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
    }
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains(&token));
    }
    // --include-archived and --include-forks audit them all; the clones are reused (fetched).
    let r = lh(
        tmp.path(),
        &[
            "github",
            "--org",
            "acme",
            "--api-url",
            &api.url(),
            "--cache-dir",
            "cache",
            "-f",
            "json",
            "--include-archived",
            "--include-forks",
        ],
        &[("GITHUB_TOKEN", &token)],
    );
    assert_eq!(repositories(&r).len(), 12, "{}", r.stderr);
    assert!(r.stderr.contains("fetched"), "{}", r.stderr);
}

#[test]
fn gitlab_group_audit_follows_x_next_page_and_retry_after() {
    let tmp = tempdir();
    let repos = org(&tmp.path().join("src"), 8);
    let limited = Arc::new(AtomicBool::new(false));
    let list = repos.clone();
    let api = Api::start(move |req, _base| {
        if !req
            .path
            .starts_with("/api/v4/groups/acme%2Fplatform/projects")
        {
            return (404, vec![], r#"{"message":"404 Group Not Found"}"#.into());
        }
        if !limited.swap(true, Ordering::SeqCst) {
            return (429, vec![("Retry-After".into(), "1".into())], "{}".into());
        }
        let page = page_of(&req.path);
        let items: Vec<serde_json::Value> = list
            .iter()
            .skip((page - 1) * 3)
            .take(3)
            .map(|r| {
                let mut p = serde_json::json!({
                    "path_with_namespace": r.name, "http_url_to_repo": r.url,
                    "ssh_url_to_repo": "git@example.invalid:x.git", "archived": r.archived,
                });
                if r.fork {
                    p["forked_from_project"] = serde_json::json!({"id": 1});
                }
                p
            })
            .collect();
        let next = if page * 3 < list.len() {
            (page + 1).to_string()
        } else {
            String::new()
        };
        (
            200,
            vec![("X-Next-Page".into(), next)],
            serde_json::Value::Array(items).to_string(),
        )
    });
    let token = api_token();
    let r = lh(
        tmp.path(),
        &[
            "gitlab",
            "--group",
            "acme/platform",
            "--api-url",
            &api.url(),
            "--cache-dir",
            "cache",
            "-f",
            "json",
        ],
        &[("GITLAB_TOKEN", &token)],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        repositories(&r).keys().cloned().collect::<BTreeSet<_>>(),
        included(&repos)
    );
    let seen = api.seen();
    assert_eq!(seen.len(), 4, "one 429 and three pages");
    assert!(seen
        .iter()
        .all(|s| s.header("private-token") == Some(token.as_str())));
    assert!(
        seen[0].path.contains("include_subgroups=true"),
        "{}",
        seen[0].path
    );
    assert!(!r.stderr.contains(&token) && !r.stdout.contains(&token));
    // gitlab wants --group; github wants --org or --user.
    let r = lh(tmp.path(), &["gitlab", "--org", "x"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--group"), "{}", r.stderr);
    // --api-url over plain http to another host is refused.
    let r = lh(
        tmp.path(),
        &[
            "github",
            "--org",
            "x",
            "--api-url",
            "http://ghe.example.com/api/v3",
        ],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("loopback"), "{}", r.stderr);
}

#[test]
fn org_shards_split_the_repositories_without_overlap() {
    let tmp = tempdir();
    let repos = org(&tmp.path().join("src"), 12);
    let api = fake_github(repos.clone(), 100);
    let api_url = api.url();
    let audit = |extra: &[&str]| {
        let mut args = vec![
            "github",
            "--org",
            "acme",
            "--api-url",
            &api_url,
            "--cache-dir",
            "cache",
            "-f",
            "json",
        ];
        args.extend_from_slice(extra);
        let r = lh(tmp.path(), &args, &[]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        repositories(&r)
    };
    let whole = audit(&[]);
    assert_eq!(whole.len(), included(&repos).len());
    let mut union = BTreeMap::new();
    for k in 1..=3 {
        for (repo, n) in audit(&["--shard", &format!("{k}/3")]) {
            assert!(
                union.insert(repo.clone(), n).is_none(),
                "{repo} in two shards"
            );
        }
    }
    assert_eq!(union, whole);
}

/// The state file's finished repositories (lines after the header).
fn finished_in(state: &Path) -> Vec<String> {
    std::fs::read_to_string(state)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["repo"].as_str().unwrap().to_string())
        .collect()
}

/// The goal of issue 19: an organisation of 200 repositories served from 127.0.0.1 is audited
/// into one report; killed half-way, the audit resumes without cloning or scanning the
/// repositories it had finished (their sources are moved away before resuming, so touching one
/// would fail), and the resumed report equals the uninterrupted one.
#[test]
fn org_audit_of_200_repositories_resumes_after_a_kill() {
    let tmp = tempdir();
    let src = tmp.path().join("src");
    let t0 = Instant::now();
    let repos: Vec<Listed> = org(&src, 200)
        .into_iter()
        .map(|r| Listed {
            archived: false,
            fork: false,
            ..r
        })
        .collect();
    let made = t0.elapsed();
    let api = fake_github(repos.clone(), 100);
    let args = |cache: &str, state: &str| -> Vec<String> {
        [
            "github",
            "--org",
            "acme",
            "--api-url",
            &api.url(),
            "--cache-dir",
            cache,
            "--state",
            state,
            "-f",
            "json",
            "-o",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // The uninterrupted audit, for reference and for the figure in the README.
    let t1 = Instant::now();
    let mut a = args("cache-a", "a.state");
    a.push("whole.json".into());
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let r = lh(tmp.path(), &a, &[]);
    let whole_time = t1.elapsed();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let whole: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("whole.json")).unwrap()).unwrap();
    assert_eq!(whole["findings"].as_array().unwrap().len(), 200);
    // Killed once half the repositories are recorded.
    let mut b = args("cache-b", "b.state");
    b.push("resumed.json".into());
    let state = tmp.path().join("b.state");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(&b)
        .current_dir(tmp.path())
        .env_remove("GITHUB_TOKEN")
        .env("XDG_CACHE_HOME", tmp.path().join("xdg"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished_in(&state).len() < 100 {
        assert!(Instant::now() < deadline, "the audit did not get half-way");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the audit ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
    let done = finished_in(&state);
    assert!(done.len() >= 100 && done.len() < 200, "{}", done.len());
    // Their sources go away: resuming must not touch them.
    let gone = tmp.path().join("gone");
    std::fs::create_dir_all(&gone).unwrap();
    for name in &done {
        let leaf = name.trim_start_matches("acme/");
        std::fs::rename(src.join(leaf), gone.join(leaf)).unwrap();
    }
    let mut c = b.clone();
    c.push("--resume".into());
    let c: Vec<&str> = c.iter().map(String::as_str).collect();
    let r = lh(tmp.path(), &c, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{} already finished in an earlier run",
            done.len()
        )),
        "{}",
        r.stderr
    );
    let resumed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("resumed.json")).unwrap()).unwrap();
    let key = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f["repository"], f["fingerprint"], f["commit"]["id"], f["line"]
                )
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(key(&resumed), key(&whole));
    assert_eq!(finished_in(&state).len(), 200);
    eprintln!(
        "200 repositories: made in {:.1} s, audited in {:.1} s",
        made.as_secs_f64(),
        whole_time.as_secs_f64()
    );
}

/// Several runs on one URL sharing a cache directory: each takes the clone's lock (a lock file
/// beside it) while it clones or fetches and holds it shared while it reads, so that none
/// removes or fetches into a clone another is using. The test holds the lock itself first, so
/// that every run is certainly waiting (and says so) when it lets go: then they all race for
/// the one clone of the URL, served by a `git daemon` the test starts (and kills on drop).
#[test]
fn concurrent_runs_on_one_url_take_turns_on_the_cached_clone() {
    let tmp = tempdir();
    let base = tmp.path().join("served");
    repo_with_token(&base.join("team/app"), 41);
    let daemon = Daemon::start(&base);
    let url = format!("git://127.0.0.1:{}/team/app", daemon.port);
    // Learn the clone's name from a first run into another cache.
    let r = lh(
        tmp.path(),
        &["git", &url, "--cache-dir", "first", "-q", "-f", "json"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let clone = std::fs::read_dir(tmp.path().join("first"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".git"))
        .unwrap();
    let cache = tmp.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    let lock_file = cache.join(format!("{clone}.lock"));
    let held = std::fs::File::create(&lock_file).unwrap();
    held.lock().unwrap();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_leakhound"))
            .args([
                "git",
                &url,
                "--cache-dir",
                cache.to_str().unwrap(),
                "-f",
                "json",
            ])
            .current_dir(tmp.path())
            .env_remove("LEAKHOUND_CONFIG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    // Each says it waits; none has cloned while the lock is held.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut readers: Vec<_> = children
        .into_iter()
        .map(|mut c| {
            let err = c.stderr.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel::<String>();
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            (c, rx, Vec::<String>::new())
        })
        .collect();
    for (_, rx, lines) in &mut readers {
        while !lines
            .iter()
            .any(|l| l.contains("waiting for another leakhound run"))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) => lines.push(l),
                Err(_) => panic!("a run did not say it waits: {lines:?}"),
            }
        }
        let l = lines.iter().find(|l| l.contains("waiting")).unwrap();
        assert!(
            l.contains(&url) && l.contains(lock_file.to_str().unwrap()),
            "{l}"
        );
    }
    assert!(
        !cache.join(&clone).exists(),
        "nothing cloned under the lock"
    );
    held.unlock().unwrap();
    drop(held);
    let mut how = Vec::new();
    for (c, rx, mut lines) in readers {
        let out = c.wait_with_output().unwrap();
        lines.extend(rx.iter());
        assert_eq!(out.status.code(), Some(1), "{lines:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let f = json["findings"].as_array().unwrap();
        assert_eq!(f.len(), 1, "{lines:?}");
        assert_eq!(f[0]["path"], "secrets.env");
        how.push(lines.iter().any(|l| l.contains(&format!("cloned {url}"))));
    }
    // One run cloned, the others fetched into its clone; nothing else is left in the cache.
    assert_eq!(how.iter().filter(|c| **c).count(), 1, "{how:?}");
    let mut left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [clone.clone(), format!("{clone}.lock")]);
    drop(daemon);
}

/// An organisation audit reads each repository's own `.leakhound.yaml` (or `.yml`, else
/// `.gitleaks.toml`) and ignore files at the head of its default branch: one of two
/// repositories allowlists its own secret file, and only its finding is suppressed; the
/// summary says which configuration applied to it. `--config` applies to every repository
/// instead.
#[test]
fn org_audit_applies_each_repositorys_own_configuration() {
    let tmp = tempdir();
    let src = tmp.path().join("src");
    let mut repos = org(&src, 3);
    for r in &mut repos {
        r.archived = false;
        r.fork = false;
    }
    // repo-001 allowlists its own secrets.env; repo-002 ignores its finding by fingerprint.
    let one = src.join("repo-001");
    std::fs::write(
        one.join(".leakhound.yaml"),
        "allowlist:\n  paths:\n    - \"secrets.env\"\n",
    )
    .unwrap();
    git_ok(&one, &["add", "-A"]);
    git_ok(&one, &["commit", "-q", "-m", "allowlist"]);
    let api = fake_github(repos.clone(), 100);
    let api_url = api.url();
    let audit = |extra: &[&str]| {
        let mut args = vec![
            "github",
            "--org",
            "acme",
            "--api-url",
            &api_url,
            "--cache-dir",
            "cache",
            "-f",
            "json",
        ];
        args.extend_from_slice(extra);
        lh(tmp.path(), &args, &[])
    };
    let r = audit(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let found = repositories(&r);
    let want: BTreeSet<String> = [0, 2]
        .iter()
        .map(|i| file_url(&src.join(format!("repo-{i:03}"))))
        .collect();
    assert_eq!(
        found.keys().cloned().collect::<BTreeSet<_>>(),
        want,
        "{}",
        r.stdout
    );
    let json = r.json();
    let suppressed: u64 = json["summary"]["suppressed"].as_object().map_or(0, |m| {
        m.values().filter_map(serde_json::Value::as_u64).sum()
    });
    assert_eq!(suppressed, 1, "{}", json["summary"]);
    let notes = json["summary"]["notes"].to_string();
    assert!(
        notes.contains("acme/repo-001: its own files at the head of its default branch apply")
            && notes.contains(":.leakhound.yaml"),
        "{notes}"
    );
    assert!(!notes.contains("acme/repo-000: its own"), "{notes}");
    // --config: one configuration for every repository, the repositories' own not read.
    std::fs::write(tmp.path().join("audit.yaml"), "rules: {}\n").unwrap();
    let r = audit(&["--config", "audit.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(repositories(&r).len(), 3, "{}", r.stdout);
    assert!(!r.json()["summary"]["notes"]
        .to_string()
        .contains("its own files"));
}

/// [`user_verifier_config`] with the GitHub rule turned off, so `--verify` calls nothing but
/// the `acme` verifier at `base_url`.
fn acme_config(base_url: &str) -> String {
    user_verifier_config(base_url).replacen(
        "rules:\n",
        "rules:\n  disable: [github-pat-classic]\n",
        1,
    )
}

/// An audited repository's configuration may not choose where credentials go: repo-001 names
/// its own `acme` verifier on another host (as a stranger's repository would, to collect the
/// audit's secrets), and it is ignored with a warning; every `acme` credential, that
/// repository's included, goes to the audit's own verifier only.
#[test]
fn org_audit_ignores_a_repositorys_own_verifiers() {
    let tmp = tempdir();
    let src = tmp.path().join("src");
    let mut repos = org(&src, 3);
    for (i, r) in repos.iter_mut().enumerate() {
        r.archived = false;
        r.fork = false;
        let dir = src.join(format!("repo-{i:03}"));
        // Built at run time: not a credential in this file.
        std::fs::write(
            dir.join("acme.env"),
            format!("ACME_KEY=acme_{}Qm7TzR2vXk9LpW4s\n", 1000 + i),
        )
        .unwrap();
        git_ok(&dir, &["add", "-A"]);
        git_ok(&dir, &["commit", "-q", "-m", "acme"]);
    }
    let answer = |_: &Seen, _: &str| -> Answer { (200, vec![], r#"{"login":"x"}"#.into()) };
    let audits = Api::start(answer);
    let collector = Api::start(answer);
    let one = src.join("repo-001");
    std::fs::write(one.join(".leakhound.yaml"), acme_config(&collector.url())).unwrap();
    git_ok(&one, &["add", "-A"]);
    git_ok(&one, &["commit", "-q", "-m", "config"]);
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join(".leakhound.yaml"), acme_config(&audits.url())).unwrap();
    let api = fake_github(repos, 100);
    let r = lh(
        tmp.path(),
        &[
            "github",
            "--org",
            "acme",
            "--api-url",
            &api.url(),
            "--cache-dir",
            "cache",
            "-f",
            "json",
            "--verify",
            "--verify-timeout",
            "2",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        collector.seen().is_empty(),
        "a repository's verifier was called: {:?}",
        collector.seen()
    );
    let acme: Vec<serde_json::Value> = findings(&r)
        .into_iter()
        .filter(|f| f["rule"] == "acme-key")
        .collect();
    assert_eq!(acme.len(), 3, "{}", r.stdout);
    for f in &acme {
        assert_eq!(f["verification"]["status"], "active", "{f}");
    }
    assert_eq!(audits.seen().len(), 3, "{:?}", audits.seen());
    assert!(
        r.stderr
            .contains("acme/repo-001: warning: its configuration's verifiers (acme) are ignored"),
        "{}",
        r.stderr
    );
}
