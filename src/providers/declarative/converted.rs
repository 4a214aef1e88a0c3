//! The tests of the providers converted from Rust to `verifiers/*.yml`: as the providers are
//! data, so are their tests. Each case pins the documented request (method, path, headers) and
//! the reading of each documented answer, run through the declarative engine by
//! [`battery::verify`] (live and who it is, invalid, 403/404/malformed unknown, retries).

use std::thread;

use crate::providers::fake::battery::{self, VerifySpec};
use crate::providers::fake::{Recorded, Reply};
use crate::providers::{by_name, Provider, Status};

/// The built-in provider `name` (declarative once converted).
fn provider(name: &str) -> &'static dyn Provider {
    let p = by_name(name).unwrap_or_else(|| panic!("no provider {name}"));
    assert_eq!(p.kind(), "declarative", "{name}");
    p
}

/// What a header of the documented request must be.
enum Header {
    /// This value, `{secret}` standing for the credential.
    Is(&'static str),
    /// No such header.
    Absent,
    /// Any value.
    Present,
}

use Header::{Absent, Is, Present};

/// One converted provider's verification test.
struct Case {
    /// The provider.
    provider: &'static str,
    /// Rule id of the credential.
    rule: &'static str,
    /// The credential.
    secret: &'static str,
    /// A live credential's answer (200, JSON).
    live: &'static str,
    /// Who it belongs to, as the provider says in `live`.
    identity: Option<&'static str>,
    /// The provider's documented answer for an invalid credential: status and body.
    invalid: (u16, &'static str),
    /// The documented request's path (and query, where `{secret}` stands for the credential
    /// when the provider takes it as a query parameter); the method is GET.
    path: &'static str,
    /// The documented request's headers, in the order checked.
    headers: &'static [(&'static str, Header)],
}

impl Case {
    /// Asserts `r` is the documented request.
    fn check(&self, r: &Recorded) {
        let name = self.provider;
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", self.path.replace("{secret}", self.secret).as_str()),
            "{name}"
        );
        for (header, want) in self.headers {
            let got = r.header(header);
            match want {
                Is(value) => assert_eq!(
                    got,
                    Some(value.replace("{secret}", self.secret).as_str()),
                    "{name}: {header}"
                ),
                Absent => assert_eq!(got, None, "{name}: {header}"),
                Present => assert!(got.is_some(), "{name}: {header} is required"),
            }
        }
    }

    fn verify(&self) {
        battery::verify(&VerifySpec {
            provider: provider(self.provider),
            rule: self.rule,
            secret: self.secret,
            annotations: vec![],
            live: Reply::json(200, self.live),
            identity: self.identity,
            invalid: Reply::json(self.invalid.0, self.invalid.1),
            check: |r: &Recorded| self.check(r),
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

/// Each case runs on a thread of its own (named after the provider): most of a case's time is
/// spent waiting on the fake server's timeouts.
#[test]
fn verify() {
    thread::scope(|s| {
        for case in CASES {
            thread::Builder::new()
                .name(case.provider.to_string())
                .spawn_scoped(s, || case.verify())
                .expect("spawn a test thread");
        }
    });
}

const CASES: &[Case] = &[
    Case {
        provider: "groq",
        rule: "groq-api-key",
        secret: "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", // leakhound:allow: a made-up test credential
        live: r#"{"object":"list","data":[{"id":"llama-3.3-70b-versatile"}]}"#,
        identity: None,
        invalid: (401, r#"{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}"#),
        path: "/openai/v1/models",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "mistral",
        rule: "mistral-api-key",
        secret: "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oO", // leakhound:allow: a made-up test credential
        live: r#"{"object":"list","data":[{"id":"mistral-small-latest"}]}"#,
        identity: None,
        invalid: (401, r#"{"message":"Unauthorized","request_id":"x"}"#),
        path: "/v1/models",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "deepseek",
        rule: "deepseek-api-key",
        secret: "sk-abfe228f219e9cb0eb53f16947ccf25e",
        live: r#"{"object":"list","data":[{"id":"deepseek-chat","object":"model"}]}"#,
        identity: None,
        invalid: (401, r#"{"error":{"message":"Authentication Fails (no such user)","type":"authentication_error","code":"invalid_request_error"}}"#),
        path: "/models",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "fireworks",
        rule: "fireworks-api-key",
        secret: "fw_tfjgVvVqE1SkHbn88HxjSI6b", // leakhound:allow: a made-up test credential
        live: r#"{"object":"list","data":[{"id":"accounts/fireworks/models/llama-v3p1-8b-instruct"}]}"#,
        identity: None,
        invalid: (401, r#"{"error":{"object":"error","type":"invalid_request_error","message":"The API key you provided is invalid."}}"#),
        path: "/inference/v1/models",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "linode",
        rule: "linode-api-token",
        secret: "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e8e1f3a9c4f8a2c1e9b3d4e7fa6c02d5b", // leakhound:allow: a made-up test credential
        live: r#"{"username":"ops-team","email":"ops@example.com","uid":1234}"#,
        identity: Some("ops-team"),
        invalid: (401, r#"{"errors":[{"reason":"Invalid Token"}]}"#),
        path: "/v4/profile",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "vultr",
        rule: "vultr-api-key",
        secret: "QM7TZR2VXK9LPW4SB8NC3DFHJ6YG1AE5TU0I", // leakhound:allow: a made-up test credential
        live: r#"{"account":{"name":"Ops","email":"ops@example.com","balance":0}}"#,
        identity: Some("ops@example.com"),
        invalid: (401, r#"{"error":"Invalid API token.","status":401}"#),
        path: "/v2/account",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "paystack",
        rule: "paystack-secret-key",
        secret: "sk_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e", // leakhound:allow: a made-up test value
        live: r#"{"status":true,"message":"Balances retrieved","data":[{"currency":"NGN","balance":0}]}"#,
        identity: None,
        invalid: (401, r#"{"status":false,"message":"Invalid key"}"#),
        path: "/balance",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "asana",
        rule: "asana-personal-access-token",
        secret: "2/1204567890123456/1209876543210987:6fb008f86bebb2737f6a6f0fb23c6f5d",
        live: r#"{"data":{"gid":"1204567890123456","email":"pm@example.com","name":"Pat","resource_type":"user"}}"#,
        identity: Some("pm@example.com"),
        invalid: (401, r#"{"errors":[{"message":"Not Authorized"}]}"#),
        path: "/api/1.0/users/me",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "supabase",
        rule: "supabase-access-token",
        secret: "sbp_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e", // leakhound:allow: a made-up test value
        live: r#"[{"id":"qzrtbvxk","name":"Acme"}]"#,
        identity: Some("Acme"),
        invalid: (401, r#"{"message":"Unauthorized"}"#),
        path: "/v1/organizations",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "tavily",
        rule: "tavily-api-key",
        secret: "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", // leakhound:allow: a made-up test credential
        live: r#"{"key":{"usage":150,"limit":1000},"account":{"current_plan":"Researcher","plan_usage":150,"plan_limit":1000}}"#,
        identity: None,
        invalid: (401, r#"{"detail":{"error":"Unauthorized: missing or invalid API key."}}"#),
        path: "/usage",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "openrouter",
        rule: "openrouter-api-key",
        secret: "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", // leakhound:allow: a made-up test credential
        live: r#"{"data":{"label":"sk-or-v1-817...976","usage":25.5,"limit":100,"is_free_tier":false}}"#,
        identity: None,
        invalid: (401, r#"{"error":{"message":"No auth credentials found","code":401}}"#),
        path: "/api/v1/key",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "replicate",
        rule: "replicate-api-token",
        secret: "r8_lSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40u", // leakhound:allow: a made-up test credential
        live: r#"{"type":"organization","username":"acme-ml","name":"Acme ML"}"#,
        identity: Some("acme-ml"),
        invalid: (401, r#"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#),
        path: "/v1/account",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "firecrawl",
        rule: "firecrawl-api-key",
        secret: "fc-3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6",
        live: r#"{"success":true,"data":{"remainingCredits":1000,"planCredits":500000}}"#,
        identity: None,
        invalid: (401, r#"{"success":false,"error":"Unauthorized: Invalid token"}"#),
        path: "/v2/team/credit-usage",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "huggingface",
        rule: "huggingface-access-token",
        secret: "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", // leakhound:allow: a made-up test credential
        live: r#"{"type":"user","name":"octo-hf","auth":{"type":"access_token"}}"#,
        identity: Some("octo-hf"),
        invalid: (401, r#"{"error":"Invalid credentials in Authorization header"}"#),
        path: "/api/whoami-v2",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "flutterwave",
        rule: "flutterwave-secret-key",
        secret: "FLWSECK-3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e-X", // leakhound:allow: a made-up test value
        live: r#"{"status":"success","message":"Wallet balances fetched","data":[]}"#,
        identity: None,
        invalid: (401, r#"{"status":"error","message":"Invalid authorization key","data":null}"#),
        path: "/v3/balances",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "hetzner",
        rule: "hetzner-cloud-api-token",
        secret: "Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY", // leakhound:allow: a made-up test credential
        live: r#"{"servers":[],"meta":{"pagination":{"page":1,"per_page":1,"total_entries":0}}}"#,
        identity: None,
        invalid: (401, r#"{"error":{"code":"unauthorized","message":"unable to authenticate"}}"#),
        path: "/v1/servers?per_page=1",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "netlify",
        rule: "netlify-access-token",
        secret: "nfp_WHtP3fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZo", // leakhound:allow: a made-up test credential
        live: r#"{"id":"5e1","full_name":"Dev","email":"dev@example.com"}"#,
        identity: Some("dev@example.com"),
        invalid: (401, r#"{"code":401,"message":"Access Denied: Invalid token"}"#),
        path: "/api/v1/user",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "square",
        rule: "square-access-token",
        secret: "EAAAl7Qm2TzR9vXk4LpW8sB3nC6dFhJ1yG5aE0tU2iO7wR4qZ9xV3cK8mN1bP6jH", // leakhound:allow: a made-up test value
        live: r#"{"merchant":{"id":"MLQ8Z2","business_name":"Corner Cafe","status":"ACTIVE"}}"#,
        identity: Some("Corner Cafe"),
        invalid: (401, r#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED"}]}"#),
        path: "/v2/merchants/me",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "postman",
        rule: "postman-api-key",
        secret: "PMAK-cf575dcad6ba2b0aee0ca923-732881584d8c4fa2815d2802827283e0ad", // leakhound:allow: a made-up test credential
        live: r#"{"user":{"id":12345678,"username":"octo-postman","email":"o@example.com"}}"#,
        identity: Some("octo-postman"),
        invalid: (401, r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#),
        path: "/me",
        headers: &[("x-api-key", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "rubygems",
        rule: "rubygems-api-key",
        secret: "rubygems_107f80e222f828767efc2f91624a8940f1f836f99eee3692", // leakhound:allow: a made-up test credential
        live: r#"[{"name":"octo-gem","version":"1.0.0"}]"#,
        identity: None,
        invalid: (401, r#"Access Denied. Please sign up for an account at https://rubygems.org"#),
        path: "/api/v1/gems.json",
        headers: &[("authorization", Is("{secret}"))],
    },
    Case {
        provider: "pinecone",
        rule: "pinecone-api-key",
        secret: "pcsk_4Xq7Vb_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6UQ", // leakhound:allow: a made-up test credential
        live: r#"{"indexes":[{"name":"docs","dimension":1536}]}"#,
        identity: None,
        invalid: (401, r#"{"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401}"#),
        path: "/indexes",
        headers: &[("api-key", Is("{secret}")), ("x-pinecone-api-version", Is("2025-04")), ("authorization", Absent)],
    },
    Case {
        provider: "adafruit",
        rule: "adafruit-io-key",
        secret: "aio_QmTz42vXk9LpW4sB8nC3dFhJ6yG1", // leakhound:allow: a made-up test value
        live: r#"{"id":1234,"username":"maker42","name":"Maker"}"#,
        identity: Some("maker42"),
        invalid: (401, r#"{"error":"request failed - invalid API key provided"}"#),
        path: "/api/v2/user",
        headers: &[("x-aio-key", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "assemblyai",
        rule: "assemblyai-api-key",
        secret: "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6", // leakhound:allow: a made-up test credential
        live: r#"{"page_details":{"limit":1,"result_count":0},"transcripts":[]}"#,
        identity: None,
        invalid: (401, r#"{"error":"Authentication error, API token missing/invalid"}"#),
        path: "/v2/transcript?limit=1",
        headers: &[("authorization", Is("{secret}"))],
    },
    Case {
        provider: "shippo",
        rule: "shippo-api-token",
        secret: "shippo_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e", // leakhound:allow: a made-up test value
        live: r#"{"next":null,"previous":null,"results":[]}"#,
        identity: None,
        invalid: (401, r#"{"detail":"Invalid token."}"#),
        path: "/addresses?results=1",
        headers: &[("authorization", Is("ShippoToken {secret}"))],
    },
    Case {
        provider: "airtable",
        rule: "airtable-personal-access-token",
        secret: "patYOvfZ8UzDzV8fU.55404e4fb440034d6608697a8d41bed440e50454f31af3176813e02ea68ef786", // leakhound:allow: a made-up test credential
        live: r#"{"id":"usrL2PNC5o3H4lBEi","scopes":["data.records:read"]}"#,
        identity: Some("user usrL2PNC5o3H4lBEi"),
        invalid: (401, r#"{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}"#),
        path: "/v0/meta/whoami",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "messagebird",
        rule: "messagebird-api-key",
        secret: "Qm7TzR2vXk9LpW4sB8nC3dFhJ", // leakhound:allow: a made-up test credential
        live: r#"{"payment":"prepaid","type":"euros","amount":12.5}"#,
        identity: None,
        invalid: (401, r#"{"errors":[{"code":2,"description":"Request not allowed (incorrect access_key)","parameter":"access_key"}]}"#),
        path: "/balance",
        headers: &[("authorization", Is("AccessKey {secret}"))],
    },
    Case {
        provider: "meraki",
        rule: "meraki-api-key",
        secret: "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e", // leakhound:allow: a made-up test credential
        live: r#"[{"id":"2930418","name":"Acme Networks"}]"#,
        identity: Some("organization Acme Networks"),
        invalid: (401, r#"{"errors":["Invalid API key"]}"#),
        path: "/api/v1/organizations",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "notion",
        rule: "notion-integration-token",
        secret: "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", // leakhound:allow: a made-up test credential
        live: r#"{"object":"user","id":"16d84278","type":"bot","name":"Deploy","bot":{"owner":{"type":"workspace","workspace":true},"workspace_name":"Acme"}}"#,
        identity: Some("workspace Acme"),
        invalid: (401, r#"{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."}"#),
        path: "/v1/users/me",
        headers: &[("authorization", Is("Bearer {secret}")), ("notion-version", Is("2022-06-28"))],
    },
    Case {
        provider: "pagerduty",
        rule: "pagerduty-api-key",
        secret: "u+Qm7TzR2vXk9LpW4sB8", // leakhound:allow: a made-up test credential
        live: r#"{"abilities":["teams","read_only_users"]}"#,
        identity: None,
        invalid: (401, r#"{"error":{"message":"Authentication failed","code":2006}}"#),
        path: "/abilities",
        headers: &[("authorization", Is("Token token={secret}")), ("accept", Is("application/vnd.pagerduty+json;version=2"))],
    },
    Case {
        provider: "pulumi",
        rule: "pulumi-access-token",
        secret: "pul-ac2f86702824c1c099724caf4941d4072014b3ce", // leakhound:allow: a made-up test credential
        live: r#"{"name":"Octo","githubLogin":"octo-pulumi","email":"o@example.com"}"#,
        identity: Some("octo-pulumi"),
        invalid: (401, r#"{"code":401,"message":"Unauthorized: invalid access token"}"#),
        path: "/api/user",
        headers: &[("authorization", Is("token {secret}")), ("accept", Is("application/vnd.pulumi+8"))],
    },
    Case {
        provider: "travis-ci",
        rule: "travis-ci-token",
        secret: "cDlkrCaqx9vJupc94tnwla", // leakhound:allow: a made-up test credential
        live: r#"{"@type":"user","id":1,"login":"octo-travis","name":"Octo"}"#,
        identity: Some("octo-travis"),
        invalid: (401, r#"{"@type":"error","error_type":"login_required","error_message":"login required"}"#),
        path: "/user",
        headers: &[("authorization", Is("token {secret}")), ("travis-api-version", Is("3"))],
    },
    Case {
        provider: "figma",
        rule: "figma-personal-access-token",
        secret: "figd_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx", // leakhound:allow: a made-up test credential
        live: r#"{"id":"123","handle":"ada","email":"ada@example.com"}"#,
        identity: Some("ada@example.com"),
        invalid: (403, r#"{"status":403,"err":"Invalid token"}"#),
        path: "/v1/me",
        headers: &[("x-figma-token", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "lemonsqueezy",
        rule: "lemonsqueezy-api-key",
        secret: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZi1kYmI4LTRlYTUtYjE3OC1kMjU0MGZjZDY5MTkiLCJqdGkiOiJRbTdUelIydlhrOUxwVzRzQjhuQzNkRmhKNnlHMWFFNXRVMGlPMndSOHFaNHhWN2NLM21OOWJQMWpINWxUOHJZMnVFZSJ9.Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7c", // leakhound:allow: a made-up test value
        live: r#"{"jsonapi":{"version":"1.0"},"data":{"type":"users","id":"1","attributes":{"name":"Ops","email":"ops@example.com"}}}"#,
        identity: Some("ops@example.com"),
        invalid: (401, r#"{"jsonapi":{"version":"1.0"},"errors":[{"detail":"Unauthenticated.","status":"401","title":"Unauthorized"}]}"#),
        path: "/v1/users/me",
        headers: &[("authorization", Is("Bearer {secret}")), ("accept", Is("application/vnd.api+json"))],
    },
    Case {
        provider: "hubspot",
        rule: "hubspot-private-app-token",
        secret: "pat-na1-4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c", // leakhound:allow: a made-up test value
        live: r#"{"portalId":24681357,"accountType":"STANDARD","uiDomain":"app.hubspot.com"}"#,
        identity: Some("portal 24681357"),
        invalid: (401, r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#),
        path: "/account-info/2026-03/details",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "duffel",
        rule: "duffel-api-token",
        secret: "duffel_live_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ", // leakhound:allow: a made-up test value
        live: r#"{"data":[{"id":"arl_00009VME7D6ivUu8dn35WK","name":"British Airways"}],"meta":{"limit":1}}"#,
        identity: None,
        invalid: (401, r#"{"errors":[{"type":"authentication_error","code":"invalid_authorization_header","title":"Invalid authorization header"}]}"#),
        path: "/air/airlines?limit=1",
        headers: &[("authorization", Is("Bearer {secret}")), ("duffel-version", Is("v2"))],
    },
    Case {
        provider: "squarespace",
        rule: "squarespace-api-key",
        secret: "4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c", // leakhound:allow: a made-up test credential
        live: r#"{"id":"5f1b2c3d4e5f6a7b8c9d0e1f","url":"https://corner-cafe.squarespace.com","siteTitle":"Corner Cafe"}"#,
        identity: Some("https://corner-cafe.squarespace.com"),
        invalid: (401, r#"{"type":"AUTHORIZATION_ERROR","subtype":null,"message":"Invalid API key"}"#),
        path: "/1.0/authorization/website",
        headers: &[("authorization", Is("Bearer {secret}")), ("user-agent", Present)],
    },
    // Added from the providers' documentation (issue 17's coverage), not converted from Rust.
    // (Tailscale is a Rust provider, src/providers/tailscale.rs: it also revokes.)
    Case {
        provider: "shortcut",
        rule: "shortcut-api-token",
        secret: "5901fc2f-a05b-434c-bf26-cbfc8a93830d", // leakhound:allow: a made-up test credential
        live: r#"{"id":"12345678-9012-3456-7890-123456789012","mention_name":"ada","name":"Ada Lovelace"}"#,
        identity: Some("ada"),
        invalid: (401, r#"{"message":"Unauthorized"}"#),
        path: "/api/v3/member",
        headers: &[("shortcut-token", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "deepgram",
        rule: "deepgram-api-key",
        secret: "ba07a2531adab23e5617d266908d35e59c7a8026", // leakhound:allow: a made-up test credential
        live: r#"{"projects":[{"project_id":"3f5c2a1e-0000-4000-8000-000000000001","name":"Transcripts"}]}"#,
        identity: Some("project Transcripts"),
        invalid: (401, r#"{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"0d1e"}"#),
        path: "/v1/projects",
        headers: &[("authorization", Is("Token {secret}"))],
    },
    Case {
        provider: "coda",
        rule: "coda-api-token",
        secret: "c708c81a-d0c4-1f08-3ac5-74eb632a3d43", // leakhound:allow: a made-up test credential
        live: r#"{"name":"John Doe","loginId":"john@example.com","type":"user","scoped":false,"tokenName":"ci"}"#,
        identity: Some("john@example.com"),
        invalid: (401, r#"{"statusCode":401,"statusMessage":"Unauthorized","message":"Unauthorized"}"#),
        path: "/apis/v1/whoami",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "eventbrite",
        rule: "eventbrite-private-token",
        secret: "0RT1Q5C25W6B4K8TTG54", // leakhound:allow: a made-up test credential
        live: r#"{"id":"1234567890","name":"Events Team","emails":[{"email":"events@example.com","primary":true,"verified":true}]}"#,
        identity: Some("events@example.com"),
        invalid: (401, r#"{"status_code":401,"error_description":"The OAuth token you provided was invalid.","error":"INVALID_AUTH"}"#),
        path: "/v3/users/me/",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "hellosign",
        rule: "hellosign-api-key",
        secret: "18ff1dfad2016467e1d5cb2aac543c63b09d2d6d41d5ce05124fd73941f545de", // leakhound:allow: a made-up test credential
        live: r#"{"account":{"account_id":"5008b25c7f67153e57d5a357b1687968068fb465","email_address":"legal@example.com","is_locked":false}}"#,
        identity: Some("legal@example.com"),
        invalid: (401, r#"{"error":{"error_msg":"Unauthorized api key","error_name":"unauthorized"}}"#),
        path: "/v3/account",
        headers: &[("authorization", Is("Basic MThmZjFkZmFkMjAxNjQ2N2UxZDVjYjJhYWM1NDNjNjNiMDlkMmQ2ZDQxZDVjZTA1MTI0ZmQ3Mzk0MWY1NDVkZTo="))], // leakhound:allow: the made-up credential, base64
    },
    Case {
        provider: "pandadoc",
        rule: "pandadoc-api-key",
        secret: "954d2c93e7fb6d28c587db821f6a0efa5ea7d26d", // leakhound:allow: a made-up test credential
        live: r#"{"user_id":"Wq6pD2QhFjPkRxhGaPcH9n","membership_id":"gEy74Zx4VjNfV3Q2rHdgZW","email":"sales@example.com","role":"Admin"}"#,
        identity: Some("sales@example.com"),
        invalid: (401, r#"{"type":"authentication_error","detail":"Authentication credentials were not provided."}"#),
        path: "/public/v1/members/current/",
        headers: &[("authorization", Is("API-Key {secret}"))],
    },
    Case {
        provider: "lunch-money",
        rule: "lunch-money-access-token",
        secret: "6390bf61189639e35aeeb95210ef2a83fdf6a0b29872400c49", // leakhound:allow: a made-up test credential
        live: r#"{"user_name":"User 1","user_email":"user-1@example.com","user_id":18328,"account_id":18221,"budget_name":"Family budget"}"#,
        identity: Some("user-1@example.com"),
        invalid: (401, r#"{"message":"Access token does not exist."}"#),
        path: "/v1/me",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "toggl",
        rule: "toggl-api-token",
        secret: "771d833424d61fcd25491215310a53e5", // leakhound:allow: a made-up test credential
        live: r#"{"id":4232226,"email":"time@example.com","fullname":"Time Keeper","default_workspace_id":2949399}"#,
        identity: Some("time@example.com"),
        invalid: (401, r#""Incorrect username and/or password""#),
        path: "/api/v9/me",
        headers: &[("authorization", Is("Basic NzcxZDgzMzQyNGQ2MWZjZDI1NDkxMjE1MzEwYTUzZTU6YXBpX3Rva2Vu"))], // leakhound:allow: the made-up credential, base64
    },
    Case {
        provider: "pushbullet",
        rule: "pushbullet-access-token",
        secret: "o.zksWmeV5HbCXmYTVmXqmJWS1sVY8b6VU", // leakhound:allow: a made-up test credential
        live: r#"{"iden":"ujpah72o0","email":"elon@example.com","name":"Elon Musk","created":1381092887.398433}"#,
        identity: Some("elon@example.com"),
        invalid: (401, r#"{"error":{"code":"invalid_access_token","type":"invalid_request","message":"Access token is missing or invalid."}}"#),
        path: "/v2/users/me",
        headers: &[("access-token", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "telnyx",
        rule: "telnyx-api-key",
        secret: "KEY2A0F94833734F83AE7518B69C6477303_8dFYYSKnSVofWkj1qbBzNH", // leakhound:allow: a made-up test credential
        live: r#"{"data":{"balance":"300.00","currency":"USD","record_type":"balance"}}"#,
        identity: None,
        invalid: (401, r#"{"errors":[{"code":"10009","title":"Authentication failed","detail":"The API key provided is invalid."}]}"#),
        path: "/v2/balance",
        headers: &[("authorization", Is("Bearer {secret}")), ("accept", Is("application/json"))],
    },
    Case {
        provider: "urlscan",
        rule: "urlscan-api-key",
        secret: "40fc8db9-cd03-40ef-ee90-293d976088f5", // leakhound:allow: a made-up test credential
        live: r#"{"limits":{"search":{"day":{"limit":1000,"used":3,"remaining":997}}}}"#,
        identity: None,
        invalid: (401, r#"{"message":"API key not found","status":401}"#),
        path: "/user/quotas/",
        headers: &[("api-key", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "securitytrails",
        rule: "securitytrails-api-key",
        secret: "EZePkStjqJZUZgd1K35dmpnfqq1fqFlq", // leakhound:allow: a made-up test credential
        live: r#"{"success":true}"#,
        identity: None,
        invalid: (401, r#"{"message":"Invalid authentication credentials"}"#),
        path: "/v1/ping",
        headers: &[("apikey", Is("{secret}")), ("authorization", Absent)],
    },
    Case {
        provider: "shodan",
        rule: "shodan-api-key",
        secret: "Lw91GqK8ks0n8SoFkh8OXfFYSJYgOuwg", // leakhound:allow: a made-up test credential
        live: r#"{"scan_credits":100,"plan":"dev","https":true,"query_credits":100}"#,
        identity: Some("plan dev"),
        invalid: (401, r#"{"error":"Invalid API key"}"#),
        path: "/api-info?key={secret}",
        headers: &[("authorization", Absent)],
    },
    Case {
        provider: "dailyco",
        rule: "dailyco-api-key",
        secret: "3de5d53e2fbb325be6f4f56a7ed9fc0dc7fdfbf06b9956226b42418a596e7330", // leakhound:allow: a made-up test credential
        live: r#"{"domain_name":"acme-video","domain_id":"5a4b3c2d-0000-4000-8000-000000000002","config":{}}"#,
        identity: Some("acme-video"),
        invalid: (401, r#"{"error":"authentication-error","info":"Invalid API key"}"#),
        path: "/v1/",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "gtmetrix",
        rule: "gtmetrix-api-key",
        secret: "4e3c02eaa7f3b4a715e4e48dd74089a5", // leakhound:allow: a made-up test credential
        live: r#"{"data":{"type":"user","id":"d28ac8b7e8a5ab5c6c5e7e1f1fd0b96b","attributes":{"api_credits":1497,"api_refill":1618437600}}}"#,
        identity: None,
        invalid: (401, r#"{"errors":[{"status":"401","code":"E40100","title":"Unauthorized","detail":"Invalid API key"}]}"#),
        path: "/api/2.0/status",
        headers: &[("authorization", Is("Basic NGUzYzAyZWFhN2YzYjRhNzE1ZTRlNDhkZDc0MDg5YTU6"))], // leakhound:allow: the made-up credential, base64
    },
    Case {
        provider: "frameio",
        rule: "frameio-api-token",
        secret: "fio-u-cLPV1opevFG5K8OMgFgq_2ypGZ9tTIidhY5JKrJ7vRKIFfcbt_0xQIZtmjysyVwo", // leakhound:allow: a made-up test credential
        live: r#"{"id":"8d2b0a7e-0000-4000-8000-000000000003","email":"editor@example.com","name":"Editor"}"#,
        identity: Some("editor@example.com"),
        invalid: (401, r#"{"code":401,"errors":[{"code":401,"detail":"The request requires authentication","title":"Not Authorized"}],"message":"Not Authorized"}"#),
        path: "/v2/me",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "prefect",
        rule: "prefect-api-key",
        secret: "pnu_dkcPzHcNOuEu9zFQkp0VIREorXBwesVXeWgV", // leakhound:allow: a made-up test credential
        live: r#"[{"account_id":"0a1b","account_handle":"acme","workspace_id":"2c3d","workspace_handle":"prod"}]"#,
        identity: Some("workspace prod"),
        invalid: (401, r#"{"detail":"Invalid authentication credentials"}"#),
        path: "/api/me/workspaces",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "bannerbear",
        rule: "bannerbear-api-key",
        secret: "hkPkenG5ZFJoC6vWCBiJmptt", // leakhound:allow: a made-up test credential
        live: r#"{"message":"Authorized","project":"Marketing"}"#,
        identity: None,
        invalid: (401, r#"{"message":"Unauthorized"}"#),
        path: "/v2/auth",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
    Case {
        provider: "scrapingbee",
        rule: "scrapingbee-api-key",
        secret: "PW9ZVDVU46XPPWJINA3Z2ZTKEJTTQ9VEMFLTW3W1E5ULRQ8BKRPBNDZ2MS6GMPDIDFEVIAMR8AUBNUUB", // leakhound:allow: a made-up test credential
        live: r#"{"max_api_credit":1000,"used_api_credit":12,"max_concurrency":5,"current_concurrency":0}"#,
        identity: None,
        invalid: (401, r#"{"message":"Invalid api key"}"#),
        path: "/api/v1/usage?api_key={secret}",
        headers: &[("authorization", Absent)],
    },
    Case {
        provider: "easypost",
        rule: "easypost-api-key",
        secret: "EZTKbK4WLErkB7H3AUiHrZN2YPhQiI5UdVMC5VR9jPIxgjs3HG1AycXGZV", // leakhound:allow: a made-up test credential
        live: r#"{"addresses":[],"has_more":false}"#,
        identity: None,
        invalid: (401, r#"{"error":{"code":"APIKEY.INVALID","message":"The API key provided is invalid.","errors":[]}}"#),
        path: "/v2/addresses?page_size=1",
        headers: &[("authorization", Is("Basic RVpUS2JLNFdMRXJrQjdIM0FVaUhyWk4yWVBoUWlJNVVkVk1DNVZSOWpQSXhnanMzSEcxQXljWEdaVjo="))], // leakhound:allow: the made-up credential, base64
    },
    Case {
        provider: "readme",
        rule: "readme-api-key",
        secret: "rdme_p90rbt48g3kcww4hu1tphelfhqrpzp0xnkp55bemhl9kg5pfxf3yf4sizgzvboeje2fifz", // leakhound:allow: a made-up test credential
        live: r#"{"name":"Acme Docs","subdomain":"acme","jwtSecret":"x","baseUrl":"https://docs.example.com"}"#,
        identity: Some("project Acme Docs"),
        invalid: (401, r#"{"error":"APIKEY_NOTFOUND","message":"We could not find your API key."}"#),
        path: "/api/v1",
        headers: &[("authorization", Is("Basic cmRtZV9wOTByYnQ0OGcza2N3dzRodTF0cGhlbGZocXJwenAweG5rcDU1YmVtaGw5a2c1cGZ4ZjN5ZjRzaXpnenZib2VqZTJmaWZ6Og=="))], // leakhound:allow: the made-up credential, base64
    },
    Case {
        provider: "scrapfly",
        rule: "scrapfly-api-key",
        secret: "scp-live-a2cec255404e4fb440034d6608697a8d", // leakhound:allow: a made-up test credential
        live: r#"{"account":{"account_id":"8fa3c2e1","currency":"USD"},"project":{"name":"default"}}"#,
        identity: Some("account 8fa3c2e1"),
        invalid: (401, r#"{"message":"Invalid API key","code":"ERR::AUTH::INVALID_KEY"}"#),
        path: "/account?key={secret}",
        headers: &[("authorization", Absent)],
    },
    Case {
        provider: "diffbot",
        rule: "diffbot-api-token",
        secret: "d4a3baf69dad8199bfca8b6f3a6a9421", // leakhound:allow: a made-up test credential
        live: r#"{"name":"Crawl Team","email":"crawl@example.com","plan":"startup","status":"active"}"#,
        identity: Some("crawl@example.com"),
        invalid: (401, r#"{"errorCode":401,"error":"Not authorized API token."}"#),
        path: "/v4/account?token={secret}",
        headers: &[("authorization", Absent)],
    },
    Case {
        provider: "defined-networking",
        rule: "defined-networking-api-key",
        secret: "dnkey-k4oqea2zw0z73oe6nwys3cewxr-vfruxqtcnxwrvsk78p6mu1ioq62if1l31rz9bc3kxuu1l3sc40fp", // leakhound:allow: a made-up test credential
        live: r#"{"data":[{"id":"host-24NVITGSQPVX5JOFTJKTO5PFKE","name":"lighthouse-1"}],"metadata":{"hasNextPage":false}}"#,
        identity: None,
        invalid: (401, r#"{"errors":[{"code":"ERR_UNAUTHENTICATED","message":"Unauthenticated"}]}"#),
        path: "/v1/hosts?pageSize=1",
        headers: &[("authorization", Is("Bearer {secret}"))],
    },
];
