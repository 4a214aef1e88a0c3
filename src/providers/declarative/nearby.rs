//! Values found near a credential (a rule's `nearby:`, see [`crate::rules::Nearby`]) in
//! declarative verifiers: `{capture:NAME}` in the path (percent-encoded) and in header values,
//! and `host_from` with a `host` template that makes the host from such a value (an Algolia
//! application id becomes `APPID-dsn.algolia.net`). A credential without the value gets
//! nothing sent: the fake server stands in for the provider through the endpoint override, so
//! "no request recorded" is the proof.

use std::collections::BTreeSet;

use super::{parse, validate, Origin, NO_HOST};
use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::{Provider, Status};

fn load(text: &str) -> Result<&'static dyn Provider, String> {
    let raw = parse("t.yml", text).map_err(|e| e.to_string())?;
    validate("t.yml", raw, Origin::Builtin, &BTreeSet::new())
        .map(|p| p as &'static dyn Provider)
        .map_err(|e| e.to_string())
}

/// An API whose host is the application's own (`APP-api.acme.example`), which wants the
/// application id in a header and the user name in the path.
fn acme() -> &'static dyn Provider {
    load(
        "name: acme\nhost_from: {annotation: acme_app, pattern: '^[A-Z0-9]{6}$', host: \
         '{}-api.acme.example'}\ndocs: [https://docs.acme.example/api]\nrequest:\n  method: GET\n  \
         path: /1/users/{capture:acme_user}/keys\n  auth: {header: X-Acme-Key}\n  headers: \
         {X-Acme-App: '{capture:acme_app}'}\nactive:\n  status: [2xx]\ninactive:\n  - status: \
         [401, 403]\nidentity: [/login]\n",
    )
    .expect("loads")
}

const SECRET: &str = "acme-test-value-0123456789";

#[test]
fn captures_fill_the_host_the_path_and_a_header() {
    battery::verify(&VerifySpec {
        provider: acme(),
        rule: "acme-key",
        secret: SECRET,
        annotations: vec![("acme_app", "APP123"), ("acme_user", "ada lovelace/1")],
        live: Reply::json(200, r#"{"login":"ada"}"#),
        identity: Some("ada"),
        invalid: Reply::json(403, "{}"),
        check: |r: &Recorded| {
            assert_eq!(r.method, "GET");
            // Percent-encoded: a value cannot add path segments or a query.
            assert_eq!(r.path, "/1/users/ada%20lovelace%2F1/keys");
            assert_eq!(r.header("x-acme-app"), Some("APP123"));
            assert_eq!(r.header("x-acme-key"), Some(SECRET));
        },
        forbidden: Status::Inactive,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
}

#[test]
fn without_its_values_or_with_bad_ones_nothing_is_sent() {
    for (ann, want) in [
        (
            vec![("acme_user", "ada")],
            "no acme_app found next to the secret",
        ),
        (
            vec![("acme_app", "APP123")],
            "no acme_user found next to the secret",
        ),
        // Not what the pattern says the provider issues: no host is made from it.
        (
            vec![("acme_app", "evil.example"), ("acme_user", "ada")],
            "is not one acme issues",
        ),
        (
            vec![("acme_app", "app123"), ("acme_user", "ada")],
            "is not one acme issues",
        ),
    ] {
        let p = acme();
        let v = battery::verify_unsent_with(p, "acme-key", SECRET, &ann);
        assert!(
            v.detail.as_deref().unwrap_or_default().contains(want),
            "{ann:?}: {v:?}"
        );
    }
}

#[test]
fn a_header_value_with_a_line_break_is_not_sent() {
    let p = load(
        "name: acme\nbase_url: https://api.acme.example\ndocs: [https://docs.acme.example/api]\n\
         request:\n  method: GET\n  path: /me\n  auth: bearer\n  headers: {X-Acme-User: \
         '{capture:acme_user}'}\nactive:\n  status: [2xx]\n",
    )
    .expect("loads");
    let ann = vec![("acme_user", "ada\r\nX-Injected: 1")];
    battery::verify_unsent_with(p, "acme-key", SECRET, &ann);
}

#[test]
fn captures_and_host_templates_are_checked_at_load() {
    let verifier = |host_from: &str, path: &str, headers: &str| {
        format!(
            "name: acme\n{host_from}\ndocs: [https://docs.acme.example/api]\nrequest:\n  method: \
             GET\n  path: {path}\n  auth: bearer\n  headers: {{{headers}}}\nactive:\n  status: \
             [2xx]\n"
        )
    };
    let fixed = "base_url: https://api.acme.example";
    let app = |host: &str| {
        format!("host_from: {{annotation: acme_app, pattern: '^[A-Z0-9]{{6}}$', host: '{host}'}}")
    };
    for (text, want) in [
        (
            verifier(fixed, "/u/{secret}", ""),
            "the secret goes where `auth` says",
        ),
        (
            verifier(fixed, "/u/{user}", ""),
            "unknown placeholder {user}",
        ),
        (verifier(fixed, "/u/{capture:}", ""), "unknown placeholder"),
        (verifier(fixed, "/me", "X-A: '{secret}'"), "X-A: "),
        (verifier(fixed, "/me", "X-A: '{capture:a'"), "unclosed"),
        // The found value may name a subdomain of the provider's domain, nothing more.
        (verifier(&app("{}"), "/me", ""), "host \"{}\""),
        (verifier(&app("api.{}"), "/me", ""), "host \"api.{}\""),
        (verifier(&app("{}.com"), "/me", ""), "host \"{}.com\""),
        (verifier(&app("{}.{}.acme.example"), "/me", ""), "one `{}`"),
        (
            verifier(&app("{}/x.acme.example"), "/me", ""),
            "host \"{}/x.acme.example\"",
        ),
    ] {
        match load(&text) {
            Ok(_) => panic!("loaded: {text}"),
            Err(e) => assert!(e.contains(want), "{text}\n=> {e}"),
        }
    }
    load(&verifier(
        &app("{}-dsn.acme.example"),
        "/1/{capture:acme_app}",
        "X-A: 'v {capture:acme_app}'",
    ))
    .expect("a valid template loads");
}

#[test]
fn a_host_annotation_still_needs_no_template() {
    // `host_from` without `host` is unchanged: the annotation is the host.
    let p = load(
        "name: acme\nhost_from: {annotation: host, pattern: '^[a-z0-9-]+\\.acme\\.example$'}\n\
         docs: [https://docs.acme.example/api]\nrequest:\n  method: GET\n  path: /me\n  auth: \
         bearer\nactive:\n  status: [2xx]\n",
    )
    .expect("loads");
    let v = battery::verify_unsent(p, "acme-key", SECRET);
    assert!(v.detail.unwrap_or_default().starts_with(NO_HOST));
}

#[test]
fn an_auth_header_prefix_may_hold_a_capture_but_not_the_secret() {
    let verifier = |prefix: &str| {
        format!(
            "name: acme\nbase_url: https://api.acme.example\ndocs: [https://docs.acme.example/api]\n\
             request:\n  method: GET\n  path: /me\n  auth: {{header: Authorization, prefix: \
             '{prefix}'}}\nactive:\n  status: [2xx]\n"
        )
    };
    let e = load(&verifier("{secret}:"))
        .map(|_| ())
        .expect_err("loaded");
    assert!(e.contains("request.auth: prefix:"), "{e}");
    assert!(e.contains("the secret goes where `auth` says"), "{e}");
    let p = load(&verifier("{capture:acme_id}:")).expect("loads");
    battery::verify_undocumented_invalid(&VerifySpec {
        provider: p,
        rule: "acme-key",
        secret: SECRET,
        annotations: vec![("acme_id", "id7")],
        live: Reply::json(200, "{}"),
        identity: None,
        invalid: Reply::json(401, "{}"),
        check: |r: &Recorded| {
            assert_eq!(
                r.header("authorization"),
                Some(format!("id7:{SECRET}").as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    // Without the value: nothing sent.
    let v = battery::verify_unsent(p, "acme-key", SECRET);
    assert!(v.detail.unwrap_or_default().contains("no acme_id found"));
}
