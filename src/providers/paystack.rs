//! Paystack: `GET /balance` with the token as a bearer token. Secret keys only; the balance read is
//! the cheapest call a secret key can make, and Paystack has no identity endpoint.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Paystack.
pub struct Paystack;

static INFO: Info = Info {
    name: "paystack",
    docs: "https://paystack.com/docs/api/transfer-control/#balance",
    base: "https://api.paystack.co",
    hosts: &["api.paystack.co"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Paystack {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/balance", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "sk_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Paystack,
            rule: "paystack-secret-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"status":true,"message":"Balances retrieved","data":[{"currency":"NGN","balance":0}]}"#,
            ),
            identity: None,
            invalid: Reply::json(401, r#"{"status":false,"message":"Invalid key"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/balance"));
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
