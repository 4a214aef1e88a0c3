//! OpenRouter: `GET /api/v1/key` describes the API key making the request (its model list is public, so it proves nothing).

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// OpenRouter.
pub struct OpenRouter;

static INFO: Info = Info {
    name: "openrouter",
    docs: "https://openrouter.ai/docs/api/api-reference/api-keys/get-current-key",
    base: "https://openrouter.ai",
    hosts: &["openrouter.ai"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for OpenRouter {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/api/v1/key", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str =
        "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &OpenRouter,
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
