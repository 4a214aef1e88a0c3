//! Squarespace Commerce APIs: `GET /1.0/authorization/website` with the API key as a bearer
//! token names the website the key belongs to.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Squarespace.
pub struct Squarespace;

static INFO: Info = Info {
    name: "squarespace",
    docs: "https://developers.squarespace.com/commerce-apis/retrieve-basic-site-info",
    base: "https://api.squarespace.com",
    hosts: &["api.squarespace.com"],
    revoke: false,
    interval: Duration::from_millis(200),
};

impl Provider for Squarespace {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/1.0/authorization/website")
            .bearer(cred.secret)
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "url").or_else(|| json_str(v, "siteTitle"))
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

    const KEY: &str = "4f8a2c1e-9b3d-4e7f-a6c0-2d5b8e1f3a9c";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Squarespace,
            rule: "squarespace-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"5f1b2c3d4e5f6a7b8c9d0e1f","url":"https://corner-cafe.squarespace.com","siteTitle":"Corner Cafe"}"#,
            ),
            identity: Some("https://corner-cafe.squarespace.com"),
            invalid: Reply::json(
                401,
                r#"{"type":"AUTHORIZATION_ERROR","subtype":null,"message":"Invalid API key"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/1.0/authorization/website")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert!(r.header("user-agent").is_some(), "Squarespace requires one");
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
