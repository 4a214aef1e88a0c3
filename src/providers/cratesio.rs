//! crates.io: `GET /api/v1/me` names the user an API token belongs to; `DELETE
//! /api/v1/tokens/current` revokes the token the request is made with (answering 204), added
//! so that whoever finds a leaked token can revoke it without knowing its id. crates.io takes
//! the token as the whole `Authorization` value, without a scheme. It answers a request it
//! will not authenticate with 403 ("this action requires authentication"), which is not
//! specific to a dead token, so that stays unknown; only 401 is inactive.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Revocation, Verdict};

/// crates.io.
pub struct CratesIo;

static INFO: Info = Info {
    name: "crates.io",
    docs: "https://github.com/rust-lang/crates.io/issues/2653",
    base: "https://crates.io",
    hosts: &["crates.io"],
    revoke: true,
    // crates.io's crawler policy asks for at most one request per second.
    interval: Duration::from_millis(1000),
};

impl Provider for CratesIo {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/api/v1/me")
            .header("Authorization", cred.secret)
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| json_str(v, "user/login")),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        Revocation::expect(
            api.delete("/api/v1/tokens/current")
                .header("Authorization", cred.secret)
                .send(),
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

    const TOKEN: &str = "cioQm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0e"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &CratesIo,
            rule: "crates-io-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"user":{"id":42,"login":"octo-rs","name":"Octo"},"owned_crates":[]}"#,
            ),
            identity: Some("octo-rs"),
            invalid: Reply::json(401, r#"{"errors":[{"detail":"authentication failed"}]}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/v1/me"));
                assert_eq!(r.header("authorization"), Some(TOKEN));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_deletes_the_current_token() {
        battery::revoke(&RevokeSpec {
            provider: &CratesIo,
            rule: "crates-io-api-token",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/api/v1/tokens/current")
                );
                assert_eq!(reqs[0].header("authorization"), Some(TOKEN));
            },
            failure: vec![Reply::json(
                403,
                r#"{"errors":[{"detail":"authentication failed"}]}"#,
            )],
        });
    }
}
