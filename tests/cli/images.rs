//! Container images (issue 19): a `docker save` tarball and an OCI image layout, both built
//! here by hand (JSON manifests and layer tars, no docker): layers read in order, findings
//! named by layer digest, files deleted by a later layer still reported and annotated, and the
//! image configuration's environment and history scanned.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::common::*;

fn digest(d: &[u8]) -> String {
    let h = Sha256::digest(d);
    format!(
        "sha256:{}",
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

struct Image {
    layers: Vec<Vec<u8>>,
    config: Vec<u8>,
    env_token: String,
    history_token: String,
    file_token: String,
    later_token: String,
}

/// Two layers: the first adds `app/.env` and `etc/keep.txt`, the second deletes `app/.env`
/// (a whiteout) and adds `app/new.env`. The configuration sets a token in `Env` and runs a
/// command with another in its history.
fn image() -> Image {
    let file_token = github_token(21);
    let later_token = github_token(22);
    let env_token = github_token(23);
    let history_token = github_token(24);
    let l1 = tar_of(&[
        ("app/.env", format!("TOKEN={file_token}\n").as_bytes()),
        ("etc/keep.txt", b"nothing\n"),
    ]);
    let l2 = tar_of(&[
        ("app/.wh..env", b""),
        ("app/new.env", format!("TOKEN={later_token}\n").as_bytes()),
    ]);
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin", format!("GITHUB_TOKEN={env_token}")],
            "Labels": {"maintainer": "ops"},
            "Cmd": ["/app/run"],
        },
        "rootfs": {"type": "layers", "diff_ids": [digest(&l1), digest(&l2)]},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in /"},
            {"created_by": format!("/bin/sh -c curl -H 'Authorization: token {history_token}' https://example.com/x")},
        ],
    })
    .to_string()
    .into_bytes();
    Image {
        layers: vec![l1, l2],
        config,
        env_token,
        history_token,
        file_token,
        later_token,
    }
}

/// The `docker save` layout of Docker before 25: `ID/layer.tar` per layer, `ID.json` config.
fn docker_save(img: &Image) -> Vec<u8> {
    let cfg = digest(&img.config);
    let cfg_name = format!("{}.json", &cfg[7..]);
    let mut files = vec![(cfg_name.clone(), img.config.clone())];
    let mut names = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let n = format!("layer{i}/layer.tar");
        files.push((n.clone(), l.clone()));
        names.push(n);
    }
    let manifest = serde_json::json!([{
        "Config": cfg_name, "RepoTags": ["example/app:1"], "Layers": names,
    }]);
    files.insert(
        0,
        ("manifest.json".into(), manifest.to_string().into_bytes()),
    );
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    tar_of(&files)
}

/// An OCI image layout directory, layers gzip-compressed.
fn oci_layout(dir: &Path, img: &Image) -> Vec<String> {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let d = digest(data);
        std::fs::write(blobs.join(&d[7..]), data).unwrap();
        d
    };
    let cfg = put(&img.config);
    let mut layer_digests = Vec::new();
    let layers: Vec<_> = img
        .layers
        .iter()
        .map(|l| {
            let z = gz(l);
            let d = put(&z);
            layer_digests.push(d.clone());
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": d, "size": z.len(),
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": img.config.len()},
        "layers": layers,
    })
    .to_string()
    .into_bytes();
    let m = put(&manifest);
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": m, "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": "1"},
        }],
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    layer_digests
}

/// Checks one image scan's findings: paths by layer digest, the deleted file reported with
/// the annotation naming the later layer, the configuration's findings, and redaction.
fn check(r: &Run, img: &Image, l1: &str, l2: &str) {
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let f = r.jsonl();
    let cfg = format!("<image config {}>", digest(&img.config));
    let mut got: Vec<(String, u64)> = f
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (cfg.clone(), 2),
        (cfg.clone(), 6),
        (format!("{l1}!/app/.env"), 1),
        (format!("{l2}!/app/new.env"), 1),
    ];
    want.sort();
    assert_eq!(got, want, "{}", r.stdout);
    let deleted = f
        .iter()
        .find(|x| x["path"] == format!("{l1}!/app/.env"))
        .unwrap();
    let note = deleted["annotations"]["image"].as_str().unwrap();
    assert!(
        note.contains(&format!("deleted by later layer {l2}")),
        "{note}"
    );
    let later = f
        .iter()
        .find(|x| x["path"] == format!("{l2}!/app/new.env"))
        .unwrap();
    assert!(later.get("annotations").is_none(), "{later}");
    for t in [
        &img.env_token,
        &img.history_token,
        &img.file_token,
        &img.later_token,
    ] {
        assert!(!r.stdout.contains(t.as_str()), "redacted");
    }
}

#[test]
fn a_docker_save_tarball_is_scanned_layer_by_layer_with_its_config() {
    let d = tempdir();
    let img = image();
    std::fs::write(d.path().join("app.tar"), docker_save(&img)).unwrap();
    let r = run_in(
        d.path(),
        &["image", "app.tar", "-f", "jsonl", "--no-progress"],
    );
    // Docker's layer files are named by their configuration's diff_ids.
    check(&r, &img, &digest(&img.layers[0]), &digest(&img.layers[1]));
    assert!(
        r.stderr.contains("1 image(s), 2 layer(s) read"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_oci_layout_is_scanned_layer_by_layer_with_its_config() {
    let d = tempdir();
    let img = image();
    let dir = d.path().join("layout");
    let digests = oci_layout(&dir, &img);
    let r = run_in(
        d.path(),
        &["image", "layout", "-f", "jsonl", "--no-progress"],
    );
    check(&r, &img, &digests[0], &digests[1]);
    // The text report names the layer too.
    let t = run_in(d.path(), &["image", "layout", "--no-progress"]);
    assert!(
        t.stdout.contains(&format!("{}!/app/.env", digests[0])),
        "{}",
        t.stdout
    );
}

#[test]
fn names_in_manifests_cannot_reach_outside_the_layout_and_bad_input_is_named() {
    let d = tempdir();
    let dir = d.path().join("img");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(d.path().join("secret.tar"), tar_of(&[("x", b"y")])).unwrap();
    let manifest = serde_json::json!([{
        "Config": "../secret.tar", "Layers": ["../secret.tar", "/etc/passwd"],
    }]);
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let r = run_in(d.path(), &["image", "img", "-f", "json", "--no-progress"]);
    let json = r.json();
    let skipped = &json["summary"]["skips"];
    let details = skipped.to_string();
    assert!(
        details.contains("not a plain relative name"),
        "{details}\n{}",
        r.stderr
    );
    assert_eq!(json["summary"]["files_scanned"], 0);

    // Not an image: a clear error naming the input, status 2.
    std::fs::write(d.path().join("notes.txt"), "hello\n").unwrap();
    let r = run_in(d.path(), &["image", "notes.txt", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("notes.txt: not a container image"),
        "{}",
        r.stderr
    );
    let r = run_in(d.path(), &["image", "missing.tar", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.tar"), "{}", r.stderr);
}

/// `docker save | gzip` (or zstd, xz, bzip2): the compressed tarball is decompressed to a
/// temporary file (a docker-save tarball needs random access) and read as the plain one is,
/// with the same layer digests and paths. Past `--spool-max-size` the layers that lie beyond
/// the cap are named skips and the summary says why; the temporary file is removed.
#[test]
fn a_compressed_docker_save_tarball_reads_as_the_plain_one() {
    use std::io::Write;
    let d = tempdir();
    let img = image();
    let plain = docker_save(&img);
    let xz = {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
        e.write_all(&plain).unwrap();
        e.finish().unwrap()
    };
    let bz2 = {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(&plain).unwrap();
        e.finish().unwrap()
    };
    let spool = d.path().join("tmp");
    std::fs::create_dir(&spool).unwrap();
    let lh = |args: &[&str]| {
        let mut cmd = command(d.path(), args);
        cmd.env("TMPDIR", &spool);
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    for (name, bytes) in [
        ("app.tar.gz", gz(&plain)),
        ("app.tar.zst", zstd::encode_all(&plain[..], 1).unwrap()),
        ("app.tar.xz", xz),
        ("app.tar.bz2", bz2),
    ] {
        std::fs::write(d.path().join(name), bytes).unwrap();
        let r = lh(&["image", name, "-f", "jsonl", "--no-progress"]);
        check(&r, &img, &digest(&img.layers[0]), &digest(&img.layers[1]));
        assert!(
            r.stderr.contains("1 image(s), 2 layer(s) read")
                && r.stderr
                    .contains("-compressed; decompressed to a temporary file"),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(
            std::fs::read_dir(&spool).unwrap().count(),
            0,
            "{name}: the temporary file is removed"
        );
    }
    // A cap that cuts the second layer off: the first layer and the configuration are read,
    // the second is an archive-size-limit skip, and the summary names the cap.
    // The second layer's tar header (512-aligned; the manifest also names it).
    let second = (0..plain.len())
        .step_by(512)
        .find(|&at| plain[at..].starts_with(b"layer1/layer.tar"))
        .unwrap();
    let cap = (second + 512 + 100).to_string();
    let r = lh(&[
        "image",
        "app.tar.gz",
        "-f",
        "json",
        "--no-progress",
        "--spool-max-size",
        &cap,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&format!("{}!/app/.env", digest(&img.layers[0])).as_str()));
    assert!(!paths.iter().any(|p| p.contains("new.env")), "{paths:?}");
    assert_eq!(
        json["summary"]["skipped"]["archive-size-limit"], 1,
        "{json}"
    );
    assert!(
        r.stderr.contains("--spool-max-size") && r.stderr.contains("larger than"),
        "{}",
        r.stderr
    );
    // A cap before the manifest is read: a clear error naming the input and the option.
    let r = lh(&[
        "image",
        "app.tar.gz",
        "--no-progress",
        "--spool-max-size",
        "100",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("app.tar.gz: not a container image")
            && r.stderr.contains("--spool-max-size"),
        "{}",
        r.stderr
    );
    // Compressed text is not an image.
    std::fs::write(d.path().join("notes.gz"), gz(b"hello\n")).unwrap();
    let r = lh(&["image", "notes.gz", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("notes.gz: not a container image")
            && r.stderr
                .contains("it is Gzip-compressed, and not a tar inside"),
        "{}",
        r.stderr
    );
}
