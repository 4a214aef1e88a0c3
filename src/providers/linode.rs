//! Linode (Akamai): `GET /v4/profile` with the token as a bearer token, which names the user.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Linode (Akamai).
pub struct Linode;

static INFO: Info = Info {
    name: "linode",
    docs: "https://techdocs.akamai.com/linode-api/reference/get-profile",
    base: "https://api.linode.com",
    hosts: &["api.linode.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Linode {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v4/profile", cred.secret, "username")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e8e1f3a9c4f8a2c1e9b3d4e7fa6c02d5b";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Linode,
            rule: "linode-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"username":"ops-team","email":"ops@example.com","uid":1234}"#,
            ),
            identity: Some("ops-team"),
            invalid: Reply::json(401, r#"{"errors":[{"reason":"Invalid Token"}]}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v4/profile"));
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
