//! Lob: a secret API key (`live_…`, `test_…`) lists at most one address
//! (`GET /v1/addresses?limit=1`, HTTP Basic with the key as user name), the cheapest read.
//! Publishable keys (`…_pub_…`) may not read and are not checked.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Lob.
pub struct Lob;

static INFO: Info = Info {
    name: "lob",
    docs: "https://docs.lob.com/#tag/Authentication",
    base: "https://api.lob.com",
    hosts: &["api.lob.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Lob {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.contains("_pub_") {
            return Verdict::unknown(None, "publishable keys cannot read; not checked");
        }
        match api
            .get("/v1/addresses?limit=1")
            .basic(cred.secret, "")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |_| None),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{base64_encode, Status};

    const KEY: &str = "live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Lob,
            rule: "lob-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"data":[],"object":"list","count":0}"#),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"error":{"message":"Your API key is not valid. Please sign up on lob.com to get a valid api key.","status_code":401,"code":"unauthorized"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v1/addresses?limit=1")
                );
                let basic = format!("Basic {}", base64_encode(format!("{KEY}:").as_bytes()));
                assert_eq!(r.header("authorization"), Some(basic.as_str()));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
