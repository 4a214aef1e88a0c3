//! Tavily: `GET /usage` (bearer key) reports the key's and account's usage, without spending credits.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Tavily.
pub struct Tavily;

static INFO: Info = Info {
    name: "tavily",
    docs: "https://docs.tavily.com/documentation/api-reference/endpoint/usage",
    base: "https://api.tavily.com",
    hosts: &["api.tavily.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Tavily {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/usage", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Tavily,
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
