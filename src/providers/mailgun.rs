//! Mailgun: `GET /v4/domains?limit=1` with HTTP Basic `api:KEY`. Mailgun documents 401 as an
//! invalid key and 403 as valid credentials without access (a domain sending key, which may
//! only send).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// Mailgun (US region; `--provider-endpoint mailgun=https://api.eu.mailgun.net` for the EU).
pub struct Mailgun;

static INFO: Info = Info {
    name: "mailgun",
    docs: "https://documentation.mailgun.com/docs/mailgun/api-reference/api-overview",
    base: "https://api.mailgun.net",
    hosts: &["api.mailgun.net", "api.eu.mailgun.net"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for Mailgun {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api
            .get("/v4/domains?limit=1")
            .basic("api", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.status == 403 {
            return Verdict::active(&r, Some("a key without access to domains".into()));
        }
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "items/0/name").map(|d| format!("account with domain {d}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{base64_encode, Status};

    const KEY: &str = "key-3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Mailgun,
            rule: "mailgun-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"total_count":2,"items":[{"name":"mg.example.com","state":"active"}]}"#,
            ),
            identity: Some("account with domain mg.example.com"),
            invalid: Reply::Respond {
                status: 401,
                headers: vec![],
                body: "Forbidden".into(),
            },
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v4/domains?limit=1")
                );
                let basic = format!("Basic {}", base64_encode(format!("api:{KEY}").as_bytes()));
                assert_eq!(r.header("authorization"), Some(basic.as_str()));
            },
            forbidden: Status::Active,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }
}
