//! The built-in verifiers whose credential needs a second value found next to it (a rule's
//! `nearby:`): Algolia (the application id makes the host and a header), Confluent (the key
//! id is the Basic user name; both the older secrets found by name and the `cflt` ones),
//! PlanetScale (the token id goes before the token in `Authorization`), and PlanetScale's
//! OAuth tokens, which need none. Each pins the documented request and the reading of each
//! documented answer; without the value nothing is sent.
//!
//! The fake server stands in for the provider through the endpoint override, as
//! `--provider-endpoint` does, so "no request recorded" proves nothing was sent. Made-up
//! credentials are built at run time (no literal for the self-scan).

use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::{by_name, Provider, Status};
use crate::rules::RuleSet;
use crate::scan::{Scanner, Scratch};

fn provider(name: &str) -> &'static dyn Provider {
    let p = by_name(name).unwrap_or_else(|| panic!("no provider {name}"));
    assert_eq!(p.kind(), "declarative", "{name}");
    p
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn algolia_key() -> &'static str {
    leak(["5f0c1e9a", "7b2d4c86", "e13a9f70", "d2b45c18"].concat())
}

const ALGOLIA_APP: &str = "QX7TZ2VK9P";

fn confluent_secret() -> &'static str {
    leak(
        [
            "LfJXFYreK3OcFNpY",
            "oAQzjyx1gtabrDwt",
            "MzA3RKNImQwzazem",
            "1pbttNy2xlQsMSN8",
        ]
        .concat(),
    )
}

const CONFLUENT_KEY_ID: &str = "QX7TZ2VK9PWM4LRB";

/// A made-up secret in Confluent's `cflt` format, with a correct checksum.
fn confluent_cflt_secret() -> &'static str {
    let body = "Zq4Rb8Nw2Kx7Vm3Tp9Ls5Hd1Gf6Jc0Ay+Ue/Wo4Ri8Qt2Mn7Bv3Ck9";
    let sum = crate::scan::checks::crc32::confluent_sum(body.as_bytes());
    leak(["cflt", body, &sum].concat())
}

fn planetscale_token() -> &'static str {
    leak(
        [
            "pscale_tkn_",
            "0h3sEtgwmV3c9fRK",
            "zSdHpmwLGR-ha2ZG",
            "DTQF9cQcRxf",
        ]
        .concat(),
    )
}

fn planetscale_oauth() -> &'static str {
    leak(
        [
            "pscale_oauth_",
            "8zOQrNQCct1Uj8zk",
            "TWLh3kgwAqg8UabG",
            "Ic43D2eINvo",
        ]
        .concat(),
    )
}

const PLANETSCALE_ID: &str = "k7qv2m9xw4tz";

/// The annotations a scan of `text` gives its finding of `rule`, which must be the only one
/// of that rule (values shown unredacted).
fn notes(text: &str, rule: &str) -> Vec<(String, String)> {
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let found = scanner.scan(text.as_bytes(), &mut Scratch::default());
    let ours: Vec<_> = found
        .iter()
        .filter(|m| scanner.rule(m).id.0 == rule)
        .collect();
    let ids: Vec<_> = found.iter().map(|m| &scanner.rule(m).id.0).collect();
    assert_eq!(ours.len(), 1, "{text}: {ids:?}");
    ours[0]
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.render(false)))
        .collect()
}

fn note(text: &str, rule: &str, name: &str) -> Option<String> {
    notes(text, rule)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[test]
fn algolia_keys_go_to_their_own_application_with_its_id() {
    let key = algolia_key();
    battery::verify(&VerifySpec {
        provider: provider("algolia"),
        rule: "algolia-admin-api-key",
        secret: key,
        annotations: vec![("algolia_app_id", ALGOLIA_APP)],
        live: Reply::json(
            200,
            r#"{"items":[{"name":"movies","entries":100}],"nbPages":4}"#,
        ),
        identity: None,
        invalid: Reply::json(
            403,
            r#"{"message":"Invalid Application-ID or API key","status":403}"#,
        ),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/1/indexes?page=0&hitsPerPage=1")
            );
            assert_eq!(r.header("x-algolia-application-id"), Some(ALGOLIA_APP));
            assert_eq!(r.header("x-algolia-api-key"), Some(algolia_key()));
            assert_eq!(r.header("authorization"), None);
        },
        // A live key without the listIndexes ACL: "Method not allowed with this API key".
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    // The key is live but may not list indices: unknown, not inactive.
    let p = provider("algolia");
    let (v, _) = battery::call(
        p,
        "algolia-admin-api-key",
        key,
        &[("algolia_app_id", ALGOLIA_APP)],
        vec![Reply::json(
            403,
            r#"{"message":"Method not allowed with this API key","status":403}"#,
        )],
        false,
        |api, cred| p.verify(api, cred),
    );
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    // No application id, or one Algolia does not issue: nothing sent.
    battery::verify_unsent(p, "algolia-admin-api-key", key);
    for bad in [
        "qx7tz2vk9p",
        "QX7TZ2VK9",
        "QX7TZ2VK9P.evil.example",
        "evil.example",
    ] {
        battery::verify_unsent_with(p, "algolia-admin-api-key", key, &[("algolia_app_id", bad)]);
    }
}

#[test]
fn the_algolia_rule_finds_the_application_id_next_to_the_key() {
    let key = algolia_key();
    let rule = "algolia-admin-api-key";
    for (text, want) in [
        (
            format!("ALGOLIA_APP_ID={ALGOLIA_APP}\nALGOLIA_ADMIN_KEY={key}\n"),
            Some(ALGOLIA_APP),
        ),
        (
            format!("const algoliaAdminKey = '{key}';\nconst client = algoliasearch('{ALGOLIA_APP}', algoliaAdminKey);\n"),
            Some(ALGOLIA_APP),
        ),
        (
            format!("{{ appId: \"{ALGOLIA_APP}\", algoliaApiKey: \"{key}\" }}"),
            Some(ALGOLIA_APP),
        ),
        (format!("ALGOLIA_ADMIN_KEY={key}\n"), None),
        // Five lines away is too far.
        (
            format!("ALGOLIA_APP_ID={ALGOLIA_APP}\n\n\n\n\nALGOLIA_ADMIN_KEY={key}\n"),
            None,
        ),
    ] {
        assert_eq!(
            note(&text, rule, "algolia_app_id").as_deref(),
            want,
            "{text}"
        );
    }
}

#[test]
fn algolia_keys_written_only_in_a_client_call_are_found_with_their_application() {
    let key = algolia_key();
    let rule = "algolia-api-key-client-call";
    for text in [
        format!("const client = algoliasearch('{ALGOLIA_APP}', '{key}');\n"),
        format!("const client = algoliasearch(\n  \"{ALGOLIA_APP}\",\n  \"{key}\"\n);\n"),
        format!("$client = SearchClient::create('{ALGOLIA_APP}', '{key}');\n"),
        format!("$client = new \\AlgoliaSearch\\Client('{ALGOLIA_APP}', '{key}');\n"),
        format!("client = SearchClient.create(\"{ALGOLIA_APP}\", \"{key}\")\n"),
        format!("client = algoliasearch.Client(\"{ALGOLIA_APP}\", \"{key}\")\n"),
        format!("client = SearchClientSync(\"{ALGOLIA_APP}\", \"{key}\")\n"),
        format!(
            "SearchClient client = DefaultSearchClient.create(\"{ALGOLIA_APP}\", \"{key}\");\n"
        ),
        format!("val client = SearchClient(appId = \"{ALGOLIA_APP}\", apiKey = \"{key}\")\n"),
        format!("var client = new SearchClient(new SearchConfig(\"{ALGOLIA_APP}\", \"{key}\"));\n"),
        format!("client, err := search.NewClient(\"{ALGOLIA_APP}\", \"{key}\")\n"),
    ] {
        assert_eq!(
            note(&text, rule, "algolia_app_id").as_deref(),
            Some(ALGOLIA_APP),
            "{text}"
        );
    }
    // The older rule also takes the id from such a call when the key is in a variable.
    assert_eq!(
        note(
            &format!("ALGOLIA_ADMIN_KEY = '{key}'\nclient = SearchClient.create('{ALGOLIA_APP}', ALGOLIA_ADMIN_KEY)\n"),
            "algolia-admin-api-key",
            "algolia_app_id"
        )
        .as_deref(),
        Some(ALGOLIA_APP)
    );
    // The search-only lite client and values held in variables are not findings.
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    for text in [
        format!("const client = liteClient('{ALGOLIA_APP}', '{key}');\n"),
        "const client = algoliasearch(process.env.ALGOLIA_APP_ID, process.env.ALGOLIA_ADMIN_KEY);\n".to_string(),
    ] {
        let found = scanner.scan(text.as_bytes(), &mut Scratch::default());
        assert!(
            found.iter().all(|m| scanner.rule(m).id.0 != rule),
            "{text}"
        );
    }
    // It is checked like the keys found by name: on the application's host, with its id.
    let p = provider("algolia");
    let (v, reqs) = battery::call(
        p,
        rule,
        key,
        &[("algolia_app_id", ALGOLIA_APP)],
        vec![Reply::json(200, r#"{"items":[],"nbPages":0}"#)],
        false,
        |api, cred| p.verify(api, cred),
    );
    assert_eq!(v.status, Status::Active, "{v:?}");
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].header("x-algolia-application-id"),
        Some(ALGOLIA_APP)
    );
    // A search-only key (public by design) may not list indices: unknown, never active.
    let (v, _) = battery::call(
        p,
        rule,
        key,
        &[("algolia_app_id", ALGOLIA_APP)],
        vec![Reply::json(
            403,
            r#"{"message":"Method not allowed with this API key","status":403}"#,
        )],
        false,
        |api, cred| p.verify(api, cred),
    );
    assert_eq!(v.status, Status::Unknown, "{v:?}");
}

#[test]
fn confluent_keys_are_sent_with_their_key_id_as_user_name() {
    let secret = confluent_secret();
    battery::verify_undocumented_invalid(&VerifySpec {
        provider: provider("confluent"),
        rule: "confluent-api-secret",
        secret,
        annotations: vec![("confluent_key_id", CONFLUENT_KEY_ID)],
        live: Reply::json(
            200,
            r#"{"api_version":"iam/v2","kind":"ApiKeyList","metadata":{},"data":[]}"#,
        ),
        identity: None,
        // Documented for a key the Cloud API does not accept, which a live cluster key is
        // too: unknown.
        invalid: Reply::json(
            401,
            r#"{"errors":[{"status":"401","detail":"Unauthorized"}]}"#,
        )
        .with_header(
            "WWW-Authenticate",
            "Basic error=\"invalid_key\", error_description=\"The API Key is invalid\"",
        ),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/iam/v2/api-keys?page_size=1")
            );
            let want = crate::providers::base64_encode(
                format!("{CONFLUENT_KEY_ID}:{}", confluent_secret()).as_bytes(),
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Basic {want}").as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    battery::verify_unsent(provider("confluent"), "confluent-api-secret", secret);
}

#[test]
fn confluent_cflt_secrets_are_found_with_their_key_id_and_sent_the_same_way() {
    let secret = confluent_cflt_secret();
    assert_eq!(secret.len(), 64);
    let rule = "confluent-cloud-api-secret";
    // Found under any name, or none, with the key id a Kafka client writes beside it.
    for (text, want) in [
        (
            format!("CONFLUENT_CLOUD_API_KEY={CONFLUENT_KEY_ID}\nCONFLUENT_CLOUD_API_SECRET={secret}\n"),
            Some(CONFLUENT_KEY_ID),
        ),
        (
            format!("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='{CONFLUENT_KEY_ID}' password='{secret}';\n"),
            Some(CONFLUENT_KEY_ID),
        ),
        (
            format!("sasl.username={CONFLUENT_KEY_ID}\nsasl.password={secret}\n"),
            Some(CONFLUENT_KEY_ID),
        ),
        (format!("password: {secret}\n"), None),
    ] {
        assert_eq!(
            note(&text, rule, "confluent_key_id").as_deref(),
            want,
            "{text}"
        );
    }
    // The same verifier as the older secrets, with the key id as the Basic user name.
    battery::verify_undocumented_invalid(&VerifySpec {
        provider: provider("confluent"),
        rule,
        secret,
        annotations: vec![("confluent_key_id", CONFLUENT_KEY_ID)],
        live: Reply::json(
            200,
            r#"{"api_version":"iam/v2","kind":"ApiKeyList","metadata":{},"data":[]}"#,
        ),
        identity: None,
        invalid: Reply::json(
            401,
            r#"{"errors":[{"status":"401","detail":"Unauthorized"}]}"#,
        ),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/iam/v2/api-keys?page_size=1")
            );
            let want = crate::providers::base64_encode(
                format!("{CONFLUENT_KEY_ID}:{}", confluent_cflt_secret()).as_bytes(),
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Basic {want}").as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    battery::verify_unsent(provider("confluent"), rule, secret);
    // A wrong checksum is no finding.
    let mut bad = secret.to_string();
    bad.replace_range(10..11, if &bad[10..11] == "A" { "B" } else { "A" });
    let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
    let found = scanner.scan(
        format!("password: {bad}\n").as_bytes(),
        &mut Scratch::default(),
    );
    assert!(
        found.iter().all(|m| scanner.rule(m).id.0 != rule),
        "a secret with a wrong checksum was reported"
    );
}

#[test]
fn the_confluent_rule_finds_the_key_id_next_to_the_secret() {
    let secret = confluent_secret();
    let rule = "confluent-api-secret";
    for (text, want) in [
        (
            format!("CONFLUENT_CLOUD_API_KEY={CONFLUENT_KEY_ID}\nCONFLUENT_CLOUD_API_SECRET={secret}\n"),
            Some(CONFLUENT_KEY_ID),
        ),
        (
            format!("confluent_cloud_api_secret = \"{secret}\"\nconfluent_cloud_api_key    = \"{CONFLUENT_KEY_ID}\"\n"),
            Some(CONFLUENT_KEY_ID),
        ),
        (format!("CONFLUENT_CLOUD_API_SECRET={secret}\n"), None),
    ] {
        assert_eq!(
            note(&text, rule, "confluent_key_id").as_deref(),
            want,
            "{text}"
        );
    }
}

#[test]
fn planetscale_service_tokens_are_sent_with_their_id() {
    let token = planetscale_token();
    battery::verify(&VerifySpec {
        provider: provider("planetscale"),
        rule: "planetscale-api-token",
        secret: token,
        annotations: vec![("planetscale_token_id", PLANETSCALE_ID)],
        live: Reply::json(
            200,
            r#"{"type":"list","current_page":1,"data":[{"id":"o1","type":"Organization","name":"acme"}]}"#,
        ),
        identity: Some("organization acme"),
        invalid: Reply::json(401, r#"{"code":"unauthorized","message":"Unauthorized"}"#),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/v1/organizations")
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("{PLANETSCALE_ID}:{}", planetscale_token()).as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    let p = provider("planetscale");
    battery::verify_unsent(p, "planetscale-api-token", token);
    // A found id with a line break in it is not written into the header.
    battery::verify_unsent_with(
        p,
        "planetscale-api-token",
        token,
        &[("planetscale_token_id", "k7qv\r\nX-A: 1")],
    );
}

#[test]
fn planetscale_oauth_tokens_are_read_by_token_info() {
    let token = planetscale_oauth();
    battery::verify(&VerifySpec {
        provider: provider("planetscale-oauth"),
        rule: "planetscale-oauth-token",
        secret: token,
        annotations: vec![],
        live: Reply::json(
            200,
            r#"{"active":true,"scope":"read_user read_databases","client_id":"pscale_app_abc123","token_type":"Bearer","sub":"user_xyz789"}"#,
        ),
        identity: Some("user user_xyz789"),
        invalid: Reply::json(200, r#"{"active":false}"#),
        check: |r: &Recorded| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/oauth/token/info")
            );
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {}", planetscale_oauth()).as_str())
            );
        },
        forbidden: Status::Unknown,
        not_found: Status::Unknown,
        malformed: Status::Unknown,
    });
    // Undocumented answers are not read as inactive.
    let p = provider("planetscale-oauth");
    for reply in [
        Reply::json(401, r#"{"error":"invalid_token"}"#),
        Reply::json(200, r"{}"),
    ] {
        let (v, _) = battery::call(
            p,
            "planetscale-oauth-token",
            token,
            &[],
            vec![reply],
            false,
            |api, cred| p.verify(api, cred),
        );
        assert_eq!(v.status, Status::Unknown, "{v:?}");
    }
}

#[test]
fn the_planetscale_rules_tell_the_kinds_apart_and_find_the_token_id() {
    let token = planetscale_token();
    let text = format!(
        "PLANETSCALE_SERVICE_TOKEN_ID={PLANETSCALE_ID}\nPLANETSCALE_SERVICE_TOKEN={token}\n"
    );
    assert_eq!(
        note(&text, "planetscale-api-token", "planetscale_token_id").as_deref(),
        Some(PLANETSCALE_ID)
    );
    let text =
        format!("pscale auth check --service-token {token} --service-token-id {PLANETSCALE_ID}");
    assert_eq!(
        note(&text, "planetscale-api-token", "planetscale_token_id").as_deref(),
        Some(PLANETSCALE_ID)
    );
    let text = format!("PLANETSCALE_SERVICE_TOKEN={token}\n");
    assert_eq!(
        note(&text, "planetscale-api-token", "planetscale_token_id"),
        None
    );
    // A refresh token is its own finding, never sent to token info as an access token.
    let refresh = [
        "pscale_oauth_refresh_",
        "W7zjmZ1a14sczj15",
        "bxJdsWQkiv063OrH",
        "G4CBh0IXR9M",
    ]
    .concat();
    notes(
        &format!("refresh_token: {refresh}\n"),
        "planetscale-oauth-refresh-token",
    );
    notes(
        &format!("access_token: {}\n", planetscale_oauth()),
        "planetscale-oauth-token",
    );
    let pw = [
        "pscale_pw_",
        "vhdzbyCXDbERG4r6",
        "L26ovnWO-38UNWa_",
        "1-sP8mQZivw",
    ]
    .concat();
    notes(&format!("DATABASE_PASSWORD={pw}\n"), "planetscale-password");
}
