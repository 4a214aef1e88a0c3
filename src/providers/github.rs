//! GitHub: `GET /user` identifies a token's owner; `POST /credentials/revoke` (unauthenticated,
//! a list of leaked tokens) revokes personal access tokens, OAuth and GitHub App user tokens;
//! an installation token (`ghs_`) revokes itself with `DELETE /installation/token`.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// GitHub.com (or GitHub Enterprise Server through `--provider-endpoint github=URL/api/v3`).
pub struct GitHub;

static INFO: Info = Info {
    name: "github",
    docs: "https://docs.github.com/en/rest/credentials/revoke",
    base: "https://api.github.com",
    hosts: &["api.github.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

/// Token kinds `POST /credentials/revoke` documents: classic and fine-grained PATs, OAuth app
/// tokens, GitHub App user-to-server and refresh tokens (installation tokens are handled apart).
const REVOCABLE: &[&str] = &["ghp_", "github_pat_", "gho_", "ghu_", "ghr_"];

impl Provider for GitHub {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        if cred.secret.starts_with("ghr_") {
            return Verdict::unknown(None, "refresh tokens cannot call the API; not checked");
        }
        let r = match api
            .get("/user")
            .bearer(cred.secret)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // An installation token (ghs_) may not read /user: GitHub says so with a 403 naming
        // the integration, which proves the token is live.
        if r.status == 403
            && r.json()
                .and_then(|v| json_str(&v, "message"))
                .is_some_and(|m| m.contains("Resource not accessible by integration"))
        {
            return Verdict::active(&r, None);
        }
        Verdict::from_identity_endpoint(&r, |v| json_str(v, "login"))
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if cred.secret.starts_with("ghs_") {
            // An installation token revokes itself: DELETE /installation/token, 204.
            return Revocation::expect(
                api.delete("/installation/token")
                    .bearer(cred.secret)
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
                    .send(),
                204,
            );
        }
        if !REVOCABLE.iter().any(|p| cred.secret.starts_with(p)) {
            return Revocation::new(
                Outcome::Refused,
                None,
                "GitHub's revocation API does not take this kind of token",
            );
        }
        // Documented as unauthenticated: an Authorization header makes it answer 403.
        let r = match api
            .post("/credentials/revoke")
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .json(&serde_json::json!({ "credentials": [cred.secret] }))
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        match r.status {
            202 => Revocation::new(
                Outcome::Revoked,
                Some(&r),
                "accepted by GitHub (202); the token's owner is notified",
            ),
            422 => Revocation::new(
                Outcome::Failed,
                Some(&r),
                "rejected (422): validation failed or rate limited",
            ),
            _ => Revocation::from_response(&r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "ghp_R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2iO";

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &GitHub,
            rule: "github-pat-classic",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(200, r#"{"login":"octocat","id":1}"#),
            identity: Some("octocat"),
            invalid: Reply::json(401, r#"{"message":"Bad credentials"}"#),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/user"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
                assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
                assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn an_installation_token_refused_by_user_is_live() {
        let mut spec = VerifySpec {
            provider: &GitHub,
            rule: "github-server-to-server-token",
            secret: "ghs_R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2iO",
            annotations: vec![],
            live: Reply::json(
                403,
                r#"{"message":"Resource not accessible by integration"}"#,
            ),
            identity: None,
            invalid: Reply::json(401, r#"{"message":"Bad credentials"}"#),
            check: |r: &Recorded| assert_eq!(r.path, "/user"),
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        };
        battery::verify(&spec);
        spec.live = Reply::json(200, r#"{"login":"bot"}"#);
        spec.identity = Some("bot");
        battery::verify(&spec);
    }

    #[test]
    fn an_installation_token_revokes_itself() {
        battery::revoke(&RevokeSpec {
            provider: &GitHub,
            rule: "github-server-to-server-token",
            secret: "ghs_R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2iO",
            success: vec![Reply::status(204)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/installation/token")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some("Bearer ghs_R8cW2mJ5tLx9QvB3nZ7kD1fH6yP4sA0eU2iO")
                );
            },
            failure: vec![Reply::json(401, r#"{"message":"Bad credentials"}"#)],
        });
    }

    #[test]
    fn revoke_posts_the_token_unauthenticated() {
        battery::revoke(&RevokeSpec {
            provider: &GitHub,
            rule: "github-pat-classic",
            secret: TOKEN,
            success: vec![Reply::status(202)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                let r = &reqs[0];
                assert_eq!(
                    (r.method.as_str(), r.path.as_str()),
                    ("POST", "/credentials/revoke")
                );
                assert_eq!(r.header("authorization"), None, "must be unauthenticated");
                assert_eq!(r.header("content-type"), Some("application/json"));
                assert_eq!(r.body_json(), serde_json::json!({ "credentials": [TOKEN] }));
            },
            failure: vec![Reply::json(422, r#"{"message":"Validation Failed"}"#)],
        });
    }
}
