//! Replicate: `GET /v1/account` names the user or organization an API token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Replicate.
pub struct Replicate;

static INFO: Info = Info {
    name: "replicate",
    docs: "https://replicate.com/docs/reference/http#accounts.get",
    base: "https://api.replicate.com",
    hosts: &["api.replicate.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Replicate {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(api.get("/v1/account").bearer(cred.secret).send(), |v| {
            json_str(v, "username")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "r8_lSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40u"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Replicate,
            rule: "replicate-api-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"type":"organization","username":"acme-ml","name":"Acme ML"}"#,
            ),
            identity: Some("acme-ml"),
            invalid: Reply::json(
                401,
                r#"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/account"));
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
