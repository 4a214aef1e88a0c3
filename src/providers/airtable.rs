//! Airtable: `GET /v0/meta/whoami` with a personal access token as a bearer token names the
//! user (the email only when the token has the `user.email:read` scope).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Airtable.
pub struct Airtable;

static INFO: Info = Info {
    name: "airtable",
    docs: "https://airtable.com/developers/web/api/get-user-id-scopes",
    base: "https://api.airtable.com",
    hosts: &["api.airtable.com"],
    revoke: false,
    interval: Duration::from_millis(250),
};

impl Provider for Airtable {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api.get("/v0/meta/whoami").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "email").or_else(|| json_str(v, "id").map(|i| format!("user {i}")))
            }),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str =
        "patQm7TzR2vXk9LpW4.3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Airtable,
            rule: "airtable-personal-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"usrL2PNC5o3H4lBEi","scopes":["data.records:read"]}"#,
            ),
            identity: Some("user usrL2PNC5o3H4lBEi"),
            invalid: Reply::json(
                401,
                r#"{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v0/meta/whoami")
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
