//! Asana: `GET /api/1.0/users/me` names the user a personal access token belongs to.

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

    const SECRET: &str = "2/1204567890123456/1209876543210987:6fb008f86bebb2737f6a6f0fb23c6f5d";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Asana,
            rule: "asana-personal-access-token",
            secret: SECRET,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":{"gid":"1204567890123456","email":"pm@example.com","name":"Pat","resource_type":"user"}}"#,
            ),
            identity: Some("pm@example.com"),
            invalid: Reply::json(401, r#"{"errors":[{"message":"Not Authorized"}]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/1.0/users/me")
                );
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
