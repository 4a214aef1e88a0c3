//! Per-finding annotations end to end: a JWT's past `exp`, the AWS key id paired with a secret
//! access key, and secrets found inside base64 (`encoding`), in every output format.

use crate::common::{github_token, run_in, tempdir};

/// Standard base64 with padding (test-side, independent of the scanner's decoder).
fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let v = u32::from(c[0]) << 16
            | u32::from(*c.get(1).unwrap_or(&0)) << 8
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(A[(v >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64url(data: &[u8]) -> String {
    b64(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.Zq8Vw2Kp5Lx9Rt3Nb7Mc1Fd6Gh4Js0aB3dE5fG7hJ9k",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(payload.as_bytes())
    )
}

#[test]
fn expired_jwt_is_reported_and_marked_in_every_format() {
    let d = tempdir();
    let old = jwt(r#"{"sub":"svc-ci","exp":1672531200}"#);
    let live = jwt(r#"{"sub":"svc-ci","exp":4102444800}"#);
    std::fs::write(
        d.path().join("tokens.env"),
        format!("OLD_TOKEN={old}\nLIVE_TOKEN={live}\n"),
    )
    .unwrap();

    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl", "-c", "/dev/null"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = r.jsonl();
    assert_eq!(f.len(), 2, "{}", r.stdout);
    assert_eq!(f[0]["line"], 1);
    assert_eq!(f[0]["annotations"]["expired"], "2023-01-01T00:00:00Z");
    assert!(f[1].get("annotations").is_none(), "{}", f[1]);

    let r = run_in(d.path(), &["scan", ".", "-f", "json", "-c", "/dev/null"]);
    assert_eq!(
        r.json()["findings"][0]["annotations"]["expired"],
        "2023-01-01T00:00:00Z"
    );

    let r = run_in(d.path(), &["scan", ".", "-f", "text", "-c", "/dev/null"]);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.contains("(expired 2023-01-01T00:00:00Z)"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("(expired").count(), 1, "{}", r.stdout);

    let r = run_in(d.path(), &["scan", ".", "-f", "sarif", "-c", "/dev/null"]);
    let sarif = r.json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results[0]["properties"]["annotations"]["expired"],
        "2023-01-01T00:00:00Z"
    );
    assert!(results[1]["properties"].get("annotations").is_none());
}

#[test]
fn aws_secret_is_paired_with_the_nearby_key_id_redacted_like_key_ids() {
    let d = tempdir();
    // Split so that the project's self-scan does not report its own test data.
    let id = concat!("AKIA", "2E3MXQ7ZP4KDNRVT");
    let secret = concat!("pFRr3yKVq5QdknO8gGye", "rx2nJQcQvedI+YZLhDfn");
    std::fs::write(
        d.path().join("credentials"),
        format!("[deploy]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n"),
    )
    .unwrap();
    // A secret with no key id near it gets no pairing.
    std::fs::write(
        d.path().join("lonely.env"),
        format!(
            "AWS_SECRET_ACCESS_KEY={}\n",
            "Vb3LmT0kAwJalrXUtnFEMIK7MDENGbPxRfiCYzQ8"
        ),
    )
    .unwrap();

    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl", "-c", "/dev/null"]);
    let f = r.jsonl();
    let pick = |path: &str, rule: &str| {
        f.iter()
            .find(|x| x["path"] == path && x["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {path}: {}", r.stdout))
            .clone()
    };
    let paired = pick("credentials", "aws-secret-access-key");
    let shown = paired["annotations"]["aws_access_key_id"].as_str().unwrap();
    // Redacted exactly as the key id's own finding shows it.
    assert_eq!(shown, pick("credentials", "aws-access-key-id")["secret"]);
    assert!(
        shown.starts_with("AKIA") && shown.ends_with('…') && !shown.contains(id),
        "{shown}"
    );
    assert!(!r.stdout.contains(id));
    assert!(pick("lonely.env", "aws-secret-access-key")
        .get("annotations")
        .is_none());

    let r = run_in(
        d.path(),
        &[
            "scan",
            "credentials",
            "-f",
            "jsonl",
            "-c",
            "/dev/null",
            "--no-redact",
        ],
    );
    let f = r.jsonl();
    let paired = f
        .iter()
        .find(|x| x["rule"] == "aws-secret-access-key")
        .unwrap();
    assert_eq!(paired["annotations"]["aws_access_key_id"], id);
    assert_eq!(paired["secret"], secret);
}

#[test]
fn secret_in_a_base64_encoded_env_file_points_at_the_encoded_text() {
    let d = tempdir();
    let token = github_token(7001);
    let env = format!("GITHUB_TOKEN={token}\nLOG_LEVEL=debug\n");
    let encoded = b64(env.as_bytes());
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ndata:\n  ci.env: {encoded}\n"
    );
    std::fs::write(d.path().join("secret.yaml"), &manifest).unwrap();

    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl", "-c", "/dev/null"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = r.jsonl();
    // The decoded token, and the manifest's value itself (a Secret's data value is a finding of
    // its own): both at the encoded text.
    assert_eq!(f.len(), 2, "{}", r.stdout);
    let x = f
        .iter()
        .find(|x| x["rule"] == "github-pat-classic")
        .unwrap();
    let value = f
        .iter()
        .find(|x| x["rule"] == "kubernetes-secret-manifest")
        .unwrap();
    assert_eq!((&value["start"], &value["end"]), (&x["start"], &x["end"]));
    assert_eq!(x["annotations"]["encoding"], "base64");
    assert_eq!(x["line"], 6);
    assert_eq!(x["column"], 11);
    let start = manifest.find(&encoded).unwrap();
    assert_eq!(x["start"], start);
    assert_eq!(x["end"], start + encoded.len());
    // Redacted as any secret; neither the token nor its encoding appears.
    assert!(
        !r.stdout.contains(&token) && !r.stdout.contains(&encoded),
        "{}",
        r.stdout
    );

    let r = run_in(
        d.path(),
        &["scan", ".", "-f", "jsonl", "-c", "/dev/null", "--no-redact"],
    );
    assert_eq!(r.jsonl()[0]["secret"], token.as_str());

    let r = run_in(d.path(), &["scan", ".", "-f", "text", "-c", "/dev/null"]);
    assert!(r.stdout.contains("secret.yaml:6:11"), "{}", r.stdout);
    assert!(r.stdout.contains("(encoding base64)"), "{}", r.stdout);
}

#[test]
fn base64_images_and_plain_encoded_text_are_quiet() {
    let d = tempdir();
    // A PNG signature and header followed by pseudo-random bytes, as a data URI.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..600 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        png.push(x.to_le_bytes()[1]);
    }
    let html = format!(
        "<img alt=\"logo\" src=\"data:image/png;base64,{}\">\n",
        b64(&png)
    );
    std::fs::write(d.path().join("index.html"), html).unwrap();
    // Encoded text without any secret in it.
    let note = b64(b"This release notes file mentions a token rotation but holds no token.\n");
    std::fs::write(d.path().join("notes.txt"), format!("blob: {note}\n")).unwrap();

    let r = run_in(d.path(), &["scan", ".", "-f", "jsonl", "-c", "/dev/null"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}
