//! Heroku: `GET /account` on the Platform API names the account an API key or OAuth token belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Heroku.
pub struct Heroku;

static INFO: Info = Info {
    name: "heroku",
    docs: "https://devcenter.heroku.com/articles/platform-api-reference#account-info",
    base: "https://api.heroku.com",
    hosts: &["api.heroku.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Heroku {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/account")
            .header("Authorization", &format!("Bearer {}", cred.secret))
            .header("Accept", "application/vnd.heroku+json; version=3")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "email"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str = "HRKU-AAs1SWOpQaPRYpzbLGViYXjU2JgJngKtFI3OyV2dZAkg05rK_gqv81RKMGHZ";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Heroku,
            rule: "heroku-api-key",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"01234567-89ab-cdef-0123-456789abcdef","email":"ops@example.com"}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"id":"unauthorized","message":"Invalid credentials provided."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/account"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {SECRET}").as_str())
                );
                assert_eq!(
                    r.header("accept"),
                    Some("application/vnd.heroku+json; version=3")
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
