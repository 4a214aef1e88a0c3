//! Square: `GET /v2/merchants/me` with the access token as a bearer token names the merchant
//! the token acts for. Production only: a sandbox token is refused there (401), and reported
//! inactive for production, which it is.

use std::time::Duration;

use super::{bearer_get, Api, Credential, Info, Provider, Verdict};

/// Square.
pub struct Square;

static INFO: Info = Info {
    name: "square",
    docs: "https://developer.squareup.com/reference/square/merchants-api/retrieve-merchant",
    base: "https://connect.squareup.com",
    hosts: &["connect.squareup.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Square {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        bearer_get(
            api,
            "/v2/merchants/me",
            cred.secret,
            "merchant/business_name",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "EAAAl7Qm2TzR9vXk4LpW8sB3nC6dFhJ1yG5aE0tU2iO7wR4qZ9xV3cK8mN1bP6jH"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Square,
            rule: "square-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"merchant":{"id":"MLQ8Z2","business_name":"Corner Cafe","status":"ACTIVE"}}"#,
            ),
            identity: Some("Corner Cafe"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/merchants/me")
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
