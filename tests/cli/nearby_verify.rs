//! `--verify` end to end for credentials checked with a value found next to them (a rule's
//! `nearby:`): a Docker Hub PAT with its Docker ID, an Atlassian API token with its e-mail and
//! site, a MongoDB Atlas private key with its public key (answered by HTTP Digest), Algolia keys
//! with their application id (named, or only in a client call), Confluent secrets (both
//! formats) with their key id, a PlanetScale service token with its id. The fake
//! provider on 127.0.0.1 stands in through `--provider-endpoint`; what it records is
//! everything leakhound sent.

use leakhound::providers::fake::{FakeServer, Reply};

use crate::common::{live, tempdir, Run};

/// A made-up Docker Hub PAT, built at run time (no literal for the self-scan).
fn docker_pat(n: u8) -> String {
    format!("{}{n:02}{}", "dckr_pat_", "Qm7TzR2vXk9LpW4sB8nC3dFh6y")
}

fn verify(dir: &std::path::Path, provider: &str, server: &FakeServer) -> Run {
    live(
        dir,
        provider,
        server,
        &["scan", ".", "-f", "json", "--verify"],
    )
}

fn by_path(r: &Run, path: &str) -> serde_json::Value {
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding in {path}: {}", r.stdout))
        .clone()
}

#[test]
fn a_docker_pat_is_verified_with_the_docker_id_beside_it_and_only_then() {
    let dir = tempdir();
    let (with_user, alone) = (docker_pat(1), docker_pat(2));
    std::fs::write(
        dir.path().join("login.sh"),
        format!("echo {with_user} | docker login -u acme-ci --password-stdin\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.env"),
        format!("DOCKERHUB_TOKEN={alone}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":300}"#,
    )]);
    let r = verify(dir.path(), "dockerhub", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = by_path(&r, "login.sh");
    assert_eq!(f["verification"]["provider"], "dockerhub", "{f}");
    assert_eq!(f["verification"]["status"], "active", "{f}");
    // The Docker ID is shown redacted, like the secret.
    let user = f["annotations"]["docker_user"].as_str().unwrap();
    assert_ne!(user, "acme-ci");
    let f = by_path(&r, "alone.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    assert!(
        f["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("no docker_user found next to the secret"),
        "{f}"
    );
    // One request, for the token with a Docker ID, and a read-only one.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", "/token?service=registry.docker.io")
    );
    assert!(reqs[0]
        .header("authorization")
        .is_some_and(|a| a.starts_with("Basic ")));
    for secret in [&with_user, &alone] {
        assert!(!r.stdout.contains(secret.as_str()), "secret in the report");
        assert!(!r.stderr.contains(secret.as_str()), "secret on stderr");
        let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap_or_default();
        assert!(!log.contains(secret.as_str()), "secret in the audit log");
    }
}

/// A made-up Atlassian API token, built at run time.
fn atlassian_token(n: u8) -> String {
    let body = "Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e_5b0e7c2a9d14-f36e8b0a7c2d91e4f6a3";
    format!("ATATT3xFfGF0{body}{body}Lp4sB8x{n:02}=5B0E7C2A")
}

#[test]
fn an_atlassian_token_goes_only_to_the_site_beside_it_with_the_email() {
    let dir = tempdir();
    let token = atlassian_token(1);
    std::fs::write(
        dir.path().join("jira.env"),
        format!(
            "JIRA_URL=https://acme.atlassian.net\nJIRA_EMAIL=ada@acmecorp.io\nJIRA_API_TOKEN={token}\n"
        ),
    )
    .unwrap();
    // Other tokens beside a site that is not Atlassian's, and beside no e-mail.
    let (other, noemail) = (atlassian_token(2), atlassian_token(3));
    std::fs::write(
        dir.path().join("other.env"),
        format!("JIRA_URL=https://jira.acmecorp.io\nJIRA_EMAIL=ada@acmecorp.io\nJIRA_API_TOKEN={other}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("noemail.env"),
        format!("JIRA_URL=https://acme.atlassian.net\nJIRA_API_TOKEN={noemail}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"accountId":"5b10a2844c20165700ede21g","emailAddress":"ada@acmecorp.io","displayName":"Ada"}"#,
    )]);
    let r = verify(dir.path(), "atlassian", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = by_path(&r, "jira.env");
    assert_eq!(f["verification"]["status"], "active", "{f}");
    assert_eq!(f["annotations"]["host"], "acme.atlassian.net", "{f}");
    for path in ["other.env", "noemail.env"] {
        let f = by_path(&r, path);
        assert_eq!(f["verification"]["status"], "unknown", "{path}: {f}");
    }
    // Only the token with both values was sent.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    for q in &reqs {
        assert_eq!(
            (q.method.as_str(), q.path.as_str()),
            ("GET", "/rest/api/3/myself")
        );
    }
    assert!(!r.stdout.contains(&token) && !r.stderr.contains(&token));
}

#[test]
fn a_pat_found_twice_is_checked_with_the_docker_id_found_beside_either() {
    let dir = tempdir();
    let pat = docker_pat(3);
    // `a.env` sorts first and has no Docker ID; `b.sh` has one.
    std::fs::write(dir.path().join("a.env"), format!("DOCKERHUB_TOKEN={pat}\n")).unwrap();
    std::fs::write(
        dir.path().join("b.sh"),
        format!("docker login --username=acme-ci --password {pat}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(200, r#"{"token":"t"}"#)]);
    let r = verify(dir.path(), "dockerhub", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for path in ["a.env", "b.sh"] {
        let f = by_path(&r, path);
        assert_eq!(f["verification"]["status"], "active", "{path}: {f}");
    }
    // One credential, one request.
    assert_eq!(server.requests().len(), 1);
}

/// A made-up Atlas private key (a UUID), built at run time.
fn atlas_private_key(n: u8) -> String {
    format!("{}-9a4d-4e7b-b6c2-7d1e5a9f0c{n:02}", "3f8b2c1e")
}

#[test]
fn an_atlas_private_key_is_answered_by_digest_with_the_public_key_beside_it() {
    let dir = tempdir();
    let (paired, alone) = (atlas_private_key(1), atlas_private_key(2));
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "provider \"mongodbatlas\" {{\n  public_key  = \"qwhzvmte\"\n  private_key = \"{paired}\"\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.env"),
        format!("MONGODB_ATLAS_PRIVATE_KEY={alone}\n"),
    )
    .unwrap();
    let challenge = r#"Digest realm="MMS Public API", domain="", nonce="bm9uY2UtZm9yLWEtdGVzdA", algorithm=MD5, qop="auth", stale=false"#;
    let server = FakeServer::start(vec![
        Reply::json(401, r#"{"error":401,"reason":"Unauthorized"}"#)
            .with_header("WWW-Authenticate", challenge),
        Reply::json(
            200,
            r#"{"results":[{"id":"5f8b2c1e9a4d4e7bb6c27d1e","name":"Acme Data"}],"totalCount":1}"#,
        ),
    ]);
    let r = verify(dir.path(), "mongodb-atlas", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = by_path(&r, "main.tf");
    assert_eq!(f["rule"], "mongodb-atlas-api-private-key", "{f}");
    assert_eq!(f["verification"]["provider"], "mongodb-atlas", "{f}");
    assert_eq!(f["verification"]["status"], "active", "{f}");
    assert_eq!(f["verification"]["identity"], "Acme Data", "{f}");
    let f = by_path(&r, "alone.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    // The bare request, then the Digest answer; the private key in neither.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    for q in &reqs {
        assert_eq!(
            (q.method.as_str(), q.path.as_str()),
            ("GET", "/api/atlas/v2/orgs?itemsPerPage=1")
        );
        assert!(!format!("{q:?}").contains(&paired), "private key sent");
    }
    assert_eq!(reqs[0].header("authorization"), None);
    let auth = reqs[1].header("authorization").unwrap();
    assert!(
        auth.starts_with("Digest ") && auth.contains(r#"username="qwhzvmte""#),
        "{auth}"
    );
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap_or_default();
    for secret in [&paired, &alone] {
        assert!(!r.stdout.contains(secret.as_str()), "secret in the report");
        assert!(!r.stderr.contains(secret.as_str()), "secret on stderr");
        assert!(!log.contains(secret.as_str()), "secret in the audit log");
    }
}

#[test]
fn a_twilio_key_secret_is_checked_as_its_key_under_the_account_beside_it() {
    let dir = tempdir();
    // Made-up SIDs and secrets, built at run time.
    let account = format!("AC{}", "7f3c9e2a41d08b56e1a4c7d92b30f865");
    let key = format!("SK{}", "b52e8d17c04f9a63d1e7a29c5b08f364");
    let (secret, alone) = (
        format!("{}{}", "Qm7TzR2vXk9LpW4s", "B8nC3dFh6yP4sA0e"),
        format!("{}{}", "Lw3ZpR8vXk2TqN5s", "C7mD4fHj9yB6sA1u"),
    );
    std::fs::write(
        dir.path().join("twilio.env"),
        format!("TWILIO_ACCOUNT_SID={account}\nTWILIO_API_KEY={key}\nTWILIO_API_SECRET={secret}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.env"),
        format!("TWILIO_API_SECRET={alone}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"incoming_phone_numbers":[],"page":0,"page_size":1}"#,
    )]);
    let r = verify(dir.path(), "twilio", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The SID is a finding of its own; the secret is the one verified.
    let f = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "twilio.env" && f["rule"] == "twilio-auth-token")
        .unwrap_or_else(|| panic!("no secret found: {}", r.stdout))
        .clone();
    assert_eq!(f["verification"]["status"], "active", "{f}");
    let f = by_path(&r, "alone.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    // One request: the key's secret, as the key, under the account found beside it.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(
        reqs[0].path,
        format!("/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json?PageSize=1")
    );
    let basic = leakhound::providers::base64_encode(format!("{key}:{secret}").as_bytes());
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap_or_default();
    for s in [&secret, &alone] {
        assert!(!r.stdout.contains(s.as_str()), "secret in the report");
        assert!(!r.stderr.contains(s.as_str()), "secret on stderr");
        assert!(!log.contains(s.as_str()), "secret in the audit log");
    }
    assert!(!log.contains(&account[2..]), "account SID in the audit log");
}

/// A made-up Algolia API key (32 hex digits), built at run time.
fn algolia_key(n: u8) -> String {
    format!("{}{n:02}", "5f0c1e9a7b2d4c86e13a9f70d2b45c")
}

#[test]
fn algolia_keys_go_to_their_application_whether_named_or_only_in_a_client_call() {
    let dir = tempdir();
    let (call, named, alone) = (algolia_key(1), algolia_key(2), algolia_key(3));
    std::fs::write(
        dir.path().join("search.js"),
        format!("import algoliasearch from 'algoliasearch';\nconst client = algoliasearch('QX7TZ2VK9P', '{call}');\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("index.env"),
        format!("ALGOLIA_APP_ID=QX7TZ2VK9P\nALGOLIA_ADMIN_KEY={named}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.env"),
        format!("ALGOLIA_ADMIN_KEY={alone}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"items":[{"name":"movies","entries":100}],"nbPages":1}"#,
    )]);
    let r = verify(dir.path(), "algolia", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = by_path(&r, "search.js");
    assert_eq!(f["rule"], "algolia-api-key-client-call", "{f}");
    assert_eq!(f["verification"]["status"], "active", "{f}");
    assert_eq!(by_path(&r, "index.env")["verification"]["status"], "active");
    let f = by_path(&r, "alone.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    // Two keys with an application id, two read-only requests naming it; the third key was
    // not sent.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let mut sent: Vec<&str> = reqs
        .iter()
        .map(|q| {
            assert_eq!(
                (q.method.as_str(), q.path.as_str()),
                ("GET", "/1/indexes?page=0&hitsPerPage=1")
            );
            assert_eq!(q.header("x-algolia-application-id"), Some("QX7TZ2VK9P"));
            q.header("x-algolia-api-key").unwrap()
        })
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, [call.as_str(), named.as_str()]);
    for key in [&call, &named, &alone] {
        assert!(!r.stdout.contains(key.as_str()) && !r.stderr.contains(key.as_str()));
    }
}

/// A made-up Confluent secret in the `cflt` format, its checksum computed here.
fn confluent_cflt() -> String {
    let body = "Zq4Rb8Nw2Kx7Vm3Tp9Ls5Hd1Gf6Jc0Ay+Ue/Wo4Ri8Qt2Mn7Bv3Ck9";
    let sum = leakhound::scan::checks::crc32::confluent_sum(body.as_bytes());
    format!("cflt{body}{sum}")
}

#[test]
fn confluent_secrets_old_and_new_are_sent_with_their_key_id_as_user_name() {
    let dir = tempdir();
    let new = confluent_cflt();
    let old = [
        "LfJXFYreK3OcFNpY",
        "oAQzjyx1gtabrDwt",
        "MzA3RKNImQwzazem",
        "1pbttNy2xlQsMSN8",
    ]
    .concat();
    std::fs::write(
        dir.path().join("client.properties"),
        format!("bootstrap.servers=pkc-00000.us-east-1.aws.confluent.cloud:9092\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='QX7TZ2VK9PWM4LRB' password='{new}';\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cloud.env"),
        // A key id, not secret; the generic rule cannot tell.
        format!("CONFLUENT_CLOUD_API_KEY=WM4LRBQX7TZ2VK9P\nCONFLUENT_CLOUD_API_SECRET={old}\n"), // leakhound:allow
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"api_version":"iam/v2","kind":"ApiKeyList","metadata":{},"data":[]}"#,
    )]);
    let r = verify(dir.path(), "confluent", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // (The key id is also reported by the generic rule: not a secret, but it looks like one.)
    for (path, rule) in [
        ("client.properties", "confluent-cloud-api-secret"),
        ("cloud.env", "confluent-api-secret"),
    ] {
        let findings = r.json()["findings"].as_array().unwrap().clone();
        let f = findings
            .iter()
            .find(|f| f["path"] == path && f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {path}: {}", r.stdout));
        assert_eq!(f["verification"]["status"], "active", "{f}");
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let mut auth: Vec<String> = reqs
        .iter()
        .map(|q| {
            assert_eq!(
                (q.method.as_str(), q.path.as_str()),
                ("GET", "/iam/v2/api-keys?page_size=1")
            );
            q.header("authorization").unwrap().to_string()
        })
        .collect();
    auth.sort();
    let mut want = [
        format!(
            "Basic {}",
            leakhound::providers::base64_encode(format!("QX7TZ2VK9PWM4LRB:{new}").as_bytes())
        ),
        format!(
            "Basic {}",
            leakhound::providers::base64_encode(format!("WM4LRBQX7TZ2VK9P:{old}").as_bytes())
        ),
    ];
    want.sort();
    assert_eq!(auth, want);
    for s in [&new, &old] {
        assert!(!r.stdout.contains(s.as_str()) && !r.stderr.contains(s.as_str()));
    }
}

#[test]
fn a_planetscale_service_token_is_sent_with_its_id_and_only_then() {
    let dir = tempdir();
    let token = |n: u8| {
        format!(
            "{}{n:02}",
            ["pscale_tkn_", "0h3sEtgwmV3c9fRKzSdHpmwLGR-ha2ZGDTQF9cQcR"].concat()
        )
    };
    let (with_id, alone) = (token(1), token(2));
    std::fs::write(
        dir.path().join("ci.env"),
        format!("PLANETSCALE_SERVICE_TOKEN_ID=k7qv2m9xw4tz\nPLANETSCALE_SERVICE_TOKEN={with_id}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.env"),
        format!("PLANETSCALE_SERVICE_TOKEN={alone}\n"),
    )
    .unwrap();
    let server = FakeServer::start(vec![Reply::json(
        200,
        r#"{"type":"list","current_page":1,"data":[{"id":"o1","type":"Organization","name":"acme"}]}"#,
    )]);
    let r = verify(dir.path(), "planetscale", &server);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = by_path(&r, "ci.env");
    assert_eq!(f["verification"]["status"], "active", "{f}");
    assert_eq!(f["verification"]["identity"], "organization acme", "{f}");
    let f = by_path(&r, "alone.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", "/v1/organizations")
    );
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("k7qv2m9xw4tz:{with_id}").as_str())
    );
    for s in [&with_id, &alone] {
        assert!(!r.stdout.contains(s.as_str()) && !r.stderr.contains(s.as_str()));
    }
}
