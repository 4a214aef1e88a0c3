//! The verifiers of credentials that need a second value found next to them (a rule's
//! `nearby:`): Docker Hub personal access tokens with their Docker ID (and organization access
//! tokens with their organization's name), Bitbucket app passwords
//! with their user name, Bitbucket access tokens with the repository they are used on, Atlassian
//! API tokens with the account's e-mail and the Jira site, JFrog
//! access tokens and legacy API keys on their own `*.jfrog.io` instance.
//!
//! Each test pins the documented request (method, path, Basic or Bearer credentials) and the
//! reading of each documented answer through [`battery::verify`]; that nothing is sent when a
//! value is missing or a host is not the provider's; that every request is a GET (nothing
//! mutating during `--verify`); and that the built-in rules find the values in realistic
//! snippets. The fake server stands in for the provider through the endpoint override, so "no
//! request recorded" is the proof that nothing was sent.

use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::{by_name, Provider, Status};
use crate::rules::HOST_NOTE;
use crate::scan::encoded::tests::b64;

/// The built-in declarative provider `name`.
fn provider(name: &str) -> &'static dyn Provider {
    let p = by_name(name).unwrap_or_else(|| panic!("no provider {name}"));
    assert_eq!(p.kind(), "declarative", "{name}");
    p
}

/// A made-up credential, built at run time (no literal for the self-scan).
fn leak(parts: &[&str]) -> &'static str {
    Box::leak(parts.concat().into_boxed_str())
}

fn docker_pat() -> &'static str {
    leak(&["dckr_pat_", "Qm7TzR2vXk9LpW4s", "B8nC3dFh6yP"])
}

fn docker_oat() -> &'static str {
    leak(&["dckr_oat_", "Wn5Jc8Rb2Hx7Tq4L", "m9Vs3Kd6Pf1Ya0Ez"])
}

fn bitbucket_app_password() -> &'static str {
    leak(&["ATBB", "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4", "5B0E7C2A"])
}

fn bitbucket_access_token() -> &'static str {
    let body = "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e_5b0e7c2a9d14-f36e8b0a7c2d91e4f6a3";
    leak(&[
        "ATCTT3xFfGN0",
        body,
        body,
        "Lp4sB8nC3dFh6yP4sA0eQm7TzR2v",
        "5B0E7C2A",
    ])
}

fn atlassian_token() -> &'static str {
    let body = "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e_5b0e7c2a9d14-f36e8b0a7c2d91e4f6a3";
    leak(&["ATATT3xFfGF0", body, body, "Lp4sB8x9=5B0E7C2A"])
}

fn jfrog_token() -> &'static str {
    leak(&[
        "cmVmdGtuOjAxOj",
        "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e5b0e7c2a9d14f36e8b",
    ])
}

fn jfrog_api_key() -> &'static str {
    leak(&[
        "AKCp8",
        "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e5b0e7c2a9d14f36e8b0a7c2d91e4f6a3Bq4w",
    ])
}

/// A JFrog value of `len` characters with no prefix, as found only by its variable name.
fn jfrog_bare(len: usize) -> &'static str {
    let text = "Zp4Tq8Wm2Ny6Rb0Lc3Xv7Hs1Kd5Gf9Ja4Ue8Mo2Iw6Qe0Sy3Bn7Vt1Pk5Dh9Cx4Lz8Ar2Fm6J";
    leak(&[&text[..len]])
}

/// `Authorization: Basic base64(user:password)`, encoded independently of the client.
fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{password}").as_bytes()))
}

/// Asserts every request `reqs` holds is a read-only GET.
fn all_get(name: &str, reqs: &[Recorded]) {
    for r in reqs {
        assert_eq!(r.method, "GET", "{name}: {} {}", r.method, r.path);
    }
}

/// Runs `p`'s verification of `secret` with `annotations` against a server that would say
/// "live", and asserts nothing reached it and the answer is unknown, its detail containing
/// `want`.
fn unsent(p: &'static dyn Provider, rule: &str, secret: &str, ann: &[(&str, &str)], want: &str) {
    let v = battery::verify_unsent_with(p, rule, secret, ann);
    let detail = v.detail.unwrap_or_default();
    assert!(detail.contains(want), "{rule} {ann:?}: {detail}");
    assert!(!detail.contains(secret), "{rule}: secret in the detail");
}

/// The annotations the built-in rules give the one finding of `text`, with the rule's id.
fn found(text: &str) -> (String, Vec<(String, String)>) {
    use crate::rules::RuleSet;
    use crate::scan::{Scanner, Scratch};
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let m = scanner.scan(text.as_bytes(), &mut Scratch::default());
    assert_eq!(m.len(), 1, "{text}: {m:?}");
    let notes = m[0]
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.render(false)))
        .collect();
    (scanner.rule(&m[0]).id.0.clone(), notes)
}

fn note<'a>(notes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    notes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn docker_hub_pats_ask_the_registry_token_server_with_their_docker_id() {
    let p = provider("dockerhub");
    assert_eq!(p.info().base, "https://auth.docker.io");
    let secret = docker_pat();
    let spec = VerifySpec {
        provider: p,
        rule: "dockerhub-personal-access-token",
        secret,
        annotations: vec![("docker_user", "acme-ci")],
        live: Reply::json(
            200,
            r#"{"token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":300,"issued_at":"2026-12-07T13:00:00Z"}"#,
        ),
        identity: None,
        // The token server's documented answer to credentials it does not accept.
        invalid: Reply::json(401, r#"{"details":"incorrect username or password"}"#),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/token?service=registry.docker.io")
            );
            assert_eq!(
                r.header("authorization"),
                Some(basic("acme-ci", docker_pat()).as_str())
            );
            assert!(r.body.is_empty());
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    };
    battery::verify(&spec);
    // A 200 without the documented `token` is not the token server's answer: unknown.
    let (v, reqs) = battery::call(
        p,
        spec.rule,
        secret,
        &[("docker_user", "acme-ci")],
        vec![Reply::json(200, r#"{"ok":true}"#)],
        false,
        |api, cred| p.verify(api, cred),
    );
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    all_get("dockerhub", &reqs);
    // No Docker ID next to the token: nothing sent.
    unsent(
        p,
        spec.rule,
        secret,
        &[],
        "no docker_user found next to the secret",
    );
}

#[test]
fn bitbucket_app_passwords_fetch_their_user_with_the_user_name() {
    let p = provider("bitbucket");
    assert_eq!(p.info().base, "https://api.bitbucket.org");
    let secret = bitbucket_app_password();
    battery::verify(&VerifySpec {
        provider: p,
        rule: "bitbucket-app-password",
        secret,
        annotations: vec![("bitbucket_user", "ada_l")],
        live: Reply::json(
            200,
            r#"{"type":"user","username":"ada_l","display_name":"Ada L","account_id":"557058:0f3c","uuid":"{d301aafa-d676-4ee0-88be-962be7417567}"}"#,
        ),
        identity: Some("ada_l"),
        invalid: Reply::json(
            401,
            r#"{"type":"error","error":{"message":"Unauthorized"}}"#,
        ),
        check: |r: &Recorded| {
            assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/2.0/user"));
            assert_eq!(
                r.header("authorization"),
                Some(basic("ada_l", bitbucket_app_password()).as_str())
            );
        },
        // An app password without the `account` scope: live or not, unknown.
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    unsent(
        p,
        "bitbucket-app-password",
        secret,
        &[("docker_user", "ada_l")],
        "no bitbucket_user found next to the secret",
    );
}

#[test]
fn bitbucket_access_tokens_fetch_the_repository_found_beside_them() {
    let p = provider("bitbucket-access-token");
    assert_eq!(p.info().base, "https://api.bitbucket.org");
    let secret = bitbucket_access_token();
    let rule = "bitbucket-access-token";
    battery::verify(&VerifySpec {
        provider: p,
        rule,
        secret,
        annotations: vec![
            ("bitbucket_workspace", "acme"),
            ("bitbucket_repo", "web-app"),
        ],
        live: Reply::json(
            200,
            r#"{"type":"repository","full_name":"acme/web-app","name":"web-app","is_private":true}"#,
        ),
        identity: Some("repository acme/web-app"),
        invalid: Reply::json(
            401,
            r#"{"type":"error","error":{"message":"Unauthorized"}}"#,
        ),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/2.0/repositories/acme/web-app")
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {}", bitbucket_access_token()).as_str())
            );
        },
        // A token of another repository or project, a repository that is gone: unknown.
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    unsent(
        p,
        rule,
        secret,
        &[("bitbucket_workspace", "acme")],
        "no bitbucket_repo found next to the secret",
    );
    unsent(
        p,
        rule,
        secret,
        &[("bitbucket_repo", "web-app")],
        "no bitbucket_workspace found next to the secret",
    );
}

#[test]
fn the_rules_find_the_repository_next_to_a_bitbucket_access_token() {
    let token = bitbucket_access_token();
    for (text, want) in [
        (
            format!("git clone https://x-token-auth:{token}@bitbucket.org/acme/web-app.git"),
            Some(("acme", "web-app")),
        ),
        (
            format!("REPO=git@bitbucket.org:acme/web.app.git\nBITBUCKET_ACCESS_TOKEN={token}\n"),
            Some(("acme", "web.app")),
        ),
        (
            format!(
                "curl -H 'Authorization: Bearer {token}' \\\n  \
                 https://api.bitbucket.org/2.0/repositories/acme/web-app/commits"
            ),
            Some(("acme", "web-app")),
        ),
        (format!("BITBUCKET_ACCESS_TOKEN={token}"), None),
    ] {
        let (rule, notes) = found(&text);
        assert_eq!(rule, "bitbucket-access-token");
        let got = note(&notes, "bitbucket_workspace").zip(note(&notes, "bitbucket_repo"));
        assert_eq!(got, want, "{text}");
        if want.is_none() {
            assert!(note(&notes, "bitbucket_workspace").is_none(), "{text}");
        }
    }
}

#[test]
fn atlassian_tokens_fetch_myself_on_their_own_site_with_the_email() {
    let p = provider("atlassian");
    assert!(p.info().hosts.is_empty() && p.info().base.is_empty());
    let secret = atlassian_token();
    for rule in ["atlassian-api-token", "atlassian-api-token-legacy"] {
        battery::verify(&VerifySpec {
            provider: p,
            rule,
            secret,
            annotations: vec![
                ("atlassian_email", "ada@acme.example"),
                (HOST_NOTE, "acme-dev.atlassian.net"),
            ],
            live: Reply::json(
                200,
                r#"{"accountId":"5b10a2844c20165700ede21g","emailAddress":"ada@acme.example","displayName":"Ada","active":true}"#,
            ),
            identity: Some("ada@acme.example"),
            invalid: Reply::json(
                401,
                r#"{"message":"Client must be authenticated to access this resource.","status-code":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/rest/api/3/myself")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(basic("ada@acme.example", atlassian_token()).as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
    let rule = "atlassian-api-token";
    // Both values are needed; a host must be an Atlassian Cloud site.
    unsent(
        p,
        rule,
        secret,
        &[(HOST_NOTE, "acme.atlassian.net")],
        "no atlassian_email found next to the secret",
    );
    unsent(
        p,
        rule,
        secret,
        &[("atlassian_email", "ada@acme.example")],
        crate::providers::NO_HOST,
    );
    for bad in [
        "atlassian.net",
        "acme.atlassian.net.evil.example",
        "acme.atlassian.com",
        "id.atlassian.com",
        "acme.jira.example",
        "acme.atlassian.net:443",
        "127.0.0.1",
        "evil.example",
    ] {
        unsent(
            p,
            rule,
            secret,
            &[("atlassian_email", "ada@acme.example"), (HOST_NOTE, bad)],
            crate::providers::NO_HOST,
        );
    }
}

#[test]
fn jfrog_tokens_describe_themselves_on_their_own_instance() {
    let p = provider("jfrog");
    assert!(p.info().hosts.is_empty() && p.info().base.is_empty());
    let secret = jfrog_token();
    battery::verify(&VerifySpec {
        provider: p,
        rule: "jfrog-reference-token",
        secret,
        annotations: vec![(HOST_NOTE, "acme.jfrog.io")],
        live: Reply::json(
            200,
            r#"{"token_id":"8b5e1f2c-0d7a-4e3b-9f61-2c4d8a7b5e10","subject":"jfac@01h8x/users/ci","expiry":1796000000,"refreshable":false,"issued_at":1764000000,"issuer":"jfac@01h8x","description":"ci","scope":"applied-permissions/user"}"#,
        ),
        identity: Some("jfac@01h8x/users/ci"),
        invalid: Reply::json(
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"Bad credentials"}]}"#,
        ),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/access/api/v1/tokens/me")
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {}", jfrog_token()).as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    unsent(
        p,
        "jfrog-reference-token",
        secret,
        &[],
        crate::providers::NO_HOST,
    );
    for bad in [
        "jfrog.io",
        "acme.jfrog.io.evil.example",
        "acme.jfrog.com",
        "artifactory.acme.example",
        "acme.jfrog.io:443",
        "localhost",
        "169.254.169.254",
    ] {
        unsent(
            p,
            "jfrog-reference-token",
            secret,
            &[(HOST_NOTE, bad)],
            crate::providers::NO_HOST,
        );
    }
}

#[test]
fn jfrog_api_keys_read_their_own_key_on_their_own_instance() {
    let p = provider("jfrog-api-key");
    assert!(p.info().hosts.is_empty() && p.info().base.is_empty());
    let secret = jfrog_api_key();
    assert_eq!(secret.len(), 73);
    for rule in ["jfrog-api-key", "jfrog-api-key-in-context"] {
        battery::verify(&VerifySpec {
            provider: p,
            rule,
            secret,
            annotations: vec![(HOST_NOTE, "acme.jfrog.io")],
            // "Get API Key" answers with the caller's own key.
            live: Reply::json(200, &format!(r#"{{"apiKey":"{}"}}"#, jfrog_api_key())),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"errors":[{"status":401,"message":"Bad api key"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/artifactory/api/security/apiKey")
                );
                assert_eq!(r.header("x-jfrog-art-api"), Some(jfrog_api_key()));
                assert_eq!(r.header("authorization"), None);
                assert!(r.body.is_empty());
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
    // A 200 without the documented field is not this endpoint's answer (a login page, a
    // proxy): unknown.
    let (v, _) = battery::call(
        p,
        "jfrog-api-key",
        secret,
        &[(HOST_NOTE, "acme.jfrog.io")],
        vec![Reply::json(200, r#"{"status":"OK"}"#)],
        false,
        |api, cred| p.verify(api, cred),
    );
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    unsent(p, "jfrog-api-key", secret, &[], crate::providers::NO_HOST);
    for bad in [
        "jfrog.io",
        "acme.jfrog.io.evil.example",
        "artifactory.acme.example",
        "localhost",
    ] {
        unsent(
            p,
            "jfrog-api-key",
            secret,
            &[(HOST_NOTE, bad)],
            crate::providers::NO_HOST,
        );
    }
}

#[test]
fn jfrog_values_found_by_name_reach_only_the_verifier_of_their_shape() {
    use crate::rules::RuleSet;
    let rules = RuleSet::builtin().unwrap();
    let provider_of = |id: &str| {
        rules
            .rules()
            .iter()
            .find(|r| r.id.0 == id)
            .and_then(|r| r.provider.clone())
    };
    let key = jfrog_api_key();
    let (token64, key73) = (jfrog_bare(64), jfrog_bare(73));
    for (text, rule, host) in [
        (
            format!("ARTIFACTORY_URL=https://acme.jfrog.io/artifactory\nARTIFACTORY_API_KEY={key}\n"),
            "jfrog-api-key",
            Some("acme.jfrog.io"),
        ),
        (
            format!("curl -H 'X-JFrog-Art-Api: {key}' https://acme.jfrog.io/artifactory/api/repositories"),
            "jfrog-api-key",
            Some("acme.jfrog.io"),
        ),
        (format!("ARTIFACTORY_API_KEY={key}\n"), "jfrog-api-key", None),
        (
            format!("JFROG_URL=https://acme.jfrog.io\nJFROG_ACCESS_TOKEN={token64}\n"),
            "jfrog-identity-token",
            Some("acme.jfrog.io"),
        ),
        (
            format!("JFROG_URL=https://acme.jfrog.io\nJFROG_API_KEY={key73}\n"),
            "jfrog-api-key-in-context",
            Some("acme.jfrog.io"),
        ),
    ] {
        let (found_rule, notes) = found(&text);
        assert_eq!(found_rule, rule, "{text}");
        assert_eq!(note(&notes, HOST_NOTE), host, "{text}");
    }
    // 64 characters go to the Bearer verifier, 73 to the API key one; nothing else does.
    assert_eq!(
        provider_of("jfrog-identity-token").as_deref(),
        Some("jfrog")
    );
    assert_eq!(
        provider_of("jfrog-api-key-in-context").as_deref(),
        Some("jfrog-api-key")
    );
    assert_eq!(
        provider_of("jfrog-api-key").as_deref(),
        Some("jfrog-api-key")
    );
    // Other lengths are neither shape: not reported as JFrog's.
    let bare = jfrog_bare(73);
    let scanner = crate::scan::Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    for value in [&bare[..63], &bare[..65], &bare[..72], &format!("{bare}Q")] {
        let text = format!("JFROG_ACCESS_TOKEN={value}\n");
        let m = scanner.scan(text.as_bytes(), &mut crate::scan::Scratch::default());
        assert!(
            m.iter()
                .all(|m| !scanner.rule(m).id.0.starts_with("jfrog-")),
            "{text}"
        );
    }
}

/// A provider, a rule of it, a credential and the values found next to it.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

#[test]
fn every_verification_is_one_get_in_a_dry_run_too() {
    let cases: [Case; 6] = [
        (
            "dockerhub",
            "dockerhub-personal-access-token",
            docker_pat(),
            vec![("docker_user", "acme")],
        ),
        (
            "bitbucket",
            "bitbucket-app-password",
            bitbucket_app_password(),
            vec![("bitbucket_user", "ada")],
        ),
        (
            "bitbucket-access-token",
            "bitbucket-access-token",
            bitbucket_access_token(),
            vec![("bitbucket_workspace", "acme"), ("bitbucket_repo", "app")],
        ),
        (
            "atlassian",
            "atlassian-api-token",
            atlassian_token(),
            vec![
                ("atlassian_email", "ada@acme.example"),
                (HOST_NOTE, "acme.atlassian.net"),
            ],
        ),
        (
            "jfrog",
            "jfrog-reference-token",
            jfrog_token(),
            vec![(HOST_NOTE, "acme.jfrog.io")],
        ),
        (
            "jfrog-api-key",
            "jfrog-api-key",
            jfrog_api_key(),
            vec![(HOST_NOTE, "acme.jfrog.io")],
        ),
    ];
    for (name, rule, secret, ann) in cases {
        let p = provider(name);
        for dry_run in [false, true] {
            let (_, reqs) = battery::call(
                p,
                rule,
                secret,
                &ann,
                vec![Reply::json(200, r#"{"token":"t","username":"u"}"#)],
                dry_run,
                |api, cred| p.verify(api, cred),
            );
            all_get(name, &reqs);
            // A read-only lookup is made in a dry run too (and listed as such); nothing else.
            assert_eq!(reqs.len(), 1, "{name} dry_run={dry_run}: {reqs:?}");
        }
    }
}

#[test]
fn docker_hub_organization_tokens_sign_in_as_their_organization() {
    let p = provider("dockerhub");
    let secret = docker_oat();
    let rule = "dockerhub-org-access-token";
    battery::verify(&VerifySpec {
        provider: p,
        rule,
        secret,
        annotations: vec![("docker_user", "acme")],
        live: Reply::json(
            200,
            r#"{"token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":300}"#,
        ),
        identity: None,
        invalid: Reply::json(401, r#"{"details":"incorrect username or password"}"#),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/token?service=registry.docker.io")
            );
            assert_eq!(
                r.header("authorization"),
                Some(basic("acme", docker_oat()).as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    unsent(
        p,
        rule,
        secret,
        &[],
        "no docker_user found next to the secret",
    );
    // The organization's name is found where Docker's page and CI files write it.
    for (text, want) in [
        (
            format!("echo {secret} | docker login --username acme --password-stdin"),
            Some("acme"),
        ),
        (
            format!("DOCKER_ORG=acme\nDOCKER_TOKEN={secret}\n"),
            Some("acme"),
        ),
        (
            format!("DOCKERHUB_ORGANIZATION_NAME: acme\nDOCKERHUB_TOKEN: {secret}\n"),
            Some("acme"),
        ),
        (format!("DOCKER_TOKEN={secret}\n"), None),
    ] {
        let (found_rule, notes) = found(&text);
        assert_eq!(found_rule, rule, "{text}");
        assert_eq!(note(&notes, "docker_user"), want, "{text}");
    }
}

#[test]
fn the_rules_find_the_docker_id_next_to_a_pat() {
    let pat = docker_pat();
    for (text, want) in [
        (
            format!("echo {pat} | docker login -u acme-ci --password-stdin"),
            Some("acme-ci"),
        ),
        (
            format!("docker login --username=acme docker.io --password {pat}"),
            Some("acme"),
        ),
        (
            format!("DOCKERHUB_USERNAME=acme\nDOCKERHUB_TOKEN={pat}\n"),
            Some("acme"),
        ),
        (
            format!("{{\n  \"username\": \"acme\",\n  \"password\": \"{pat}\"\n}}\n"),
            Some("acme"),
        ),
        (format!("docker login -u \"$DOCKER_USER\" -p {pat}"), None),
        (format!("DOCKERHUB_TOKEN={pat}"), None),
    ] {
        let (rule, notes) = found(&text);
        assert_eq!(rule, "dockerhub-personal-access-token");
        assert_eq!(note(&notes, "docker_user"), want, "{text}");
    }
}

#[test]
fn the_rules_find_the_bitbucket_user_name_next_to_an_app_password() {
    let pw = bitbucket_app_password();
    for (text, want) in [
        (
            format!("BITBUCKET_USERNAME=ada_l\nBITBUCKET_APP_PASSWORD={pw}\n"),
            Some("ada_l"),
        ),
        (
            format!("git clone https://ada_l:{pw}@bitbucket.org/acme/app.git"),
            Some("ada_l"),
        ),
        (
            format!("remote: https://ada_l@bitbucket.org/acme/app.git\npassword: {pw}\n"),
            Some("ada_l"),
        ),
        (format!("BITBUCKET_APP_PASSWORD={pw}"), None),
    ] {
        let (rule, notes) = found(&text);
        assert_eq!(rule, "bitbucket-app-password");
        assert_eq!(note(&notes, "bitbucket_user"), want, "{text}");
    }
}

#[test]
fn the_rules_find_the_email_and_the_site_next_to_an_atlassian_token() {
    let token = atlassian_token();
    for (text, email, site) in [
        (
            format!(
                "JIRA_URL=https://Acme-Dev.atlassian.net\nJIRA_EMAIL=ada@acmecorp.io\n\
                 JIRA_API_TOKEN={token}\n"
            ),
            Some("ada@acmecorp.io"),
            Some("acme-dev.atlassian.net"),
        ),
        (
            format!("curl -u ada@acmecorp.io:{token} https://acme.atlassian.net/rest/api/3/myself"),
            Some("ada@acmecorp.io"),
            Some("acme.atlassian.net"),
        ),
        (
            format!("jira:\n  server: https://acme.atlassian.net\n  token: {token}\n"),
            None,
            Some("acme.atlassian.net"),
        ),
        (format!("JIRA_API_TOKEN={token}"), None, None),
    ] {
        let (rule, notes) = found(&text);
        assert_eq!(rule, "atlassian-api-token");
        assert_eq!(note(&notes, "atlassian_email"), email, "{text}");
        assert_eq!(note(&notes, HOST_NOTE), site, "{text}");
    }
}

#[test]
fn the_rules_find_the_jfrog_instance_next_to_a_token() {
    let token = jfrog_token();
    for (text, want) in [
        (
            format!("JFROG_URL=https://Acme.jfrog.io\nJFROG_ACCESS_TOKEN={token}\n"),
            Some("acme.jfrog.io"),
        ),
        (
            format!("jf c add acme --url https://acme.jfrog.io --access-token {token}"),
            Some("acme.jfrog.io"),
        ),
        (format!("JFROG_ACCESS_TOKEN={token}"), None),
    ] {
        let (rule, notes) = found(&text);
        assert_eq!(rule, "jfrog-reference-token");
        assert_eq!(note(&notes, HOST_NOTE), want, "{text}");
    }
}
