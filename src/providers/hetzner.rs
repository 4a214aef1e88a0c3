//! Hetzner Cloud: `GET /v1/servers?per_page=1` with the token as a bearer token. Project tokens
//! have no identity endpoint; listing at most one server is the cheapest authenticated read.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Hetzner Cloud.
pub struct Hetzner;

static INFO: Info = Info {
    name: "hetzner",
    docs: "https://docs.hetzner.cloud/reference/cloud#authentication",
    base: "https://api.hetzner.cloud",
    hosts: &["api.hetzner.cloud"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Hetzner {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v1/servers?per_page=1", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ4xV7cK3mN9bP1jH5lT8rY";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Hetzner,
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
