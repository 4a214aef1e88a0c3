//! Vercel: `GET /v2/user` names the user an access token belongs to; `DELETE
//! /v3/user/tokens/current` invalidates the token the request is authenticated with.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Revocation, Verdict};

/// Vercel.
pub struct Vercel;

static INFO: Info = Info {
    name: "vercel",
    docs: "https://vercel.com/docs/rest-api/authentication/delete-an-authentication-token",
    base: "https://api.vercel.com",
    hosts: &["api.vercel.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Vercel {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/v2/user").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // Vercel documents 401 as "not authorized" (inactive) and 403 as a lack of
        // permission, which says nothing about the token.
        Verdict::from_identity_endpoint(&r, |v| {
            json_str(v, "user/username").or_else(|| json_str(v, "user/email"))
        })
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        match api
            .delete("/v3/user/tokens/current")
            .bearer(cred.secret)
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
    use crate::providers::Status;

    const TOKEN: &str = "Vq3mT8kR2xL9pW5sN7bC4dFh";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Vercel,
            rule: "vercel-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"user":{"id":"u1","email":"web@example.com","username":"octo-web"}}"#,
            ),
            identity: Some("octo-web"),
            invalid: Reply::json(
                401,
                r#"{"error":{"code":"unauthorized","message":"The request is not authorized."}}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/user"));
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
            provider: &Vercel,
            rule: "vercel-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, r#"{"tokenId":"5d9f2ebd38ddca62"}"#)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/v3/user/tokens/current")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            failure: vec![Reply::json(401, r#"{"error":{"code":"unauthorized"}}"#)],
        });
    }
}
