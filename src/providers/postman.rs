//! Postman: `GET /me` (with the key in `X-Api-Key`) names the user an API key belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Postman.
pub struct Postman;

static INFO: Info = Info {
    name: "postman",
    docs: "https://learning.postman.com/docs/developer/postman-api/authentication/",
    base: "https://api.getpostman.com",
    hosts: &["api.getpostman.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Postman {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(
            api.get("/me").header("X-Api-Key", cred.secret).send(),
            |v| json_str(v, "user/username"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "PMAK-cf575dcad6ba2b0aee0ca923-732881584d8c4fa2815d2802827283e0ad"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Postman,
            rule: "postman-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"user":{"id":12345678,"username":"octo-postman","email":"o@example.com"}}"#,
            ),
            identity: Some("octo-postman"),
            invalid: Reply::json(
                401,
                r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/me"));
                assert_eq!(r.header("x-api-key"), Some(SECRET));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
