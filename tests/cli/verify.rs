//! `--verify`, `--revoke`, `--dry-run`, `--revoke-hook` and `providers`, end to end against a
//! fake provider on 127.0.0.1 (no network).

use std::path::Path;

use leakhound::providers::fake::{FakeServer, Recorded, Reply};

use crate::common::{github_token, live, run_in, tempdir, user_verifier_config, Run};

/// A tree with the same GitHub token in two files.
fn tree_with_token(dir: &Path, token: &str) {
    std::fs::write(dir.join("a.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    std::fs::write(dir.join("b.yml"), format!("token: {token}\n")).unwrap();
}

/// Runs `leakhound scan DIR -f json` plus `extra`, the github provider pointed at `server`.
fn scan(dir: &Path, server: &FakeServer, extra: &[&str]) -> Run {
    let mut args = vec!["scan", ".", "-f", "json"];
    args.extend_from_slice(extra);
    live(dir, "github", server, &args)
}

fn audit(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn assert_secret_nowhere(r: &Run, dir: &Path, secret: &str) {
    assert!(!r.stdout.contains(secret), "secret in the report");
    assert!(!r.stderr.contains(secret), "secret on stderr");
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap_or_default();
    assert!(!log.contains(secret), "secret in the audit log");
}

fn paths(reqs: &[Recorded]) -> Vec<(String, String)> {
    reqs.iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect()
}

#[test]
fn verify_marks_every_finding_and_asks_once_per_secret() {
    let dir = tempdir();
    let token = github_token(71);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let r = scan(dir.path(), &server, &["--verify"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2);
    for f in &findings {
        let v = &f["verification"];
        assert_eq!(v["status"], "active", "{f}");
        assert_eq!(v["identity"], "octocat");
        assert_eq!(v["provider"], "github");
        assert!(v["checked_at"].as_str().unwrap().ends_with('Z'));
        assert!(f.get("revocation").is_none());
    }
    let reqs = server.requests();
    assert_eq!(paths(&reqs), [("GET".to_string(), "/user".to_string())]);
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    let log = audit(dir.path());
    assert_eq!(log.len(), 2, "one audit line per finding");
    for e in &log {
        assert_eq!(e["action"], "verify");
        assert_eq!(e["outcome"], "active");
        assert_eq!(e["http_status"], 200);
        assert_eq!(e["provider"], "github");
        assert!(e["fingerprint"].as_str().is_some_and(|f| f.len() == 32));
    }
    assert!(
        r.stderr.contains("verified 1 credential(s): 1 active"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(--provider-endpoint)"), "{}", r.stderr);
    assert_secret_nowhere(&r, dir.path(), &token);
}

#[test]
fn text_and_sarif_reports_carry_the_verification() {
    let dir = tempdir();
    let token = github_token(72);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let base = ["scan", ".", "--verify"];
    let text = live(dir.path(), "github", &server, &base);
    assert!(
        text.stdout
            .contains("verified by github: ACTIVE as octocat"),
        "{}",
        text.stdout
    );
    let sarif = live(
        dir.path(),
        "github",
        &server,
        &["scan", ".", "--verify", "-f", "sarif"],
    );
    let doc: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["properties"]["verification"]["status"], "active");
    assert!(!sarif.stdout.contains(&token) && !text.stdout.contains(&token));
}

#[test]
fn nothing_is_revoked_or_sent_without_asking() {
    let dir = tempdir();
    let token = github_token(73);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    // Without a terminal, --revoke needs --yes: refused before anything is scanned or sent.
    let r = scan(dir.path(), &server, &["--revoke"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(server.requests().is_empty());
    // And a plain scan sends nothing at all.
    let plain = run_in(dir.path(), &["scan", ".", "-c", "/dev/null"]);
    assert_eq!(plain.code, 1);
    assert!(server.requests().is_empty());
}

#[test]
fn revoke_with_yes_revokes_active_credentials_once() {
    let dir = tempdir();
    let token = github_token(74);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![
        Reply::json(200, r#"{"login":"octocat"}"#),
        Reply::status(202),
    ]);
    let r = scan(dir.path(), &server, &["--revoke", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reqs = server.requests();
    assert_eq!(
        paths(&reqs),
        [
            ("GET".to_string(), "/user".to_string()),
            ("POST".to_string(), "/credentials/revoke".to_string())
        ]
    );
    assert_eq!(reqs[1].body_json()["credentials"][0], token.as_str());
    assert_eq!(reqs[1].header("authorization"), None);
    for f in r.json()["findings"].as_array().unwrap() {
        assert_eq!(f["revocation"]["outcome"], "revoked", "{f}");
        assert_eq!(f["revocation"]["by"], "github");
    }
    let log = audit(dir.path());
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("verify", "active"),
            ("verify", "active"),
            ("revoke", "revoked"),
            ("revoke", "revoked")
        ]
    );
    assert_eq!(log[2]["http_status"], 202);
    assert_secret_nowhere(&r, dir.path(), &token);
}

#[test]
fn dry_run_shows_the_call_and_sends_no_revocation() {
    let dir = tempdir();
    let token = github_token(75);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let r = scan(dir.path(), &server, &["--revoke", "--dry-run"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        paths(&server.requests()),
        [("GET".to_string(), "/user".to_string())]
    );
    assert!(
        r.stderr.contains(&format!(
            "would call POST {}/credentials/revoke",
            server.url()
        )),
        "{}",
        r.stderr
    );
    // Issue 17: the shape of the withheld call (names, never values), and a word on what is
    // still sent.
    assert!(
        r.stderr
            .contains("; body JSON with fields {credentials}; changes something"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("read-only lookups") && r.stderr.contains("are still sent"),
        "{}",
        r.stderr
    );
    // Each call, with host, path, where the credential goes and whether it mutates: the
    // verification it did send, the revocation it withheld.
    let host = server.url().trim_start_matches("http://").to_string();
    assert!(
        r.stderr.contains(&format!(
            "dry run: github: sent (read-only lookup): GET {}/user (host {host}, path /user); \
             credential in header Authorization;",
            server.url()
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "dry run: github: withheld: POST {}/credentials/revoke (host {host}, path \
             /credentials/revoke); credential in body field credentials;",
            server.url()
        )),
        "{}",
        r.stderr
    );
    for f in r.json()["findings"].as_array().unwrap() {
        assert_eq!(f["revocation"]["outcome"], "dry-run");
    }
    assert!(audit(dir.path())
        .iter()
        .any(|e| e["dry_run"] == true && e["action"] == "revoke"));
    assert_secret_nowhere(&r, dir.path(), &token);
}

#[test]
fn inactive_and_unknown_credentials_are_not_revoked() {
    let dir = tempdir();
    let token = github_token(76);
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)]);
    let r = scan(dir.path(), &server, &["--revoke", "--yes"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        paths(&server.requests()),
        [("GET".to_string(), "/user".to_string())]
    );
    let f = &r.json()["findings"][0];
    assert_eq!(f["verification"]["status"], "inactive");
    assert!(f.get("revocation").is_none());

    // A provider that does not answer in time: unknown, never inactive, never revoked.
    let dir = tempdir();
    tree_with_token(dir.path(), &token);
    let server = FakeServer::start(vec![Reply::Hang(std::time::Duration::from_secs(3))]);
    let r = scan(dir.path(), &server, &["--revoke", "--yes"]);
    let f = &r.json()["findings"][0];
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("timed out"));
    assert!(server.requests().iter().all(|q| q.method == "GET"));
}

#[test]
fn the_revoke_hook_gets_the_finding_on_stdin_only() {
    let dir = tempdir();
    let password = "Zq8vN3kT5xR7mW2p"; // leakhound:allow (test password)
    std::fs::write(
        dir.path().join("db.env"),
        format!("DATABASE_URL=postgres://app:{password}@db.internal.example:5432/app\n"),
    )
    .unwrap();
    let out = dir.path().join("hook-stdin.json");
    let env = dir.path().join("hook-env.txt");
    let hook = format!(
        "cat > '{}'; env > '{}'; echo \"$0 $*\" >> '{}'",
        out.display(),
        env.display(),
        env.display()
    );
    let log = dir.path().join("audit.jsonl");
    let with_hook = |hook: &str, all: bool| {
        let mut args = vec![
            "scan",
            "db.env",
            "-f",
            "json",
            "-c",
            "/dev/null",
            "--revoke-hook",
            hook,
            "--yes",
            "--audit-log",
            log.to_str().unwrap(),
        ];
        if all {
            args.push("--hook-all");
        }
        run_in(dir.path(), &args)
    };
    // Nothing can verify a database URL, so it is not verified active: without --hook-all
    // the hook does not run for it (issue 17).
    let r = with_hook(&hook, false);
    assert!(!out.exists(), "the hook ran for an unverified credential");
    assert!(r.json()["findings"][0].get("revocation").is_none());
    assert!(
        r.stderr
            .contains("revoke hook not run for 1 credential(s) not verified active"),
        "{}",
        r.stderr
    );
    let r = with_hook(&hook, true);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let given: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        given["secret"].as_str().unwrap().contains(password),
        "{given}"
    );
    assert_eq!(given["redacted"], false);
    assert!(!std::fs::read_to_string(&env).unwrap().contains(password));
    let f = &r.json()["findings"][0];
    assert_eq!(f["revocation"]["by"], "hook");
    // Nothing can verify a database URL: exit 0 is the hook's word (issue 17), in the report
    // and in the audit log.
    assert_eq!(f["revocation"]["outcome"], "hook-reported-success");
    let entries = audit(dir.path());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "hook");
    assert_eq!(entries[0]["outcome"], "hook-reported-success");
    assert_secret_nowhere(&r, dir.path(), password);

    // A failing hook is recorded as failed with its exit status.
    let r = with_hook("cat >/dev/null; exit 3", true);
    let f = &r.json()["findings"][0];
    assert_eq!(f["revocation"]["outcome"], "failed");
    assert_eq!(f["revocation"]["detail"], "hook exited 3");
}

#[test]
fn endpoints_are_checked_before_anything_is_sent() {
    let dir = tempdir();
    tree_with_token(dir.path(), &github_token(77));
    for (spec, want) in [
        ("github=http://10.1.2.3:8080", "only https"),
        ("nosuch=https://x.example", "no provider named"),
        ("github", "NAME=URL"),
    ] {
        let r = run_in(
            dir.path(),
            &["scan", ".", "--verify", "--provider-endpoint", spec],
        );
        assert_eq!(r.code, 2, "{spec}");
        assert!(r.stderr.contains(want), "{spec}: {}", r.stderr);
    }
    let r = run_in(dir.path(), &["scan", ".", "--dry-run"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--dry-run"), "{}", r.stderr);
}

#[test]
fn providers_lists_what_each_supports() {
    let r = run_in(&crate::common::root(), &["providers", "-f", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list = r.json();
    let list = list.as_array().unwrap();
    let github = list.iter().find(|p| p["name"] == "github").unwrap();
    assert_eq!(github["verify"], true);
    assert_eq!(github["revoke"], true);
    assert!(github["docs"].as_str().unwrap().starts_with("https://"));
    assert!(github["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "github-pat-classic"));
    for p in list {
        assert!(p["name"].is_string() && p["docs"].is_string(), "{p}");
        assert!(p["verify"].is_boolean() && p["revoke"].is_boolean(), "{p}");
        assert!(
            !p["rules"].as_array().unwrap().is_empty(),
            "provider {} serves no rule",
            p["name"]
        );
    }
    // The coverage issue 17 asks for (issue 7 asked for 60).
    assert!(list.len() >= 110, "{} providers verify", list.len());
    let revoking = list.iter().filter(|p| p["revoke"] == true).count();
    assert!(revoking >= 16, "{revoking} providers revoke");
    let text = run_in(&crate::common::root(), &["providers"]);
    assert!(text.stdout.contains("github") && text.stdout.contains("revoke"));
    // Declarative verifiers (verifiers/*.yml) are listed with their kind; Rust ones say rust.
    assert_eq!(github["kind"], "rust");
    let declarative: Vec<&serde_json::Value> =
        list.iter().filter(|p| p["kind"] == "declarative").collect();
    assert!(declarative.len() >= 15, "{} declarative", declarative.len());
    let groq = list.iter().find(|p| p["name"] == "groq").unwrap();
    assert_eq!(groq["kind"], "declarative");
    assert_eq!(groq["hosts"], serde_json::json!(["api.groq.com"]));
    assert!(groq["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "groq-api-key"));
    assert!(text
        .stdout
        .lines()
        .any(|l| l.starts_with("groq ") && l.contains("declarative")));
}

/// `leakhound providers` lists the configuration's own verifiers (kind `user`) with the extra
/// rules naming them: found from the current directory, or named with `-c`; `--no-config`
/// lists only the built-in ones, and an invalid verifier is an error naming the file.
#[test]
fn providers_lists_the_configurations_user_verifiers() {
    let dir = tempdir();
    let config = dir.path().join(".leakhound.yaml");
    std::fs::write(&config, user_verifier_config("https://api.acme.example")).unwrap();
    let builtin = run_in(dir.path(), &["providers", "-f", "json", "--no-config"]);
    assert_eq!(builtin.code, 0, "{}", builtin.stderr);
    let builtin = builtin.json().as_array().unwrap().len();
    for args in [
        &["providers", "-f", "json"][..],
        &["providers", "-f", "json", "-c", config.to_str().unwrap()][..],
    ] {
        let r = run_in(dir.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let list = r.json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), builtin + 1, "{args:?}");
        let acme = list
            .iter()
            .find(|p| p["name"] == "acme")
            .expect("acme listed");
        assert_eq!(acme["kind"], "user");
        assert_eq!(acme["verify"], true);
        assert_eq!(acme["revoke"], false);
        assert_eq!(acme["rules"], serde_json::json!(["acme-key"]));
        assert_eq!(acme["hosts"], serde_json::json!(["api.acme.example"]));
        assert_eq!(acme["docs"], "https://docs.acme.example/api/whoami");
        assert!(list
            .iter()
            .any(|p| p["name"] == "github" && p["kind"] == "rust"));
    }
    let text = run_in(dir.path(), &["providers"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("acme ") && l.contains("user") && l.contains("1 rule(s)")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("1 from the configuration's verifiers:"),
        "{}",
        text.stdout
    );
    let none = run_in(dir.path(), &["providers", "--no-config"]);
    assert!(!none.stdout.lines().any(|l| l.starts_with("acme ")));
    // A verifier that would send the key over plain http to another host is refused by name.
    std::fs::write(&config, user_verifier_config("http://api.acme.example")).unwrap();
    let bad = run_in(dir.path(), &["providers"]);
    assert_eq!(bad.code, 2, "{}", bad.stdout);
    assert!(
        bad.stderr.contains(".leakhound.yaml") && bad.stderr.contains("base_url"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_user_verifier_checks_an_extra_rule_on_the_host_it_names() {
    let dir = tempdir();
    // Built at run time: not a credential in this file.
    let secret = format!("acme_{}", "Qm7TzR2vXk9LpW4sB8nC");
    std::fs::write(dir.path().join("a.env"), format!("ACME_KEY={secret}\n")).unwrap();
    let log = dir.path().join("audit.jsonl");
    let cases = [
        (
            Reply::json(200, r#"{"login":"wile"}"#),
            "active",
            Some("wile"),
        ),
        (Reply::json(401, r#"{"error":"bad key"}"#), "inactive", None),
    ];
    for (reply, status, identity) in cases {
        let server = FakeServer::start(vec![reply]);
        std::fs::write(
            dir.path().join(".leakhound.yaml"),
            user_verifier_config(&server.url()),
        )
        .unwrap();
        let r = run_in(
            dir.path(),
            &[
                "scan",
                "a.env",
                "-f",
                "json",
                "--verify",
                "-c",
                ".leakhound.yaml",
                "--audit-log",
                log.to_str().unwrap(),
                "--verify-timeout",
                "1",
            ],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        let f = &r.json()["findings"][0];
        assert_eq!(f["rule"], "acme-key", "{f}");
        assert_eq!(f["verification"]["provider"], "acme", "{f}");
        assert_eq!(f["verification"]["status"], status, "{f}");
        assert_eq!(f["verification"]["identity"].as_str(), identity, "{f}");
        let reqs = server.requests();
        assert_eq!(
            paths(&reqs),
            [("GET".to_string(), "/v1/whoami".to_string())]
        );
        assert_eq!(reqs[0].header("x-acme-key"), Some(secret.as_str()));
        assert_eq!(reqs[0].header("authorization"), None);
        assert_secret_nowhere(&r, dir.path(), &secret);
    }
    // Its host is the one the user named: --provider-endpoint cannot send it elsewhere.
    let r = run_in(
        dir.path(),
        &[
            "scan",
            "a.env",
            "--verify",
            "-c",
            ".leakhound.yaml",
            "--provider-endpoint",
            "acme=http://127.0.0.1:9",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no provider named \"acme\""),
        "{}",
        r.stderr
    );
}

#[test]
fn a_user_verifier_without_https_is_refused() {
    let dir = tempdir();
    std::fs::write(dir.path().join("a.env"), "nothing here\n").unwrap();
    for (url, why) in [
        ("http://api.acme.example", "only sent over https"),
        ("ftp://api.acme.example", "must be an https URL"),
    ] {
        std::fs::write(
            dir.path().join(".leakhound.yaml"),
            user_verifier_config(url),
        )
        .unwrap();
        let r = run_in(dir.path(), &["scan", "a.env", "-c", ".leakhound.yaml"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        for part in [".leakhound.yaml:", "verifiers", "\"acme\"", "base_url", why] {
            assert!(r.stderr.contains(part), "{part}: {}", r.stderr);
        }
    }
    // A mutating method is refused the same way.
    let text =
        user_verifier_config("https://api.acme.example").replace("method: GET", "method: DELETE");
    std::fs::write(dir.path().join(".leakhound.yaml"), text).unwrap();
    let r = run_in(dir.path(), &["scan", "a.env", "-c", ".leakhound.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("request.method: DELETE changes"),
        "{}",
        r.stderr
    );
}

/// Runs `leakhound ARGS` on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_a_terminal(dir: &Path, args: &[String], input: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_leakhound").to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let mut child = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take().unwrap();
    // Typed after the prompt appears; the terminal buffers it until leakhound reads.
    stdin.write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_revocation_asks_first() {
    // Required, not skipped when missing: a skip here passed without testing (issue 16).
    // `script` is in util-linux (Debian's essential `bsdutils`), so any Linux CI has it.
    assert!(
        std::process::Command::new("script")
            .arg("--version")
            .output()
            .is_ok(),
        "util-linux `script` is needed to give leakhound a terminal: install util-linux"
    );
    for (answer, revoked) in [("n\n", false), ("y\n", true)] {
        let dir = tempdir();
        let token = github_token(78);
        std::fs::write(dir.path().join("a.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
        let server = FakeServer::start(vec![
            Reply::json(200, r#"{"login":"octocat"}"#),
            Reply::status(202),
        ]);
        let args: Vec<String> = [
            "scan",
            ".",
            "-c",
            "/dev/null",
            "--revoke",
            "--no-progress",
            "--audit-log",
            "audit.jsonl",
            "--provider-endpoint",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .chain([format!("github={}", server.url())])
        .collect();
        let screen = on_a_terminal(dir.path(), &args, answer).unwrap();
        assert!(screen.contains("revoke ghp_"), "{screen}");
        assert!(screen.contains("? [y/N]"), "{screen}");
        assert!(!screen.contains(&token), "secret on the terminal");
        let posted = server.requests().iter().any(|r| r.method == "POST");
        assert_eq!(posted, revoked, "answer {answer:?}: {screen}");
        if !revoked {
            assert!(screen.contains("skipped (not confirmed)"), "{screen}");
        }
    }
}

#[test]
fn history_findings_are_verified_too() {
    let dir = tempdir();
    let token = github_token(79);
    crate::common::git_ok(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("a.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    crate::common::git_ok(dir.path(), &["add", "."]);
    crate::common::git_ok(dir.path(), &["commit", "-qm", "add"]);
    let server = FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let r = live(
        dir.path(),
        "github",
        &server,
        &["git", ".", "-f", "jsonl", "--verify"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = r.jsonl();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["verification"]["status"], "active");
    assert!(findings[0]["commit"]["id"].is_string());
    assert_secret_nowhere(&r, dir.path(), &token);
}

#[test]
fn an_aws_secret_is_verified_with_its_paired_key_id() {
    let dir = tempdir();
    let key_id = format!("AKIA{}", "Z7QW4XN2LMP5RT6Y");
    let secret = format!("q8Fz1LmP0xVb7RtY3sKe{}", "9WnAq8Fz1LmP0xVb7RtY");
    std::fs::write(
        dir.path().join("creds.env"),
        format!("AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "text/xml".into())],
        body: "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>".into(),
    }]);
    let r = live(
        dir.path(),
        "aws",
        &server,
        &["scan", ".", "-f", "json", "--verify"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    let findings = doc["findings"].as_array().unwrap();
    let pair = findings
        .iter()
        .find(|f| f["rule"] == "aws-secret-access-key")
        .unwrap();
    assert_eq!(pair["verification"]["status"], "active", "{pair}");
    assert_eq!(
        pair["verification"]["identity"],
        "arn:aws:iam::123456789012:user/ci"
    );
    // One signed STS call, for the secret; the key id alone is not sent anywhere.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let auth = reqs[0].header("authorization").unwrap();
    assert!(
        auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={key_id}/")),
        "{auth}"
    );
    assert!(!auth.contains(&secret));
    assert_secret_nowhere(&r, dir.path(), &secret);
}

/// Issue 17: a hook's exit 0 is its word, recorded as `hook-reported-success` and never as
/// `revoked`; where a provider can verify the credential, the run asks again and says what it
/// sees (still accepted: failed).
#[test]
fn issue_17_the_hooks_success_is_confirmed_by_the_provider() {
    let key = "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"; // leakhound:allow: a made-up test credential
    for (second, outcome, detail) in [
        (
            Reply::json(401, "{}"),
            "hook-reported-success",
            "groq now rejects it",
        ),
        (
            Reply::json(200, r#"{"data":[]}"#),
            "failed",
            "but groq still accepts",
        ),
        (
            Reply::json(503, "{}"),
            "hook-reported-success",
            "could not confirm",
        ),
    ] {
        let dir = tempdir();
        std::fs::write(dir.path().join("ai.env"), format!("GROQ_API_KEY={key}\n")).unwrap();
        let server = FakeServer::start(vec![Reply::json(200, r#"{"data":[]}"#), second]);
        let r = live(
            dir.path(),
            "groq",
            &server,
            &[
                "scan",
                "ai.env",
                "-f",
                "json",
                "--verify",
                "--revoke-hook",
                "cat >/dev/null; exit 0",
                "--yes",
            ],
        );
        let f = &r.json()["findings"][0];
        assert_eq!(f["verification"]["status"], "active", "{}", r.stderr);
        assert_eq!(f["revocation"]["by"], "hook");
        assert_eq!(f["revocation"]["outcome"], outcome, "{f}");
        assert!(
            f["revocation"]["detail"].as_str().unwrap().contains(detail),
            "{f}"
        );
        assert!(server.requests().iter().all(|q| q.method == "GET"));
        assert_secret_nowhere(&r, dir.path(), key);
    }
}

/// `--revoke` on a live credential that nothing here can revoke (Groq has no revocation API,
/// and no hook is given) says so, naming the credential redacted, instead of skipping it.
#[test]
fn revoke_says_which_live_credentials_it_could_not_revoke() {
    let key = "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"; // leakhound:allow: a made-up test credential
    let dir = tempdir();
    std::fs::write(dir.path().join("ai.env"), format!("GROQ_API_KEY={key}\n")).unwrap();
    let server = FakeServer::start(vec![Reply::json(200, r#"{"data":[]}"#)]);
    let r = live(
        dir.path(),
        "groq",
        &server,
        &["scan", "ai.env", "-f", "json", "--revoke", "--yes"],
    );
    let f = &r.json()["findings"][0];
    assert_eq!(f["verification"]["status"], "active", "{}", r.stderr);
    assert!(
        r.stderr.contains("not revoked, still active: ")
            && r.stderr
                .contains("(groq-api-key) at ai.env:1: groq offers no revocation")
            && r.stderr.contains("--revoke-hook"),
        "{}",
        r.stderr
    );
    assert!(server.requests().iter().all(|q| q.method == "GET"));
    assert_secret_nowhere(&r, dir.path(), key);
}

/// Issue 17: the hook does not run for a low-confidence generic match nothing can verify.
#[test]
fn issue_17_no_hook_for_unverifiable_generic_matches() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("app.cfg"),
        "secret_key = \"Vq7Lm2Xr9TzK4pWn8BcY\"\n", // leakhound:allow: a made-up test credential
    )
    .unwrap();
    let ran = dir.path().join("ran");
    let hook = format!("cat >/dev/null; touch '{}'", ran.display());
    let log = dir.path().join("audit.jsonl");
    let r = run_in(
        dir.path(),
        &[
            "scan",
            "app.cfg",
            "-f",
            "json",
            "-c",
            "/dev/null",
            "--revoke-hook",
            &hook,
            "--yes",
            "--audit-log",
            log.to_str().unwrap(),
        ],
    );
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 1, "{}", r.stderr);
    assert_eq!(findings[0]["confidence"], "low", "{}", findings[0]);
    assert!(!ran.exists(), "the hook ran");
    assert!(findings[0].get("revocation").is_none());
    assert!(
        r.stderr.contains("revoke hook not run for 1"),
        "{}",
        r.stderr
    );
}

/// Issue 17: a credential verified inactive is dead already; the hook never runs for it, even
/// with --hook-all.
#[test]
fn issue_17_no_hook_for_inactive_credentials_even_with_hook_all() {
    let key = "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"; // leakhound:allow: a made-up test credential
    let dir = tempdir();
    std::fs::write(dir.path().join("ai.env"), format!("GROQ_API_KEY={key}\n")).unwrap();
    let ran = dir.path().join("ran");
    let hook = format!("cat >/dev/null; touch '{}'", ran.display());
    let server = FakeServer::start(vec![Reply::json(401, "{}")]);
    let r = live(
        dir.path(),
        "groq",
        &server,
        &[
            "scan",
            "ai.env",
            "-f",
            "json",
            "--verify",
            "--revoke-hook",
            &hook,
            "--hook-all",
            "--yes",
        ],
    );
    let f = &r.json()["findings"][0];
    assert_eq!(f["verification"]["status"], "inactive", "{}", r.stderr);
    assert!(!ran.exists(), "the hook ran for a dead credential");
    assert!(f.get("revocation").is_none(), "{f}");
}

/// Issue 17: CI can report, and fail on, only the verification states it chooses
/// (TruffleHog's `--results` / `--only-verified`).
#[test]
fn issue_17_results_select_findings_and_the_exit_status() {
    let dir = tempdir();
    let token = github_token(78);
    tree_with_token(dir.path(), &token);
    let dead = || FakeServer::start(vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)]);
    let live_server = || FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);

    // A dead credential: --only-verified reports nothing and passes.
    let r = scan(dir.path(), &dead(), &["--verify", "--only-verified"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["findings"].as_array().unwrap().len(), 0);
    assert!(
        r.stderr.contains("2 finding(s) not reported"),
        "{}",
        r.stderr
    );
    // ... and --results inactive reports both and fails.
    let r = scan(dir.path(), &dead(), &["--verify", "--results", "inactive"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["findings"].as_array().unwrap().len(), 2);
    // A live credential fails --only-verified and --results verified,unknown.
    for args in [
        &["--verify", "--only-verified"][..],
        &["--verify", "--results", "verified,unknown"][..],
    ] {
        let r = scan(dir.path(), &live_server(), args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        let findings = r.json()["findings"].as_array().unwrap().clone();
        assert_eq!(findings.len(), 2);
        assert!(findings
            .iter()
            .all(|f| f["verification"]["status"] == "active"));
    }
    // Unverified findings (no verifier) are selected by `unverified` only.
    let password_dir = tempdir();
    std::fs::write(
        password_dir.path().join("db.env"),
        "DATABASE_URL=postgres://app:Zq8vN3kT5xR7mW2p@db.internal.example:5432/app\n", // leakhound:allow: a made-up test credential
    )
    .unwrap();
    let r = live(
        password_dir.path(),
        "github",
        &dead(),
        &["scan", ".", "-f", "json", "--verify", "--only-verified"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = live(
        password_dir.path(),
        "github",
        &dead(),
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--verify",
            "--results",
            "unverified",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // Without --verify there is no status to select by.
    let r = run_in(
        dir.path(),
        &["scan", ".", "--only-verified", "-c", "/dev/null"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("add --verify"), "{}", r.stderr);
    assert_secret_nowhere(&r, dir.path(), &token);
}

/// Issue 17: `--fail-on` reports every finding but fails the run only on the verification
/// states it names; what it lets pass is said.
#[test]
fn issue_17_fail_on_chooses_what_fails_the_run() {
    let dir = tempdir();
    let token = github_token(79);
    tree_with_token(dir.path(), &token);
    let dead = || FakeServer::start(vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)]);
    let live_server = || FakeServer::start(vec![Reply::json(200, r#"{"login":"octocat"}"#)]);
    let broken = || FakeServer::start(vec![Reply::json(500, r#"{"message":"oops"}"#)]);

    // Dead credentials: reported, but neither `active` nor `unknown` fails on them.
    for which in ["active", "unknown"] {
        let r = scan(dir.path(), &dead(), &["--verify", "--fail-on", which]);
        assert_eq!(r.code, 0, "{which}: {}", r.stderr);
        let findings = r.json()["findings"].as_array().unwrap().clone();
        assert_eq!(findings.len(), 2, "{which}");
        assert!(findings
            .iter()
            .all(|f| f["verification"]["status"] == "inactive"));
        assert!(
            r.stderr.contains(&format!(
                "2 finding(s) reported but not failing the run: --fail-on {which}"
            )),
            "{}",
            r.stderr
        );
    }
    // ... and `any` (the default) fails on them.
    let r = scan(dir.path(), &dead(), &["--verify", "--fail-on", "any"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // No answer from the provider: `unknown` fails, `active` does not.
    let r = scan(dir.path(), &broken(), &["--verify", "--fail-on", "unknown"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["verification"]["status"] == "unknown"));
    let r = scan(dir.path(), &broken(), &["--verify", "--fail-on", "active"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A live credential fails every setting.
    for which in ["active", "unknown", "any"] {
        let r = scan(
            dir.path(),
            &live_server(),
            &["--verify", "--fail-on", which],
        );
        assert_eq!(r.code, 1, "{which}: {}", r.stderr);
    }
    // Without --verify nothing has a status: a clear error, not a run that can never fail.
    let r = run_in(
        dir.path(),
        &["scan", ".", "--fail-on", "active", "-c", "/dev/null"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("add --verify"), "{}", r.stderr);
    assert_secret_nowhere(&r, dir.path(), &token);
}

/// Issue 17: a rule naming a provider leakhound does not have is an error at load, naming the
/// config and the rule, not a rule whose findings stay unverified without a word.
#[test]
fn issue_17_rules_name_only_existing_providers() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join(".leakhound.yaml"),
        "rules:\n  extra:\n    - id: acme-key\n      name: Acme key\n      keywords: [acme_]\n      \
         regex: '(?P<secret>acme_[0-9a-f]{32})'\n      provider: acme\n      \
         examples: ['acme_0123456789abcdef0123456789abcdef']\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.txt"), "nothing here\n").unwrap();
    let r = run_in(dir.path(), &["scan", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(".leakhound.yaml"), "{}", r.stderr);
    assert!(
        r.stderr.contains("rule acme-key: provider \"acme\""),
        "{}",
        r.stderr
    );
    // The same rule tied to an existing provider loads, and the built-in rules all do.
    std::fs::write(
        dir.path().join(".leakhound.yaml"),
        "rules:\n  extra:\n    - id: acme-key\n      name: Acme key\n      keywords: [acme_]\n      \
         regex: '(?P<secret>acme_[0-9a-f]{32})'\n      provider: github\n      \
         examples: ['acme_0123456789abcdef0123456789abcdef']\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["scan", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A made-up Okta API token (`00` and 40 characters), different for each `seed`.
fn okta_token(seed: u32) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(977);
    let body: String = (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(alphabet[(x % 64) as usize])
        })
        .collect();
    format!("00{body}")
}

#[test]
fn issue_17_an_okta_token_goes_only_to_its_own_org() {
    let dir = tempdir();
    let good = okta_token(1);
    let bad = okta_token(2);
    std::fs::write(
        dir.path().join("okta.sh"),
        format!(
            "curl https://acme.okta.com/api/v1/users/me -H \"Authorization: SSWS {good}\"\n\
             curl https://acme.okta.com.evil.example/api/v1/users/me -H \"Authorization: SSWS {bad}\"\n"
        ),
    )
    .unwrap();
    // The stand-in is the org: the token found with `acme.okta.com` reaches it (through the
    // override); the one found with the look-alike host reaches nothing, override or not.
    let server = FakeServer::start(vec![
        Reply::json(
            200,
            r#"{"id":"00u1","profile":{"login":"ci@acme.example"}}"#,
        ),
        Reply::status(204),
    ]);
    let r = live(
        dir.path(),
        "okta",
        &server,
        &["scan", ".", "-f", "json", "--revoke", "--yes"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reqs = server.requests();
    assert_eq!(
        paths(&reqs),
        [
            ("GET".to_string(), "/api/v1/users/me".to_string()),
            (
                "DELETE".to_string(),
                "/api/v1/api-tokens/current".to_string()
            )
        ]
    );
    for q in &reqs {
        assert_eq!(
            q.header("authorization"),
            Some(format!("SSWS {good}").as_str())
        );
    }
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2, "{findings:?}");
    for f in &findings {
        let host = f["annotations"]["host"].as_str().unwrap_or_default();
        if host == "acme.okta.com" {
            assert_eq!(f["verification"]["status"], "active", "{f}");
            assert_eq!(f["revocation"]["outcome"], "revoked", "{f}");
        } else {
            assert_eq!(host, "acme.okta.com.evil.example", "{f}");
            assert_eq!(f["verification"]["status"], "unknown", "{f}");
            let why = f["verification"]["detail"].as_str().unwrap_or_default();
            assert!(
                why.contains("no host found for this credential")
                    && why.contains("acme.okta.com.evil.example"),
                "{why}"
            );
            assert!(f.get("revocation").is_none(), "{f}");
        }
    }
    assert_secret_nowhere(&r, dir.path(), &good);
    assert_secret_nowhere(&r, dir.path(), &bad);
}

/// The org's host on another line (an SDK's settings, a `.env` file) pins the token as the
/// same line's host does. A look-alike host is taken whole and refused, even with an endpoint
/// override; a host more than 4 lines away is not taken (that token goes where the override
/// says, as any token without a host does).
#[test]
fn issue_17_an_okta_token_goes_to_the_org_named_a_few_lines_away() {
    let dir = tempdir();
    let (good, lookalike, far) = (okta_token(4), okta_token(5), okta_token(6));
    let env = |host: &str, gap: &str, token: &str| {
        format!("OKTA_ORG_URL=https://{host}/\nOKTA_CLIENT_ID=abc{gap}\nOKTA_API_TOKEN={token}\n")
    };
    let files = [
        ("good.env", env("dev-123456.okta.com", "", &good)),
        (
            "lookalike.env",
            env("dev-123456.okta.com.evil.example", "", &lookalike),
        ),
        ("far.env", env("dev-123456.okta.com", "\n\n\n\n\n", &far)),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"id":"00u1","profile":{"login":"ci@acme.example"}}"#,
    )]);
    let r = live(
        dir.path(),
        "okta",
        &server,
        &["scan", ".", "-f", "json", "--verify"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sent: Vec<String> = server
        .requests()
        .iter()
        .map(|q| q.header("authorization").unwrap_or_default().to_string())
        .collect();
    assert!(sent.contains(&format!("SSWS {good}")), "{sent:?}");
    assert!(!sent.contains(&format!("SSWS {lookalike}")), "{sent:?}");
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 3, "{findings:?}");
    for f in &findings {
        let file = f["path"].as_str().unwrap_or_default();
        let host = &f["annotations"]["host"];
        if file.ends_with("good.env") {
            assert_eq!(host, "dev-123456.okta.com", "{f}");
            assert_eq!(f["verification"]["status"], "active", "{f}");
        } else if file.ends_with("lookalike.env") {
            assert_eq!(host, "dev-123456.okta.com.evil.example", "{f}");
            assert_eq!(f["verification"]["status"], "unknown", "{f}");
        } else {
            assert!(host.is_null(), "{f}");
        }
    }
    for t in [&good, &lookalike, &far] {
        assert_secret_nowhere(&r, dir.path(), t);
    }
}

#[test]
fn issue_17_with_no_host_an_okta_token_is_sent_nowhere() {
    let dir = tempdir();
    let token = okta_token(3);
    std::fs::write(dir.path().join(".env"), format!("OKTA_API_TOKEN={token}\n")).unwrap();
    let log = dir.path().join("audit.jsonl");
    let r = run_in(
        dir.path(),
        &[
            "scan",
            ".",
            "-f",
            "json",
            "-c",
            "/dev/null",
            "--revoke",
            "--dry-run",
            "--audit-log",
            log.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = &r.json()["findings"][0];
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    let why = f["verification"]["detail"].as_str().unwrap_or_default();
    assert!(
        why.contains("no host found for this credential")
            && why.contains("--provider-endpoint okta=https://HOST"),
        "{why}"
    );
    assert!(
        r.stderr.contains(
            "dry run: okta: not sent (no host found for this credential (okta credentials \
             go only to the host written next to them, under *.okta.com, *.okta-emea.com, \
             *.oktapreview.com)"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("okta: sent"), "{}", r.stderr);
    assert_secret_nowhere(&r, dir.path(), &token);
}

#[test]
fn issue_17_a_refused_builtin_revocation_falls_back_to_the_hook() {
    let dir = tempdir();
    let token = github_token(91);
    std::fs::write(dir.path().join("a.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    let got = dir.path().join("hook-stdin.json");
    let hook = format!("cat > '{}'; exit 0", got.display());
    let args = [
        "scan",
        ".",
        "-f",
        "json",
        "--revoke",
        "--revoke-hook",
        hook.as_str(),
        "--yes",
    ];
    // GitHub answers the revocation with 403 (no permission to revoke): the hook runs, and
    // leakhound asks GitHub again whether the token still works.
    let server = FakeServer::start(vec![
        Reply::json(200, r#"{"login":"octocat"}"#),
        Reply::json(403, r#"{"message":"Resource not accessible"}"#),
        Reply::json(401, r#"{"message":"Bad credentials"}"#),
    ]);
    let r = live(dir.path(), "github", &server, &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        paths(&server.requests()),
        [
            ("GET".to_string(), "/user".to_string()),
            ("POST".to_string(), "/credentials/revoke".to_string()),
            ("GET".to_string(), "/user".to_string())
        ]
    );
    let given: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&got).expect("the hook ran")).unwrap();
    assert_eq!(given["secret"], token.as_str());
    let f = &r.json()["findings"][0];
    assert_eq!(f["revocation"]["by"], "hook", "{f}");
    assert_eq!(f["revocation"]["outcome"], "hook-reported-success", "{f}");
    let detail = f["revocation"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("after github's revocation failed: ")
            && detail.contains("github now rejects it"),
        "{detail}"
    );
    let log = audit(dir.path());
    let steps: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["provider"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("verify", "github", "active"),
            ("revoke", "github", "failed"),
            ("hook", "hook", "hook-reported-success")
        ]
    );
    assert_eq!(log[1]["http_status"], 403);
    // Both steps are said, the hook's after the provider's.
    let said = |prefix: &str, rest: &str| {
        r.stderr
            .lines()
            .position(|l| l.contains(prefix) && l.contains(rest))
    };
    let builtin = said("failed: ", "(github-");
    let fallback = said(
        "hook-reported-success: ",
        ", through the revoke hook: after github's revocation failed",
    );
    assert!(
        matches!((builtin, fallback), (Some(a), Some(b)) if a < b),
        "{}",
        r.stderr
    );
    assert_secret_nowhere(&r, dir.path(), &token);

    // A revocation that worked leaves the hook alone.
    std::fs::remove_file(&got).unwrap();
    std::fs::remove_file(dir.path().join("audit.jsonl")).unwrap();
    let server = FakeServer::start(vec![
        Reply::json(200, r#"{"login":"octocat"}"#),
        Reply::status(202),
    ]);
    let r = live(dir.path(), "github", &server, &args);
    assert_eq!(r.json()["findings"][0]["revocation"]["outcome"], "revoked");
    assert!(!got.exists(), "the hook ran after a successful revocation");
    assert_eq!(audit(dir.path()).len(), 2);
}

/// A made-up Azure Storage account key: 64 bytes `(mul * i + 11) mod 256`, and its Base64.
fn azure_key(mul: u32) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..64u32)
        .map(|i| u8::try_from((mul * i + 11) % 256).unwrap())
        .collect();
    let text = leakhound::providers::base64_encode(&bytes);
    (bytes, text)
}

/// Issue 17, Azure: a storage account key in a connection string is checked with the
/// string's account, signed with Shared Key (re-computed here from the documented
/// string-to-sign), at that account's blob host only; a key written for the emulator at
/// 127.0.0.1:10000, or with no account, is sent nowhere. Nothing is revoked, even under
/// `--revoke`.
#[test]
fn issue_17_an_azure_storage_key_is_signed_for_its_own_account() {
    let dir = tempdir();
    let (raw, live_key) = azure_key(37);
    let (_, emulator_key) = azure_key(53);
    let (_, lone_key) = azure_key(91);
    std::fs::write(
        dir.path().join("app.env"),
        format!(
            "STORAGE=\"DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={live_key};EndpointSuffix=core.windows.net\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("local.env"),
        format!(
            "STORAGE=\"DefaultEndpointsProtocol=http;AccountName=acmeprod;AccountKey={emulator_key};BlobEndpoint=http://127.0.0.1:10000/acmeprod;\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lone.env"),
        format!("AZURE_STORAGE_KEY={lone_key}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "application/xml".into())],
        body: "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties>\
               <DefaultServiceVersion>2023-11-03</DefaultServiceVersion>\
               </StorageServiceProperties>"
            .into(),
    }]);
    let r = live(
        dir.path(),
        "azure-storage",
        &server,
        &["scan", ".", "-f", "json", "--revoke", "--yes"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reqs = server.requests();
    assert_eq!(
        paths(&reqs),
        [(
            "GET".to_string(),
            "/?restype=service&comp=properties".to_string()
        )],
        "only the key found with its Azure host may be sent, and only to read"
    );
    let q = &reqs[0];
    let date = q.header("x-ms-date").expect("x-ms-date");
    let version = q.header("x-ms-version").expect("x-ms-version");
    let to_sign = format!(
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/acmeprod/\n\
         comp:properties\nrestype:service"
    );
    let sig = leakhound::providers::base64_encode(&leakhound::providers::sigv4::hmac_sha256(
        &raw,
        to_sign.as_bytes(),
    ));
    assert_eq!(
        q.header("authorization"),
        Some(format!("SharedKey acmeprod:{sig}").as_str())
    );
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 3, "{findings:?}");
    for f in &findings {
        let path = f["path"].as_str().unwrap_or_default();
        let v = &f["verification"];
        let why = v["detail"].as_str().unwrap_or_default();
        match path {
            "app.env" => {
                assert_eq!(v["status"], "active", "{f}");
                assert_eq!(v["identity"], "storage account acmeprod", "{f}");
                assert_eq!(
                    f["annotations"]["host"], "acmeprod.blob.core.windows.net",
                    "{f}"
                );
                // Azure keys are rotated through Resource Manager, not with the key: no
                // built-in revocation is attempted (the provider refuses, see its tests).
                assert!(f.get("revocation").is_none(), "{f}");
            }
            "local.env" => {
                assert_eq!(v["status"], "unknown", "{f}");
                assert!(
                    why.contains("no host found for this credential")
                        && why.contains("127.0.0.1:10000"),
                    "{why}"
                );
            }
            "lone.env" => {
                assert_eq!(v["status"], "unknown", "{f}");
                assert!(why.contains("no storage account name"), "{why}");
            }
            other => panic!("unexpected finding in {other}: {f}"),
        }
    }
    for key in [&live_key, &emulator_key, &lone_key] {
        assert_secret_nowhere(&r, dir.path(), key);
    }
}
