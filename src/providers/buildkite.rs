//! Buildkite: `GET /v2/access-token` describes the API access token making the request, and
//! `DELETE /v2/access-token` revokes it (both documented as needing no scope, for exactly the
//! case of a found token whose owner is unknown).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Buildkite.
pub struct Buildkite;

static INFO: Info = Info {
    name: "buildkite",
    docs: "https://buildkite.com/docs/apis/rest-api/access-token",
    base: "https://api.buildkite.com",
    hosts: &["api.buildkite.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// Only REST API access tokens (`bkua_`) use these endpoints; agent tokens do not.
fn is_api_token(cred: &Credential<'_>) -> bool {
    cred.secret.starts_with("bkua_")
}

impl Provider for Buildkite {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !is_api_token(cred) {
            return Verdict::unknown(
                None,
                "only Buildkite API access tokens (bkua_) can be checked",
            );
        }
        match api.get("/v2/access-token").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                json_str(v, "user/email")
                    .or_else(|| json_str(v, "uuid").map(|u| format!("token {u}")))
            }),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !is_api_token(cred) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only Buildkite API access tokens (bkua_) can revoke themselves",
            );
        }
        Revocation::expect(
            api.delete("/v2/access-token").bearer(cred.secret).send(),
            204,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "bkua_3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d917"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Buildkite,
            rule: "buildkite-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"uuid":"b63254c0-3271-4a98-8270-7cfbd6c2f14e","scopes":["read_builds"],"user":{"email":"ci@example.com","name":"CI"}}"#,
            ),
            identity: Some("ci@example.com"),
            invalid: Reply::json(
                401,
                r#"{"message":"Authentication required. Please supply a valid API Access Token"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/v2/access-token")
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

    #[test]
    fn revoke_deletes_the_current_token() {
        battery::revoke(&RevokeSpec {
            provider: &Buildkite,
            rule: "buildkite-api-token",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/v2/access-token")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            failure: vec![Reply::json(401, r#"{"message":"Authentication required"}"#)],
        });
    }

    #[test]
    fn agent_tokens_are_not_sent() {
        let secret = "bkct_3f9a1c7e5b2d8046a1e9c3b7d5f2a8e6c4b0d917";
        battery::verify_unsent(&Buildkite, "buildkite-agent-token", secret);
        battery::revoke_unsent(&Buildkite, "buildkite-agent-token", secret);
    }
}
