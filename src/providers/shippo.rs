//! Shippo: `GET /addresses?results=1` with `Authorization: ShippoToken TOKEN`; Shippo has no
//! identity endpoint, and listing at most one address is its cheapest authenticated read.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Shippo.
pub struct Shippo;

static INFO: Info = Info {
    name: "shippo",
    docs: "https://docs.goshippo.com/guides/authentication",
    base: "https://api.goshippo.com",
    hosts: &["api.goshippo.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Shippo {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/addresses?results=1")
            .header("Authorization", &format!("ShippoToken {}", cred.secret))
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

    const TOKEN: &str = "shippo_live_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Shippo,
            rule: "shippo-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"{"next":null,"previous":null,"results":[]}"#),
            identity: None,
            invalid: Reply::json(401, r#"{"detail":"Invalid token."}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/addresses?results=1")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("ShippoToken {TOKEN}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
