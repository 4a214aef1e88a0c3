//! Cisco Meraki Dashboard API: `GET /api/v1/organizations` with the API key as a bearer token
//! lists the organizations the key's admin may see.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Cisco Meraki.
pub struct Meraki;

static INFO: Info = Info {
    name: "meraki",
    docs: "https://developer.cisco.com/meraki/api-v1/authorization/",
    base: "https://api.meraki.com",
    hosts: &["api.meraki.com"],
    revoke: false,
    interval: Duration::from_millis(200),
};

impl Provider for Meraki {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/api/v1/organizations")
            .bearer(cred.secret)
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "0/name").map(|n| format!("organization {n}"))
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

    const KEY: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Meraki,
            rule: "meraki-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"[{"id":"2930418","name":"Acme Networks"}]"#),
            identity: Some("organization Acme Networks"),
            invalid: Reply::json(401, r#"{"errors":["Invalid API key"]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/organizations")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
