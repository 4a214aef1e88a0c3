//! Fastly: `GET /tokens/self` (header `Fastly-Key`) describes the API token making the
//! request; `DELETE /tokens/self` revokes it.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Provider, Revocation, Verdict};

/// Fastly.
pub struct Fastly;

static INFO: Info = Info {
    name: "fastly",
    docs: "https://www.fastly.com/documentation/reference/api/auth-tokens/user/",
    base: "https://api.fastly.com",
    hosts: &["api.fastly.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Fastly {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api
            .get("/tokens/self")
            .header("Fastly-Key", cred.secret)
            .header("Accept", "application/json")
            .send()
        {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let name = json_str(v, "name")?;
                Some(match json_str(v, "user_id") {
                    Some(u) => format!("token {name:?} of user {u}"),
                    None => format!("token {name:?}"),
                })
            }),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        Revocation::expect(
            api.delete("/tokens/self")
                .header("Fastly-Key", cred.secret)
                .header("Accept", "application/json")
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

    const TOKEN: &str = "Qm7TzR2vXk9LpW4sB8nC3dFhJ6yG1aE5";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Fastly,
            rule: "fastly-api-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":"5Yo3XXnrQpjc20u0ybrf2g","name":"deploy","user_id":"2Xbv7gMGzrf2Kx3Fky3wQi","scope":"global"}"#,
            ),
            identity: Some("token \"deploy\" of user 2Xbv7gMGzrf2Kx3Fky3wQi"),
            invalid: Reply::json(
                401,
                r#"{"msg":"Provided credentials are missing or invalid"}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("GET", "/tokens/self")
                );
                assert_eq!(r.header("fastly-key"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_deletes_tokens_self() {
        battery::revoke(&RevokeSpec {
            provider: &Fastly,
            rule: "fastly-api-token",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/tokens/self")
                );
                assert_eq!(reqs[0].header("fastly-key"), Some(TOKEN));
            },
            failure: vec![Reply::json(
                401,
                r#"{"msg":"Provided credentials are missing or invalid"}"#,
            )],
        });
    }
}
