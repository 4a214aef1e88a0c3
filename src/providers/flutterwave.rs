//! Flutterwave: `GET /v3/balances` with the token as a bearer token (secret keys, v3 API); there is
//! no identity endpoint.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Flutterwave.
pub struct Flutterwave;

static INFO: Info = Info {
    name: "flutterwave",
    docs: "https://developer.flutterwave.com/v3.0.0/reference/get-all-wallet-balances",
    base: "https://api.flutterwave.com",
    hosts: &["api.flutterwave.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Flutterwave {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/v3/balances", cred.secret, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "FLWSECK-3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e-X"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Flutterwave,
            rule: "flutterwave-secret-key",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"status":"success","message":"Wallet balances fetched","data":[]}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"status":"error","message":"Invalid authorization key","data":null}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v3/balances")
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
