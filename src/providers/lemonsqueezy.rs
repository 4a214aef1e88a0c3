//! Lemon Squeezy: `GET /v1/users/me` (JSON:API, bearer API key) names the key's user.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Lemon Squeezy.
pub struct LemonSqueezy;

static INFO: Info = Info {
    name: "lemonsqueezy",
    docs: "https://docs.lemonsqueezy.com/api/users/retrieve-user",
    base: "https://api.lemonsqueezy.com",
    hosts: &["api.lemonsqueezy.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for LemonSqueezy {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/v1/users/me")
            .bearer(cred.secret)
            .header("Accept", "application/vnd.api+json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "data/attributes/email")),
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

    const KEY: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZi1kYmI4LTRlYTUtYjE3OC1kMjU0MGZjZDY5MTkiLCJqdGkiOiJRbTdUelIydlhrOUxwVzRzQjhuQzNkRmhKNnlHMWFFNXRVMGlPMndSOHFaNHhWN2NLM21OOWJQMWpINWxUOHJZMnVFZSJ9.Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY2uEeQm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7c"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &LemonSqueezy,
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
