//! Asana: `GET /api/1.0/users/me` with the token as a bearer token, which names the personal access
//! token's user.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Asana.
pub struct Asana;

static INFO: Info = Info {
    name: "asana",
    docs: "https://developers.asana.com/reference/getuser",
    base: "https://app.asana.com",
    hosts: &["app.asana.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Asana {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(api, "/api/1.0/users/me", cred.secret, "data/email")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "2/1204938472619384/1208374619283746:3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Asana,
            rule: "asana-personal-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"gid":"1204938472619384","name":"Ops","email":"ops@example.com"}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(401, r#"{"errors":[{"message":"Not Authorized"}]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/1.0/users/me")
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
