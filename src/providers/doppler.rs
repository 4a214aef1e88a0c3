//! Doppler: `GET /v3/me` describes the token making the request (its workplace and type)
//! (<https://docs.doppler.com/reference/auth-me>).
//!
//! Revocation is `POST /v3/auth/revoke` with `{"token": …}` ("Revoke an auth token",
//! <https://docs.doppler.com/reference/auth-revoke>): the call takes the token itself, no
//! project, config or slug, and is what the Doppler CLI's `logout` sends for whatever token it
//! holds, a service token included (`doppler configure set token dp.st.…` then `doppler
//! logout`). Only the token in hand is named, so nothing else can be revoked by mistake.
//!
//! - **CLI tokens (`dp.ct.`)**: the documented case; a 2xx answer (without `success: false`)
//!   is revoked.
//! - **Service tokens (`dp.st.`)**: the other documented way, `DELETE
//!   /v3/configs/config/tokens/token`, needs the project and config names
//!   (<https://docs.doppler.com/reference/service_tokens-delete>), which `/v3/me` does not
//!   return; `auth/revoke` needs neither. The reference does not list which token kinds it
//!   accepts, so its answer is not taken on trust: `GET /v3/me` is asked again afterwards,
//!   and the token counts as revoked only once Doppler rejects it there (401). A token that
//!   still authenticates is a failure (and the revoke hook, if any, runs); a refused call
//!   (4xx, `success: false`) after which the token no longer authenticates was already dead.
//! - Personal, service-account, SCIM and audit tokens are refused and left to the dashboard
//!   (not covered yet: whether `auth/revoke` takes them is not documented either, and the
//!   same check afterwards would be needed).

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
        let service = cred.secret.starts_with("dp.st.");
        if !service && !cred.secret.starts_with("dp.ct.") {
            return Revocation::new(
                Outcome::Refused,
                None,
                "only Doppler CLI (dp.ct.) and service (dp.st.) tokens are revoked through the \
                 API; revoke this one in the dashboard",
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
        let said_no = r.ok()
            && r.json().and_then(|v| v.get("success").cloned())
                == Some(serde_json::Value::Bool(false));
        if !service {
            if said_no {
                return Revocation::new(
                    Outcome::Failed,
                    Some(&r),
                    "Doppler answered success: false",
                );
            }
            return Revocation::from_response(&r);
        }
        if r.status >= 500 {
            // It may have been applied; not asked again (the usual reading: check by hand).
            return Revocation::from_response(&r);
        }
        confirm_service_token(api, cred, &r, r.ok() && !said_no)
    }
}

/// Where a service token that survived `auth/revoke` can still be revoked by hand.
const BY_HAND: &str = "revoke it in the dashboard (Project → Config → Access → Service Tokens)";

/// After `auth/revoke` answered `answer` (`accepted`: 2xx without `success: false`), asks
/// `GET /v3/me` whether the service token still authenticates.
fn confirm_service_token(
    api: &Api<'_>,
    cred: &Credential<'_>,
    answer: &super::http::Response,
    accepted: bool,
) -> Revocation {
    let said = if accepted {
        format!("Doppler accepted the revocation ({})", answer.status)
    } else {
        format!("Doppler refused the revocation ({})", answer.status)
    };
    let me = match api.get("/v3/me").bearer(cred.secret).send() {
        Ok(me) => me,
        Err(e) => {
            let outcome = if accepted {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            return Revocation::new(
                outcome,
                Some(answer),
                &format!("{said}; could not check the token afterwards ({e}): check by hand"),
            );
        }
    };
    match me.status {
        401 if accepted => Revocation::new(
            Outcome::Revoked,
            Some(&me),
            &format!("{said}; the token is now rejected (401)"),
        ),
        401 => Revocation::new(
            Outcome::Revoked,
            Some(&me),
            &format!("already revoked: {said} and the token is rejected (401)"),
        ),
        200..=299 => Revocation::new(
            Outcome::Failed,
            Some(&me),
            &format!("{said}, but the token still authenticates; {BY_HAND}"),
        ),
        _ if accepted => Revocation::new(
            Outcome::Unknown,
            Some(&me),
            &format!(
                "{said}; the check afterwards got {}: check by hand",
                super::unexpected(&me)
            ),
        ),
        _ => Revocation::new(
            Outcome::Failed,
            Some(&me),
            &format!(
                "{said}; the check afterwards got {}; {BY_HAND}",
                super::unexpected(&me)
            ),
        ),
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

    const SERVICE: &str = "dp.st.prd.Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential

    /// The two documented requests of a service token's revocation: the revoke call naming the
    /// token, then the identity check with it.
    fn check_service(reqs: &[Recorded]) {
        assert_eq!(reqs.len(), 2, "{reqs:?}");
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path.as_str()),
            ("POST", "/v3/auth/revoke")
        );
        assert_eq!(reqs[0].body_json(), serde_json::json!({ "token": SERVICE }));
        assert_eq!(
            reqs[0].header("authorization"),
            Some(format!("Bearer {SERVICE}").as_str())
        );
        assert_eq!(
            (reqs[1].method.as_str(), reqs[1].path.as_str()),
            ("GET", "/v3/me")
        );
        assert_eq!(
            reqs[1].header("authorization"),
            Some(format!("Bearer {SERVICE}").as_str())
        );
    }

    const REJECTED: &str = r#"{"messages":["Invalid Service token"],"success":false}"#;
    const STILL_LIVE: &str =
        r#"{"workplace":{"slug":"acme","name":"Acme"},"type":"service_token","name":"ci"}"#;

    #[test]
    fn revoke_posts_the_service_token_then_checks_it_is_dead() {
        battery::revoke(&RevokeSpec {
            provider: &Doppler,
            rule: "doppler-service-token",
            secret: SERVICE,
            // Doppler documents an empty 200; the token is then rejected by /v3/me.
            success: vec![Reply::json(200, ""), Reply::json(401, REJECTED)],
            lookups: 0,
            dry_run_calls: 0,
            check: check_service,
            // Accepted, yet the token still authenticates: not revoked.
            failure: vec![Reply::json(200, "{}"), Reply::json(200, STILL_LIVE)],
        });
    }

    fn revoke_service(script: Vec<Reply>) -> (Revocation, Vec<Recorded>) {
        battery::call(
            &Doppler,
            "doppler-service-token",
            SERVICE,
            &[],
            script,
            false,
            |api, cred| Doppler.revoke(api, cred),
        )
    }

    #[test]
    fn a_service_token_is_revoked_only_once_doppler_rejects_it() {
        let cases: Vec<(Vec<Reply>, Outcome, &str)> = vec![
            // The documented success.
            (
                vec![
                    Reply::json(200, r#"{"success":true}"#),
                    Reply::json(401, REJECTED),
                ],
                Outcome::Revoked,
                "now rejected (401)",
            ),
            // Already revoked (or never valid here): the call is refused, the token dead.
            (
                vec![Reply::json(401, REJECTED), Reply::json(401, REJECTED)],
                Outcome::Revoked,
                "already revoked",
            ),
            (
                vec![
                    Reply::json(200, r#"{"success":false}"#),
                    Reply::json(401, REJECTED),
                ],
                Outcome::Revoked,
                "already revoked",
            ),
            // Refused, and the token still works: the dashboard it is.
            (
                vec![
                    Reply::json(400, r#"{"messages":["Invalid token"]}"#),
                    Reply::json(200, STILL_LIVE),
                ],
                Outcome::Failed,
                "still authenticates",
            ),
            (
                vec![Reply::json(403, "{}"), Reply::json(200, STILL_LIVE)],
                Outcome::Failed,
                "Service Tokens",
            ),
            // Accepted, but the check afterwards says nothing either way.
            (
                vec![Reply::json(200, "{}"), Reply::json(404, "{}")],
                Outcome::Unknown,
                "check by hand",
            ),
            // Refused, and the check says nothing: nothing shows it is dead.
            (
                vec![Reply::json(400, "{}"), Reply::json(404, "{}")],
                Outcome::Failed,
                "Service Tokens",
            ),
        ];
        for (script, want, says) in cases {
            let (r, reqs) = revoke_service(script);
            assert_eq!(r.outcome, want, "{r:?}");
            let detail = r.detail.unwrap_or_default();
            assert!(detail.contains(says), "{detail}");
            assert!(!detail.contains(SERVICE), "{detail}");
            check_service(&reqs);
        }
    }

    #[test]
    fn a_service_token_revocation_that_may_have_happened_is_not_checked_by_a_guess() {
        // 5xx: the revocation may have been applied; the usual reading, no second call.
        let (r, reqs) = revoke_service(vec![Reply::json(503, "{}")]);
        assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
        assert_eq!(reqs.len(), 1);
    }

    #[test]
    fn other_token_kinds_are_refused_without_a_request() {
        let secret = "dp.pt.Qm7TzR2vXk9LpW4sB8nC3dFh6yP4sA0eU2iOq8Zx"; // leakhound:allow: a made-up test credential
        battery::revoke_unsent(&Doppler, "doppler-api-token", secret);
    }
}
