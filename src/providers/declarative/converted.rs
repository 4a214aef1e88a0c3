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
