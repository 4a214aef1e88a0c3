//! Contentful: a Content Management API personal access token (`CFPAT-`) reads its user
//! (`GET /users/me`). Delivery and preview tokens, which the same rule may find without a
//! prefix, are refused by that API, so they are not checked.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Contentful.
pub struct Contentful;

static INFO: Info = Info {
    name: "contentful",
    docs: "https://www.contentful.com/developers/docs/references/content-management-api/users/get-the-authenticated-user",
    base: "https://api.contentful.com",
    hosts: &["api.contentful.com"],
    revoke: false,
    interval: Duration::from_millis(150),
};

impl Provider for Contentful {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !cred.secret.starts_with("CFPAT-") {
            return Verdict::unknown(None, "only personal access tokens (CFPAT-) are checked");
        }
        match api.get("/users/me").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "email")),
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

    const TOKEN: &str = "CFPAT-Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Contentful,
            rule: "contentful-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"firstName":"Ops","email":"ops@example.com","sys":{"type":"User","id":"7BslKh9TdKGOK41VmLDjFZ"}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"sys":{"type":"Error","id":"AccessTokenInvalid"},"message":"The access token you sent could not be found or is invalid."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/users/me"));
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
