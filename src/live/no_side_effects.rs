//! Verification has no side effects, for every built-in provider (issue 17): each provider's
//! `verify` is run on the credentials its own rules' examples hold, against a stand-in on
//! 127.0.0.1 giving each documented kind of answer, and the stand-in must never see a method
//! that changes something (DELETE, PUT, PATCH). The providers are called through `Api::new`,
//! not the `Api::verifying` guard, so this checks what each verifier asks for, not the guard.

use std::collections::{BTreeMap, BTreeSet};

use crate::providers::fake::{battery, FakeServer, Reply};
use crate::providers::{self, Api, Credential};
use crate::rules::RuleSet;
use crate::scan::{Scanner, Scratch};

/// (rule id, secret, annotations) for every match of a rule naming `provider` in its rules'
/// examples.
fn credentials(
    scanner: &Scanner,
    provider: &str,
) -> Vec<(String, String, BTreeMap<String, String>)> {
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for rule in scanner.rules().rules() {
        if rule.provider.as_deref() != Some(provider) {
            continue;
        }
        for ex in &rule.examples {
            for m in scanner.scan(ex.as_bytes(), &mut scratch) {
                let r = scanner.rule(&m);
                if r.provider.as_deref() != Some(provider) {
                    continue;
                }
                let secret = m
                    .decoded
                    .as_deref()
                    .unwrap_or(&ex.as_bytes()[m.start..m.end]);
                let annotations = m
                    .annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), v.render(false)))
                    .collect();
                out.push((
                    r.id.0.clone(),
                    String::from_utf8_lossy(secret).into_owned(),
                    annotations,
                ));
            }
        }
    }
    out
}

#[test]
fn no_provider_sends_a_mutating_request_while_verifying() {
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let answers = [
        Reply::json(200, r#"{"ok":true,"data":{},"user":{"id":"1"}}"#),
        Reply::json(401, r#"{"error":"invalid"}"#),
        Reply::json(403, r#"{"error":"forbidden"}"#),
        Reply::json(404, "{}"),
    ];
    let mut asked = BTreeSet::new();
    let mut checked = 0;
    for provider in providers::all() {
        let info = provider.info();
        let creds = credentials(&scanner, info.name);
        for (rule, secret, annotations) in &creds {
            for answer in &answers {
                let server = FakeServer::start(vec![answer.clone()]);
                // One attempt: no retry, so the backoff and retry waits never apply.
                let client = battery::client_with(info.name, &server, false, 1);
                let cred = Credential {
                    rule,
                    secret,
                    annotations,
                };
                let _ = provider.verify(
                    &Api::new(&client, info, secret).for_credential(&cred),
                    &cred,
                );
                let seen = server.requests();
                for r in &seen {
                    assert!(
                        matches!(r.method.as_str(), "GET" | "HEAD" | "POST"),
                        "{}: verifying a {rule} credential sent {} {}",
                        info.name,
                        r.method,
                        r.path
                    );
                }
                if !seen.is_empty() {
                    asked.insert(info.name);
                }
                checked += 1;
            }
        }
    }
    // The check must have reached the providers: nearly all of them call out for their own
    // examples (the rest refuse a credential they cannot place, such as an `.npmrc` token
    // for an unnamed registry, and send nothing).
    let total = providers::all().len();
    assert!(
        asked.len() * 10 >= total * 8,
        "only {} of {total} providers sent a request: {asked:?} ({checked} calls)",
        asked.len()
    );
}
