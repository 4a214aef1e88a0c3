//! Hugging Face: `GET /api/whoami-v2` names the user or organization a token belongs to.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Hugging Face Hub.
pub struct HuggingFace;

static INFO: Info = Info {
    name: "huggingface",
    docs: "https://huggingface.co/docs/hub/api#get-apiwhoami-v2",
    base: "https://huggingface.co",
    hosts: &["huggingface.co"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for HuggingFace {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/api/whoami-v2", cred.secret, "name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "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"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &HuggingFace,
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
