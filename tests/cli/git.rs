//! `leakhound git`: history of all refs, ranges, staged changes, and bad repositories. Each test
//! builds a small repository with the `git` command, with fixed names, emails and dates, and
//! asserts the exact findings (rule, path, commit).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

const NAME: &str = "Ada Lovelace";
const EMAIL: &str = "ada@example.com";
/// 2024-01-01T00:00:00Z; commit `n` is dated `n` days later.
const EPOCH: u64 = 1_704_067_200;

/// A repository in a temp dir, driven through the `git` command.
struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    commits: u64,
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    git_dated(dir, args, EPOCH)
}

fn git_dated(dir: &Path, args: &[&str], date: u64) -> String {
    let date = format!("{date} +0000");
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "tag.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", NAME)
        .env("GIT_AUTHOR_EMAIL", EMAIL)
        .env("GIT_COMMITTER_NAME", NAME)
        .env("GIT_COMMITTER_EMAIL", EMAIL)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Repo {
    fn new() -> Self {
        let tmp = tempdir();
        let dir = tmp.path().join("repo");
        std::fs::create_dir(&dir).unwrap();
        git_in(&dir, &["init", "-q"]);
        Repo {
            _tmp: tmp,
            dir,
            commits: 0,
        }
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(&self.dir, args)
    }

    fn write(&self, path: &str, content: &str) {
        let p = self.dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, content).unwrap();
    }

    /// Stages everything and commits; returns the commit id.
    fn commit(&mut self, msg: &str) -> String {
        self.commits += 1;
        let date = EPOCH + self.commits * 86_400;
        git_dated(&self.dir, &["add", "-A"], date);
        git_dated(
            &self.dir,
            &["commit", "-q", "--allow-empty", "-m", msg],
            date,
        );
        self.git(&["rev-parse", "HEAD"])
    }

    /// `git merge` with the next date; returns the merge commit.
    fn merge(&mut self, branch: &str, msg: &str) -> String {
        self.commits += 1;
        let date = EPOCH + self.commits * 86_400;
        git_dated(
            &self.dir,
            &["merge", "-q", "--no-ff", "-m", msg, branch],
            date,
        );
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `leakhound git -f jsonl EXTRA`, again with every version's keyword hits found by
    /// a full pass rather than derived from its delta base's (`--no-delta-hits`), and again
    /// with every blob read through libgit2 (`--no-pack-reader`): all three must agree on
    /// every test repository.
    fn scan(&self, extra: &[&str]) -> Run {
        let mut args = vec!["git", "-f", "jsonl"];
        args.extend_from_slice(extra);
        let r = run_in(&self.dir, &args);
        args.insert(1, "--no-delta-hits");
        let full_pass = run_in(&self.dir, &args);
        assert_eq!(
            (r.code, &r.stdout),
            (full_pass.code, &full_pass.stdout),
            "derived and full-pass keyword hits disagree on {extra:?}"
        );
        args[1] = "--no-pack-reader";
        let full = run_in(&self.dir, &args);
        assert_eq!(
            (r.code, &r.stdout),
            (full.code, &full.stdout),
            "the pack reader and libgit2 disagree on {extra:?}"
        );
        r
    }
}

/// (rule, path, commit id or "") of each finding, sorted.
fn found(r: &Run) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = r
        .jsonl()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["commit"]["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn gh(path: &str, commit: &str) -> (String, String, String) {
    (
        "github-pat-classic".to_string(),
        path.to_string(),
        commit.to_string(),
    )
}

fn sorted(mut v: Vec<(String, String, String)>) -> Vec<(String, String, String)> {
    v.sort();
    v
}

/// `info/grafts` rewrites parents for libgit2 (and for git): the history walk keeps libgit2's
/// view of them, so a commit grafted to be a root introduces everything in its tree.
#[test]
fn grafted_history_is_walked_as_libgit2_sees_it() {
    let mut repo = Repo::new();
    repo.write("a.env", &format!("T={}\n", github_token(102)));
    repo.commit("add token");
    repo.write("README.md", "hello\n");
    let root = repo.commit("grafted root");
    repo.write("b.txt", "more\n");
    repo.commit("on top");
    repo.git(&["repack", "-adq"]);
    let info = repo.dir.join(".git/info");
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(info.join("grafts"), format!("{root}\n")).unwrap();

    let r = repo.scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(found(&r), [gh("a.env", &root)]);
}

#[test]
fn secret_added_then_removed_is_attributed_to_the_adding_commit() {
    let mut repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("initial");
    repo.write("a.env", &format!("T={}\nX=1\n", github_token(100)));
    repo.write("keep.env", &format!("K={}\n", github_token(101)));
    let adding = repo.commit("add config\n\nlonger body");
    repo.write("a.env", "T=from-vault\nX=1\n");
    repo.commit("remove token");

    let r = repo.scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&r),
        sorted(vec![gh("a.env", &adding), gh("keep.env", &adding)])
    );
    for f in r.jsonl() {
        let c = &f["commit"];
        assert_eq!(c["author"], NAME);
        assert_eq!(c["email"], EMAIL);
        assert_eq!(c["date"], "2024-01-03T00:00:00Z");
        assert_eq!(c["summary"], "add config");
        assert_eq!(f["line"], 1);
        let at_head = f["path"] == "keep.env";
        assert_eq!(f["present_at_head"], at_head, "{f}");
    }
    assert!(r.stderr.contains("scanned 4 blobs"), "{}", r.stderr);

    let text = run_in(&repo.dir, &["git", "--color", "never"]);
    let short = &adding[..8];
    assert!(
        text.stdout.contains(&format!("a.env@{short}:1:3: GitHub")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!(
            "introduced in {short} by {NAME} <{EMAIL}> on 2024-01-03T00:00:00Z: add config; no longer at HEAD"
        )),
        "{}",
        text.stdout
    );

    let sarif = run_in(&repo.dir, &["git", "-f", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for res in results {
        assert_eq!(res["partialFingerprints"]["leakhound/commit"], adding);
        assert_eq!(res["properties"]["commit"]["id"], adding);
        assert!(res["properties"]["present_at_head"].is_boolean());
    }
}

/// The one fingerprint of `run`'s single finding.
fn only_fingerprint(r: &Run) -> String {
    let found = r.jsonl();
    assert_eq!(found.len(), 1, "{}{}", r.stdout, r.stderr);
    found[0]["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn a_secret_at_a_path_has_one_fingerprint_in_every_mode_and_after_a_rebase() {
    // Issue 16: the fingerprint the pre-commit hook prints must be the one CI and audits see.
    let mut repo = Repo::new();
    repo.write("README", "hello\n");
    let base = repo.commit("base");
    let token = github_token(102);
    repo.write("app/a.env", &format!("T={token}\n"));
    git_in(&repo.dir, &["add", "-A"]);
    let staged = only_fingerprint(&repo.scan(&["--staged"]));
    let tree = only_fingerprint(&run_in(&repo.dir, &["scan", ".", "-f", "jsonl"]));
    let first = repo.commit("add a");
    let range = only_fingerprint(&repo.scan(&["--range", &format!("{base}..HEAD")]));
    let history = only_fingerprint(&repo.scan(&[]));
    assert_eq!([&tree, &range, &history], [&staged; 3]);

    // Rewrite the commit (new message and date: a different id, as after a rebase or a
    // squash-merge): same fingerprint.
    repo.commits += 5;
    git_dated(
        &repo.dir,
        &["commit", "-q", "--amend", "-m", "squashed"],
        EPOCH + repo.commits * 86_400,
    );
    let rewritten = repo.git(&["rev-parse", "HEAD"]);
    assert_ne!(rewritten, first);
    assert_eq!(only_fingerprint(&repo.scan(&[])), staged);
    assert_eq!(
        only_fingerprint(&repo.scan(&["--range", &format!("{base}..HEAD")])),
        staged
    );

    // An ignore entry made from the hook's fingerprint, committed on the base branch, keeps
    // the secret out of a range scan of a later change that adds it, and out of the audit.
    git_in(&repo.dir, &["reset", "-q", "--hard", &base]);
    repo.write(".leakhoundignore", &format!("{staged}\n"));
    let ignore_base = repo.commit("ignore the test token");
    repo.write("app/a.env", &format!("T={token}\n"));
    repo.commit("add a again");
    let r = repo.scan(&["--range", &format!("{ignore_base}..HEAD")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("1 by ignored fingerprint"),
        "{}",
        r.stderr
    );
    let r = repo.scan(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn deleted_file_is_found() {
    let mut repo = Repo::new();
    repo.write("secret.env", &format!("T={}\n", github_token(103)));
    let adding = repo.commit("add secret");
    repo.git(&["rm", "-q", "secret.env"]);
    repo.write("other.txt", "nothing here\n");
    repo.commit("delete secret");
    let r = repo.scan(&[]);
    assert_eq!(found(&r), [gh("secret.env", &adding)]);
    assert_eq!(r.jsonl()[0]["present_at_head"], false);
}

#[test]
fn unmerged_branch_is_found_and_branch_restricts() {
    let mut repo = Repo::new();
    repo.write("README.md", "hi\n");
    repo.commit("initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "feature/conf.yml",
        &format!("token: {}\n", github_token(104)),
    );
    let on_branch = repo.commit("feature work");
    repo.git(&["checkout", "-q", "main"]);

    assert_eq!(found(&repo.scan(&[])), [gh("feature/conf.yml", &on_branch)]);
    assert_eq!(
        found(&repo.scan(&["--branch", "feature"])),
        [gh("feature/conf.yml", &on_branch)]
    );
    let r = repo.scan(&["--branch", "main"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(found(&r).is_empty());
    let r = repo.scan(&["--branch", "no-such-branch"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-branch"), "{}", r.stderr);
}

#[test]
fn merge_commits_attribute_to_the_branch_commit_or_the_merge_itself() {
    let mut repo = Repo::new();
    repo.write("README.md", "hi\n");
    repo.commit("initial");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.env", &format!("T={}\n", github_token(105)));
    let topic = repo.commit("topic adds a token");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main work\n");
    repo.commit("main work");
    repo.merge("topic", "merge topic");
    // An "evil" merge: the token appears only in the merge commit's own tree.
    repo.git(&["checkout", "-q", "-b", "topic2"]);
    repo.write("t2.txt", "topic2\n");
    repo.commit("topic2");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "topic2"]);
    repo.write("merged.env", &format!("M={}\n", github_token(106)));
    let evil = repo.commit("merge topic2 with a token");

    assert_eq!(
        found(&repo.scan(&[])),
        sorted(vec![gh("topic.env", &topic), gh("merged.env", &evil)])
    );
}

#[test]
fn tag_only_objects_are_found() {
    let mut repo = Repo::new();
    repo.write("README.md", "hi\n");
    repo.commit("initial");
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("detached.env", &format!("T={}\n", github_token(107)));
    let detached = repo.commit("only reachable from a tag");
    repo.git(&["tag", "lightweight-tag"]);
    repo.git(&["checkout", "-q", "main"]);
    let loose = repo.dir.join("loose.txt");
    std::fs::write(&loose, format!("B={}\n", github_token(108))).unwrap();
    let blob = repo.git(&["hash-object", "-w", loose.to_str().unwrap()]);
    std::fs::remove_file(&loose).unwrap();
    repo.git(&["tag", "-a", "blob-tag", "-m", "a tagged blob", &blob]);

    let r = repo.scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&r),
        sorted(vec![
            gh("detached.env", &detached),
            gh("refs/tags/blob-tag", "")
        ])
    );
}

#[test]
fn range_reports_only_what_the_range_added() {
    let mut repo = Repo::new();
    repo.write("cfg.env", &format!("A={}\nX=1\n", github_token(109)));
    let base = repo.commit("base with a token");
    repo.write("cfg.env", &format!("A={}\nX=2\n", github_token(109)));
    repo.write("b.env", &format!("B={}\n", github_token(110)));
    let second = repo.commit("edit another line, add b");
    repo.write(
        "cfg.env",
        &format!("A={}\nX=2\nC={}\n", github_token(109), github_token(111)),
    );
    let third = repo.commit("add c");

    let want = sorted(vec![gh("b.env", &second), gh("cfg.env", &third)]);
    let range = format!("{base}..HEAD");
    let r = repo.scan(&["--range", &range]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(found(&r), want);
    let lines: Vec<u64> = r
        .jsonl()
        .iter()
        .filter(|f| f["path"] == "cfg.env")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3]);
    assert_eq!(found(&repo.scan(&["--since-commit", &base])), want);
    let r = repo.scan(&["--since-commit", &third]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = repo.scan(&["--range", "nope..HEAD"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope..HEAD"), "{}", r.stderr);
}

#[test]
fn staged_reports_only_added_lines_and_ignores_the_working_tree() {
    let mut repo = Repo::new();
    repo.write("s.env", &format!("A={}\n", github_token(112)));
    repo.commit("committed token");
    repo.write(
        "s.env",
        &format!("A={}\nB={}\n", github_token(112), github_token(113)),
    );
    repo.write("n.env", &format!("C={}\n", github_token(114)));
    repo.git(&["add", "s.env", "n.env"]);
    // Unstaged: a later edit and an untracked file.
    repo.write(
        "n.env",
        &format!("C={}\nD={}\n", github_token(114), github_token(115)),
    );
    repo.write("untracked.env", &format!("E={}\n", github_token(116)));

    let want = [
        ("github-pat-classic".to_string(), "n.env".to_string(), 1),
        ("github-pat-classic".to_string(), "s.env".to_string(), 2),
    ];
    let r = repo.scan(&["--staged"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(triples(&r.jsonl()), want);
    assert!(r.jsonl().iter().all(|f| f["commit"].is_null()));
    // The index reader handles version 4 (prefix-compressed paths) the same way.
    repo.git(&["update-index", "--index-version", "4"]);
    assert_eq!(triples(&repo.scan(&["--staged"]).jsonl()), want);
}

#[test]
fn staged_uses_the_cache_tree_and_descends_only_into_changed_directories() {
    let mut repo = Repo::new();
    for d in ["a", "b/c", "b/d", "z"] {
        repo.write(&format!("{d}/f.txt"), "plain\n");
    }
    repo.write("b/c/old.env", &format!("A={}\n", github_token(124)));
    repo.commit("tree");
    repo.write(
        "b/c/old.env",
        &format!("A={}\nB={}\n", github_token(124), github_token(125)),
    );
    repo.write("b/new.env", &format!("N={}\n", github_token(126)));
    repo.write("z/f.txt", "changed, no secret\n");
    repo.git(&["add", "-A"]);
    let r = repo.scan(&["--staged"]);
    assert_eq!(
        triples(&r.jsonl()),
        [
            (
                "github-pat-classic".to_string(),
                "b/c/old.env".to_string(),
                2
            ),
            ("github-pat-classic".to_string(), "b/new.env".to_string(), 1),
        ]
    );
    assert!(r.stderr.contains("scanned 3 files"), "{}", r.stderr);
    // A fresh cache-tree (as after `git commit`) with nothing staged: nothing to scan.
    repo.commit("commit it");
    let r = repo.scan(&["--staged"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("scanned 0 files"), "{}", r.stderr);
}

#[test]
fn staged_works_before_the_first_commit() {
    let repo = Repo::new();
    repo.write("first.env", &format!("A={}\n", github_token(117)));
    repo.git(&["add", "first.env"]);
    let r = repo.scan(&["--staged"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(found(&r), [gh("first.env", "")]);
    let empty = Repo::new();
    let r = empty.scan(&["--staged"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// `(github-pat-classic, path, line)` for each pair.
fn gh_lines(v: &[(&str, u64)]) -> Vec<(String, String, u64)> {
    v.iter()
        .map(|&(p, l)| ("github-pat-classic".to_string(), p.to_string(), l))
        .collect()
}

/// Issue 16: pre-commit passes files after `--` (`pass_filenames`). On `git commit` they are the
/// staged files, judged by the lines they add; under `pre-commit run --all-files` some have
/// nothing staged, and then every file given is read whole as the index holds it, so a secret
/// already committed is found (it used to pass, scanning only the staged diff).
#[test]
fn issue_16_staged_scans_the_files_pre_commit_gives() {
    let mut repo = Repo::new();
    repo.write("old.env", &format!("A={}\n", github_token(130)));
    repo.write("sub/other.env", &format!("O={}\n", github_token(131)));
    repo.commit("committed tokens");
    repo.write(
        "old.env",
        &format!("A={}\nB={}\n", github_token(130), github_token(132)),
    );
    repo.write("new.env", &format!("N={}\n", github_token(133)));
    repo.git(&["add", "old.env", "new.env"]);
    // Unstaged edits are not what is committed.
    repo.write("new.env", "N=gone\n");

    // A commit: the staged files, only the lines they add.
    let r = repo.scan(&["--staged", "--", "old.env", "new.env"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        gh_lines(&[("new.env", 1), ("old.env", 2)])
    );
    assert!(r.stderr.contains("commit blocked"), "{}", r.stderr);
    // Only the files given (pre-commit splits long lists over several runs).
    let r = repo.scan(&["--staged", "--", "new.env"]);
    assert_eq!(triples(&r.jsonl()), gh_lines(&[("new.env", 1)]));

    // --all-files: sub/other.env has nothing staged, so every file is read whole.
    let all = ["--staged", "--", "new.env", "old.env", "sub/other.env"];
    let r = repo.scan(&all);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        gh_lines(&[
            ("new.env", 1),
            ("old.env", 1),
            ("old.env", 2),
            ("sub/other.env", 1)
        ])
    );
    assert!(r.stderr.contains("scanned whole"), "{}", r.stderr);
    assert!(!r.stderr.contains("commit blocked"), "{}", r.stderr);
    // After the commit (pre-commit.ci: nothing staged at all), the same; new.env was committed
    // with its unstaged edit, which removed the token.
    repo.commit("commit them");
    let r = repo.scan(&all);
    assert_eq!(
        triples(&r.jsonl()),
        gh_lines(&[("old.env", 1), ("old.env", 2), ("sub/other.env", 1)])
    );

    // Paths are relative to the current directory, as pre-commit's are to the root.
    let r = run_in(
        &repo.dir.join("sub"),
        &["git", "-f", "jsonl", "--staged", "--", "other.env"],
    );
    assert_eq!(triples(&r.jsonl()), gh_lines(&[("sub/other.env", 1)]));

    // A file the index does not hold is a counted skip, not silence.
    repo.write("untracked.env", &format!("U={}\n", github_token(134)));
    let r = repo.scan(&["--staged", "--", "untracked.env", "sub/other.env"]);
    assert_eq!(triples(&r.jsonl()), gh_lines(&[("sub/other.env", 1)]));
    assert!(r.stderr.contains("not-in-index"), "{}", r.stderr);
    // Files need --staged, and must be inside the repository.
    assert_eq!(repo.scan(&["--", "old.env"]).code, 2);
    let r = repo.scan(&["--staged", "--", "/etc/hostname"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not inside the repository"),
        "{}",
        r.stderr
    );
}

/// Issue 16: with `core.splitIndex=true` every commit failed ("unsupported mandatory extension:
/// 'link'", libgit2 does not read split indexes). The index reader now joins the split index to
/// its shared index: replaced, deleted and added entries are all seen.
#[test]
fn issue_16_staged_reads_a_split_index() {
    let mut repo = Repo::new();
    for i in 0..20 {
        repo.write(&format!("f{i:02}.txt"), "plain\n");
    }
    repo.write("old.env", &format!("A={}\n", github_token(140)));
    repo.commit("base");
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.git(&["config", "splitIndex.maxPercentChange", "100"]);
    repo.git(&["update-index", "--split-index"]);
    // Against the shared index: two replaced entries, one deleted, one added.
    repo.write(
        "old.env",
        &format!("A={}\nB={}\n", github_token(140), github_token(141)),
    );
    repo.write("f05.txt", &format!("C={}\n", github_token(142)));
    std::fs::remove_file(repo.dir.join("f07.txt")).unwrap();
    repo.write("new.env", &format!("N={}\n", github_token(143)));
    repo.git(&["add", "-A"]);
    let shared = std::fs::read_dir(repo.dir.join(".git"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("sharedindex.")
        })
        .count();
    assert_eq!(shared, 1, "git wrote a split index");

    let r = repo.scan(&["--staged"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        triples(&r.jsonl()),
        gh_lines(&[("f05.txt", 1), ("new.env", 1), ("old.env", 2)])
    );
    assert!(r.stderr.contains("scanned 3 files"), "{}", r.stderr);
    // The files pre-commit gives, looked up in the joined index.
    let r = repo.scan(&["--staged", "--", "f00.txt", "old.env"]);
    assert_eq!(
        triples(&r.jsonl()),
        gh_lines(&[("old.env", 1), ("old.env", 2)])
    );
    // A missing shared index is an error that says which, not an empty scan.
    for e in std::fs::read_dir(repo.dir.join(".git")).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with("sharedindex.") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let r = repo.scan(&["--staged"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("shared index"), "{}", r.stderr);
}

#[test]
fn shallow_clone_scans_what_exists_and_says_so() {
    let mut repo = Repo::new();
    repo.write("old.env", &format!("A={}\n", github_token(118)));
    repo.commit("old token");
    repo.write("gone.env", &format!("G={}\n", github_token(119)));
    repo.commit("token that gets removed");
    repo.git(&["rm", "-q", "gone.env"]);
    repo.write("new.env", &format!("N={}\n", github_token(120)));
    repo.commit("new token");
    let clone = repo.dir.parent().unwrap().join("shallow");
    let url = format!("file://{}", repo.dir.display());
    git_in(
        repo.dir.parent().unwrap(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    let head = git_in(&clone, &["rev-parse", "HEAD"]);
    let r = run_in(&clone, &["git", "-f", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&r),
        sorted(vec![gh("old.env", &head), gh("new.env", &head)])
    );
    assert!(
        r.stderr.contains("shallow clone: history is truncated"),
        "{}",
        r.stderr
    );
}

/// The loose object file of `id`.
fn loose_object(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn corrupt_object_is_skipped_and_named() {
    let mut repo = Repo::new();
    repo.write("a.env", &format!("T={}\n", github_token(121)));
    repo.write("plain.txt", "just text\n");
    let adding = repo.commit("two files");
    let blob = repo.git(&["rev-parse", "HEAD:plain.txt"]);
    let obj = loose_object(&repo.dir, &blob);
    std::fs::remove_file(&obj).unwrap();
    std::fs::write(&obj, b"x\x9c garbage").unwrap();

    // Issue 15: content lost to damage is exit status 2, with what was found still reported
    // and the loss named.
    let r = repo.scan(&["--verbose"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(found(&r), [gh("a.env", &adding)]);
    assert!(
        r.stderr.contains("skipped 1 corrupt-object"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&blob), "{}", r.stderr);
    assert!(r.stderr.contains("partial scan"), "{}", r.stderr);
    // --allow-partial: the findings' status, the loss still said.
    let r = repo.scan(&["--allow-partial"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("skipped 1 corrupt-object"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--allow-partial"), "{}", r.stderr);

    // Nothing readable at all: exit 2, still no panic.
    let mut only = Repo::new();
    only.write("only.txt", "only\n");
    only.commit("one file");
    let blob = only.git(&["rev-parse", "HEAD:only.txt"]);
    std::fs::remove_file(loose_object(&only.dir, &blob)).unwrap();
    let r = only.scan(&[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("missing-object"), "{}", r.stderr);
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let d = tempdir();
    let r = run_in(d.path(), &["git", d.path().to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(d.path().to_str().unwrap()) && r.stderr.contains("not a git repository"),
        "{}",
        r.stderr
    );
}

#[test]
fn works_from_a_subdirectory_and_on_a_bare_clone() {
    let mut repo = Repo::new();
    repo.write("top.env", &format!("T={}\n", github_token(122)));
    repo.write("sub/dir/readme.md", "docs\n");
    repo.write(
        "lfs.bin",
        "version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 42\n",
    );
    let adding = repo.commit("layout");
    let r = run_in(&repo.dir.join("sub/dir"), &["git", "-f", "jsonl"]);
    assert_eq!(found(&r), [gh("top.env", &adding)]);
    assert!(
        r.stderr
            .contains("1 Git LFS pointer file scanned as pointers"),
        "{}",
        r.stderr
    );

    let bare = repo.dir.parent().unwrap().join("bare.git");
    git_in(
        repo.dir.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.dir.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let r = run_in(
        repo.dir.parent().unwrap(),
        &["git", bare.to_str().unwrap(), "-f", "jsonl"],
    );
    assert_eq!(found(&r), [gh("top.env", &adding)]);
    let r = run_in(
        repo.dir.parent().unwrap(),
        &["git", bare.to_str().unwrap(), "--staged"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn worktree_is_scanned() {
    let mut repo = Repo::new();
    repo.write("w.env", &format!("T={}\n", github_token(123)));
    let adding = repo.commit("one");
    let wt = repo.dir.parent().unwrap().join("wt");
    repo.git(&["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    let r = run_in(&wt, &["git", "-f", "jsonl"]);
    assert_eq!(found(&r), [gh("w.env", &adding)]);
}

#[test]
fn one_blob_at_two_paths_is_reported_at_each_with_its_own_commit() {
    let mut repo = Repo::new();
    let content = format!("T={}\n", github_token(127));
    repo.write("a.env", &content);
    repo.write("b.env", &content);
    let both = repo.commit("same content twice");
    repo.write("later/c.env", &content);
    let copy = repo.commit("copy it again");
    // The same blob rewritten at a path it already had is not a new introduction.
    repo.write("a.env", "T=gone\n");
    repo.commit("clear a");
    repo.write("a.env", &content);
    repo.commit("restore a");
    repo.git(&["rm", "-q", "b.env"]);
    repo.commit("drop b");

    let r = repo.scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&r),
        sorted(vec![
            gh("a.env", &both),
            gh("b.env", &both),
            gh("later/c.env", &copy)
        ])
    );
    // Two distinct blobs (the token file and "T=gone"), each read once whatever its paths.
    assert!(r.stderr.contains("scanned 2 blobs"), "{}", r.stderr);
    let findings = r.jsonl();
    let at_head: Vec<(String, bool)> = {
        let mut v: Vec<_> = findings
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["present_at_head"].as_bool().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        at_head,
        [
            ("a.env".to_string(), true),
            ("b.env".to_string(), false),
            ("later/c.env".to_string(), true)
        ]
    );
    let mut prints: Vec<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), 3, "fingerprints differ by path and commit");

    // --branch restricts the same way: only what that ref reaches.
    let r = repo.scan(&["--branch", &both]);
    assert_eq!(
        found(&r),
        sorted(vec![gh("a.env", &both), gh("b.env", &both)])
    );
}

#[test]
fn range_reports_a_blob_at_each_path_the_range_wrote_it() {
    let mut repo = Repo::new();
    let content = format!("T={}\n", github_token(128));
    repo.write("base.env", &content);
    let base = repo.commit("base has the token");
    repo.write("copy1.env", &content);
    repo.write("copy2.env", &content);
    let copies = repo.commit("copy it twice");
    repo.write("copy3.env", &content);
    let third = repo.commit("and once more");
    let r = repo.scan(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&r),
        sorted(vec![
            gh("copy1.env", &copies),
            gh("copy2.env", &copies),
            gh("copy3.env", &third)
        ])
    );
    assert!(r
        .jsonl()
        .iter()
        .all(|f| f["present_at_head"] == true && f["line"] == 1));
    // Only the last commit: the blob is old, but copy3.env is new.
    let r = repo.scan(&["--range", &format!("{copies}..HEAD")]);
    assert_eq!(found(&r), [gh("copy3.env", &third)]);
}

#[test]
fn progress_always_shows_every_phase_and_never_the_secret() {
    let mut repo = Repo::new();
    let token = github_token(129);
    repo.write("p.env", &format!("T={token}\n"));
    repo.write("readme.txt", "nothing\n");
    let adding = repo.commit("token");
    repo.write("readme.txt", "still nothing\n");
    repo.commit("docs");

    // Piped (as in every test) and not asked for: no progress at all.
    let plain = repo.scan(&[]);
    assert!(
        !plain.stderr.contains("listing commits"),
        "{}",
        plain.stderr
    );

    let r = repo.scan(&["--progress", "always"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(found(&r), [gh("p.env", &adding)]);
    assert_eq!(r.stdout, plain.stdout, "progress goes to stderr only");
    let phases = [
        "leakhound: listing commits 2 · done",
        "leakhound: reading commits 2/2 · done",
        "leakhound: scanning blobs 3/3",
        "leakhound: attributing findings 1/1 · done",
    ];
    let mut at = 0;
    for p in phases {
        let i = r.stderr[at..]
            .find(p)
            .unwrap_or_else(|| panic!("{p:?} missing or out of order in:\n{}", r.stderr));
        at += i + p.len();
    }
    // The summary still follows the progress lines.
    assert!(
        r.stderr[at..].contains("1 finding · scanned 3 blobs"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&token[..12]), "{}", r.stderr);

    let r = repo.scan(&[
        "--progress",
        "always",
        "--range",
        &format!("{adding}..HEAD"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("leakhound: reading commits in the range 1 · done"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("scanning blobs 1/1"), "{}", r.stderr);

    // --no-progress and --progress never win; --quiet silences automatic progress only.
    for args in [
        &["--progress", "always", "--no-progress"][..],
        &["--progress", "never"],
    ] {
        let r = repo.scan(args);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            !r.stderr.contains("scanning blobs"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let r = run_in(&repo.dir, &["scan", ".", "--progress", "always", "-q"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("leakhound: scanning files 2 · "),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&token[..12]), "{}", r.stderr);
}

#[test]
fn editing_a_file_around_an_unchanged_secret_does_not_report_it_again() {
    let mut repo = Repo::new();
    let token = github_token(130);
    repo.write("cfg.env", &format!("A=1\nT={token}\nAGAIN={token}\n"));
    let adding = repo.commit("add token");
    let before = repo.scan(&[]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    // The same secret twice in one version: both lines are reported.
    assert_eq!(
        triples(&before.jsonl()),
        [
            ("github-pat-classic".to_string(), "cfg.env".to_string(), 2),
            ("github-pat-classic".to_string(), "cfg.env".to_string(), 3)
        ]
    );
    for i in 2..5 {
        repo.write("cfg.env", &format!("A={i}\nT={token}\nAGAIN={token}\n"));
        repo.commit(&format!("edit {i}"));
    }
    let after = repo.scan(&[]);
    assert_eq!(
        found(&after),
        [gh("cfg.env", &adding), gh("cfg.env", &adding)]
    );
    // Same findings, same fingerprints: a baseline taken before the edits still holds.
    let prints = |r: &Run| {
        let mut v: Vec<String> = r
            .jsonl()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(prints(&after), prints(&before));
    assert!(
        after.stderr.contains(
            "6 repeats of these secrets in later versions of their files not reported again"
        ),
        "{}",
        after.stderr
    );
    // A new secret in a later version is still reported, at the commit that added it.
    let other = github_token(131);
    repo.write(
        "cfg.env",
        &format!("A=9\nT={token}\nAGAIN={token}\nN={other}\n"),
    );
    let newer = repo.commit("another token");
    let r = repo.scan(&[]);
    assert_eq!(
        found(&r),
        sorted(vec![
            gh("cfg.env", &adding),
            gh("cfg.env", &adding),
            gh("cfg.env", &newer)
        ])
    );
}

#[test]
fn head_naming_a_missing_branch_leaves_present_at_head_unknown_and_says_why() {
    // A bare mirror whose HEAD names a branch it does not have is common (HEAD -> master, the
    // branch is main); "no longer at HEAD" would be wrong for every finding there.
    let mut repo = Repo::new();
    repo.write("k.env", &format!("T={}\n", github_token(132)));
    let adding = repo.commit("token");
    repo.git(&["symbolic-ref", "HEAD", "refs/heads/master"]);
    let r = repo.scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(found(&r), [gh("k.env", &adding)]);
    assert!(r.jsonl()[0]["present_at_head"].is_null(), "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "HEAD points to refs/heads/master, which does not exist: whether each secret is still present at HEAD is not reported"
        ),
        "{}",
        r.stderr
    );
    let text = run_in(&repo.dir, &["git", "--color", "never"]);
    assert!(!text.stdout.contains("at HEAD"), "{}", text.stdout);
    // Back on the real branch: known again, and no note.
    repo.git(&["symbolic-ref", "HEAD", "refs/heads/main"]);
    let r = repo.scan(&[]);
    assert_eq!(r.jsonl()[0]["present_at_head"], true);
    assert!(!r.stderr.contains("HEAD points to"), "{}", r.stderr);
}

/// The summary counts the commit and tag messages a scan reads, besides the blobs, in the text
/// line and in JSON (`commit_messages_scanned`, `tag_messages_scanned`; `files_scanned` still
/// counts blobs only), and their bytes in `bytes_scanned`. A scan of one branch reads no tag
/// messages and says none; a staged scan has no message to read.
#[test]
fn summary_counts_the_commit_and_tag_messages_scanned() {
    let mut repo = Repo::new();
    repo.write("a.txt", "hello\n"); // 6 bytes
    repo.commit("first"); // git stores "first\n"
    repo.write("b.txt", "world!\n"); // 7 bytes
    repo.commit("second commit"); // "second commit\n"
    git_in(&repo.dir, &["tag", "-a", "v1", "-m", "release one"]); // "release one\n"
    git_in(&repo.dir, &["tag", "light"]); // a lightweight tag has no message
    let blobs = 6 + 7;
    let messages = "first\n".len() + "second commit\n".len();
    let tag = "release one\n".len();

    let json = |extra: &[&str]| {
        let mut args = vec!["git", "-f", "json", "--no-progress"];
        args.extend_from_slice(extra);
        let r = run_in(&repo.dir, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        (r.json()["summary"].clone(), r.stderr)
    };
    let (s, stderr) = json(&[]);
    assert_eq!(s["files_scanned"], 2);
    assert_eq!(s["commit_messages_scanned"], 2);
    assert_eq!(s["tag_messages_scanned"], 1);
    assert_eq!(s["bytes_scanned"], blobs + messages + tag);
    assert!(
        stderr.contains(&format!(
            "scanned 2 blobs, 2 commit messages and 1 tag message ({} B)",
            blobs + messages + tag
        )),
        "{stderr}"
    );

    let (s, stderr) = json(&["--branch", "main"]);
    assert_eq!(s["commit_messages_scanned"], 2);
    assert!(s.get("tag_messages_scanned").is_none(), "{s}");
    assert_eq!(s["bytes_scanned"], blobs + messages);
    assert!(
        stderr.contains(&format!(
            "scanned 2 blobs and 2 commit messages ({} B)",
            blobs + messages
        )),
        "{stderr}"
    );

    let (s, stderr) = json(&["--since-commit", "HEAD~1"]);
    assert_eq!(s["files_scanned"], 1);
    assert_eq!(s["commit_messages_scanned"], 1);
    assert!(
        stderr.contains("scanned 1 blob and 1 commit message (21 B)"),
        "{stderr}"
    );

    repo.write("c.txt", "staged\n");
    repo.git(&["add", "c.txt"]);
    let (s, _) = json(&["--staged"]);
    assert_eq!(s["files_scanned"], 1);
    assert!(s.get("commit_messages_scanned").is_none(), "{s}");
    assert!(s.get("tag_messages_scanned").is_none(), "{s}");

    // A file scan has no messages: its summary is unchanged.
    let r = run_in(&repo.dir, &["scan", "a.txt", "-f", "json", "--no-progress"]);
    let s = &r.json()["summary"];
    assert!(s.get("commit_messages_scanned").is_none(), "{s}");
    assert!(r.stderr.contains("scanned 1 file (6 B)"), "{}", r.stderr);
}

/// A history of many versions of a few files, repacked with deep delta chains, and one loose
/// blob: what `src/source/git/pack.rs` reads (delta trees, one base inflated once, a base not
/// itself wanted) must give exactly the findings of reading every blob through libgit2, and
/// a damaged entry must still be read (libgit2 resolves it) or named.
#[test]
fn pack_reader_and_libgit2_find_the_same_in_a_deltified_history() {
    let mut repo = Repo::new();
    // Lines of filler so that versions delta against each other, over 1 MiB so that the pack
    // reader takes their delta trees (smaller ones are libgit2's).
    let filler: String = (0..60_000)
        .map(|i| format!("line {i} of the module\n"))
        .collect();
    let mut planted = Vec::new();
    for v in 0..40u32 {
        let mut text = filler.clone();
        // A secret that moves, one added every 8 versions, and one removed again.
        text.insert(v as usize * 37 % filler.len(), '\n');
        if v % 8 == 0 {
            planted.push(github_token(200 + v));
        }
        for (i, t) in planted.iter().enumerate() {
            if !(v > 20 && i == 1) {
                text.push_str(&format!("TOKEN_{i}={t}\n"));
            }
        }
        repo.write("src/app.py", &text);
        repo.write(&format!("docs/v{}.md", v % 3), &format!("{v}\n"));
        repo.commit(&format!("version {v}"));
    }
    repo.git(&["repack", "-adfq", "--depth=50", "--window=50"]);
    let packs = repo.git(&["count-objects", "-v"]);
    assert!(packs.contains("packs: 1"), "{packs}");
    let verify = repo.git(&["verify-pack", "-v", &pack_idx(&repo.dir)]);
    assert!(
        verify.contains("chain length = 2"),
        "the pack has no delta chains to walk: {verify}"
    );
    // One version after the repack stays loose: read through libgit2 in the same scan.
    repo.write("src/app.py", &format!("LATE={}\n", github_token(299)));
    let late = repo.commit("late");
    let r = repo.scan(&["--no-redact"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = found(&r);
    assert_eq!(f.len(), 6, "{f:?}");
    assert!(f.contains(&gh("src/app.py", &late)), "{f:?}");

    // A flipped byte inside the pack: the entry fails its CRC-32 and goes to libgit2, which
    // reads it or names it; both readers still agree (`scan` compares them).
    let pack = pack_idx(&repo.dir).replace(".idx", ".pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x5a;
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let damaged = repo.scan(&["--no-redact"]);
    assert!(damaged.code == 1 || damaged.code == 2, "{}", damaged.stderr);
}

/// The one pack index of `dir`'s repository.
fn pack_idx(dir: &Path) -> String {
    let packs = dir.join(".git/objects/pack");
    let idx: Vec<_> = std::fs::read_dir(&packs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    assert_eq!(idx.len(), 1, "{idx:?}");
    idx[0].display().to_string()
}
