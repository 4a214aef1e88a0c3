//! Per-credential hosts: Okta and Shopify, whose API host is the customer's own (an org, a
//! shop), and Vault, which has none. Each case pins the documented requests, verify and revoke,
//! on the host found with the credential, and that nothing at all is sent when there is no such
//! host or when it is not under one of the provider's documented domains. The providers' own
//! tests pin their requests and answers; what happens without a host is tested here only.
//!
//! The fake server stands in for the customer's host through the endpoint override, as
//! `--provider-endpoint` does. A credential found next to a foreign host is refused even with
//! the override, so a request that escaped the host check would reach the fake server: "no
//! request recorded" is the proof that nothing was sent. Tests without an override only use
//! calls refused or withheld before any connection (no host, or `--dry-run` revocations).

use std::collections::BTreeMap;

use super::fake::battery::{self, VerifySpec};
use super::fake::{Recorded, Reply};
use super::http::{Client, HttpError, Method, Settings};
use super::{okta, shopify, under_wildcard, Api, Credential, Outcome, Provider, Status, NO_HOST};
use crate::rules::{RuleSet, HOST_NOTE};
use crate::scan::{Scanner, Scratch};
use crate::secret::Annotation;

/// One customer-hosted provider's case.
struct Case {
    provider: &'static dyn Provider,
    rule: &'static str,
    /// A host under the provider's documented domains.
    host: &'static str,
    /// Hosts that must get nothing: look-alikes, other hosts, hosts with a port or user.
    refused: &'static [&'static str],
    verify_path: &'static str,
    /// The header carrying the credential and the text before it.
    auth: (&'static str, &'static str),
    live: &'static str,
    identity: &'static str,
    invalid: (u16, &'static str),
    /// The revoking request and its documented success.
    revoke: (&'static str, &'static str, u16),
}

const CASES: &[Case] = &[
    Case {
        provider: &okta::Okta,
        rule: "okta-api-token-with-org",
        host: "acme.okta.com",
        refused: &[
            "evil.example",
            "acme.okta.com.evil.example",
            "okta.com",
            ".okta.com",
            "acme.okta.co",
            "acme.notokta.com",
            "acmeokta.com",
            "acme.okta.com.",
            "acme..okta.com",
            "-acme.okta.com",
            "acme.okta.com:8443",
            "user@acme.okta.com",
            "acme.okta.com@evil.example",
            "acme.okta.com/evil",
            "acme.okta.com#.evil.example",
            "127.0.0.1",
            "localhost",
            "169.254.169.254",
            "login.acme.example",
            "",
        ],
        verify_path: "/api/v1/users/me",
        auth: ("authorization", "SSWS "),
        live: r#"{"id":"00ub0oNGTSWTBKOLGLNR","status":"ACTIVE","profile":{"login":"ci-bot@acme.example"}}"#,
        identity: "ci-bot@acme.example",
        invalid: (
            401,
            r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}"#,
        ),
        revoke: ("DELETE", "/api/v1/api-tokens/current", 204),
    },
    Case {
        provider: &shopify::Shopify,
        rule: "shopify-access-token",
        host: "acme-outdoor.myshopify.com",
        refused: &[
            "evil.example",
            "acme.myshopify.com.evil.example",
            "myshopify.com",
            "shop.acme-outdoor.com",
            "acme.myshopify.co",
            "acme.notmyshopify.com",
            "acme.myshopify.com:443",
            "user@acme.myshopify.com",
            "127.0.0.1",
            "",
        ],
        verify_path: "/admin/oauth/access_scopes.json",
        auth: ("x-shopify-access-token", ""),
        live: r#"{"access_scopes":[{"handle":"read_products"}]}"#,
        identity: "app on 127.0.0.1 with 1 access scope(s)",
        invalid: (
            401,
            r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#,
        ),
        revoke: ("DELETE", "/admin/api_permissions/current.json", 200),
    },
];

/// A made-up credential of the case's shape, built at run time (no literal for the self-scan).
fn secret(c: &Case) -> &'static str {
    let s = match c.provider.info().name {
        "okta" => ["00", "Xk3_vQ9rTz", "Lm2WpN8sHd", "4yBj7-cGfA", "1eRuK6oZqV"].concat(),
        "shopify" => ["shpat_", "9c41e07b2d5a", "f3861c0e4b7d", "92a15f6e"].concat(),
        other => panic!("no secret for {other}"),
    };
    Box::leak(s.into_boxed_str())
}

fn name(c: &Case) -> &'static str {
    c.provider.info().name
}

fn revoke_op(c: &'static Case) -> impl Fn(&Api<'_>, &Credential<'_>) -> super::Revocation {
    move |api, cred| c.provider.revoke(api, cred)
}

#[test]
fn the_credential_goes_to_its_own_host_with_the_documented_requests() {
    for c in CASES {
        let secret = secret(c);
        let check = |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", c.verify_path),
                "{}",
                name(c)
            );
            assert_eq!(
                r.header(c.auth.0),
                Some(format!("{}{secret}", c.auth.1).as_str()),
                "{}",
                name(c)
            );
        };
        battery::verify(&VerifySpec {
            provider: c.provider,
            rule: c.rule,
            secret,
            annotations: vec![(HOST_NOTE, c.host)],
            live: Reply::json(200, c.live),
            identity: Some(c.identity),
            invalid: Reply::json(c.invalid.0, c.invalid.1),
            check,
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
        let (r, reqs) = battery::call(
            c.provider,
            c.rule,
            secret,
            &[(HOST_NOTE, c.host)],
            vec![Reply::json(c.revoke.2, "{}")],
            false,
            revoke_op(c),
        );
        assert_eq!(r.outcome, Outcome::Revoked, "{}: {r:?}", name(c));
        assert_eq!(reqs.len(), 1, "{}", name(c));
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path.as_str()),
            (c.revoke.0, c.revoke.1),
            "{}",
            name(c)
        );
        assert_eq!(
            reqs[0].header(c.auth.0),
            Some(format!("{}{secret}", c.auth.1).as_str())
        );
    }
}

#[test]
fn a_host_outside_the_providers_domains_gets_nothing_even_with_an_endpoint() {
    for c in CASES {
        for bad in c.refused {
            let ann = [(HOST_NOTE, *bad)];
            let (v, reqs) = battery::call(
                c.provider,
                c.rule,
                secret(c),
                &ann,
                vec![Reply::json(200, c.live)],
                false,
                |api, cred| c.provider.verify(api, cred),
            );
            assert!(reqs.is_empty(), "{} {bad:?}: verification sent", name(c));
            assert_eq!(v.status, Status::Unknown, "{} {bad:?}: {v:?}", name(c));
            let why = v.detail.unwrap_or_default();
            assert!(why.contains(NO_HOST), "{} {bad:?}: {why}", name(c));
            let (r, reqs) = battery::call(
                c.provider,
                c.rule,
                secret(c),
                &ann,
                vec![Reply::json(c.revoke.2, "{}")],
                false,
                revoke_op(c),
            );
            assert!(reqs.is_empty(), "{} {bad:?}: revocation sent", name(c));
            assert_eq!(r.outcome, Outcome::Refused, "{} {bad:?}: {r:?}", name(c));
            assert!(r.detail.unwrap_or_default().contains(NO_HOST));
        }
    }
}

/// A client with no endpoint override (and so no stand-in to reach).
fn bare_client(dry_run: bool) -> Client {
    Client::new(Settings {
        dry_run,
        ..Settings::default()
    })
}

#[test]
fn without_a_host_nothing_is_sent_unless_the_user_names_one() {
    let ann = BTreeMap::new();
    for c in CASES {
        let client = bare_client(true);
        let cred = Credential {
            rule: c.rule,
            secret: secret(c),
            annotations: &ann,
        };
        let v = c.provider.verify(
            &Api::verifying(&client, c.provider.info(), cred.secret).for_credential(&cred),
            &cred,
        );
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        let why = v.detail.unwrap_or_default();
        assert!(why.contains(NO_HOST), "{why}");
        assert!(
            why.contains(&format!("--provider-endpoint {}=", name(c))),
            "{why}"
        );
        let r = c.provider.revoke(
            &Api::new(&client, c.provider.info(), cred.secret).for_credential(&cred),
            &cred,
        );
        assert_eq!(r.outcome, Outcome::Refused, "{r:?}");
        // The dry run lists both calls as not sent, with why, and no host.
        let calls = client.take_calls();
        assert_eq!(calls.len(), 2, "{calls:?}");
        for line in &calls {
            assert!(
                line.starts_with(&format!("{}: not sent ({NO_HOST}", name(c))),
                "{line}"
            );
            assert!(!line.contains(cred.secret), "{line}");
        }
    }
    // With an endpoint named, a credential found with no host goes there (the providers' own
    // tests check the requests).
    let c = &CASES[0];
    let (v, reqs) = battery::call(
        c.provider,
        c.rule,
        secret(c),
        &[],
        vec![Reply::json(200, c.live)],
        false,
        |api, cred| c.provider.verify(api, cred),
    );
    assert_eq!((v.status, reqs.len()), (Status::Active, 1), "{v:?}");
}

#[test]
fn the_dry_run_shows_the_pinned_host() {
    for c in CASES {
        let client = bare_client(true);
        let ann: BTreeMap<String, String> =
            [(HOST_NOTE.to_string(), c.host.to_ascii_uppercase())].into();
        let cred = Credential {
            rule: c.rule,
            secret: secret(c),
            annotations: &ann,
        };
        // A revocation under --dry-run is withheld before any connection is made.
        let r = c.provider.revoke(
            &Api::new(&client, c.provider.info(), cred.secret).for_credential(&cred),
            &cred,
        );
        assert_eq!(r.outcome, Outcome::DryRun, "{r:?}");
        let calls = client.take_calls();
        let want = format!(
            "{}: withheld: {} https://{}{} (host {}, path {})",
            name(c),
            c.revoke.0,
            c.host,
            c.revoke.1,
            c.host,
            c.revoke.1
        );
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(calls[0].starts_with(&want), "{}\nwant {want}", calls[0]);
        assert!(!calls[0].contains(cred.secret), "{}", calls[0]);
    }
}

#[test]
fn a_pinned_api_allows_that_host_only() {
    let client = bare_client(false);
    let info = okta::Okta.info();
    let ann: BTreeMap<String, String> = [(HOST_NOTE.to_string(), "ACME.okta.com".into())].into();
    let cred = Credential {
        rule: "okta-api-token-with-org",
        secret: "s3cr3t-value",
        annotations: &ann,
    };
    let api = Api::verifying(&client, info, cred.secret);
    let pinned = Api::verifying(&client, info, cred.secret).for_credential(&cred);
    assert_eq!(pinned.base(), "https://acme.okta.com");
    assert_eq!(pinned.host().as_deref(), Some("acme.okta.com"));
    assert_eq!((api.base(), api.host()), ("", None));
    // Refused before anything is sent: another org, and the unpinned API (no host at all).
    for (a, url, want) in [
        (
            &pinned,
            "https://other.okta.com/api/v1/users/me",
            "other.okta.com",
        ),
        (&api, "https://acme.okta.com/api/v1/users/me", NO_HOST),
    ] {
        match a.absolute(Method::Get, url).send() {
            Err(HttpError::Policy(why)) => assert!(why.contains(want), "{why}"),
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn vault_has_no_host_unless_the_user_names_one() {
    let vault = super::by_name("vault").expect("vault");
    let client = bare_client(false);
    // A host found next to a Vault token is not a Vault host: Vault has no public domain.
    let ann: BTreeMap<String, String> =
        [(HOST_NOTE.to_string(), "vault.acme.example".into())].into();
    let cred = Credential {
        rule: "vault-service-token",
        secret: "hvs.not-a-real-token-at-all",
        annotations: &ann,
    };
    let api = Api::verifying(&client, vault.info(), cred.secret).for_credential(&cred);
    assert_eq!(api.host(), None);
    let v = vault.verify(&api, &cred);
    assert_eq!(v.status, Status::Unknown);
    assert!(v
        .detail
        .unwrap_or_default()
        .contains("--provider-endpoint vault="),);
    let r = vault.revoke(&Api::new(&client, vault.info(), cred.secret), &cred);
    assert_eq!(r.outcome, Outcome::Refused, "{r:?}");
}

#[test]
fn wildcards_match_whole_labels_under_the_domain() {
    let hosts = ["*.okta.com", "*.oktapreview.com"];
    for ok in [
        "acme.okta.com",
        "dev-123456.oktapreview.com",
        "a.b.okta.com",
        "x1.okta.com",
    ] {
        assert!(under_wildcard(&hosts, ok), "{ok}");
    }
    for bad in [
        "okta.com",
        "acme.okta.com.",
        "acmeokta.com",
        "acme.okta.com.evil.example",
        "ACME.okta.com",
        "acme-.okta.com",
        "acme_x.okta.com",
        "acme.okta.com:443",
        "",
    ] {
        assert!(!under_wildcard(&hosts, bad), "{bad}");
    }
    assert!(
        !under_wildcard(&["api.okta.com"], "acme.okta.com"),
        "a fixed host is no wildcard"
    );
}

#[test]
fn the_scanner_records_the_host_next_to_the_token() {
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let okta = secret(&CASES[0]);
    let shop = secret(&CASES[1]);
    for (text, rule, want) in [
        (
            format!("curl https://acme.okta.com/api/v1/users/me -H \"Authorization: SSWS {okta}\""),
            "okta-api-token-with-org",
            Some("acme.okta.com"),
        ),
        (
            format!("new okta.Client({{orgUrl: 'https://ACME.okta.com.evil.example', token: '{okta}'}})"),
            "okta-api-token-with-org",
            Some("acme.okta.com.evil.example"),
        ),
        (
            format!("OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN={okta}"),
            "okta-api-token",
            Some("acme.okta.com"),
        ),
        (format!("OKTA_API_TOKEN={okta}"), "okta-api-token", None),
        (
            format!("storeDomain: 'acme-outdoor.myshopify.com', accessToken: '{shop}'"),
            "shopify-access-token",
            Some("acme-outdoor.myshopify.com"),
        ),
        (format!("SHOPIFY_ACCESS_TOKEN={shop}"), "shopify-access-token", None),
    ] {
        let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        let m = &m[0];
        assert_eq!(scanner.rule(m).id.0, rule, "{text}");
        let secret = if rule.starts_with("okta") { okta } else { shop };
        assert_eq!(m.secret(text.as_bytes()), secret.as_bytes(), "{text}");
        let host = m.annotations.get(HOST_NOTE).map(|a| match a {
            Annotation::Text(t) => t.as_str(),
            Annotation::Secret(_) => panic!("a host is not secret"),
        });
        assert_eq!(host, want, "{text}");
    }
}
