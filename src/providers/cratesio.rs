//! crates.io: `GET /api/v1/crates?following=1&per_page=1` is the one read-only endpoint that
//! authenticates an API token. `GET /api/v1/me` takes only a browser session cookie
//! (<https://github.com/rust-lang/crates.io/pull/3518>, "Forbid token auth on `/me`"), so every
//! token read as unknown there; the crate list with `following` was opened to API tokens on
//! purpose (<https://github.com/rust-lang/crates.io/pull/3470>) and runs the default auth
//! check, which accepts them (`list_crates` in
//! <https://github.com/rust-lang/crates.io/blob/main/src/controllers/krate/search.rs>, whose
//! OpenAPI security lists `api_token`). It lists the crates of the users the token's owner
//! follows, and names nobody, so an active token has no identity.
//!
//! crates.io takes the token as the whole `Authorization` value, without a scheme. It answers
//! a token it cannot find with 403 `authentication failed` (inactive) and a value that is not
//! a crates.io token at all with 401; any other 403 (a scope it lacks, a blocked client) stays
//! unknown.
//!
//! `DELETE /api/v1/tokens/current` revokes the token the request is made with (answering 204),
//! added so that whoever finds a leaked token can revoke it without knowing its id
//! (<https://github.com/rust-lang/crates.io/issues/2653>).

use std::time::Duration;

use super::{Api, Credential, Info, Provider, Revocation, Verdict};

/// crates.io.
pub struct CratesIo;

static INFO: Info = Info {
    name: "crates.io",
    docs: "https://github.com/rust-lang/crates.io/pull/3470",
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
        let r = match api
            .get("/api/v1/crates?following=1&per_page=1")
            .header("Authorization", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let failed = r.status == 403
            && r.json().is_some_and(|v| {
                v.get("errors").and_then(|e| e.as_array()).is_some_and(|a| {
                    a.iter().any(|e| {
                        e.get("detail").and_then(|d| d.as_str()) == Some("authentication failed")
                    })
                })
            });
        if failed {
            return Verdict::inactive(&r, "crates.io: authentication failed (no such token)");
        }
        Verdict::from_identity_endpoint(&r, |_| None)
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
                r#"{"crates":[],"meta":{"total":0,"next_page":null,"prev_page":null}}"#,
            ),
            identity: None,
            invalid: Reply::json(403, r#"{"errors":[{"detail":"authentication failed"}]}"#),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/api/v1/crates?following=1&per_page=1")
                );
                assert_eq!(r.header("authorization"), Some(TOKEN));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn answers_that_do_not_name_a_dead_token_stay_unknown() {
        for (reply, want) in [
            (
                Reply::json(
                    403,
                    r#"{"errors":[{"detail":"this action can only be performed on the crates.io website"}]}"#,
                ),
                Status::Unknown,
            ),
            (
                Reply::json(
                    403,
                    r#"{"errors":[{"detail":"this token does not have the required permissions to perform this action"}]}"#,
                ),
                Status::Unknown,
            ),
            (
                Reply::json(401, r#"{"errors":[{"detail":"authentication failed"}]}"#),
                Status::Inactive,
            ),
        ] {
            let (v, reqs) = battery::call(
                &CratesIo,
                "crates-io-api-token",
                TOKEN,
                &[],
                vec![reply],
                false,
                |api, cred| CratesIo.verify(api, cred),
            );
            assert_eq!(v.status, want, "{v:?}");
            assert!(reqs.iter().all(|r| r.method == "GET"));
        }
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
