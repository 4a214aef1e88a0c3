//! Mistral AI: `GET /v1/models` with the key as a bearer token lists the models it may use.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Mistral AI.
pub struct Mistral;

static INFO: Info = Info {
    name: "mistral",
    docs: "https://docs.mistral.ai/api/endpoint/models",
    base: "https://api.mistral.ai",
    hosts: &["api.mistral.ai"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Mistral {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v1/models", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oO";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mistral,
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
