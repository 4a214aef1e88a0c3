//! DigitalOcean: `GET /v2/account` names the account of a personal access or OAuth token.
//! OAuth access tokens (`doo_v1_`) are revoked through the OAuth server's
//! `POST https://cloud.digitalocean.com/v1/oauth/revoke` (the token as bearer and as the
//! `token` form field). Refresh tokens cannot call the API and are not checked.

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// DigitalOcean.
pub struct DigitalOcean;

static INFO: Info = Info {
    name: "digitalocean",
    docs: "https://docs.digitalocean.com/reference/api/oauth/",
    base: "https://api.digitalocean.com",
    hosts: &["api.digitalocean.com", "cloud.digitalocean.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// The OAuth server's revocation endpoint.
const REVOKE_URL: &str = "https://cloud.digitalocean.com/v1/oauth/revoke";

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

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !cred.secret.starts_with("doo_v1_") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only OAuth access tokens (doo_v1_) have a revocation API; delete personal \
                 access tokens in the control panel",
            );
        }
        // The OAuth server is another DigitalOcean host; under --provider-endpoint the same
        // path goes to the given base.
        let call = if api.base() == INFO.base {
            api.absolute(Method::Post, REVOKE_URL)
        } else {
            api.post("/v1/oauth/revoke")
        };
        match call
            .bearer(cred.secret)
            .form(&[("token", cred.secret)])
            .send()
        {
            Ok(r) => Revocation::from_response(&r),
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::{percent_encode, Status};

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
    fn revoke_an_oauth_token() {
        battery::revoke(&RevokeSpec {
            provider: &DigitalOcean,
            rule: "digitalocean-oauth-token",
            secret: OAUTH,
            success: vec![Reply::status(200)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                let r = &reqs[0];
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/v1/oauth/revoke")
                );
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {OAUTH}").as_str())
                );
                assert_eq!(
                    r.header("content-type"),
                    Some("application/x-www-form-urlencoded")
                );
                assert_eq!(r.body_text(), format!("token={}", percent_encode(OAUTH)));
            },
            failure: vec![Reply::json(
                401,
                r#"{"error":"invalid_token","error_description":"The access token is invalid"}"#,
            )],
        });
    }

    #[test]
    fn personal_access_tokens_are_not_sent_for_revocation() {
        let server = crate::providers::fake::FakeServer::start(vec![]);
        let client = battery::client("digitalocean", &server, false);
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "digitalocean-personal-access-token",
            secret: PAT,
            annotations: &ann,
        };
        let r = DigitalOcean.revoke(&Api::new(&client, &INFO, PAT), &cred);
        assert_eq!(r.outcome, Outcome::Refused);
        assert!(server.requests().is_empty());
    }
}
