//! Vultr: `GET /v2/account` with the token as a bearer token, which names the account.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Vultr.
pub struct Vultr;

static INFO: Info = Info {
    name: "vultr",
    docs: "https://www.vultr.com/api/#tag/account/operation/get-account",
    base: "https://api.vultr.com",
    hosts: &["api.vultr.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Vultr {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v2/account", cred.secret, "account/email")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "QM7TZR2VXK9LPW4SB8NC3DFHJ6YG1AE5TU0I";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Vultr,
            rule: "vultr-api-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"account":{"name":"Ops","email":"ops@example.com","balance":0}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(401, r#"{"error":"Invalid API token.","status":401}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/account"));
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
