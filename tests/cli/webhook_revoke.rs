//! End-to-end: a credential that is itself a URL (a Discord webhook) verified and revoked
//! through `--provider-endpoint` against a fake provider on 127.0.0.1. The webhook's token is
//! in the request path, so these check it never reaches the report, stderr or the audit log,
//! and that `--dry-run` sends no DELETE.

use std::fs;

use leakhound::providers::fake::{FakeServer, Reply};

use crate::common::{run_in, tempdir};

const ID: &str = "1183246509871234567";
const TOKEN: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEe";

fn webhook_reply() -> Reply {
    Reply::json(
        200,
        &format!(r#"{{"type":1,"id":"{ID}","name":"Deploys","token":"{TOKEN}"}}"#),
    )
}

/// Scans a tree holding one webhook URL with `extra` arguments; returns the run, the audit log
/// and the requests the fake provider saw.
fn scan(
    script: Vec<Reply>,
    extra: &[&str],
) -> (
    crate::common::Run,
    String,
    Vec<leakhound::providers::fake::Recorded>,
) {
    let server = FakeServer::start(script);
    let dir = tempdir();
    fs::write(
        dir.path().join("notify.env"),
        format!("DISCORD_WEBHOOK=https://discord.com/api/webhooks/{ID}/{TOKEN}\n"),
    )
    .unwrap();
    let audit = dir.path().join("audit.jsonl");
    let endpoint = format!("discord={}", server.url());
    let audit_arg = audit.to_str().unwrap().to_string();
    let mut args = vec![
        "scan",
        "notify.env",
        "-f",
        "json",
        "--provider-endpoint",
        &endpoint,
        "--audit-log",
        &audit_arg,
    ];
    args.extend_from_slice(extra);
    let run = run_in(dir.path(), &args);
    let log = fs::read_to_string(&audit).unwrap_or_default();
    (run, log, server.requests())
}

fn assert_no_token(run: &crate::common::Run, log: &str) {
    assert!(!run.stdout.contains(TOKEN), "token in the report");
    assert!(
        !run.stderr.contains(TOKEN),
        "token on stderr: {}",
        run.stderr
    );
    assert!(!log.contains(TOKEN), "token in the audit log: {log}");
}

#[test]
fn a_webhook_is_verified_then_deleted() {
    let (run, log, reqs) = scan(
        vec![webhook_reply(), Reply::status(204)],
        &["--revoke", "--yes"],
    );
    assert_no_token(&run, &log);
    let path = format!("/api/webhooks/{ID}/{TOKEN}");
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(seen, [("GET", path.as_str()), ("DELETE", path.as_str())]);
    let f = &run.json()["findings"][0];
    assert_eq!(f["rule"], "discord-webhook-url");
    assert_eq!(f["verification"]["status"], "active");
    assert_eq!(f["verification"]["identity"], "webhook \"Deploys\"");
    assert_eq!(f["revocation"]["by"], "discord");
    assert_eq!(f["revocation"]["outcome"], "revoked");
    let actions: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| format!("{} {}", v["action"], v["outcome"]))
        .collect();
    assert_eq!(actions, [r#""verify" "active""#, r#""revoke" "revoked""#]);
}

#[test]
fn a_dry_run_sends_no_delete_and_shows_no_token() {
    let (run, log, reqs) = scan(vec![webhook_reply()], &["--revoke", "--dry-run"]);
    assert_no_token(&run, &log);
    assert!(reqs.iter().all(|r| r.method == "GET"), "{reqs:?}");
    assert_eq!(
        run.json()["findings"][0]["revocation"]["outcome"],
        "dry-run"
    );
}

#[test]
fn without_revoke_nothing_is_deleted() {
    let (run, log, reqs) = scan(vec![webhook_reply()], &["--verify"]);
    assert_no_token(&run, &log);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert!(run.json()["findings"][0].get("revocation").is_none());
}
