//! The declarative format's checks at load, and the engine against the fake server.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::providers::fake::battery;
use crate::providers::fake::{FakeServer, Recorded, Reply};
use crate::providers::http::{Client, HttpError, Request, Settings};
use crate::providers::{all, by_name, Status};

const FULL: &str = r#"
name: acme
base_url: https://api.acme.example
docs: [https://docs.acme.example/api/whoami]
interval_ms: 0
request:
  method: GET
  path: /v1/whoami
  auth: {header: Authorization, prefix: "Token "}
  headers: {Accept: application/json}
active:
  status: [200]
  pointer: /ok
  equals: true
inactive:
  - status: [401]
  - status: ["4xx"]
    pointer: /error
    equals: invalid_token
    reason: acme says invalid_token
identity: [/user/login, /user/id]
identity_format: "user {}"
"#;

fn load(text: &str, origin: Origin) -> Result<&'static Declarative, VerifierError> {
    let raw = parse("t.yml", text)?;
    validate(
        "t.yml",
        raw,
        origin,
        &["github".to_string()].into_iter().collect(),
    )
}

fn load_err(text: &str) -> String {
    load(text, Origin::Builtin)
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn the_full_example_loads() {
    let d = load(FULL, Origin::Builtin).expect("loads");
    let i = d.info();
    assert_eq!(i.name, "acme");
    assert_eq!(i.base, "https://api.acme.example");
    assert_eq!(i.hosts, ["api.acme.example"]);
    assert!(!i.revoke);
    assert_eq!(d.kind(), "declarative");
    assert_eq!(d.citations(), ["https://docs.acme.example/api/whoami"]);
}

#[test]
fn load_errors_name_the_file_and_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        ("name: acme", "name: acme\nfavourite: blue", "unknown field"),
        (
            "base_url: https://api.acme.example",
            "base_url: http://api.acme.example",
            "t.yml: base_url: \"http://api.acme.example\": must be an https URL",
        ),
        (
            "method: GET",
            "method: DELETE",
            "t.yml: request.method: DELETE changes",
        ),
        (
            "method: GET",
            "method: PUT",
            "t.yml: request.method: PUT changes",
        ),
        (
            "method: GET",
            "method: POST",
            "t.yml: request.method: POST is allowed only",
        ),
        (
            "name: acme",
            "name: github",
            "t.yml: name: \"github\" is already a provider",
        ),
        (
            "docs: [https://docs.acme.example/api/whoami]",
            "docs: []",
            "t.yml: docs: required",
        ),
        (
            "docs: [https://docs.acme.example/api/whoami]",
            "docs: [see the wiki]",
            "t.yml: docs: \"see the wiki\" is not an https link",
        ),
        (
            "status: [200]",
            "status: [700]",
            "t.yml: active: status: 700 is not a code",
        ),
        (
            "auth: {header: Authorization, prefix: \"Token \"}",
            "auth: {cookie: session}",
            "t.yml: request.auth: expected `bearer`",
        ),
        (
            "auth: {header: Authorization, prefix: \"Token \"}",
            "auth: {header: X-Key, colour: red}",
            "t.yml: request.auth: unknown key `colour`",
        ),
        (
            "path: /v1/whoami",
            "path: /v1/{secret}",
            "t.yml: request.path: the secret goes where `auth` says",
        ),
        (
            "headers: {Accept: application/json}",
            "headers: {Authorization: x}",
            "t.yml: request.headers: Authorization: set by `auth`",
        ),
        (
            "identity: [/user/login, /user/id]",
            "identity: [user/login]",
            "t.yml: identity: \"user/login\": a JSON pointer starts with `/`",
        ),
        (
            "    equals: invalid_token",
            "",
            "t.yml: inactive[1]: pointer needs `equals` or `exists`",
        ),
    ];
    for (from, to, want) in cases {
        assert!(FULL.contains(from), "{from}");
        let text = FULL.replacen(from, to, 1);
        let e = load_err(&text);
        assert!(e.starts_with("t.yml"), "{e}");
        assert!(e.contains(want), "{to}: got {e}");
    }
    // A missing required key.
    let e = load_err(&FULL.replace(
        "active:\n  status: [200]\n  pointer: /ok\n  equals: true\n",
        "",
    ));
    assert!(e.contains("active"), "{e}");
}

#[test]
fn user_verifiers_may_use_plain_http_to_loopback_only() {
    let local = FULL.replace("https://api.acme.example", "http://127.0.0.1:8080");
    assert!(load(&local, Origin::Builtin).is_err());
    let d = load(&local, Origin::User).expect("loopback http for a user verifier");
    assert_eq!(d.kind(), "user");
    assert_eq!(d.info().hosts, ["127.0.0.1"]);
    let remote = FULL.replace("https://api.acme.example", "http://api.acme.example");
    let e = load(&remote, Origin::User)
        .expect_err("plain http")
        .to_string();
    assert!(
        e.contains("base_url") && e.contains("only sent over https"),
        "{e}"
    );
}

fn run(
    d: &'static Declarative,
    secret: &str,
    ann: &[(&str, &str)],
    script: Vec<Reply>,
) -> (Verdict, Vec<Recorded>) {
    let server = FakeServer::start(script);
    let client = battery::client(d.info().name, &server, false);
    let annotations: BTreeMap<String, String> = ann
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let cred = Credential {
        rule: "acme-token",
        secret,
        annotations: &annotations,
    };
    let v = d.verify(&Api::verifying(&client, d.info(), secret), &cred);
    (v, server.requests())
}

const SECRET: &str = "acme_Qm7TzR2vXk9LpW4sB8nC3dFh"; // leakhound:allow: a made-up test value

#[test]
fn the_engine_sends_the_declared_request_and_reads_each_answer() {
    let d = load(FULL, Origin::Builtin).expect("loads");
    let (v, reqs) = run(
        d,
        SECRET,
        &[],
        vec![Reply::json(200, r#"{"ok":true,"user":{"login":"wile"}}"#)],
    );
    assert_eq!(v.status, Status::Active, "{v:?}");
    assert_eq!(v.identity.as_deref(), Some("user wile"));
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/whoami"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("Token {SECRET}").as_str())
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    // The second identity pointer, a number, when the first is absent.
    let (v, _) = run(
        d,
        SECRET,
        &[],
        vec![Reply::json(200, r#"{"ok":true,"user":{"id":42}}"#)],
    );
    assert_eq!(v.identity.as_deref(), Some("user 42"));
    // 200 without what the active condition wants: unknown, not active.
    let (v, _) = run(d, SECRET, &[], vec![Reply::json(200, r#"{"ok":false}"#)]);
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    // A 2xx without JSON: malformed.
    let (v, _) = run(d, SECRET, &[], vec![Reply::status(200)]);
    assert_eq!(v.status, Status::Unknown);
    assert_eq!(v.detail.as_deref(), Some("malformed response"));
    let (v, _) = run(d, SECRET, &[], vec![Reply::json(401, "{}")]);
    assert_eq!(
        (v.status, v.detail.as_deref()),
        (Status::Inactive, Some("rejected as invalid (401)"))
    );
    let (v, _) = run(
        d,
        SECRET,
        &[],
        vec![Reply::json(400, r#"{"error":"invalid_token"}"#)],
    );
    assert_eq!(
        (v.status, v.detail.as_deref()),
        (Status::Inactive, Some("acme says invalid_token"))
    );
    // A 4xx with another error, or none: unknown with the status named.
    let (v, _) = run(
        d,
        SECRET,
        &[],
        vec![Reply::json(403, r#"{"error":"scope"}"#)],
    );
    assert_eq!(v.status, Status::Unknown);
    assert_eq!(v.http_status, Some(403));
    let (v, _) = run(d, SECRET, &[], vec![Reply::status(404)]);
    assert_eq!(
        (v.status, v.detail.as_deref()),
        (Status::Unknown, Some("not found (404)"))
    );
}

#[test]
fn query_basic_and_head_placements() {
    let query = FULL
        .replace(
            "auth: {header: Authorization, prefix: \"Token \"}",
            "auth: {query: api_key}",
        )
        .replace("path: /v1/whoami", "path: \"/v1/whoami?fields=id\"")
        .replace("name: acme", "name: acme-query");
    let d = load(&query, Origin::Builtin).expect("loads");
    let secret = "acme Qm7/TzR2vXk9LpW4"; // leakhound:allow: a made-up test value
    let (_, reqs) = run(d, secret, &[], vec![Reply::json(200, r#"{"ok":true}"#)]);
    assert_eq!(
        reqs[0].path,
        "/v1/whoami?fields=id&api_key=acme%20Qm7%2FTzR2vXk9LpW4"
    );
    assert_eq!(reqs[0].header("authorization"), None);

    let basic = FULL
        .replace(
            "auth: {header: Authorization, prefix: \"Token \"}",
            "auth: {basic: {user: \"{capture:acme_account}\", password: \"{secret}\"}}",
        )
        .replace("name: acme", "name: acme-basic");
    let d = load(&basic, Origin::Builtin).expect("loads");
    let (v, reqs) = run(
        d,
        SECRET,
        &[("acme_account", "AC42")],
        vec![Reply::json(200, r#"{"ok":true}"#)],
    );
    assert_eq!(v.status, Status::Active);
    let want = format!(
        "Basic {}",
        crate::providers::base64_encode(format!("AC42:{SECRET}").as_bytes())
    );
    assert_eq!(reqs[0].header("authorization"), Some(want.as_str()));
    // Without the paired value, nothing is sent.
    let (v, reqs) = run(d, SECRET, &[], vec![Reply::json(200, r#"{"ok":true}"#)]);
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    assert!(reqs.is_empty(), "sent without its pair");

    let head = r"
name: acme-head
base_url: https://api.acme.example
docs: [https://docs.acme.example/api/ping]
request: {method: HEAD, path: /ping, auth: bearer}
active: {status: [204], json: false}
inactive: [{status: [401, 403]}]
";
    let d = load(head, Origin::Builtin).expect("loads");
    let (v, reqs) = run(d, SECRET, &[], vec![Reply::status(204)]);
    assert_eq!(v.status, Status::Active, "{v:?}");
    assert_eq!(reqs[0].method, "HEAD");
    let (v, _) = run(d, SECRET, &[], vec![Reply::status(403)]);
    assert_eq!(v.status, Status::Inactive);
}

#[test]
fn a_read_only_post_is_sent_even_under_dry_run() {
    let post = FULL
        .replace("method: GET", "method: POST\n  read_only: true")
        .replace("name: acme", "name: acme-post");
    let d = load(&post, Origin::Builtin).expect("loads");
    let server = FakeServer::start(vec![Reply::json(200, r#"{"ok":true}"#)]);
    let client = battery::client(d.info().name, &server, true);
    let ann = BTreeMap::new();
    let cred = Credential {
        rule: "r",
        secret: SECRET,
        annotations: &ann,
    };
    let v = d.verify(&Api::verifying(&client, d.info(), SECRET), &cred);
    assert_eq!(v.status, Status::Active, "{v:?}");
    assert_eq!(server.requests()[0].method, "POST");
}

#[test]
fn verifying_refuses_a_mutating_request_before_sending_it() {
    let server = FakeServer::start(vec![Reply::json(200, "{}")]);
    let info = by_name("github").expect("github").info();
    let client = battery::client("github", &server, false);
    let api = Api::verifying(&client, info, SECRET);
    let r = api.delete("/applications/x/token").send();
    assert!(
        matches!(r, Err(HttpError::Policy(ref m)) if m.contains("verification only reads")),
        "{r:?}"
    );
    assert!(server.requests().is_empty());
    // The same request through a revoking API is sent.
    let api = Api::new(&client, info, SECRET);
    assert!(api.delete("/x").send().is_ok());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_query_secret_is_redacted_wherever_the_request_is_shown() {
    let query = FULL
        .replace(
            "auth: {header: Authorization, prefix: \"Token \"}",
            "auth: {query: key}",
        )
        .replace("name: acme", "name: acme-shown");
    let d = load(&query, Origin::Builtin).expect("loads");
    // A client that refuses the host: the error shows no secret.
    let client = Client::new(Settings::default());
    let ann = BTreeMap::new();
    let cred = Credential {
        rule: "r",
        secret: SECRET,
        annotations: &ann,
    };
    let v = d.verify(&Api::verifying(&client, d.info(), SECRET), &cred);
    assert_eq!(v.status, Status::Unknown);
    let shown = format!("{v:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    let req = Request {
        method: Method::Get,
        url: format!("https://x/?key={SECRET}"),
        shown_url: "https://x/?key=…".into(),
        headers: vec![],
        body: None,
        mutating: false,
        once: false,
        credential_at: Vec::new(),
    };
    assert!(!req.describe().contains(SECRET));
}

#[test]
fn every_builtin_verifier_loads_reads_only_and_names_a_fixed_https_host() {
    let rust: Vec<&str> = super::super::rust().iter().map(|p| p.info().name).collect();
    let loaded = load_builtin(&rust).expect("built-in verifiers load");
    let mut names = BTreeSet::new();
    for d in &loaded {
        let i = d.info();
        assert!(names.insert(i.name), "{} twice", i.name);
        // One fixed https host, or none at all when the host is per credential (`host_from`):
        // such a verifier sends only to a host its anchored pattern accepts.
        match &d.host_from {
            None => {
                assert!(i.base.starts_with("https://"), "{}", i.name);
                assert_eq!(i.hosts.len(), 1, "{}", i.name);
            }
            Some(h) => {
                assert!(i.base.is_empty() && i.hosts.is_empty(), "{}", i.name);
                for bad in super::PROBE_HOSTS {
                    assert!(!h.pattern.is_match(bad), "{} accepts {bad}", i.name);
                }
            }
        }
        assert!(!i.revoke);
        assert!(matches!(
            d.method,
            Method::Get | Method::Head | Method::Post
        ));
        assert!(!d.citations().is_empty());
        assert!(by_name(i.name).is_some_and(|p| p.kind() == "declarative"));
    }
    assert_eq!(
        all().iter().filter(|p| p.kind() == "declarative").count(),
        loaded.len()
    );
}
