//! The tests of the providers converted from Rust to `verifiers/*.yml`, moved here unchanged
//! but for how they name the provider: each still pins the documented request and the reading
//! of each documented answer, now through the declarative engine.

use crate::providers::{by_name, Provider};

/// The built-in provider `name` (declarative once converted).
fn provider(name: &str) -> &'static dyn Provider {
    let p = by_name(name).unwrap_or_else(|| panic!("no provider {name}"));
    assert_eq!(p.kind(), "declarative", "{name}");
    p
}

mod groq {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("groq"),
            rule: "groq-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"list","data":[{"id":"llama-3.3-70b-versatile"}]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/openai/v1/models")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod mistral {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oO";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("mistral"),
            rule: "mistral-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"list","data":[{"id":"mistral-small-latest"}]}"#,
            ),
            identity: None,
            invalid: Reply::json(401, r#"{"message":"Unauthorized","request_id":"x"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/models"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod deepseek {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "sk-abfe228f219e9cb0eb53f16947ccf25e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("deepseek"),
            rule: "deepseek-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"list","data":[{"id":"deepseek-chat","object":"model"}]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Authentication Fails (no such user)","type":"authentication_error","code":"invalid_request_error"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/models"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod fireworks {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "fw_tfjgVvVqE1SkHbn88HxjSI6b";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("fireworks"),
            rule: "fireworks-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"list","data":[{"id":"accounts/fireworks/models/llama-v3p1-8b-instruct"}]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"object":"error","type":"invalid_request_error","message":"The API key you provided is invalid."}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/inference/v1/models")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod linode {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e8e1f3a9c4f8a2c1e9b3d4e7fa6c02d5b";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("linode"),
            rule: "linode-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"username":"ops-team","email":"ops@example.com","uid":1234}"#,
            ),
            identity: Some("ops-team"),
            invalid: Reply::json(401, r#"{"errors":[{"reason":"Invalid Token"}]}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v4/profile"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod vultr {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "QM7TZR2VXK9LPW4SB8NC3DFHJ6YG1AE5TU0I";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("vultr"),
            rule: "vultr-api-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"account":{"name":"Ops","email":"ops@example.com","balance":0}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(401, r#"{"error":"Invalid API token.","status":401}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/account"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod paystack {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "sk_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("paystack"),
            rule: "paystack-secret-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"status":true,"message":"Balances retrieved","data":[{"currency":"NGN","balance":0}]}"#,
            ),
            identity: None,
            invalid: Reply::json(401, r#"{"status":false,"message":"Invalid key"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/balance"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod asana {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "2/1204567890123456/1209876543210987:6fb008f86bebb2737f6a6f0fb23c6f5d";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("asana"),
            rule: "asana-personal-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"gid":"1204567890123456","email":"pm@example.com","name":"Pat","resource_type":"user"}}"#,
            ),
            identity: Some("pm@example.com"),
            invalid: Reply::json(401, r#"{"errors":[{"message":"Not Authorized"}]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/1.0/users/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod supabase {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "sbp_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("supabase"),
            rule: "supabase-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"[{"id":"qzrtbvxk","name":"Acme"}]"#),
            identity: Some("Acme"),
            invalid: Reply::json(401, r#"{"message":"Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/organizations")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod tavily {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("tavily"),
            rule: "tavily-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"key":{"usage":150,"limit":1000},"account":{"current_plan":"Researcher","plan_usage":150,"plan_limit":1000}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"detail":{"error":"Unauthorized: missing or invalid API key."}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/usage"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod openrouter {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str =
        "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("openrouter"),
            rule: "openrouter-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"label":"sk-or-v1-817...976","usage":25.5,"limit":100,"is_free_tier":false}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"No auth credentials found","code":401}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/v1/key"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod replicate {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "r8_lSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40u"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("replicate"),
            rule: "replicate-api-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"type":"organization","username":"acme-ml","name":"Acme ML"}"#,
            ),
            identity: Some("acme-ml"),
            invalid: Reply::json(
                401,
                r#"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/account"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod firecrawl {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "fc-3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("firecrawl"),
            rule: "firecrawl-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"success":true,"data":{"remainingCredits":1000,"planCredits":500000}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"success":false,"error":"Unauthorized: Invalid token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/team/credit-usage")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod huggingface {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("huggingface"),
            rule: "huggingface-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"type":"user","name":"octo-hf","auth":{"type":"access_token"}}"#,
            ),
            identity: Some("octo-hf"),
            invalid: Reply::json(
                401,
                r#"{"error":"Invalid credentials in Authorization header"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/whoami-v2")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod flutterwave {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "FLWSECK-3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e-X"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("flutterwave"),
            rule: "flutterwave-secret-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"status":"success","message":"Wallet balances fetched","data":[]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"status":"error","message":"Invalid authorization key","data":null}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v3/balances")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod hetzner {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("hetzner"),
            rule: "hetzner-cloud-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"servers":[],"meta":{"pagination":{"page":1,"per_page":1,"total_entries":0}}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"code":"unauthorized","message":"unable to authenticate"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/servers?per_page=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod netlify {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "nfp_WHtP3fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZo"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("netlify"),
            rule: "netlify-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"5e1","full_name":"Dev","email":"dev@example.com"}"#,
            ),
            identity: Some("dev@example.com"),
            invalid: Reply::json(
                401,
                r#"{"code":401,"message":"Access Denied: Invalid token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/user")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod square {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "EAAAl7Qm2TzR9vXk4LpW8sB3nC6dFhJ1yG5aE0tU2iO7wR4qZ9xV3cK8mN1bP6jH"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("square"),
            rule: "square-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"merchant":{"id":"MLQ8Z2","business_name":"Corner Cafe","status":"ACTIVE"}}"#,
            ),
            identity: Some("Corner Cafe"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/merchants/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod postman {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "PMAK-cf575dcad6ba2b0aee0ca923-732881584d8c4fa2815d2802827283e0ad"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("postman"),
            rule: "postman-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"user":{"id":12345678,"username":"octo-postman","email":"o@example.com"}}"#,
            ),
            identity: Some("octo-postman"),
            invalid: Reply::json(
                401,
                r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/me"));
                assert_eq!(r.header("x-api-key"), Some(SECRET));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod rubygems {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "rubygems_107f80e222f828767efc2f91624a8940f1f836f99eee3692"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("rubygems"),
            rule: "rubygems-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"[{"name":"octo-gem","version":"1.0.0"}]"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"Access Denied. Please sign up for an account at https://rubygems.org"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/gems.json")
                );
                assert_eq!(r.header("authorization"), Some(SECRET));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod pinecone {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str =
        "pcsk_4Xq7Vb_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8ZxLm5Nb7Vc3Kd9Rt1Wg2Hj4Ty6UQ"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("pinecone"),
            rule: "pinecone-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(200, r#"{"indexes":[{"name":"docs","dimension":1536}]}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/indexes"));
                assert_eq!(r.header("api-key"), Some(SECRET));
                assert_eq!(r.header("x-pinecone-api-version"), Some("2025-04"));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod adafruit {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "aio_QmTz42vXk9LpW4sB8nC3dFhJ6yG1"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("adafruit"),
            rule: "adafruit-io-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"id":1234,"username":"maker42","name":"Maker"}"#),
            identity: Some("maker42"),
            invalid: Reply::json(
                401,
                r#"{"error":"request failed - invalid API key provided"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v2/user")
                );
                assert_eq!(r.header("x-aio-key"), Some(KEY));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod assemblyai {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("assemblyai"),
            rule: "assemblyai-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"page_details":{"limit":1,"result_count":0},"transcripts":[]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":"Authentication error, API token missing/invalid"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/transcript?limit=1")
                );
                assert_eq!(r.header("authorization"), Some(SECRET));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod shippo {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "shippo_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("shippo"),
            rule: "shippo-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"{"next":null,"previous":null,"results":[]}"#),
            identity: None,
            invalid: Reply::json(401, r#"{"detail":"Invalid token."}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/addresses?results=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("ShippoToken {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod airtable {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str =
        "patYOvfZ8UzDzV8fU.55404e4fb440034d6608697a8d41bed440e50454f31af3176813e02ea68ef786";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("airtable"),
            rule: "airtable-personal-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"usrL2PNC5o3H4lBEi","scopes":["data.records:read"]}"#,
            ),
            identity: Some("user usrL2PNC5o3H4lBEi"),
            invalid: Reply::json(
                401,
                r#"{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v0/meta/whoami")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod messagebird {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("messagebird"),
            rule: "messagebird-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"payment":"prepaid","type":"euros","amount":12.5}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"errors":[{"code":2,"description":"Request not allowed (incorrect access_key)","parameter":"access_key"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/balance"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("AccessKey {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod meraki {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("meraki"),
            rule: "meraki-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"[{"id":"2930418","name":"Acme Networks"}]"#),
            identity: Some("organization Acme Networks"),
            invalid: Reply::json(401, r#"{"errors":["Invalid API key"]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/organizations")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod notion {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("notion"),
            rule: "notion-integration-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"object":"user","id":"16d84278","type":"bot","name":"Deploy","bot":{"owner":{"type":"workspace","workspace":true},"workspace_name":"Acme"}}"#,
            ),
            identity: Some("workspace Acme"),
            invalid: Reply::json(
                401,
                r#"{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/users/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
                assert_eq!(r.header("notion-version"), Some("2022-06-28"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod pagerduty {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "u+Qm7TzR2vXk9LpW4sB8";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("pagerduty"),
            rule: "pagerduty-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"abilities":["teams","read_only_users"]}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Authentication failed","code":2006}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/abilities"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Token token={KEY}").as_str())
                );
                assert_eq!(
                    r.header("accept"),
                    Some("application/vnd.pagerduty+json;version=2")
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod pulumi {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "pul-ac2f86702824c1c099724caf4941d4072014b3ce"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("pulumi"),
            rule: "pulumi-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"name":"Octo","githubLogin":"octo-pulumi","email":"o@example.com"}"#,
            ),
            identity: Some("octo-pulumi"),
            invalid: Reply::json(
                401,
                r#"{"code":401,"message":"Unauthorized: invalid access token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/user"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("token {SECRET}").as_str())
                );
                assert_eq!(r.header("accept"), Some("application/vnd.pulumi+8"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod travis {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "cDlkrCaqx9vJupc94tnwla";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("travis-ci"),
            rule: "travis-ci-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"@type":"user","id":1,"login":"octo-travis","name":"Octo"}"#,
            ),
            identity: Some("octo-travis"),
            invalid: Reply::json(
                401,
                r#"{"@type":"error","error_type":"login_required","error_message":"login required"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/user"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("token {SECRET}").as_str())
                );
                assert_eq!(r.header("travis-api-version"), Some("3"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod figma {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "figd_Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("figma"),
            rule: "figma-personal-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"123","handle":"ada","email":"ada@example.com"}"#,
            ),
            identity: Some("ada@example.com"),
            invalid: Reply::json(403, r#"{"status":403,"err":"Invalid token"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/me"));
                assert_eq!(r.header("x-figma-token"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod lemonsqueezy {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZi1kYmI4LTRlYTUtYjE3OC1kMjU0MGZjZDY5MTkiLCJqdGkiOiJRbTdUelIydlhrOUxwVzRzQjhuQzNkRmhKNnlHMWFFNXRVMGlPMndSOHFaNHhWN2NLM21OOWJQMWpINWxUOHJZMnVFZSJ9.Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7c"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("lemonsqueezy"),
            rule: "lemonsqueezy-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"jsonapi":{"version":"1.0"},"data":{"type":"users","id":"1","attributes":{"name":"Ops","email":"ops@example.com"}}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"jsonapi":{"version":"1.0"},"errors":[{"detail":"Unauthenticated.","status":"401","title":"Unauthorized"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/users/me")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert_eq!(r.header("accept"), Some("application/vnd.api+json"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod hubspot {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "pat-na1-4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("hubspot"),
            rule: "hubspot-private-app-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"portalId":24681357,"accountType":"STANDARD","uiDomain":"app.hubspot.com"}"#,
            ),
            identity: Some("portal 24681357"),
            invalid: Reply::json(
                401,
                r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/account-info/2026-03/details")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod duffel {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "duffel_live_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("duffel"),
            rule: "duffel-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":[{"id":"arl_00009VME7D6ivUu8dn35WK","name":"British Airways"}],"meta":{"limit":1}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"errors":[{"type":"authentication_error","code":"invalid_authorization_header","title":"Invalid authorization header"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/air/airlines?limit=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert_eq!(r.header("duffel-version"), Some("v2"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}

mod squarespace {
    use super::provider;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: provider("squarespace"),
            rule: "squarespace-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"5f1b2c3d4e5f6a7b8c9d0e1f","url":"https://corner-cafe.squarespace.com","siteTitle":"Corner Cafe"}"#,
            ),
            identity: Some("https://corner-cafe.squarespace.com"),
            invalid: Reply::json(
                401,
                r#"{"type":"AUTHORIZATION_ERROR","subtype":null,"message":"Invalid API key"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/1.0/authorization/website")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert!(r.header("user-agent").is_some(), "Squarespace requires one");
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
