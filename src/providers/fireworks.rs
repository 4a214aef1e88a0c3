//! Fireworks AI: `GET /inference/v1/models` (OpenAI-compatible) with the key as a bearer token.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Fireworks AI.
pub struct Fireworks;

static INFO: Info = Info {
    name: "fireworks",
    docs: "https://docs.fireworks.ai/api-reference/list-models",
    base: "https://api.fireworks.ai",
    hosts: &["api.fireworks.ai"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Fireworks {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/inference/v1/models", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "fw_tfjgVvVqE1SkHbn88HxjSI6b";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Fireworks,
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
