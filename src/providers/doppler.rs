//! Doppler: `GET /v3/me` describes the token making the request (its workplace and type);
//! `POST /v3/auth/revoke` with `{"token": …}` revokes a CLI auth token (`dp.ct.`), the kind the
//! CLI's own logout revokes. Other kinds (service, personal, service-account tokens) are
//! revoked from the dashboard or per config, which needs names a finder does not have.

use std::time::Duration;

use super::{json_str, Api, Credential, Info, Outcome, Provider, Revocation, Verdict};

/// Doppler.
pub struct Doppler;

static INFO: Info = Info {
    name: "doppler",
    docs: "https://docs.doppler.com/reference/auth-revoke",
    base: "https://api.doppler.com",
    hosts: &["api.doppler.com"],
    revoke: true,
    interval: Duration::from_millis(100),
};

impl Provider for Doppler {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn verify(&self, api: &Api<'_>, cred: &Credential<'_>) -> Verdict {
        match api.get("/v3/me").bearer(cred.secret).send() {
            Ok(r) => Verdict::from_identity_endpoint(&r, |v| {
                let ws = json_str(v, "workplace/name")?;
                Some(match json_str(v, "type") {
                    Some(t) => format!("{t} token in workplace {ws}"),
                    None => format!("workplace {ws}"),
                })
            }),
            Err(e) => e.into(),
        }
    }

    fn revoke(&self, api: &Api<'_>, cred: &Credential<'_>) -> Revocation {
        if !cred.secret.starts_with("dp.ct.") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only Doppler CLI tokens (dp.ct.) are revoked through the API; revoke this one in the dashboard",
            );
        }
        let r = match api
            .post("/v3/auth/revoke")
            .bearer(cred.secret)
            .json(&serde_json::json!({ "token": cred.secret }))
            .send()
        {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if r.ok()
            && r.json().and_then(|v| v.get("success").cloned())
                == Some(serde_json::Value::Bool(false))
        {
            return Revocation::new(Outcome::Failed, Some(&r), "Doppler answered success: false");
        }
        Revocation::from_response(&r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fake::battery::{self, RevokeSpec, VerifySpec};
    use crate::providers::fake::{Recorded, Reply};
    use crate::providers::Status;

    const CLI: &str = "dp.ct.Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    #[test]
    fn verify() {
        battery::verify(&VerifySpec {
            provider: &Doppler,
            rule: "doppler-api-token",
            secret: CLI,
            annotations: vec![],
            live: Reply::json(
                200,
                r#"{"workplace":{"slug":"acme","name":"Acme"},"type":"cli","name":"laptop","slug":"x"}"#,
            ),
            identity: Some("cli token in workplace Acme"),
            invalid: Reply::json(
                401,
                r#"{"messages":["Invalid Auth token"],"success":false}"#,
            ),
            check: |r: &Recorded| {
                assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v3/me"));
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {CLI}").as_str())
                );
            },
            forbidden: Status::Unknown,
            not_found: Status::Unknown,
            malformed: Status::Unknown,
        });
    }

    #[test]
    fn revoke_posts_the_cli_token() {
        battery::revoke(&RevokeSpec {
            provider: &Doppler,
            rule: "doppler-api-token",
            secret: CLI,
            success: vec![Reply::json(200, r#"{"success":true}"#)],
            lookups: 0,
            dry_run_calls: 0,
            check: |reqs| {
                assert_eq!(reqs.len(), 1);
                assert_eq!(
                    (reqs[0].method.as_str(), reqs[0].path.as_str()),
                    ("POST", "/v3/auth/revoke")
                );
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some(format!("Bearer {CLI}").as_str())
                );
                assert_eq!(reqs[0].body_json(), serde_json::json!({ "token": CLI }));
            },
            failure: vec![Reply::json(200, r#"{"success":false}"#)],
        });
    }

    #[test]
    fn other_token_kinds_are_refused_without_a_request() {
        let secret = "dp.st.prd.Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential
        battery::revoke_unsent(&Doppler, "doppler-service-token", secret);
    }
}
