//! Archives and compressed files (issue 19): every format opened by its magic bytes, findings
//! named inside the archive in every report format, nesting and its depth limit, bombs bounded
//! with named skips, path traversal names that are only labels, archives in git history,
//! `--no-archives`, and damaged archives. Every archive is built here, at run time.

use std::io::Write;
use std::path::Path;

use crate::common::*;

fn secret(seed: u32) -> Vec<u8> {
    format!("token = {}\n", github_token(seed)).into_bytes()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        w.start_file(*name, o).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn bz2(d: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(d).unwrap();
    e.finish().unwrap()
}

fn xz(d: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(d).unwrap();
    e.finish().unwrap()
}

fn zst(d: &[u8]) -> Vec<u8> {
    zstd::encode_all(d, 1).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// (path, rule) of each finding of a JSON Lines run, sorted.
fn found(r: &Run) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .jsonl()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

const RULE: &str = "github-pat-classic";

#[test]
fn every_format_is_opened_by_its_magic_and_findings_name_the_entry() {
    let d = tempdir();
    let p = d.path();
    let s = secret(1);
    let t = tar_of(&[("app/.env", &s)]);
    write(
        p,
        "dist/app.jar",
        &zip_of(&[("META-INF/app.properties", &s)]),
    );
    // Named for what they are not: recognised by content, not by extension.
    write(p, "blob.bin", &zip_of(&[("inner.txt", &s)]));
    write(p, "plain.tar", &t);
    write(p, "a.tgz", &gz(&t));
    write(p, "a.tar.bz2", &bz2(&t));
    write(p, "a.tar.xz", &xz(&t));
    write(p, "a.tar.zst", &zst(&t));
    write(p, "notes.env.gz", &gz(&s));
    write(p, "notes.env.bz2", &bz2(&s));
    write(p, "notes.env.xz", &xz(&s));
    write(p, "notes.env.zst", &zst(&s));
    // Text that merely has an archive's name is scanned as text.
    write(p, "fake.zip", &s);
    let r = run_in(p, &["scan", ".", "-f", "jsonl", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let want: Vec<(String, String)> = [
        "a.tar.bz2!/app/.env",
        "a.tar.xz!/app/.env",
        "a.tar.zst!/app/.env",
        "a.tgz!/app/.env",
        "blob.bin!/inner.txt",
        "dist/app.jar!/META-INF/app.properties",
        "fake.zip",
        "notes.env.bz2",
        "notes.env.gz",
        "notes.env.xz",
        "notes.env.zst",
        "plain.tar!/app/.env",
    ]
    .iter()
    .map(|p| (p.to_string(), RULE.to_string()))
    .collect();
    assert_eq!(found(&r), want);
    // The fingerprint is of the path inside the archive.
    let jar = r
        .jsonl()
        .into_iter()
        .find(|f| f["path"] == "dist/app.jar!/META-INF/app.properties")
        .unwrap();
    let rule = leakhound::rules::RuleId(RULE.into());
    let token = github_token(1);
    let fp = leakhound::finding::Fingerprint::compute(
        &rule,
        &leakhound::finding::Secret::new(token.as_bytes()),
        "dist/app.jar!/META-INF/app.properties",
        false,
    );
    assert_eq!(jar["fingerprint"], fp.0);

    // Every format names the entry.
    let text = run_in(p, &["scan", "dist", "--no-progress"]);
    assert!(
        text.stdout.contains("app.jar!/META-INF/app.properties:1"),
        "{}",
        text.stdout
    );
    let json = run_in(p, &["scan", "dist", "-f", "json", "--no-progress"]).json();
    // One directory scanned: paths relative to it, as for plain files.
    assert_eq!(
        json["findings"][0]["path"],
        "app.jar!/META-INF/app.properties"
    );
    let sarif = run_in(p, &["scan", "dist", "-f", "sarif", "--no-progress"]).json();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        uri.ends_with("dist/app.jar%21/META-INF/app.properties"),
        "{uri}"
    );
    assert!(
        !text.stdout.contains(&token) && !json.to_string().contains(&token),
        "redacted"
    );
}

#[test]
fn nested_archives_open_to_the_depth_limit_and_the_next_level_is_a_named_skip() {
    let d = tempdir();
    let p = d.path();
    let c = zip_of(&[("deep/c.env", &secret(2))]);
    let b = gz(&tar_of(&[("lib/c.zip", &c)]));
    let a = zip_of(&[("b.tar.gz", &b), ("top.env", &secret(3))]);
    write(p, "a.zip", &a);
    let r = run_in(p, &["scan", ".", "-f", "jsonl", "--no-progress"]);
    assert_eq!(
        found(&r),
        [
            ("a.zip!/b.tar.gz!/lib/c.zip!/deep/c.env".into(), RULE.into()),
            ("a.zip!/top.env".into(), RULE.into()),
        ]
    );
    let r = run_in(
        p,
        &[
            "scan",
            ".",
            "-f",
            "jsonl",
            "--no-progress",
            "--archive-depth",
            "2",
            "--verbose",
        ],
    );
    assert_eq!(found(&r), [("a.zip!/top.env".into(), RULE.into())]);
    assert!(
        r.stderr.contains("skipped 1 archive-depth-limit"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("skipped a.zip!/b.tar.gz!/lib/c.zip (archive-depth-limit)"),
        "{}",
        r.stderr
    );
}

#[test]
fn bombs_are_bounded_by_ratio_size_and_entry_count_with_named_skips() {
    let d = tempdir();
    let p = d.path();
    // 64 MiB of zeros: about 1:1000 compressed.
    let zeros = vec![0u8; 64 << 20];
    write(
        p,
        "bomb.zip",
        &zip_of(&[("zeros.bin", &zeros), ("ok.env", &secret(4))]),
    );
    write(p, "bomb.gz", &gz(&zeros));
    let r = run_in(
        p,
        &["scan", ".", "-f", "jsonl", "--no-progress", "--verbose"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The entry after the bomb is still read.
    assert_eq!(found(&r), [("bomb.zip!/ok.env".into(), RULE.into())]);
    assert!(
        r.stderr.contains("skipped 2 archive-ratio-limit"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("skipped bomb.zip!/zeros.bin (archive-ratio-limit)"));
    assert!(r.stderr.contains("skipped bomb.gz (archive-ratio-limit)"));

    // The size limit, with the ratio allowed.
    let r = run_in(
        p,
        &[
            "scan",
            "bomb.gz",
            "--no-progress",
            "--archive-max-ratio",
            "100000",
            "--archive-max-size",
            "8M",
            "--max-file-size",
            "1G",
        ],
    );
    assert!(
        r.stderr.contains("skipped 1 archive-size-limit"),
        "{}",
        r.stderr
    );

    // Many entries.
    let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x\n"[..])).collect();
    write(p, "many/m.zip", &zip_of(&files));
    let r = run_in(
        p,
        &[
            "scan",
            "many",
            "--no-progress",
            "--archive-max-entries",
            "10",
        ],
    );
    assert!(
        r.stderr.contains("scanned 10 files") && r.stderr.contains("skipped 1 archive-entry-limit"),
        "{}",
        r.stderr
    );
    // A JSON report lists the skip with its reason.
    let json = run_in(
        p,
        &[
            "scan",
            "many",
            "-f",
            "json",
            "--no-progress",
            "--archive-max-entries",
            "10",
        ],
    )
    .json();
    assert_eq!(json["summary"]["skipped"]["archive-entry-limit"], 1);
}

#[test]
fn traversal_names_in_a_tar_are_labels_nothing_is_written() {
    let d = tempdir();
    let root = d.path().join("scan");
    std::fs::create_dir(&root).unwrap();
    let s = secret(5);
    let evil = tar_of(&[
        ("../../escape.env", &s),
        ("/tmp/leakhound-absolute-escape.env", &s),
        ("ansi\x1b[31m.env", &s),
    ]);
    write(&root, "evil.tar", &evil);
    let before = std::fs::read_dir(d.path()).unwrap().count();
    let r = run_in(&root, &["scan", ".", "-f", "jsonl", "--no-progress"]);
    assert_eq!(
        found(&r),
        [
            ("evil.tar!/../../escape.env".into(), RULE.into()),
            (
                "evil.tar!//tmp/leakhound-absolute-escape.env".into(),
                RULE.into()
            ),
            ("evil.tar!/ansi\x1b[31m.env".into(), RULE.into()),
        ]
    );
    let text = run_in(&root, &["scan", ".", "--no-progress"]);
    assert!(
        !text.stdout.contains('\x1b') && text.stdout.contains("evil.tar!/ansi"),
        "control characters are escaped: {:?}",
        text.stdout
    );
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), before);
    assert!(!d.path().join("escape.env").exists());
    assert!(!d.path().parent().unwrap().join("escape.env").exists());
    assert!(!Path::new("/tmp/leakhound-absolute-escape.env").exists());
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        1,
        "only evil.tar"
    );
}

#[test]
fn an_archive_in_git_history_is_opened_and_attributed_to_its_commit() {
    let d = tempdir();
    let p = d.path();
    git_ok(p, &["init", "-q"]);
    write(p, "README", b"app\n");
    git_ok(p, &["add", "."]);
    git_ok(p, &["commit", "-qm", "start"]);
    let base = git_ok(p, &["rev-parse", "HEAD"]);
    write(
        p,
        "dist/app.jar",
        &zip_of(&[("META-INF/app.properties", &secret(6))]),
    );
    git_ok(p, &["add", "."]);
    git_ok(p, &["commit", "-qm", "release"]);
    let added = git_ok(p, &["rev-parse", "HEAD"]);
    git_ok(p, &["rm", "-q", "dist/app.jar"]);
    git_ok(p, &["commit", "-qm", "remove the jar"]);
    let r = run_in(p, &["git", ".", "-f", "jsonl", "--no-progress"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = r.jsonl();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["path"], "dist/app.jar!/META-INF/app.properties");
    assert_eq!(f[0]["commit"]["id"], added.as_str());
    let r = run_in(
        p,
        &["git", ".", "-f", "jsonl", "--no-progress", "--no-archives"],
    );
    assert!(r.jsonl().is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("skipped 1 binary"), "{}", r.stderr);
    // A range that adds the archive reports its entries' findings.
    let r = run_in(
        p,
        &[
            "git",
            ".",
            "--range",
            &format!("{base}..{added}"),
            "-f",
            "jsonl",
            "--no-progress",
        ],
    );
    let f = r.jsonl();
    assert_eq!(f.len(), 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(f[0]["path"], "dist/app.jar!/META-INF/app.properties");
}

#[test]
fn no_archives_makes_them_binary_skips_again() {
    let d = tempdir();
    let p = d.path();
    write(p, "app.jar", &zip_of(&[("a.properties", &secret(7))]));
    write(p, "readme.txt", b"nothing here\n");
    let r = run_in(
        p,
        &["scan", ".", "-f", "jsonl", "--no-progress", "--no-archives"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.jsonl().is_empty());
    assert!(r.stderr.contains("skipped 1 binary"), "{}", r.stderr);
}

#[test]
fn damaged_and_encrypted_archives_are_named_skips_not_clean_results() {
    let d = tempdir();
    let p = d.path();
    let s = secret(8);
    let z = zip_of(&[("a.env", &s)]);
    write(p, "cut.zip", &z[..z.len() / 2]);
    // A tar.gz cut after its first entry: that entry is scanned, the damage named.
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let t = gz(&tar_of(&[("first.env", &s), ("second.bin", &big)]));
    write(p, "cut.tgz", &t[..t.len() / 2]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    use zip::unstable::write::FileOptionsExt;
    let o = zip::write::SimpleFileOptions::default()
        .with_deprecated_encryption(b"pw")
        .unwrap();
    w.start_file("locked.env", o).unwrap();
    w.write_all(&s).unwrap();
    write(p, "locked.zip", &w.finish().unwrap().into_inner());
    let r = run_in(
        p,
        &["scan", ".", "-f", "jsonl", "--no-progress", "--verbose"],
    );
    assert_eq!(found(&r), [("cut.tgz!/first.env".into(), RULE.into())]);
    assert!(
        r.stderr.contains("skipped 2 corrupt-archive"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("skipped cut.zip (corrupt-archive)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("skipped cut.tgz (corrupt-archive)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("skipped 1 encrypted") && r.stderr.contains("locked.zip!/locked.env"),
        "{}",
        r.stderr
    );
}

/// `cat app.tar.gz | leakhound scan -`: an archive or compressed stream on standard input is
/// opened as the same file would be, its entries at `<stdin>!/path` (standard input's own
/// findings are at `<stdin>`), with the same bomb limits; `--no-archives` scans the bytes as
/// they come, as before.
#[test]
fn an_archive_on_standard_input_is_opened_like_a_file() {
    let d = tempdir();
    let p = d.path();
    let s = secret(11);
    let t = tar_of(&[("app/.env", &s), ("readme.txt", b"nothing\n")]);
    let scan = |stdin: &[u8], extra: &[&str]| {
        let mut args = vec!["scan", "-", "-f", "jsonl", "--no-progress", "--verbose"];
        args.extend_from_slice(extra);
        run_with_stdin(p, &args, Some(stdin))
    };
    for (what, bytes) in [
        ("tar", t.clone()),
        ("tar.gz", gz(&t)),
        ("tar.xz", xz(&t)),
        ("tar.zst", zst(&t)),
        ("tar.bz2", bz2(&t)),
    ] {
        let r = scan(&bytes, &[]);
        assert_eq!(r.code, 1, "{what}: {}", r.stderr);
        assert_eq!(
            found(&r),
            [("<stdin>!/app/.env".to_string(), RULE.to_string())],
            "{what}"
        );
        assert!(r.stderr.contains("scanned 2 files"), "{what}: {}", r.stderr);
    }
    // A zip (read into memory: it needs its central directory), and a jar in a tar.gz.
    let r = scan(&zip_of(&[("META-INF/app.properties", &s)]), &[]);
    assert_eq!(
        found(&r),
        [("<stdin>!/META-INF/app.properties".to_string(), RULE.into())]
    );
    let nested = gz(&tar_of(&[(
        "dist/app.jar",
        &zip_of(&[("META-INF/app.properties", &s)]),
    )]));
    let r = scan(&nested, &[]);
    assert_eq!(
        found(&r),
        [(
            "<stdin>!/dist/app.jar!/META-INF/app.properties".to_string(),
            RULE.into()
        )]
    );
    // A bare compressed stream has no entry names: reported at `<stdin>`, as plain text is.
    let r = scan(&gz(&s), &[]);
    assert_eq!(found(&r), [("<stdin>".to_string(), RULE.into())]);
    assert_eq!(
        found(&scan(&s, &[])),
        [("<stdin>".to_string(), RULE.into())]
    );
    // The bomb limits hold: a gzip of 16 MiB of zeros is a named ratio skip.
    let r = scan(&gz(&vec![0u8; 16 << 20]), &[]);
    // Nothing else was read: "every input was skipped", as for the file alone.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("skipped <stdin> (archive-ratio-limit)"),
        "{}",
        r.stderr
    );
    let r = scan(&t, &["--archive-max-entries", "1"]);
    assert!(
        r.stderr.contains("skipped 1 archive-entry-limit"),
        "{}",
        r.stderr
    );
    // --no-archives: the compressed bytes are scanned as they come (nothing readable in them).
    let r = scan(&gz(&t), &["--no-archives"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(found(&r).is_empty());
    // The secret is redacted in every output.
    let r = scan(&gz(&t), &[]);
    assert!(!r.stdout.contains(&github_token(11)) && !r.stderr.contains(&github_token(11)));
}
