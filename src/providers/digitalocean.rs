//! DigitalOcean: `GET /v2/account` (<https://docs.digitalocean.com/reference/api/api-reference/#operation/account_get>)
//! names the account of a personal access or OAuth token. Refresh tokens cannot call the API
//! and are not checked.
//!
//! No revocation: the OAuth server's `/revoke` endpoint is listed in the documentation
//! (<https://docs.digitalocean.com/reference/api/oauth/>) as "revoke an access token", but its
//! parameters, authentication and answers could not be confirmed there, so it is not called;
//! tokens are deleted in the control panel.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Verdict};

/// DigitalOcean.
pub struct DigitalOcean;

static INFO: Info = Info {
    name: "digitalocean",
    docs: "https://docs.digitalocean.com/reference/api/api-reference/#operation/account_get",
    base: "https://api.digitalocean.com",
    hosts: &["api.digitalocean.com"],
    revoke: false,
    interval: Duration::from_millis(100),
};

impl Provider for DigitalOcean {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.starts_with("dor_v1_") {
            return Verdict::unknown(None, "refresh tokens cannot call the API; not checked");
        }
        match api.get("/v2/account").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "account/email")),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{Outcome, Status};

    const PAT: &str = "dop_v1_3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e"; // leakhound:allow: a made-up test value
    const OAUTH: &str = "doo_v1_8e1f3a9c4f8a2c1e9b3d4e7fa6c02d5b8e1f3a9c4f8a2c1e9b3d4e7fa6c02d5b"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &DigitalOcean,
            rule: "digitalocean-personal-access-token",
            secret: PAT,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"account":{"email":"ops@example.com","uuid":"b6fr89dbf6d9156cace5f3c78dc9851d957381ef","status":"active"}}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"id":"unauthorized","message":"Unable to authenticate you."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/account"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {PAT}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn nothing_is_sent_for_revocation() {
        for (rule, secret) in [
            ("digitalocean-personal-access-token", PAT),
            ("digitalocean-oauth-token", OAUTH),
        ] {
            let server = crate::providers::fake::FakeServer::start(vec![]);
            let client = battery::client("digitalocean", &server, false);
            let ann = std::collections::BTreeMap::new();
            let cred = Credential {
                rule,
                secret,
                annotations: &ann,
            };
            let r = DigitalOcean.revoke(&Api::new(&client, &INFO, secret), &cred);
            assert_eq!(r.outcome, Outcome::Refused);
            assert!(server.requests().is_empty());
        }
    }
}
