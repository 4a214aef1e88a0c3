//! OpenAI: `GET /v1/models` with the key as a bearer token. Admin keys read the organization's
//! projects instead (`GET /v1/organization/projects?limit=1`).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// OpenAI.
pub struct OpenAi;

static INFO: Info = Info {
    name: "openai",
    docs: "https://platform.openai.com/docs/api-reference/models/list",
    base: "https://api.openai.com",
    hosts: &["api.openai.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for OpenAi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let path = if cred.secret.starts_with("sk-admin-") {
            "/v1/organization/projects?limit=1"
        } else {
            "/v1/models"
        };
        let r = match api.get(path).bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // A restricted key without the models permission is live but may not list them.
        if r.status == 403
            && r.json()
                .and_then(|v| json_str(&v, "error/message"))
                .is_some_and(|m| m.contains("insufficient permissions"))
        {
            return Verdict::active(&r, None);
        }
        let org = r.header("openai-organization").map(str::to_string);
        Verdict::from_identity_endpoint(&r, |_| org.map(|o| format!("organization {o}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const KEY: &str = "sk-proj-Qm7TzR2vXk9LpW4sB8nC3dFhT3BlbkFJ6yG1aE5tU0iO2wR8qZ4xV7c"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &OpenAi,
            rule: "openai-project-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"object":"list","data":[]}"#)
                .with_header("openai-organization", "acme-inc"),
            identity: Some("organization acme-inc"),
            invalid: Reply::json(401, r#"{"error":{"code":"invalid_api_key"}}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/models"));
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

    #[test]
    fn a_restricted_key_is_live() {
        battery::verify(&VerifySpec {
            provider: &OpenAi,
            rule: "openai-project-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                403,
                r#"{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.model.read."}}"#,
            ),
            identity: None,
            invalid: Reply::json(401, r#"{"error":{"code":"invalid_api_key"}}"#),
            check: |_| {},
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
