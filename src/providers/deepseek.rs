//! DeepSeek: `GET /models` with the key as a bearer token lists the models it may use.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// DeepSeek.
pub struct DeepSeek;

static INFO: Info = Info {
    name: "deepseek",
    docs: "https://api-docs.deepseek.com/api/list-models",
    base: "https://api.deepseek.com",
    hosts: &["api.deepseek.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for DeepSeek {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/models", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "sk-abfe228f219e9cb0eb53f16947ccf25e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &DeepSeek,
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
