//! DigitalOcean: `GET /v2/account` (<https://docs.digitalocean.com/reference/api/api-reference/#operation/account_get>)
//! names the account of a personal access or OAuth token. Refresh tokens cannot call the API
//! and are not checked.
//!
//! Revoke (OAuth access tokens, `doo_v1_`): the OAuth API's "Revoke Token Flow"
//! (<https://docs.digitalocean.com/reference/api/oauth/#revoke>) is `POST
//! https://cloud.digitalocean.com/v1/oauth/revoke` with the token as a bearer token and the
//! required parameter `token` set to the same access token; the answer is an empty JSON object.
//! The token goes to `cloud.digitalocean.com` only for this call. Personal access tokens
//! (`dop_v1_`) are not OAuth grants and that page documents nothing for them: they are deleted
//! in the control panel, and nothing is sent.

use std::time::Duration;

use super::http::Method;
use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// DigitalOcean.
pub struct DigitalOcean;

static INFO: Info = Info {
    name: "digitalocean",
    docs: "https://docs.digitalocean.com/reference/api/oauth/#revoke",
    base: "https://api.digitalocean.com",
    hosts: &["api.digitalocean.com", "cloud.digitalocean.com"],
    revoke: true,
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

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !cred.secret.starts_with("doo_v1_") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only OAuth access tokens (doo_v1_) have a documented revocation call; delete \
                 this token in the control panel",
            );
        }
        // The OAuth server's host, or the user's endpoint override in its place.
        let url = match api.endpoint_override_host() {
            Some(_) => format!("{}/v1/oauth/revoke", api.base()),
            None => "https://cloud.digitalocean.com/v1/oauth/revoke".to_string(),
        };
        match api
            .absolute(Method::Post, &url)
            .bearer(cred.secret)
            .form(&[("token", cred.secret)])
            .send()
        {
            Ok(r) if r.ok() => Revocation::new(Outcome::Revoked, Some(&r), "revoked"),
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
    fn revoke_posts_the_oauth_token_to_the_oauth_server() {
        battery::revoke(&RevokeSpec {
            provider: &DigitalOcean,
            rule: "digitalocean-oauth-token",
            secret: OAUTH,
            success: vec![Reply::json(200, "{}")],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("POST", "/v1/oauth/revoke")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {OAUTH}").as_str())
                );
                assert_eq!(reqs[0].body_text(), format!("token={OAUTH}"));
            },
            failure: vec![Reply::json(
                401,
                r#"{"id":"unauthorized","message":"Unable to authenticate you."}"#,
            )],
        });
    }

    #[test]
    fn without_an_endpoint_the_revocation_goes_to_the_oauth_host() {
        let client = crate::providers::http::Client::new(crate::providers::http::Settings {
            dry_run: true,
            ..crate::providers::http::Settings::default()
        });
        let ann = std::collections::BTreeMap::new();
        let cred = Credential {
            rule: "digitalocean-oauth-token",
            secret: OAUTH,
            annotations: &ann,
        };
        let r = DigitalOcean.revoke(&Api::new(&client, &INFO, OAUTH), &cred);
        assert_eq!(r.outcome, Outcome::DryRun, "{r:?}");
        let d = r.detail.unwrap_or_default();
        assert!(
            d.contains("POST https://cloud.digitalocean.com/v1/oauth/revoke"),
            "{d}"
        );
        assert!(
            d.contains("credential in header Authorization and body field token"),
            "{d}"
        );
        assert!(!d.contains(OAUTH));
    }

    #[test]
    fn personal_access_tokens_are_not_sent_for_revocation() {
        battery::revoke_unsent(&DigitalOcean, "digitalocean-personal-access-token", PAT);
    }
}
