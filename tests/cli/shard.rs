//! `--shard K/N` on one repository's history: the N shards' findings together are exactly the
//! unsharded scan's, attribution included, for N = 1, 3 and 7.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{git_ok, github_token, run_in, tempdir};

/// A history that exercises attribution: a secret kept through many edits of its file (many
/// blobs hold it, only the first introduced it), the same secret at several paths, the same
/// blob at two paths, a secret removed later, an unmerged branch, an annotated tag and a commit
/// message holding secrets, and a low-confidence generic password.
pub fn history(dir: &Path) {
    let t = |n: u32| github_token(5000 + n);
    let write = |p: &str, s: &str| {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    };
    let commit = |msg: &str| {
        git_ok(dir, &["add", "-A"]);
        git_ok(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    };
    git_ok(dir, &["init", "-q"]);
    write("a.env", &format!("TOKEN={}\n", t(1)));
    write("b.env", &format!("OTHER={}\n", t(2)));
    write(
        "conf/db.yml",
        "database:\n  password: \"Zq8vLp3Xr7TmWc2K\"\n", // leakhound:allow (made up)
    );
    commit(&format!("initial\n\nwith {}", t(3)));
    for i in 0..14 {
        let mut a = format!("TOKEN={}\n", t(1));
        for j in 0..=i {
            a.push_str(&format!("LINE_{j}=value {j}\n"));
        }
        write("a.env", &a);
        if i == 4 {
            write("copy/c.env", &format!("# copied\nTOKEN={}\n", t(1)));
        }
        if i == 6 {
            // The same bytes as a.env now: one blob at two paths.
            write("same/a.env", &a);
        }
        if i == 8 {
            write("b.env", "OTHER=removed\n");
        }
        if i == 10 {
            write("e/later.txt", &format!("again {}\nand {}\n", t(1), t(6)));
        }
        commit(&format!("edit {i}"));
    }
    git_ok(dir, &["checkout", "-q", "-b", "feature"]);
    write("d.env", &format!("FEATURE={}\n", t(4)));
    write("a.env", &format!("TOKEN={}\nFEATURE=1\n", t(1)));
    commit("feature");
    git_ok(dir, &["checkout", "-q", "main"]);
    git_ok(
        dir,
        &["tag", "-a", "v1", "-m", &format!("release with {}", t(5))],
    );
    write("a.env", "TOKEN=gone\n");
    commit("remove the token");
}

/// The findings of one JSON report, each as the fields that identify and attribute it.
fn keyed(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            serde_json::json!({
                "fingerprint": f["fingerprint"],
                "rule": f["rule"],
                "path": f["path"],
                "line": f["line"],
                "column": f["column"],
                "commit": f["commit"],
                "present_at_head": f["present_at_head"],
                "confidence": f["confidence"],
            })
            .to_string()
        })
        .collect()
}

fn scan(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "git",
        ".",
        "-f",
        "json",
        "--no-progress",
        "--exit-code",
        "0",
    ];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.json()
}

#[test]
fn shards_together_equal_the_unsharded_scan() {
    let tmp = tempdir();
    let dir = tmp.path();
    history(dir);
    let mut whole = keyed(&scan(dir, &[]));
    whole.sort();
    assert!(
        whole.len() >= 10,
        "the test history has too few findings: {whole:#?}"
    );
    for n in [1u32, 3, 7] {
        let mut union = Vec::new();
        let mut per_shard = Vec::new();
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let found = keyed(&scan(dir, &["--shard", &shard]));
            per_shard.push(found.len());
            union.extend(found);
        }
        union.sort();
        // Compared as sorted lists: a finding reported by two shards would show as a duplicate.
        assert_eq!(
            union, whole,
            "{n} shards (findings per shard {per_shard:?})"
        );
        if n > 1 {
            assert!(
                per_shard.iter().filter(|&&c| c > 0).count() > 1,
                "{n} shards: the split put every finding in one shard: {per_shard:?}"
            );
        }
    }
}

#[test]
fn the_secret_kept_through_edits_is_attributed_to_its_first_commit_in_every_shard() {
    let tmp = tempdir();
    let dir = tmp.path();
    history(dir);
    let first = git_ok(dir, &["rev-list", "--max-parents=0", "HEAD"]);
    let commit_of_a_env = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == "a.env")
            .map(|f| f["commit"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for k in 1..=7 {
        for c in commit_of_a_env(&scan(dir, &["--shard", &format!("{k}/7")])) {
            *seen.entry(c).or_default() += 1;
        }
    }
    assert_eq!(seen, BTreeMap::from([(first, 1)]), "a.env's token");
}

#[test]
fn bad_shards_are_refused_with_the_input_named() {
    let tmp = tempdir();
    git_ok(tmp.path(), &["init", "-q"]);
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let r = run_in(tmp.path(), &["git", ".", "--shard", bad]);
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains(bad), "{bad}: {}", r.stderr);
    }
    let r = run_in(tmp.path(), &["git", ".", "--shard", "1/2", "--staged"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--shard"), "{}", r.stderr);
}
