//! Duffel: `GET /air/airlines?limit=1` (bearer token, `Duffel-Version: v2`), the cheapest
//! authenticated read; Duffel has no identity endpoint for access tokens.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Duffel.
pub struct Duffel;

static INFO: Info = Info {
    name: "duffel",
    docs: "https://duffel.com/docs/api/overview/making-requests/authentication",
    base: "https://api.duffel.com",
    hosts: &["api.duffel.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Duffel {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/air/airlines?limit=1")
            .bearer(cred.secret)
            .header("Duffel-Version", "v2")
            .header("Accept", "application/json")
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
    use crate::providers::Status;

    const TOKEN: &str = "duffel_live_Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5tU0iO2wR8qZ"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Duffel,
            rule: "duffel-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"data":[{"id":"arl_00009VME7D6ivUu8dn35WK","name":"British Airways"}],"meta":{"limit":1}}"#,
            ),
            identity: None,
            invalid: Reply::json(
                401,
                r#"{"errors":[{"type":"authentication_error","code":"invalid_authorization_header","title":"Invalid authorization header"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/air/airlines?limit=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert_eq!(r.header("duffel-version"), Some("v2"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
