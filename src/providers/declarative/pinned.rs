//! Per-credential hosts in declarative verifiers (`host_from`): checked at load, and a
//! verifier with one sends the credential to the host found with it, and nowhere when there is
//! none or it does not match. (The built-in per-customer providers, Okta and Shopify, are Rust:
//! `providers::pinning` tests them.)
//!
//! The fake server stands in for the customer's host through the endpoint override, as
//! `--provider-endpoint` does: a request that escaped the host check would reach it, so "no
//! request recorded" is the proof that nothing was sent.

use std::collections::BTreeSet;

use super::{parse, validate, Origin, NO_HOST};
use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::{Provider, Status};
use crate::rules::HOST_NOTE;

/// A user's verifier for hosts `*.acme.example`.
fn acme() -> &'static dyn Provider {
    let text =
        "name: acme\nhost_from: {annotation: host, pattern: '^[a-z0-9-]+\\.acme\\.example$'}\n\
                docs: [https://docs.acme.example/api]\nrequest:\n  method: GET\n  path: /me\n  \
                auth: bearer\nactive:\n  status: [2xx]\ninactive:\n  - status: [401]\n\
                identity: [/login]\n";
    validate(
        "t.yml",
        parse("t.yml", text).unwrap(),
        Origin::User,
        &BTreeSet::new(),
    )
    .expect("loads")
}

const SECRET: &str = "acme-test-value-0123456789";

#[test]
fn a_host_from_verifier_sends_to_the_matching_host_only() {
    battery::verify(&VerifySpec {
        provider: acme(),
        rule: "acme-key",
        secret: SECRET,
        annotations: vec![(HOST_NOTE, "tenant-1.acme.example")],
        live: Reply::json(200, r#"{"login":"ci"}"#),
        identity: Some("ci"),
        invalid: Reply::json(401, "{}"),
        check: |r: &Recorded| {
            assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/me"));
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {SECRET}").as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    for ann in [
        vec![],
        vec![("registry", "tenant-1.acme.example")],
        vec![(HOST_NOTE, "tenant-1.acme.example.evil.example")],
        vec![(HOST_NOTE, "tenant-1.acme.example:8443")],
        vec![(HOST_NOTE, "127.0.0.1")],
    ] {
        let p = acme();
        let v = battery::verify_unsent_with(p, "acme-key", SECRET, &ann);
        assert!(v.detail.unwrap_or_default().starts_with(NO_HOST), "{ann:?}");
    }
}

fn load_err(host_from: &str) -> String {
    let text = format!(
        "name: acme\n{host_from}\ndocs: [https://docs.acme.example/api]\nrequest:\n  method: GET\n  \
         path: /me\n  auth: bearer\nactive:\n  status: [2xx]\n"
    );
    let raw = match parse("t.yml", &text) {
        Ok(raw) => raw,
        Err(e) => return e.to_string(),
    };
    match validate("t.yml", raw, Origin::Builtin, &BTreeSet::new()) {
        Ok(_) => panic!("loaded: {host_from}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn host_from_is_checked_at_load() {
    for (host_from, want) in [
        (
            "host_from: {annotation: host, pattern: '[a-z]+\\.acme\\.example'}",
            "must be anchored",
        ),
        (
            "host_from: {annotation: host, pattern: '^[a-z]+\\.acme\\.example'}",
            "must be anchored",
        ),
        (
            "host_from: {annotation: host, pattern: '^[a-z]+\\.acme\\.example\\$'}",
            "must be anchored",
        ),
        (
            "host_from: {annotation: host, pattern: '^[a-z+\\.acme\\.example$'}",
            "t.yml: host_from: pattern",
        ),
        (
            "host_from: {annotation: host, pattern: '^.*$'}",
            "accepts \"evil.example\"",
        ),
        (
            "host_from: {annotation: host, pattern: '^[a-z]+\\.acme\\.example$|^.*$'}",
            "accepts \"evil.example\"",
        ),
        (
            "host_from: {annotation: Host, pattern: '^[a-z]+\\.acme\\.example$'}",
            "annotation \"Host\"",
        ),
        (
            "host_from: {annotation: host, pattern: '^[a-z]+\\.acme\\.example$'}\n\
             base_url: https://api.acme.example",
            "not both",
        ),
        ("host_from: {annotation: host}", "pattern"),
        ("interval_ms: 0", "base_url: required (or `host_from`"),
    ] {
        let e = load_err(host_from);
        assert!(e.contains(want), "{host_from}: {e}");
    }
}

#[test]
fn a_valid_host_from_has_no_fixed_host() {
    let text =
        "name: acme\nhost_from: {annotation: host, pattern: '^[a-z0-9-]+\\.acme\\.example$'}\n\
                docs: [https://docs.acme.example/api]\nrequest:\n  method: GET\n  path: /me\n  \
                auth: bearer\nactive:\n  status: [2xx]\n";
    let d = validate(
        "t.yml",
        parse("t.yml", text).unwrap(),
        Origin::User,
        &BTreeSet::new(),
    )
    .expect("loads");
    assert!(d.info().hosts.is_empty());
    assert_eq!(d.info().base, "");
}

/// A made-up Databricks token, built at run time (no literal for the self-scan).
fn databricks_token() -> String {
    ["dapi", "5b0e7c2a9d14", "f36e8b0a7c2d", "91e4f6a3"].concat()
}

#[test]
fn databricks_tokens_go_to_their_own_workspace_only() {
    let p = crate::providers::by_name("databricks").expect("databricks");
    assert_eq!(p.kind(), "declarative");
    assert!(p.info().hosts.is_empty() && p.info().base.is_empty());
    let secret: &'static str = Box::leak(databricks_token().into_boxed_str());
    for host in [
        "acme-prod.cloud.databricks.com",
        "adb-5555555555555555.19.azuredatabricks.net",
        "8757561887652360.0.gcp.databricks.com",
    ] {
        battery::verify(&VerifySpec {
            provider: p,
            rule: "databricks-access-token",
            secret,
            annotations: vec![(HOST_NOTE, host)],
            live: Reply::json(
                200,
                r#"{"id":"74","userName":"ci@acme.example","displayName":"CI","active":true}"#,
            ),
            identity: Some("ci@acme.example"),
            invalid: Reply::json(
                401,
                r#"{"error_code":"401","message":"Credential was not sent or was of an unsupported type for this API."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/2.0/preview/scim/v2/Me")
                );
                let bearer = r.header("authorization").unwrap_or_default();
                assert!(bearer.starts_with("Bearer dapi"), "{bearer}");
                assert_eq!(r.header("accept"), Some("application/scim+json"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
    for bad in [
        "",
        "databricks.com",
        "cloud.databricks.com",
        "acme.cloud.databricks.com.evil.example",
        "acme.databricks.com",
        "acme.cloud.databricks.com:443",
        "user@acme.cloud.databricks.com",
        "azuredatabricks.net",
        "127.0.0.1",
        "evil.example",
    ] {
        let v =
            battery::verify_unsent_with(p, "databricks-access-token", secret, &[(HOST_NOTE, bad)]);
        assert!(v.detail.unwrap_or_default().starts_with(NO_HOST), "{bad:?}");
    }
}

#[test]
fn the_databricks_rule_keeps_the_workspace_host() {
    use crate::rules::RuleSet;
    use crate::scan::{Scanner, Scratch};
    use crate::secret::Annotation;
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let token = databricks_token();
    for (text, want) in [
        (
            format!(
                "DATABRICKS_HOST=https://ACME-prod.cloud.databricks.com DATABRICKS_TOKEN={token}"
            ),
            Some("acme-prod.cloud.databricks.com"),
        ),
        (
            format!("host: adb-5555555555555555.19.azuredatabricks.net, token: {token}"),
            Some("adb-5555555555555555.19.azuredatabricks.net"),
        ),
        (format!("DATABRICKS_TOKEN={token}"), None),
    ] {
        let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        assert_eq!(scanner.rule(&m[0]).id.0, "databricks-access-token");
        assert_eq!(m[0].secret(text.as_bytes()), token.as_bytes());
        let host = m[0].annotations.get(HOST_NOTE).map(|a| match a {
            Annotation::Text(t) => t.as_str(),
            Annotation::Secret(_) => panic!("a host is not secret"),
        });
        assert_eq!(host, want, "{text}");
    }
}

/// A made-up Grafana service account token, built at run time (no literal for the self-scan).
fn grafana_sa_token() -> String {
    ["glsa_", "Qm7TzR2vXk9LpW4s", "B8nC3dFh6yP4sA0e", "_5b0e7c2a"].concat()
}

#[test]
fn grafana_service_account_tokens_go_to_their_own_stack_only() {
    let p = crate::providers::by_name("grafana-instance").expect("grafana-instance");
    assert_eq!(p.kind(), "declarative");
    assert!(p.info().hosts.is_empty() && p.info().base.is_empty());
    let secret: &'static str = Box::leak(grafana_sa_token().into_boxed_str());
    for host in ["acme.grafana.net", "acme-prod.grafana.net"] {
        battery::verify(&VerifySpec {
            provider: p,
            rule: "grafana-service-account-token",
            secret,
            annotations: vec![(HOST_NOTE, host)],
            live: Reply::json(200, r#"{"id":1,"name":"Main Org."}"#),
            identity: Some("org Main Org."),
            invalid: Reply::json(401, r#"{"message":"Invalid API key"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/org"));
                let bearer = r.header("authorization").unwrap_or_default();
                assert_eq!(bearer, format!("Bearer {}", grafana_sa_token()));
            },
            // A service account without the role to read its org: live or not, unknown.
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
    for bad in [
        "",
        "grafana.net",
        "grafana.com",
        "acme.grafana.com",
        "acme.grafana.net.evil.example",
        "acmegrafana.net",
        "acme.grafana.net:443",
        "user@acme.grafana.net",
        "grafana.acme.example",
        "127.0.0.1",
        "localhost",
    ] {
        let v = battery::verify_unsent_with(
            p,
            "grafana-service-account-token",
            secret,
            &[(HOST_NOTE, bad)],
        );
        assert!(v.detail.unwrap_or_default().starts_with(NO_HOST), "{bad:?}");
    }
    // Found with no host at all: nothing sent either.
    battery::verify_unsent(p, "grafana-service-account-token", secret);
}

#[test]
fn the_grafana_service_account_rule_keeps_the_stack_host() {
    use crate::rules::RuleSet;
    use crate::scan::{Scanner, Scratch};
    use crate::secret::Annotation;
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let token = grafana_sa_token();
    for (text, want) in [
        (
            format!("GRAFANA_URL=https://ACME.grafana.net GRAFANA_TOKEN={token}"),
            Some("acme.grafana.net"),
        ),
        (
            format!("curl -H 'Authorization: Bearer {token}' https://acme.grafana.net/api/org"),
            None,
        ),
        (format!("GRAFANA_TOKEN={token}"), None),
    ] {
        let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        assert_eq!(scanner.rule(&m[0]).id.0, "grafana-service-account-token");
        assert_eq!(m[0].secret(text.as_bytes()), token.as_bytes());
        let host = m[0].annotations.get(HOST_NOTE).map(|a| match a {
            Annotation::Text(t) => t.as_str(),
            Annotation::Secret(_) => panic!("a host is not secret"),
        });
        assert_eq!(host, want, "{text}");
    }
}
