//! Anthropic: API keys list models (`GET /v1/models`); admin keys read their organization
//! (`GET /v1/organizations/me`). Both authenticate with `x-api-key` and `anthropic-version`.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Anthropic.
pub struct Anthropic;

static INFO: Info = Info {
    name: "anthropic",
    docs: "https://platform.claude.com/docs/en/api/admin/organizations/me",
    base: "https://api.anthropic.com",
    hosts: &["api.anthropic.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Anthropic {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let admin = cred.secret.starts_with("sk-ant-admin");
        let path = if admin {
            "/v1/organizations/me"
        } else {
            "/v1/models?limit=1"
        };
        match api
            .get(path)
            .header("x-api-key", cred.secret)
            .header("anthropic-version", "2023-06-01")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                if admin {
                    json_str(v, "name").map(|n| format!("organization {n}"))
                } else {
                    None
                }
            }),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    #[test]
    fn api_key() {
        battery::verify(&VerifySpec {
            provider: &Anthropic,
            rule: "anthropic-api-key",
            secret: "sk-ant-api03-Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cN3mK9bL1pS6dF0gH2jK4lQ8wE3rT5yU7iO9pA-Bx8CdEfAA", // leakhound:allow: a made-up test credential
            annotations: vec![],
            live: Reply::json(200, r#"{"data":[{"id":"claude-x","type":"model"}],"has_more":true}"#),
            identity: None,
            invalid: Reply::json(401, r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/models?limit=1"));
                assert!(r.header("x-api-key").is_some_and(|k| k.starts_with("sk-ant-api03-")));
                assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn admin_key() {
        battery::verify(&VerifySpec {
            provider: &Anthropic,
            rule: "anthropic-admin-key",
            secret: "sk-ant-admin01-Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cN3mK9bL1pS6dF0gH2jK4lQ8wE3rT5yU7iO9pA-Bx8CdEfAA", // leakhound:allow: a made-up test credential
            annotations: vec![],
            live: Reply::json(200, r#"{"id":"12345678-1234-5678-1234-567812345678","name":"Acme","type":"organization"}"#),
            identity: Some("organization Acme"),
            invalid: Reply::json(401, r#"{"type":"error","error":{"type":"authentication_error"}}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/organizations/me"));
                assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
