//! Particle: `GET /v1/user` with the access token as a bearer token names the user. The Cloud
//! API reference (<https://docs.particle.io/reference/cloud-apis/api/>) confirms the host and
//! the `Authorization: Bearer` form, but the `/v1/user` endpoint and its error answers could not
//! be confirmed there, so only a 2xx with the user is read (active); a rejection stays unknown.
//!
//! Revoke: `DELETE /v1/access_tokens/current` with the token as a bearer token deletes the
//! token making the request; Particle answers `{"ok": true}` ("Delete current access token",
//! <https://docs.particle.io/reference/cloud-apis/api/#delete-current-access-token>).

use std::time::Duration;

use super::{json_str, unexpected, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Particle.
pub struct Particle;

static INFO: Info = Info {
    name: "particle",
    docs: "https://docs.particle.io/reference/cloud-apis/api/#delete-current-access-token",
    base: "https://api.particle.io",
    hosts: &["api.particle.io"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Particle {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        let r = match api.get("/v1/user").bearer(cred.secret).send() {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        match r.status {
            200..=299 => match r.json() {
                Some(v) => Verdict::active(&r, json_str(&v, "username")),
                None => Verdict::unknown(Some(&r), "malformed response"),
            },
            _ => Verdict::unknown(
                Some(&r),
                &format!(
                    "{} (no answer of this endpoint is confirmed as an invalid token)",
                    unexpected(&r)
                ),
            ),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        let r = match api
            .delete("/v1/access_tokens/current")
            .bearer(cred.secret)
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok()
            && r.json().and_then(|v| v.get("ok").cloned()) == Some(serde_json::Value::Bool(false))
        {
            return Revocation::new(Outcome::Failed, Some(&r), "Particle answered ok: false");
        }
        Revocation::from_response(&r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const TOKEN: &str = "3f9a7c2e1b8d4f6a0c5e9b2d7f1a4c8e3f9a7c2e";

    #[test]
    fn verify() {
        // The endpoint's error answers are not confirmed in the documentation: a 401 stays
        // unknown.
        battery::verify_undocumented_invalid(&VerifySpec {
            provider: &Particle,
            rule: "particle-access-token",
            secret: TOKEN,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"username":"ops@example.com","subscription_ids":[]}"#,
            ),
            identity: Some("ops@example.com"),
            invalid: Reply::json(
                401,
                r#"{"error":"invalid_token","error_description":"The access token provided is invalid."}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/user"));
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
        crate::providers::fake::battery::revoke(&crate::providers::fake::battery::RevokeSpec {
            provider: &Particle,
            rule: "particle-access-token",
            secret: TOKEN,
            success: vec![Reply::json(200, r#"{"ok":true}"#)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("DELETE", "/v1/access_tokens/current")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            },
            failure: vec![Reply::json(200, r#"{"ok":false}"#)],
        });
    }
}
