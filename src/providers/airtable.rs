//! Airtable: `GET /v0/meta/whoami` identifies the user (and, with the scope, the email) behind a personal access token.

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
    interval: Duration::from_millis(100),
};

impl Provider for Airtable {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        Verdict::from_call(api.get("/v0/meta/whoami").bearer(cred.secret).send(), |v| {
            json_str(v, "id").map(|x| format!("user {x}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const SECRET: &str =
        "patYOvfZ8UzDzV8fU.55404e4fb440034d6608697a8d41bed440e50454f31af3176813e02ea68ef786";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Airtable,
            rule: "airtable-personal-access-token",
            secret: SECRET,
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
                    Some(format!("Bearer {SECRET}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
