//! GitLab: `GET /api/v4/personal_access_tokens/self` describes the personal, project or group
//! access token making the request; `DELETE` on the same path revokes it (GitLab 15.0+).

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// GitLab.com (or a self-managed instance through `--provider-endpoint gitlab=URL`).
pub struct GitLab;

static INFO: Info = Info {
    name: "gitlab",
    docs: "https://docs.gitlab.com/api/personal_access_tokens/",
    base: "https://gitlab.com",
    hosts: &["gitlab.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// Only access tokens (`glpat-`) authenticate the token endpoints; runner, deploy, trigger and
/// the other token kinds have no self-describing endpoint a finder can use.
fn is_access_token(cred: &Credential<'_>) -> bool {
    cred.rule == "gitlab-pat" || cred.secret.starts_with("glpat-")
}

impl Provider for GitLab {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if !is_access_token(cred) {
            return Verdict::unknown(None, "only GitLab access tokens (glpat-) can be checked");
        }
        let r = match api
            .get("/api/v4/personal_access_tokens/self")
            .header("PRIVATE-TOKEN", cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok()
            && r.json()
                .is_some_and(|v| v.get("active") == Some(&serde_json::Value::Bool(false)))
        {
            return Verdict::inactive(&r, "GitLab says the token is not active");
        }
        Verdict::from_identity_endpoint(&r, |v| {
            let name = json_str(v, "name")?;
            Some(match json_str(v, "user_id") {
                Some(u) => format!("token {name:?} of user {u}"),
                None => format!("token {name:?}"),
            })
        })
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !is_access_token(cred) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only GitLab access tokens (glpat-) can revoke themselves",
            );
        }
        Revocation::expect(
            api.delete("/api/v4/personal_access_tokens/self")
                .header("PRIVATE-TOKEN", cred.secret)
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

    const TOKEN: &str = "glpat-Xq7vT2mR9kLp4sW8nB3c"; // leakhound:allow: a made-up test value

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &GitLab,
            rule: "gitlab-pat",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"id":4,"name":"ci","active":true,"revoked":false,"user_id":17,"scopes":["api"]}"#,
            ),
            identity: Some("token \"ci\" of user 17"),
            invalid: Reply::json(401, r#"{"message":"401 Unauthorized"}"#),
            check: |r: &Recorded| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, "/api/v4/personal_access_tokens/self");
                assert_eq!(r.header("private-token"), Some(TOKEN));
                assert_eq!(r.header("authorization"), None);
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_deletes_self() {
        battery::revoke(&RevokeSpec {
            provider: &GitLab,
            rule: "gitlab-pat",
            secret: TOKEN,
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(reqs[0].method, "DELETE");
                assert_eq!(reqs[0].path, "/api/v4/personal_access_tokens/self");
                assert_eq!(reqs[0].header("private-token"), Some(TOKEN));
            },
            failure: vec![Reply::json(401, r#"{"message":"401 Unauthorized"}"#)],
        });
    }

    #[test]
    fn other_token_kinds_are_not_sent() {
        let secret = "glrt-Xq7vT2mR9kLp4sW8nB3c"; // leakhound:allow: a made-up test value
        battery::verify_unsent(&GitLab, "gitlab-runner-auth-token", secret);
        battery::revoke_unsent(&GitLab, "gitlab-runner-auth-token", secret);
    }
}
