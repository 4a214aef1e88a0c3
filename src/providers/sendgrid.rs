//! SendGrid: `GET /v3/scopes` lists the scopes of the API key making the request; every key may
//! read its own scopes, whatever else it is restricted to.

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Verdict};

/// Twilio SendGrid.
pub struct SendGrid;

static INFO: Info = Info {
    name: "sendgrid",
    docs: "https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access",
    base: "https://api.sendgrid.com",
    hosts: &["api.sendgrid.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for SendGrid {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api.get("/v3/scopes").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let n = v.get("scopes")?.as_array()?.len();
                Some(format!("key with {n} scopes"))
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

    const KEY: &str = "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"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &SendGrid,
            rule: "sendgrid-api-key",
            secret: KEY,
            annotations: vec![],
            live: Reply::json(200, r#"{"scopes":["mail.send","user.profile.read"]}"#),
            identity: Some("key with 2 scopes"),
            invalid: Reply::json(
                401,
                r#"{"errors":[{"field":null,"message":"authorization required"}]}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v3/scopes"));
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
